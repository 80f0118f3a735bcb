"""Build the documentation website into `_site/` from the notebooks as they are saved (no execution).

    python tools/build_site.py [--out _site] [--no-check]

What it renders (Sphinx + myst-nb + pydata-sphinx-theme; config and stylesheet in `site/`):
- home page: `nbs/index.ipynb` (the notebook README.md is made from);
- "Get started": every notebook in `nbs/tutorials/`;
- chapters: every `nbs/NN*.ipynb`, in file-name order (the pipeline order of the README's table);
- helper notebooks: `nbs/helpers/*.ipynb`, in the order the home page names them, then by name;
- API reference: one page per module of the package, generated here from the docments
  (fastcore.docments), so every public function and class shows its signature and a table of its
  parameters (type, default, comment) and return;
- BENCHMARKS.md and CONTRIBUTING.md.
Pages are discovered from the files, so a new chapter or helper notebook appears without editing
anything here. The build fails when Sphinx reports a missing page or reference, or when any internal
link (href/src) of the built HTML does not resolve to a file and anchor of the site.
"""
from __future__ import annotations
import argparse, ast, contextlib, html.parser, importlib, inspect, json, os, pkgutil, re, shutil, sys, tempfile, time
from configparser import ConfigParser
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT/'nbs'
SITE_CFG = ROOT/'site'     # Sphinx conf.py, stylesheet, templates

# ------------------------------------------------------------------ settings and discovery

def settings()->dict:
    "settings.ini's [DEFAULT] section."
    cfg = ConfigParser(delimiters=['=']); cfg.read(ROOT/'settings.ini', encoding='utf-8')
    return dict(cfg['DEFAULT'])

def read_nb(path:Path)->dict: return json.loads(Path(path).read_text(encoding='utf-8'))

def _visible(p:Path)->bool:
    "Notebooks the site shows: not checkpoints, not in or named like `_private`."
    return not any(part.startswith(('_', '.')) for part in p.relative_to(NBS).parts)

def chapter_paths()->list: return sorted(p for p in NBS.glob('[0-9]*.ipynb') if _visible(p))
def tutorial_paths()->list: return sorted(p for p in (NBS/'tutorials').glob('*.ipynb') if _visible(p))

def helper_paths(home_text:str)->list:
    "Helper notebooks in the order the home page first names them, the others after, by name."
    paths = sorted(p for p in (NBS/'helpers').glob('*.ipynb') if _visible(p))
    def pos(p): i = home_text.find(p.stem); return (i if i >= 0 else len(home_text), p.name)
    return sorted(paths, key=pos)

def nb_text(nb:dict, kind='markdown')->str:
    return '\n\n'.join(''.join(c['source']) for c in nb['cells'] if c['cell_type'] == kind)

def nb_title(nb:dict, default:str)->str:
    "The first `# heading` of a notebook."
    m = re.search(r'^#\s+(.+)$', nb_text(nb), re.M)
    return m.group(1).strip() if m else default

def nb_summary(nb:dict)->str:
    "The `> ` summary line(s) right under a notebook's title, joined."
    for c in nb['cells']:
        if c['cell_type'] != 'markdown': continue
        lines = ''.join(c['source']).splitlines()
        quote = [l[1:].strip() for l in lines if l.startswith('>')]
        return ' '.join(quote)
    return ''

def default_exp(nb:dict)->str|None:
    "The module a chapter exports to (`#| default_exp name`)."
    m = re.search(r'^#\|\s*default_exp\s+(\S+)', nb_text(nb, 'code'), re.M)
    return m.group(1) if m else None

# ------------------------------------------------------------------ the API reference, from the docments

PACKAGE = '__init__'   # `#| default_exp __init__`: the chapter that writes the package's own __init__.py

def page_of(modname:str)->str:
    "The API page (under api/) of a module; the package's __init__ gets 'package'."
    return 'package' if modname == PACKAGE else modname

