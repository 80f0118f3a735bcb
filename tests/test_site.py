"""The documentation website, built as `make site` builds it and read in a real browser.

Builds the site into a temporary folder (tools/build_site.py: no notebook execution), opens it from
file:// in the system's Chromium (Debian package `chromium`, driven by Playwright; no browser is ever
downloaded) and reads it as a newcomer would: the home page, the training chapter and its figures, an
API page, the search box, then every page reachable from the home page with its links and pictures.
Screenshots go to tests/out/site/ (or $VIDEOCLF_TEST_OUT/site/).
"""
import os, shutil, subprocess, sys, time
from pathlib import Path
from urllib.parse import urldefrag, unquote, urlsplit
import pytest

ROOT = Path(__file__).resolve().parents[1]
OUT = Path(os.environ.get('VIDEOCLF_TEST_OUT', ROOT/'tests'/'out'))/'site'

def chromium()->str|None:
    "The system Chromium: $VIDEOCLF_CHROMIUM, else `chromium` / `chromium-browser` on the PATH."
    for c in (os.environ.get('VIDEOCLF_CHROMIUM'), shutil.which('chromium'), shutil.which('chromium-browser'), '/usr/bin/chromium'):
        if c and Path(c).exists(): return c
    return None

def build_site(out:Path)->Path:
    "A fresh build of the site (its own link check must pass: the build exits non-zero otherwise)."
    t0 = time.time()
    r = subprocess.run([sys.executable, str(ROOT/'tools'/'build_site.py'), '--out', str(out)], cwd=ROOT,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, f'the site build failed:\n{r.stdout}\n{r.stderr[-5000:]}'
    assert 'built' in r.stdout and (out/'index.html').exists()
    print(f'site built in {time.time() - t0:.1f} s: {r.stdout.strip()}')
    return out

def url(site:Path, rel:str)->str: return (site/rel).as_uri()

def chapter_notebooks()->list: return sorted((ROOT/'nbs').glob('[0-9]*.ipynb'))

def check_every_source_has_a_page(site, page):
    "A page per chapter, helper notebook, tutorial and module; the chapters' navigation lists every chapter in order."
    want = ([f'chapters/{p.stem}.html' for p in chapter_notebooks()] + [f'helpers/{p.stem}.html' for p in (ROOT/'nbs'/'helpers').glob('*.ipynb')]
            + [f'tutorials/{p.stem}.html' for p in (ROOT/'nbs'/'tutorials').glob('*.ipynb')]
            + [f"api/{'package' if p.stem == '__init__' else p.stem}.html" for p in (ROOT/'videoclf').glob('*.py') if not p.stem.startswith('_') or p.stem == '__init__']
            + ['benchmarks.html', 'contributing.html', 'search.html', 'genindex.html'])
    missing = [w for w in want if not (site/w).exists()]
    assert not missing, f'pages missing from the site: {missing}'
    page.goto(url(site, 'chapters/13_training.html'))
    nav = page.eval_on_selector_all('nav.bd-docs-nav a.reference.internal', 'as => as.map(a => a.getAttribute("href"))')
    nav = ['13_training.html' if h == '#' else h for h in nav]                                  # the page itself
    assert [h for h in nav if h.endswith('.html') and h[:2].isdigit()] == [f'{p.stem}.html' for p in chapter_notebooks()], nav
    empty = [p.name for p in (site/'api').glob('*.html') if p.name != 'index.html' and 'sig-object' not in p.read_text(encoding='utf-8')]
    assert not empty, f'API pages without any entry: {empty}'

def images_loaded(pg)->list:
    "naturalWidth of every picture in the page's article (0: it did not load)."
    pg.wait_for_load_state('load')
    return pg.eval_on_selector_all('article img', 'imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)')

def check_home(site, page):
    page.goto(url(site, 'index.html'))
    assert 'videoclf' in page.title()
    nav = page.eval_on_selector_all('.navbar-header-items a.nav-link', 'as => as.map(a => a.textContent.trim())')
    for section in ('Get started on your own data', 'Chapters', 'Helper notebooks', 'API reference', 'Benchmarks'):
        assert section in nav, f'home page: no "{section}" in the navigation bar {nav}'
    # the README's pipeline table links every chapter, in pipeline (file-name) order
    chapters = page.eval_on_selector_all('article table a[href*="chapters/"]', 'as => as.map(a => a.getAttribute("href"))')
    assert list(dict.fromkeys(chapters)) == [f'chapters/{p.stem}.html' for p in chapter_notebooks()], chapters
    page.screenshot(path=OUT/'home.png')

def check_training_chapter(site, page):
    page.goto(url(site, 'chapters/13_training.html'))
    assert page.title().startswith('Training'), page.title()
    widths = images_loaded(page)
    assert widths and all(w > 0 for w in widths), f'13_training: figures that did not load: {widths}'
    text = page.inner_text('article')
    assert '<Figure size' not in text and '\x1b[' not in text
    assert page.locator('article dl.py.function').count() >= 5, 'the exported functions are documented in place'
    assert page.locator('article div.cell_output').count() >= 5, 'code cells show their outputs'
    assert page.get_by_role('link', name='API reference').first.is_visible()
    page.screenshot(path=OUT/'chapter_13_training.png', full_page=True)

def check_api_page(site, page):
    page.goto(url(site, 'api/training.html'))
    train = page.locator('dl.py.function:has(dt[id="videoclf.training.train"])')
    assert train.count() == 1, 'api/training.html has no entry for train'
    sig, body = train.locator(':scope > dt').inner_text(), train.locator(':scope > dd').inner_text()
    assert 'experiment' in sig and 'overwrite' in sig and 'False' in sig, sig      # signature with defaults
    assert 'experiment dictionary' in body and 'returns' in body, body             # the docments table and the return
    page.screenshot(path=OUT/'api_training.png')

def check_search(site, page):
    page.goto(url(site, 'index.html'))
    page.keyboard.press('Control+k')
    box = page.locator('input[name="q"]:visible').first
    box.fill('cross_validate')
    box.press('Enter')
    page.wait_for_url('**/search.html?q=*')
    hits = page.locator('#search-results ul.search li')
    hits.first.wait_for(timeout=20000)
    assert 'cross_validate' in page.inner_text('#search-results')
    page.screenshot(path=OUT/'search.png')

def check_get_started(site, page):
    page.goto(url(site, 'tutorials/get_started.html'))
    console = page.locator('article div.highlight-console').all_inner_texts()
    commands = [l for block in console for l in block.splitlines() if l.startswith('$ videoclf')]
    # the video-only path: no extraction, every step reads the frames from the video files
    assert [c.split()[2] for c in commands] == ['labels', 'check', 'split', 'train', 'predict'], commands
    text = '\n'.join(console)
    assert 'test accuracy' in text and 'wrote my_project/predictions/session_2.csv' in text
    assert 'synth_00  video' in text, 'the check shows the videos as frame sources'
    assert 'I0000' not in text and 'absl::' not in text, "TensorFlow's start-up log is shown"
    page.screenshot(path=OUT/'get_started.png', full_page=True)

def check_every_page_and_link(site, page):
    "Crawl from the home page: every page loads its pictures; every internal link and anchor resolves."
    root = site.resolve()
    todo, seen, ids, links, broken = [site/'index.html'], set(), {}, [], []
    while todo:
        p = todo.pop()
        if p in seen: continue
        seen.add(p)
        page.goto(p.as_uri())
        ids[p] = set(page.eval_on_selector_all('[id], a[name]', 'es => es.map(e => e.id || e.getAttribute("name"))'))
        if any(w == 0 for w in images_loaded(page)): broken.append(f'{p.relative_to(root)}: a picture did not load')
        for href in page.eval_on_selector_all('a[href]', 'as => as.map(a => a.href)'):
            if urlsplit(href).scheme != 'file': continue
            target, frag = urldefrag(href)
            t = Path(unquote(urlsplit(target).path))
            links.append((p, href, t, unquote(frag)))
            if t.suffix == '.html' and t.exists() and t.resolve().is_relative_to(root): todo.append(t)
    for p, href, t, frag in links:
        where = p.relative_to(root)
        if not t.exists() or not t.resolve().is_relative_to(root): broken.append(f'{where}: {href} (no such page)')
        elif frag and t in ids and frag not in ids[t]: broken.append(f'{where}: {href} (no such anchor)')
    assert len(seen) >= 40, f'only {len(seen)} pages reachable from the home page'
    assert not broken, '\n'.join(sorted(set(broken)))

def test_site_in_browser(tmp_path):
    """One build, one browser, read as a newcomer would (one test, so parallel workers never build twice)."""
    exe = chromium()
    if exe is None:
        msg = 'no system Chromium: install the Debian package `chromium` (make system-packages does it as root)'
        if os.environ.get('CI'): pytest.fail(msg)
        pytest.skip(msg)
    site = build_site(tmp_path/'_site')
    OUT.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe)
        try:
            page = browser.new_context(viewport={'width': 1280, 'height': 900}).new_page()
            failed = []   # what a page itself needs and did not get: a missing stylesheet, script, font or picture
            page.on('requestfailed', lambda req: req.resource_type in ('fetch', 'xhr') or failed.append(req.url))
            # (the search page fetches result pages for snippets, which file:// refuses; the results show without)
            for check in (check_home, check_every_source_has_a_page, check_training_chapter, check_api_page, check_get_started, check_search,
                          check_every_page_and_link):
                t0 = time.time(); check(site, page); print(f'{check.__name__}: {time.time() - t0:.1f} s')
            assert not failed, f'resources that did not load: {failed}'
        finally: browser.close()

