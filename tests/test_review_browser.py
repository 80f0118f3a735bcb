"""The review loop as a person runs it: JupyterLab in a real browser.

Makes a small project of video files only (no frame folders) with a model folder following the training
contract (its frame predictions disagree with the labels on one bout), starts JupyterLab on 127.0.0.1
(a free port, a token, a temporary root folder, no browser of its own), opens the helper notebook
`review_predictions` in the system's Chromium (Debian package `chromium`, driven by Playwright; no
browser is ever downloaded), runs all its cells, clicks **next disagreement**, chooses a class and
clicks **relabel**. Then labels.csv must have changed exactly on that bout (every other row identical),
its newest backup must hold the old file and the edit log must name the user and the range.
Screenshots go to tests/out/review_browser/ (or $VIDEOCLF_TEST_OUT/review_browser/). JupyterLab, its
kernel and the browser are stopped whatever happens.
"""
import json, os, secrets, shutil, signal, socket, subprocess, sys, time, urllib.request
from pathlib import Path
import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
OUT = Path(os.environ.get('VIDEOCLF_TEST_OUT', ROOT/'tests'/'out'))/'review_browser'
NOTEBOOK = ROOT/'nbs'/'helpers'/'review_predictions.ipynb'

def chromium()->str|None:
    "The system Chromium: $VIDEOCLF_CHROMIUM, else `chromium` / `chromium-browser` on the PATH."
    for c in (os.environ.get('VIDEOCLF_CHROMIUM'), shutil.which('chromium'), shutil.which('chromium-browser'), '/usr/bin/chromium'):
        if c and Path(c).exists(): return c
    return None

def free_port()->int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def make_project(root:Path, bout:int=8):
    "Two synthetic videos (files only), their labels, and model m1 whose predictions are wrong on one bout of synth_00."
    from videoclf.core import Project, save_csv, save_json
    from videoclf.synthetic import make_synthetic_videos
    from videoclf.labels import make_labels
    prj = Project(root)
    make_synthetic_videos(prj.videos, n_videos=2, n_frames=60, fps=10, size=(96, 128), seed=2)
    labels = make_labels(prj, prj.videos/'intervals.csv', background='rest')
    classes = ['chase', 'rest']
    lab = labels.label.to_numpy(dtype=object)
    v0 = np.flatnonzero(labels.video.values == 'synth_00')
    starts = [i for i in v0[2:-bout] if (lab[i:i + bout + 2] == lab[i]).all()]   # a stretch of one label, inside the video
    a = starts[0] + 1
    pred = lab.copy(); pred[a:a + bout] = np.where(lab[a:a + bout] == 'chase', 'rest', 'chase')
    rng = np.random.default_rng(0)
    p = np.where(pred.astype(str)[:, None] == np.array(classes)[None], 0.8, 0.2) + rng.uniform(-0.15, 0.15, (len(pred), 1)) * [1, -1]
    fp = pd.DataFrame(np.round(p, 4), columns=classes).assign(prediction=pred, video=labels.video, frame=labels.frame,
                                                               label=lab, split='train')
    fp['error'] = (fp.prediction != fp.label).astype(int)
    d = prj.model_dir('m1')
    save_csv(d/'frame_predictions.csv', fp)
    save_json(d/'label_map.json', dict(classes=classes, multilabel=False))
    save_json(d/'params.json', dict(model_id='m1', architecture='image_mlp_frozen', pretrained_model_name='small_cnn'))
    first = int(labels.frame.iloc[a].split('_')[-1][:-4])
    return prj, (first, first + bout - 1), pred[a]

def notebook_for(prj, path:Path):
    "The helper notebook with its parameter cell pointed at the project."
    nb = json.loads(NOTEBOOK.read_text())
    cell = next(c for c in nb['cells'] if c['cell_type'] == 'code' and ''.join(c['source']).startswith('# Parameters'))
    cell['source'] = (f"PROJECT = {str(prj.root)!r}\nMODEL_ID = 'm1'\nVIDEO = 'synth_00'\nUSER = 'tester'\n"
                      "IMPORT_PREDICTIONS = False\nOVERLAY = False")
    path.write_text(json.dumps(nb))

KERNEL_READY = '''() => {
    const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
    return !!k && k.connectionStatus === 'connected' && k.status === 'idle';
}'''   # the notebook's kernel is started, connected and idle

def wait_until(check, timeout:float, what:str):
    t0 = time.time()
    while time.time() - t0 < timeout:
        if check(): return
        time.sleep(0.2)
    raise TimeoutError(f'{what}: not after {timeout} s')

def start_lab(root:Path, home:Path, port:int, token:str, log):
    "JupyterLab on 127.0.0.1 serving `root`, its settings and state in `home` (nothing of the user's is read or written)."
    env = {**os.environ, 'JUPYTER_CONFIG_DIR': str(home/'config'), 'JUPYTER_DATA_DIR': str(home/'data'),
           'JUPYTER_RUNTIME_DIR': str(home/'runtime'), 'JUPYTERLAB_SETTINGS_DIR': str(home/'settings'),
           'JUPYTERLAB_WORKSPACES_DIR': str(home/'workspaces'), 'IPYTHONDIR': str(home/'ipython'),
           'VIDEOCLF_USER': 'nobody', 'MPLBACKEND': 'Agg', 'TF_CPP_MIN_LOG_LEVEL': '3', 'PYTHONUNBUFFERED': '1'}
    s = home/'settings'/'@jupyterlab'/'apputils-extension'; s.mkdir(parents=True)
    (s/'notification.jupyterlab-settings').write_text(json.dumps({'fetchNews': 'false', 'checkForUpdates': False}))
    nb = home/'settings'/'@jupyterlab'/'notebook-extension'; nb.mkdir(parents=True)
    (nb/'tracker.jupyterlab-settings').write_text(json.dumps({'autoStartDefaultKernel': True}))   # no "Select Kernel" dialog
    cmd = [sys.executable, '-m', 'jupyterlab', '--no-browser', '--ip=127.0.0.1', f'--port={port}', '--ServerApp.port_retries=0',
           f'--IdentityProvider.token={token}', f'--ServerApp.root_dir={root}', '--LabApp.news_url=',
           '--LabApp.expose_app_in_browser=True']   # window.jupyterapp: the test can see when the kernel is connected
    if os.geteuid() == 0: cmd.append('--allow-root')         # CI containers run as root
    return subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