@dataclass
class Api:
    "Public symbols of the package: where each is documented, for entries and links."
    lib: str
    modules: dict = field(default_factory=dict)   # module name -> module object
    targets: dict = field(default_factory=dict)   # 'name', 'module.name', 'Class.method' -> full dotted name
    _words: set|None = None

    @classmethod
    def load(cls, lib:str, order:list):
        "Import every public module of `lib` (chapter order first) and index its `__all__`."
        api = cls(lib)
        with _quiet_stderr(): pkg = importlib.import_module(lib)
        names = [m.name for m in pkgutil.iter_modules(pkg.__path__) if not m.name.startswith('_')]
        if PACKAGE in order and public_names(pkg): names.append(PACKAGE)
        for name in sorted(names, key=lambda n: (order.index(n) if n in order else len(order), n)):
            with _quiet_stderr(): api.modules[name] = pkg if name == PACKAGE else importlib.import_module(f'{lib}.{name}')
        counts = {}
        for name, mod in api.modules.items():
            for sym in public_names(mod): counts[sym] = counts.get(sym, 0) + 1
        for name, mod in api.modules.items():
            for sym in public_names(mod):
                full = f'{api.qualname(name)}.{sym}'
                api.targets[f'{name}.{sym}'] = api.targets[full] = full
                if counts[sym] == 1: api.targets[sym] = full
                obj = getattr(mod, sym)
                if inspect.isclass(obj):
                    for meth, _ in class_members(obj):
                        api.targets[f'{sym}.{meth}'] = api.targets[f'{full}.{meth}'] = f'{full}.{meth}'
        return api

    def qualname(self, modname:str)->str:
        "The dotted name of a module: `videoclf.training`, or `videoclf` for the package's __init__."
        return self.lib if modname == PACKAGE else f'{self.lib}.{modname}'

    def target(self, text:str)->str|None:
        """Full name of the documented object that the code text `text` names: `train(...)`, `training.train`,
        `WindowIndex`, `DEMO_EXPERIMENT`, or a bare `train` unless the package also uses that word as data
        (a split name, an experiment key...), where prose means the word, not the function."""
        m = re.fullmatch(r'([A-Za-z_][\w.]*)(\(.*\))?', text.strip())
        if not m or m.group(1) not in self.targets: return None
        name, call = m.group(1), m.group(2)
        if not call and '.' not in name and name in self.words: return None
        return self.targets[name]

    @property
    def words(self)->set:
        "Strings the package's public constants hold (tuple/list items, dict keys): words, in prose."
        if self._words is None:
            self._words = set()
            for mod in self.modules.values():
                for n in public_names(mod):
                    v = getattr(mod, n)
                    items = list(v) if isinstance(v, (tuple, list, set, frozenset, dict)) else []
                    self._words |= {x for x in items if isinstance(x, str)}
        return self._words

@contextlib.contextmanager
def _quiet_stderr():
    """Hold back what imports write to the stderr file descriptor (TensorFlow's C++ start-up log lines);
    replay it if the import fails, so an error is never hidden."""
    sys.stderr.flush()
    saved, tmp = os.dup(2), tempfile.TemporaryFile()
    os.dup2(tmp.fileno(), 2)
    try: yield
    except BaseException:
        os.dup2(saved, 2); tmp.seek(0); sys.stderr.write(tmp.read().decode(errors='replace')); raise
    finally:
        os.dup2(saved, 2); os.close(saved); tmp.close()

def public_names(mod)->list:
    "The module's `__all__` (nbdev writes it in the chapter's order), else its public defs."
    names = getattr(mod, '__all__', None)
    if names is None: names = [n for n, o in vars(mod).items() if not n.startswith('_') and getattr(o, '__module__', None) == mod.__name__]
    return [n for n in names if hasattr(mod, n)]

def class_members(cls)->list:
    "Public methods and properties a class defines itself (in definition order)."
    out = []
    for name, v in vars(cls).items():
        if name.startswith('_'): continue
        if isinstance(v, (staticmethod, classmethod)): v = v.__func__
        if inspect.isfunction(v) or isinstance(v, property): out.append((name, v))
    return out

def _parseable(expr:str)->bool:
    try: ast.parse(expr, mode='eval'); return True
    except SyntaxError: return False

def fmt_anno(a)->str:
    if a is inspect.Parameter.empty or a is inspect.Signature.empty: return ''
    return a if isinstance(a, str) else inspect.formatannotation(a)

def fmt_default(d, limit=60)->str:
    if d is inspect.Parameter.empty: return ''
    if inspect.isfunction(d) or inspect.isclass(d): return d.__name__
    r = repr(d)
    return r if len(r) <= limit else r[:limit - 1] + '…'

def _escape_md(s:str)->str:
    "Plain text for a markdown table cell: `<` kept literal outside code, `|` escaped, one line."
    parts = re.split(r'(`[^`]*`)', ' '.join(str(s).split()))
    return ''.join(p if p.startswith('`') else p.replace('<', r'\<') for p in parts).replace('|', r'\|')

def _code(s:str)->str: return f'`{s}`'.replace('|', r'\|') if s else ''

def _docments(obj)->dict:
    from fastcore.docments import docments
    try: return docments(obj, full=True)
    except Exception: return {}