# ------------------------------------------------------------------ the build's own pieces, without a build

def _build_site_module():
    import importlib.util
    spec = importlib.util.spec_from_file_location('build_site', ROOT/'tools'/'build_site.py')
    mod = sys.modules['build_site'] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod

def test_link_check_finds_what_is_broken(tmp_path):
    bs = _build_site_module()
    (tmp_path/'a').mkdir()
    (tmp_path/'index.html').write_text('<a href="a/page.html#there">ok</a> <a href="a/page.html#nowhere">bad anchor</a>'
                                       '<a href="missing.html">missing</a> <img src="img.png"> <a href="https://x.org/y">ext</a>'
                                       '<a href="#top">self</a><p id="top"></p>')
    (tmp_path/'a'/'page.html').write_text('<h1 id="there">x</h1><a href="../index.html">up</a><link href="../../out.css">')
    broken = bs.broken_links(tmp_path)
    assert broken == ['a/page.html: ../../out.css (outside the site)', 'index.html: a/page.html#nowhere (no id "nowhere" on that page)',
                      'index.html: img.png (no such file)', 'index.html: missing.html (no such file)'], broken
    # Sphinx's words for a missing page or reference fail the build too
    assert bs.FATAL_WARNINGS.search("index.md:3: WARNING: toctree contains reference to nonexisting document 'chapters/99_x'")
    assert bs.FATAL_WARNINGS.search("x.ipynb:7: WARNING: 'myst' cross-reference target not found: 'nope.md' [myst.xref_missing]")