def stop_lab(proc, port:int, token:str):
    "Shut JupyterLab down (kernels first, through its API), then end it and what it started, by process id."
    import psutil
    try: children = psutil.Process(proc.pid).children(recursive=True)
    except psutil.Error: children = []
    try: urllib.request.urlopen(urllib.request.Request(f'http://127.0.0.1:{port}/api/shutdown?token={token}', method='POST'), timeout=5)
    except Exception: pass
    try: proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.terminate()
        try: proc.wait(5)
        except subprocess.TimeoutExpired: proc.kill(); proc.wait(5)
    for c in children:
        try: c.kill()
        except psutil.Error: pass

def test_review_in_jupyterlab(tmp_path):
    exe = chromium()
    if exe is None:
        msg = 'no system Chromium: install the Debian package `chromium` (make system-packages does it as root)'
        if os.environ.get('CI'): pytest.fail(msg)
        pytest.skip(msg)
    from playwright.sync_api import sync_playwright
    from videoclf.core import read_labels, backups
    from videoclf.review import read_edit_log
    t0 = time.time()
    root = tmp_path/'root'; root.mkdir()
    prj, (a, b), new = make_project(root/'study')
    notebook_for(prj, root/'review_predictions.ipynb')
    before = read_labels(prj.labels_path)
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob('*.png'): old.unlink()
    port, token = free_port(), secrets.token_hex(16)
    log = open(tmp_path/'jupyterlab.log', 'w')
    lab = start_lab(root, tmp_path/'home', port, token, log)
    try:
        def up():
            try: return urllib.request.urlopen(f'http://127.0.0.1:{port}/api/status?token={token}', timeout=2).status == 200
            except Exception: return lab.poll() is not None
        wait_until(up, 60, 'JupyterLab answering')
        assert lab.poll() is None, (tmp_path/'jupyterlab.log').read_text()
        print(f'JupyterLab up after {time.time() - t0:.1f} s')
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=exe, args=['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'])
            try:
                page = browser.new_context(viewport={'width': 1280, 'height': 1100}).new_page()
                page.goto(f'http://127.0.0.1:{port}/lab/tree/review_predictions.ipynb?token={token}')
                page.wait_for_selector('.jp-NotebookPanel .jp-Cell', timeout=60_000)
                page.wait_for_function(KERNEL_READY, timeout=60_000)
                page.locator('.lm-MenuBar-item', has_text='Run').first.click()
                page.get_by_role('menuitem', name='Run All Cells', exact=True).click()
                nxt = page.get_by_role('button', name='next disagreement', exact=True)
                nxt.wait_for(timeout=120_000)
                nxt.scroll_into_view_if_needed()
                page.screenshot(path=str(OUT/'1_widget.png'))
                print(f'widget shown after {time.time() - t0:.1f} s')
                nxt.click()
                status = page.locator('.widget-html code').first
                page.wait_for_function("s => document.body.innerText.includes(s)", arg=f'selected: {a}..{b}', timeout=30_000)
                assert f'frame {a} ' in status.inner_text(), status.inner_text()
                page.screenshot(path=str(OUT/'2_next_disagreement.png'))
                page.locator('.widget-dropdown select').select_option(new)
                page.get_by_role('button', name='relabel', exact=True).click()
                page.wait_for_function("() => document.body.innerText.includes('saved: relabel')", timeout=30_000)
                page.screenshot(path=str(OUT/'3_relabelled.png'))
            except Exception:
                page.screenshot(path=str(OUT/'failed.png')); raise
            finally:
                browser.close()
    finally:
        stop_lab(lab, port, token)
        log.close()
    print(f'done after {time.time() - t0:.1f} s')
    after = read_labels(prj.labels_path)
    names = [f'synth_00_{i:06d}.jpg' for i in range(a, b + 1)]
    here = (after.video == 'synth_00') & after.frame.isin(names)
    assert here.sum() == b - a + 1 and set(after.label[here]) == {new}             # the bout: relabelled
    assert (before.label[here] != new).all()                                       # (it was not that before)
    assert after[~here].equals(before[~here]) and after.frame.equals(before.frame)  # every other row identical
    assert read_labels(backups(prj.labels_path)[-1]).equals(before)                # the backup: the old file
    edit = read_edit_log(prj).iloc[-1]
    assert edit[['user', 'action', 'video', 'first_frame', 'last_frame', 'new_label']].tolist() == ['tester', 'relabel', 'synth_00', a, b, new]
    assert [p.name for p in sorted(OUT.glob('*.png'))] == ['1_widget.png', '2_next_disagreement.png', '3_relabelled.png']