def signature_line(name:str, obj, skip_self=False)->str:
    "`name(p: type = default, ...) -> ret` as Sphinx's python domain parses it."
    try: sig = inspect.signature(obj)
    except (TypeError, ValueError): return name
    params, star_done = [], False
    plist = list(sig.parameters.values())
    if skip_self and plist and plist[0].name in ('self', 'cls'): plist = plist[1:]
    for p in plist:
        if p.kind is p.KEYWORD_ONLY and not star_done: params.append('*'); star_done = True
        prefix = {p.VAR_POSITIONAL: '*', p.VAR_KEYWORD: '**'}.get(p.kind, '')
        if p.kind is p.VAR_POSITIONAL: star_done = True
        s = prefix + p.name
        a = fmt_anno(p.annotation)
        if a and _parseable(a): s += f': {a}'
        if p.default is not p.empty:
            d = repr(p.default)
            s += ' = ' + (d if _parseable(d) and len(d) <= 40 else '...')
        params.append(s)
    ret = fmt_anno(sig.return_annotation)
    return f"{name}({', '.join(params)})" + (f' -> {ret}' if ret and _parseable(ret) and ret != 'None' else '')

def params_table(obj, skip_self=False)->str:
    """Markdown table of the parameters (type as annotated, default, the comment beside it) and the return;
    columns empty in every row are left out, and so is the table when no parameter has a comment."""
    try: sig = inspect.signature(obj)
    except (TypeError, ValueError): return ''
    comments = {k: (v or {}).get('docment') or '' for k, v in _docments(obj).items()}
    rows = []
    for p in sig.parameters.values():
        if skip_self and p.name in ('self', 'cls') and not rows: continue
        label = {p.VAR_POSITIONAL: '*', p.VAR_KEYWORD: '**'}.get(p.kind, '') + p.name
        rows.append([f'**{_escape_md(label)}**', _code(fmt_anno(p.annotation)), _code(fmt_default(p.default)),
                     _escape_md(comments.get(p.name, ''))])
    ret = fmt_anno(sig.return_annotation)
    if comments.get('return') or ret not in ('', 'None'):
        rows.append(['**returns**', _code(ret), '', _escape_md(comments.get('return', ''))])
    header = ['parameter', 'type', 'default', 'details']
    keep = [0] + [i for i in (1, 2, 3) if any(r[i] for r in rows)]
    if 3 not in keep: return ''      # no comment anywhere: the signature already says it all
    table = [[h for i, h in enumerate(header) if i in keep], ['---'] * len(keep)] + [[c for i, c in enumerate(r) if i in keep] for r in rows]
    return '\n'.join('| ' + ' | '.join(r) + ' |' for r in table)

def _doc(obj)->str:
    doc = inspect.getdoc(obj) or ''
    return _escape_text(doc)

def _escape_text(s:str)->str:
    "Docstring markdown with a bare `<word>` (e.g. models/<model_id>) kept as text, not taken for HTML."
    parts = re.split(r'(`[^`]*`)', s)
    return ''.join(p if p.startswith('`') else p.replace('<', r'\<') for p in parts)

def _directive(kind:str, sig:str, body:list, module:str|None, noindex:bool, fence:str='```', options=())->str:
    opts = list(options) + ([f':module: {module}'] if module else []) + ([':no-index:', ':no-contents-entry:'] if noindex else [])
    return '\n'.join([f'{fence}{{py:{kind}}} {sig}', *opts, '', *[b for b in body if b], fence])

def entry_md(api:Api, modname:str, name:str, noindex=False, link=lambda s: s)->str:
    "One object's entry: signature, docstring, parameter table (classes: with their methods)."
    mod = api.modules[modname]; obj = getattr(mod, name)
    module = api.qualname(modname) if noindex else None
    if inspect.isclass(obj):
        own_init = '__init__' in vars(obj) or hasattr(obj, '__dataclass_fields__')
        if own_init: sig = signature_line(name, obj)
        elif issubclass(obj, BaseException): sig = f'{name}(message)'
        else: sig = name
        body = [link(_doc(obj))]
        if own_init: body.append(params_table(obj, skip_self=True))
        base = [b for b in obj.__bases__ if b is not object]
        if base: body.insert(0, 'Bases: ' + ', '.join(f'`{b.__module__}.{b.__qualname__}`' for b in base))
        for meth, v in class_members(obj):
            if isinstance(v, property):
                body.append(_directive('property', meth, [link(_escape_text(inspect.getdoc(v) or ''))], None, noindex))
            else:
                body.append(_directive('method', signature_line(meth, v, skip_self=True),
                                       [link(_doc(v)), params_table(v, skip_self=True)], None, noindex))
        return _directive('class', sig, body, module, noindex, fence='````')
    if callable(obj):
        return _directive('function', signature_line(name, obj), [link(_doc(obj)), params_table(obj)], module, noindex)
    return _directive('data', name, [value_md(obj)], module, noindex, options=[f':type: {type(obj).__name__}'])

def value_md(obj)->str:
    "A constant's value, short: a registry (dict) by its keys."
    if isinstance(obj, dict):
        keys = ', '.join(f'`{k}`' for k in list(obj)[:40]) + (', …' if len(obj) > 40 else '')
        return f'{len(obj)} entries: {keys}.'
    r = repr(obj)
    return f'Value: `{r if len(r) <= 200 else r[:199] + "…"}`'