def test_outputs_read_as_a_terminal_leaves_them():
    bs = _build_site_module()
    bar = '\rfeatures:   0%|   | 0/8\rfeatures: 100%|###| 8/8\n'
    assert bs.screen(bar) == 'features: 100%|###| 8/8\n'
    nested = 'videos: 0%\n\rv1: 50%\x1b[A\r\n\r        \x1b[A\rvideos: 100%\n\x1b[1mdone\x1b[0m\r\n'   # tqdm's nested bars, colours
    assert bs.screen(nested) == 'videos: 100%\ndone\n'
    assert bs.screen('I0000 00:00:17.5   1321 port.cc:153] oneDNN custom operations are on.\nresult 1\n') == 'result 1\n'
    outs = bs.clean_outputs([{'output_type': 'display_data', 'data': {'image/png': 'iVBOR', 'text/plain': ['<Figure size 640x480 with 1 Axes>']}},
                             {'output_type': 'execute_result', 'data': {'text/plain': ['<Axes: >']}},
                             {'output_type': 'stream', 'name': 'stderr', 'text': ['a: 0%\r']}, {'output_type': 'stream', 'name': 'stderr', 'text': ['a: 100%\n']}])
    assert outs == [{'output_type': 'display_data', 'data': {'image/png': 'iVBOR'}}, {'output_type': 'stream', 'name': 'stderr', 'text': 'a: 100%\n'}]

def test_notebooks_saved_without_outputs_are_named():
    "The build names the notebooks saved unexecuted (their pages show code only), so `make docs` can be run on them."
    bs = _build_site_module()
    cell = lambda src, outputs=(): dict(cell_type='code', source=src, outputs=list(outputs))
    out = [{'output_type': 'stream', 'name': 'stdout', 'text': '3\n'}]
    assert not bs.has_outputs(dict(cells=[cell('#| export\ndef f(): pass'), cell('f()')]))
    assert bs.has_outputs(dict(cells=[cell('#| export\ndef f(): pass'), cell('print(3)', out), cell('f()')]))
    assert bs.has_outputs(dict(cells=[cell('#| hide\nimport os'), dict(cell_type='markdown', source='# Title')]))   # nothing to show