def export_names(src:str)->list:
    "Names a code cell defines at top level (functions, classes, assignments), in order."
    try: tree = ast.parse(src)
    except SyntaxError: return []
    out = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)): out.append(node.name)
        elif isinstance(node, ast.Assign):
            out += [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name): out.append(node.target.id)
    return out

def imports_only(src:str)->bool:
    "A cell of nothing but imports (its code is set-up, not something to read)."
    try: return all(isinstance(n, (ast.Import, ast.ImportFrom)) for n in ast.parse(src).body)
    except SyntaxError: return False

def api_page(api:Api, modname:str, chapter:tuple|None, link=lambda s: s)->str:
    "The reference page of one module: every public object, in the chapter's order."
    mod = api.modules[modname]
    lines = [f'# {api.qualname(modname)}', '']
    doc = chapter[2] if chapter else (mod.__doc__ or '').strip()
    if doc and not doc.startswith('AUTOGENERATED'): lines += [link(_escape_text(doc)), '']
    if chapter: lines += [f'The chapter [{chapter[1]}](/chapters/{chapter[0]}.ipynb) explains and shows this module step by step.', '']
    lines += [f'```{{py:module}} {api.qualname(modname)}', '```', '']
    for name in public_names(mod): lines += [entry_md(api, modname, name, link=link), '']
    return '\n'.join(lines)

# ------------------------------------------------------------------ markdown: links and auto-links

HTML_TAGS = set('a abbr b br center code dd del details div dl dt em figcaption figure h1 h2 h3 h4 h5 h6 hr i img '
                'kbd li ol p pre s small span strong sub summary sup table tbody td th thead tr u ul'.split())

@dataclass
class Links:
    "Where things live in the site: repository paths and short names -> doc paths (from the source root)."
    api: Api
    git_url: str
    branch: str
    docs: dict = field(default_factory=dict)    # repository path -> '/doc/path.ext'
    names: dict = field(default_factory=dict)   # `13_training`, `helper_extract_frames` -> '/doc/path.ext'
    dest: Path|None = None                      # the Sphinx source tree: images of the repository are copied into it

    def rewrite(self, text:str, src:Path)->str:
        "Markdown with relative links to repository files mapped to their pages (else to the repository)."
        def fix(m):
            label, target = m.group(1), m.group(2)
            if re.match(r'[a-z][a-z0-9+.-]*:|#|/', target): return m.group(0)
            path, _, frag = target.partition('#')
            p = (src.parent/unquote(path)).resolve()
            try: rel = p.relative_to(ROOT).as_posix()
            except ValueError: return m.group(0)
            if rel in self.docs: return f"[{label}]({self.docs[rel]}{'#' + frag if frag else ''})"
            if p.exists(): return f"[{label}]({self.git_url}/blob/{self.branch}/{rel})"
            return m.group(0)
        def image(m):   # an image file of the repository: copied into the site, linked from the source root
            label, target = m.group(1), m.group(2)
            if self.dest is None or re.match(r'[a-z][a-z0-9+.-]*:|#|/', target): return m.group(0)
            p = (src.parent/unquote(target)).resolve()
            try: rel = p.relative_to(ROOT).as_posix()
            except ValueError: return m.group(0)
            if not p.is_file(): return m.group(0)
            (self.dest/'_repo'/rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(p, self.dest/'_repo'/rel)
            return f"![{label}](/_repo/{rel})"
        text = re.sub(r'!\[([^\]]*)\]\(([^)\s]+)\)', image, text)
        return re.sub(r'(?<!!)\[([^\]]*)\]\(([^)\s]+)\)', fix, text)

    def autolink(self, text:str)->str:
        "Code spans naming a page (`13_training`) or a documented object (`train`) become links."
        def fix(m):
            code = m.group(1)
            if code in self.names: return f'[`{code}`]({self.names[code]})'
            full = self.api.target(code)
            return f'{{py:obj}}`{code} <{full}>`' if full else m.group(0)
        return _outside_fences(text, lambda s: re.sub(r'(?<![`\[\w])`([^`\n<>]+)`(?![`\]])', fix, s))

def _outside_fences(text:str, f)->str:
    "Apply f to the markdown outside fenced code blocks."
    parts = re.split(r'(^(?:```|~~~)[^\n]*\n.*?^(?:```|~~~)[ \t]*$)', text, flags=re.M | re.S)
    return ''.join(p if i % 2 else f(p) for i, p in enumerate(parts))

def escape_placeholders(text:str)->str:
    "`<video>`-like placeholders in prose stay text (Jupyter would hide them as unknown HTML tags)."
    def fix(s):
        parts = re.split(r'(`[^`\n]*`)', s)
        return ''.join(p if p.startswith('`') else
                       re.sub(r'<(/?)([A-Za-z_][\w.-]*)([^<>\n]*)>', lambda m: m.group(0) if m.group(2).lower() in HTML_TAGS else r'\<' + m.group(0)[1:], p)
                       for p in parts)
    return _outside_fences(text, fix)

# ------------------------------------------------------------------ notebooks: what a reader sees

ANSI_OR_CTRL = re.compile(r'(\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r|\n|\x08)')
TF_NOISE = re.compile(r'^(?:[IWEF]\d{4} [\d:.]+\s+\d+ \S+:\d+\] .*'
                      r'|WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR'
                      r'|To enable the following instructions: .* rebuild TensorFlow with the appropriate compiler flags\.)$')

def screen(text:str)->str:
    "What a terminal shows after printing `text`: progress bars (\\r, cursor-up) collapsed, colours dropped."
    rows, r, c = [''], 0, 0
    for tok in ANSI_OR_CTRL.split(text):
        if not tok: continue
        if tok == '\n': r += 1; c = 0
        elif tok == '\r': c = 0
        elif tok == '\x08': c = max(0, c - 1)
        elif tok.startswith('\x1b['):
            n = int(re.sub(r'\D', '', tok[2:-1]) or 1) if tok[-1] in 'ABCDG' else 0
            if tok[-1] == 'A': r = max(0, r - n)
            elif tok[-1] == 'B': r += n
            elif tok[-1] == 'C': c += n
            elif tok[-1] == 'D': c = max(0, c - n)
            elif tok[-1] == 'G': c = n - 1
            elif tok[-1] == 'K':
                while len(rows) <= r: rows.append('')
                rows[r] = rows[r][:c]
        elif tok.startswith('\x1b]'): continue
        else:
            while len(rows) <= r: rows.append('')
            line = rows[r].ljust(c)
            rows[r] = line[:c] + tok + line[c + len(tok):]
            c += len(tok)
    lines = [l.rstrip() for l in rows]
    lines = [l for l, raw in zip(lines, rows) if (l or not raw) and not TF_NOISE.match(l)]
    return '\n'.join(lines).strip('\n') + '\n'

FIGURE_REPR = re.compile(r'^<(?:Figure size [^>]*|Axes:[^>]*|matplotlib\.[^>]*|seaborn\.[^>]*)>$')

def clean_outputs(outputs:list)->list:
    "Merged, terminal-rendered streams; no `<Figure size ...>` texts beside (or instead of) the picture."
    out = []
    for o in outputs:
        o = dict(o)
        if o['output_type'] == 'stream':
            text = ''.join(o['text'])
            if out and out[-1]['output_type'] == 'stream' and out[-1]['name'] == o['name']:
                out[-1]['text'] += text; continue
            o['text'] = text; out.append(o); continue
        if o['output_type'] in ('display_data', 'execute_result'):
            data = dict(o['data'])
            plain = ''.join(data.get('text/plain', ''))
            if FIGURE_REPR.match(plain.strip()):
                data.pop('text/plain')
                if not data: continue
            o['data'] = data
        out.append(o)
    for o in out:
        if o['output_type'] == 'stream':
            o['text'] = screen(o['text'])
    return [o for o in out if o['output_type'] != 'stream' or o['text'].strip()]

def directives(src:str)->dict:
    "nbdev/Quarto cell directives: `#| export` -> {'export': ''}, `#| echo: false` -> {'echo': 'false'}."
    d = {}
    for l in src.splitlines():
        m = re.match(r'#\|\s*([\w-]+):?\s*(.*)$', l)
        if m: d[m.group(1)] = m.group(2).strip()
    return d

def strip_directives(src:str)->str:
    return '\n'.join(l for l in src.splitlines() if not l.startswith('#|')).strip('\n')

def md_cell(text:str)->dict: return dict(cell_type='markdown', metadata={}, source=text)

def _fence(text:str)->str:
    n = max([3] + [len(m) + 1 for m in re.findall(r'`{3,}', text)])
    return '`' * n

def shell_cell(src:str, outputs:list)->dict|None:
    "A cell of `!command` lines shown as a terminal session: `$ command` and what it printed."
    lines = [l for l in src.splitlines() if l.strip()]
    if not lines or not all(l.startswith('!') for l in lines): return None
    printed = ''.join(o['text'] for o in outputs if o['output_type'] == 'stream')
    body = '\n'.join('$ ' + l[1:].strip() for l in lines) + ('\n' + printed.rstrip('\n') if printed.strip() else '')
    f = _fence(body)
    return md_cell(f'{f}console\n{body}\n{f}')

LEXERS = {'.yaml': 'yaml', '.yml': 'yaml', '.json': 'json', '.csv': 'text', '.txt': 'text', '.py': 'python', '.sh': 'bash'}

def writefile_cell(src:str)->dict|None:
    "A `%%writefile path` cell shown as the file it writes."
    m = re.match(r'%%writefile(?:\s+-a)?\s+(\S+)\n(.*)', src, re.S)
    if not m: return None
    path, body = m.group(1), m.group(2).rstrip('\n')
    f = _fence(body)
    return md_cell(f'`{path}`:\n\n{f}{LEXERS.get(Path(path).suffix.lower(), "text")}\n{body}\n{f}')

def page_nb(nb:dict, src:Path, api:Api, links:Links, intro:str|None=None)->dict:
    """A notebook as the site shows it (nbdev's rules): hidden cells dropped, `#|` lines removed, exported
    code folded under the API entries of what it defines, clean outputs, linked names."""
    modname = default_exp(nb)
    cells = []
    for cell in nb['cells']:
        src_text = ''.join(cell['source'])
        if cell['cell_type'] == 'markdown':
            text = links.autolink(links.rewrite(escape_placeholders(src_text), src))
            cells.append(md_cell(text))
            if intro and len(cells) == 1: cells.append(md_cell(intro))
            continue
        if cell['cell_type'] != 'code': continue
        d = directives(src_text)
        if {'hide', 'default_exp'} & d.keys() or d.get('include') == 'false': continue
        code = strip_directives(src_text)
        if not code.strip(): continue
        outputs = clean_outputs(cell.get('outputs', []))
        special = shell_cell(code, outputs) or writefile_cell(code)
        if special: cells.append(special); continue
        tags = []
        exp = next((k for k in ('export', 'exports', 'exporti') if k in d), None)
        if exp:
            target = d[exp] or modname
            names = [n for n in export_names(code) if target in api.modules and n in public_names(api.modules[target])]
            if exp != 'exporti':
                for n in names: cells.append(md_cell(entry_md(api, target, n, noindex=True, link=links.autolink)))
            if not names and imports_only(code): continue
            if exp != 'exports': tags.append('hide-input')
        if d.get('echo') == 'false': tags.append('remove-input')
        if d.get('output') == 'false': tags.append('remove-output')
        cells.append(dict(cell_type='code', execution_count=None, metadata={'tags': tags} if tags else {},
                          outputs=outputs, source=code))
    meta = dict(nb.get('metadata', {}))
    meta['kernelspec'] = {'name': 'python3', 'display_name': 'Python 3', 'language': 'python'}
    meta['language_info'] = {'name': 'python', 'pygments_lexer': 'ipython3'}
    return dict(nbformat=4, nbformat_minor=5, metadata=meta, cells=[_with_id(c, i) for i, c in enumerate(cells)])

def _with_id(cell:dict, i:int)->dict: return {**cell, 'id': f'site{i:04d}'}

def toctree(entries:list, caption:str|None=None, hidden=True)->str:
    opts = [':maxdepth: 1'] + ([':hidden:'] if hidden else []) + ([f':caption: {caption}'] if caption else [])
    return '\n'.join(['```{toctree}', *opts, '', *entries, '```'])

# ------------------------------------------------------------------ staging: every page of the site

def stage(dest:Path)->dict:
    "Write the Sphinx source tree into `dest`; returns counts of what it holds."
    cfg = settings()
    home_nb = read_nb(NBS/'index.ipynb')
    home_text = nb_text(home_nb)
    chapters = [(p, read_nb(p)) for p in chapter_paths()]
    helpers = [(p, read_nb(p)) for p in helper_paths(home_text)]
    tutorials = [(p, read_nb(p)) for p in tutorial_paths()]
    exports = {p.stem: default_exp(nb) for p, nb in chapters}
    order = [m for m in exports.values() if m]
    api = Api.load(cfg['lib_name'], order)
    chapter_of = {m: (stem, nb_title(nb, stem), nb_summary(nb)) for (p, nb), (stem, m) in zip(chapters, exports.items()) if m}

    links = Links(api, cfg.get('git_url', ''), cfg.get('branch', 'main'), dest=dest)
    links.docs.update({'README.md': '/index.ipynb', 'nbs/index.ipynb': '/index.ipynb',
                       'BENCHMARKS.md': '/benchmarks.md', 'CONTRIBUTING.md': '/contributing.md'})
    for group, items in (('chapters', chapters), ('helpers', helpers), ('tutorials', tutorials)):
        for p, _ in items:
            links.docs[p.relative_to(ROOT).as_posix()] = f'/{group}/{p.name}'
            links.names[p.stem] = f'/{group}/{p.name}'
    for m in api.modules: links.docs[f"{cfg['lib_path']}/{m}.py"] = f'/api/{page_of(m)}.md'

    shutil.copytree(SITE_CFG, dest, dirs_exist_ok=True)
    def write(rel, text):
        (dest/rel).parent.mkdir(parents=True, exist_ok=True)
        (dest/rel).write_text(text if isinstance(text, str) else json.dumps(text, indent=1), encoding='utf-8')

    # home: the README's notebook, and the site's top-level sections
    home = page_nb(home_nb, ROOT/'README.md', api, links)   # its links are written for README.md
    sections = ([f'tutorials/{p.stem}' for p, _ in tutorials] + ['chapters/index', 'helpers/index', 'api/index',
                'Benchmarks <benchmarks>', 'Contributing <contributing>'])
    home['cells'].append(_with_id(md_cell(toctree(sections)), len(home['cells'])))
    write('index.ipynb', home)

    for p, nb in tutorials: write(f'tutorials/{p.name}', page_nb(nb, p, api, links))
    for p, nb in chapters:
        m = exports[p.stem]
        intro = (f'Module {{py:mod}}`{api.qualname(m)}` ([API reference](/api/{page_of(m)}.md)) · notebook `nbs/{p.name}`'
                 if m else f'Notebook `nbs/{p.name}`')
        write(f'chapters/{p.name}', page_nb(nb, p, api, links, intro=intro))
    for p, nb in helpers:
        write(f'helpers/{p.name}', page_nb(nb, p, api, links, intro=f'Notebook `nbs/helpers/{p.name}`: open it in JupyterLab, edit the parameter cell, run all cells.'))
    for m in api.modules: write(f'api/{page_of(m)}.md', api_page(api, m, chapter_of.get(m), link=links.autolink))

    rows = '\n'.join(f"| [{p.stem.split('_')[0]} · {_escape_md(nb_title(nb, p.stem))}](/chapters/{p.name}) | {_escape_md(nb_summary(nb))} | "
                     + (f'[`{api.qualname(exports[p.stem])}`](/api/{page_of(exports[p.stem])}.md)' if exports[p.stem] else '') + ' |'
                     for p, nb in chapters)
    write('chapters/index.md', '# Chapters\n\nThe pipeline, one chapter per step, in the order you run it. Each chapter explains '
          'its step, shows it working on small synthetic (or real) data with the outputs saved when it was last run, '
          'and tests it; its functions are listed in the API reference.\n\n| chapter | what it does | module |\n|---|---|---|\n'
          + rows + '\n\n' + toctree([f'{p.stem}' for p, _ in chapters]) + '\n')
    rows = '\n'.join(f"| [{_escape_md(nb_title(nb, p.stem))}](/helpers/{p.name}) | `{p.stem}` | {_escape_md(nb_summary(nb))} |" for p, nb in helpers)
    write('helpers/index.md', '# Helper notebooks\n\nShort notebooks for your own data, one step each: copy one, set the '
          'parameter cell at the top to your project folder and run all cells. They call the same functions '
          'as the chapters and the `videoclf` command.\n\n| notebook | file | what it does |\n|---|---|---|\n'
          + rows + '\n\n' + toctree([p.stem for p, _ in helpers]) + '\n')
    rows = '\n'.join(f"| [`{api.qualname(m)}`](/api/{page_of(m)}.md) | "
                     + (f'[{_escape_md(chapter_of[m][1])}](/chapters/{chapter_of[m][0]}.ipynb)' if m in chapter_of else '')
                     + f' | {len(public_names(api.modules[m]))} |' for m in api.modules)
    write('api/index.md', '# API reference\n\nEvery public function, class and constant of the package, one page per '
          'module, generated from the code: the signature, the docstring and a table of the parameters '
          '(type, default and the comment beside each in the source) and of the return value.\n\n'
          '| module | chapter | public objects |\n|---|---|---|\n' + rows + '\n\n' + toctree([page_of(m) for m in api.modules]) + '\n')
    for name, doc in (('BENCHMARKS.md', 'benchmarks.md'), ('CONTRIBUTING.md', 'contributing.md')):
        write(doc, links.autolink(links.rewrite(escape_placeholders((ROOT/name).read_text(encoding='utf-8')), ROOT/name)))
    return dict(chapters=len(chapters), helpers=len(helpers), tutorials=len(tutorials), modules=len(api.modules),
                objects=sum(len(public_names(m)) for m in api.modules.values()),
                unexecuted=[p.relative_to(ROOT).as_posix() for p, nb in chapters + tutorials if not has_outputs(nb)])

def has_outputs(nb:dict)->bool:
    "Whether a notebook was saved executed: some code cell has an output, or no code cell is shown on its page."
    code = [c for c in nb['cells'] if c['cell_type'] == 'code']
    shown = [c for c in code if not {'hide', 'default_exp', 'export', 'exporti'} & directives(''.join(c['source'])).keys()]
    return not shown or any(c.get('outputs') for c in code)

# ------------------------------------------------------------------ the build and its link check

# Sphinx warnings that mean a page or a link is missing: these fail the build.
FATAL_WARNINGS = re.compile(r'toctree contains reference to nonexisting document|document isn\'t included in any toctree'
                            r'|\[myst\.xref_missing\]|\[ref\.|undefined label|unknown document|image file not readable'
                            r'|Unknown target name|duplicate label', re.I)

def sphinx_build(src:Path, out:Path, doctrees:Path, jobs:int=1)->list:
    "Run Sphinx's html builder from scratch; returns its warnings."
    import io
    from sphinx.application import Sphinx
    warnings = io.StringIO()
    app = Sphinx(str(src), str(src), str(out), str(doctrees), 'html', status=None, warning=warnings,
                 freshenv=True, parallel=jobs)
    app.build()
    if app.statuscode: raise SystemExit(f'sphinx failed (status {app.statuscode}):\n{warnings.getvalue()}')
    return [l for l in warnings.getvalue().splitlines() if l.strip()]

class _Refs(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.links, self.ids = [], set()
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if 'id' in a: self.ids.add(a['id'])
        if tag == 'a' and 'name' in a: self.ids.add(a['name'])
        for k in ('href', 'src'):
            if a.get(k) and not (tag == 'link' and a.get('rel') in ('preconnect', 'dns-prefetch')): self.links.append((tag, a[k]))

def broken_links(site:Path)->list:
    "Internal links of every HTML page that do not resolve to a file of the site (and an id on that page)."
    pages = {}
    for p in site.rglob('*.html'):
        r = _Refs(); r.feed(p.read_text(encoding='utf-8', errors='replace')); pages[p.resolve()] = r
    broken = []
    for page, r in pages.items():
        if '_static' in page.relative_to(site.resolve()).parts: continue   # theme templates, not pages
        for tag, link in r.links:
            u = urlsplit(link)
            if u.scheme or u.netloc or link.startswith(('javascript:', 'mailto:', 'data:')): continue
            target = (page.parent/unquote(u.path)).resolve() if u.path else page
            if target.is_dir(): target = target/'index.html'
            try: target.relative_to(site.resolve())
            except ValueError: broken.append(f'{page.relative_to(site.resolve())}: {link} (outside the site)'); continue
            if not target.exists(): broken.append(f'{page.relative_to(site.resolve())}: {link} (no such file)'); continue
            frag = unquote(u.fragment)
            if frag and target in pages and frag not in pages[target].ids:
                broken.append(f'{page.relative_to(site.resolve())}: {link} (no id "{frag}" on that page)')
    return sorted(set(broken))

def build(out:Path=ROOT/'_site', check:bool=True)->dict:
    "Stage, build with Sphinx into a temporary folder, check the links, then replace `out`."
    os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
    t0 = time.time()
    work = Path(tempfile.mkdtemp(prefix='.site_build.', dir=ROOT))
    try:
        counts = stage(work/'src')
        t1 = time.time()
        html_dir = work/'html'
        warnings = sphinx_build(work/'src', html_dir, work/'doctrees', jobs=min(2, os.cpu_count() or 1))
        fatal = [w for w in warnings if FATAL_WARNINGS.search(w)]
        for w in warnings: print('warning:', w.replace(str(work/'src') + '/', ''), file=sys.stderr)
        broken = broken_links(html_dir) if check else []
        (html_dir/'.buildinfo').unlink(missing_ok=True)
        (html_dir/'.nojekyll').touch()
        if out.exists(): shutil.rmtree(out)
        shutil.move(str(html_dir), str(out))
    finally: shutil.rmtree(work, ignore_errors=True)
    counts.update(pages=len(list(out.rglob('*.html'))), seconds=round(time.time() - t0, 1), stage_seconds=round(t1 - t0, 1))
    if fatal or broken:
        msg = '\n'.join(['missing pages or references (Sphinx):', *fatal] * bool(fatal) + ['broken internal links:', *broken] * bool(broken))
        raise SystemExit(f'{msg}\nthe site in {out} is incomplete: fix the links above.')
    return counts

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--out', type=Path, default=ROOT/'_site', help='output folder (default _site/)')
    ap.add_argument('--no-check', action='store_true', help='skip the internal link check')
    a = ap.parse_args()
    c = build(a.out.resolve(), check=not a.no_check)
    print(f"built {a.out}: {c['pages']} pages ({c['chapters']} chapters, {c['helpers']} helper notebooks, "
          f"{c['tutorials']} tutorials, {c['modules']} API pages with {c['objects']} objects) in {c['seconds']} s; "
          f"open {a.out}/index.html")
    if c['unexecuted']:
        print(f"note: {len(c['unexecuted'])} notebook(s) saved without outputs show their code only: {', '.join(c['unexecuted'])}; "
              "`make docs` (or tools/execute_nbs.py NOTEBOOK) executes them")
