"""Fault tests: real training processes killed (SIGKILL) at random points, also in the middle of a write, then
re-run; several trainings of one model at once; damaged per-frame cache files.

Every re-run must resume or start over with a notice and end with a complete model folder (nothing
half-written, no leftovers), and since a resumed run is the same run, with the very metrics of a run that
was never interrupted. One driver process imports TensorFlow once and forks the training processes (fork
is cheap; nothing in the driver has touched TensorFlow's runtime), so the file runs in well under a minute
on 2 cores. `VIDEOCLF_FAULT_SEED` picks other kill points (default 0); run `pytest -s` to see the counts.

    python tests/test_faults.py OUT_DIR     # the driver alone: writes OUT_DIR/faults.json
"""
import os, sys, json, time, signal, random, zipfile, subprocess, contextlib
from pathlib import Path
import pytest

# one training process: a tiny feature model (features cache) and a tiny pixel model (frame cache, backbone unfrozen
# in round 2), two rounds of three epochs each
EXPERIMENTS = {
    'features': dict(architecture='video_lrcnn_frozen', pretrained_model_name='small_cnn', weights=None, frame_size=24,
                     sequence_length=3, sequence_model='Convolution1D', convolution_kernel_size=2, layer_1_size=4),
    'pixels': dict(architecture='image_mlp_trainable', pretrained_model_name='small_cnn', weights=None, frame_size=24,
                   layer_1_size=4, fine_tune_layers=0),
}
COMMON = dict(epochs=3, patience=5, learning_rates=[1e-3, 1e-4], batch_size=8, verbose=0, seed=1)
KILLS_PER_RUN = 3          # a run is killed this many times before it may finish
SAME = ('fit_train_loss', 'fit_val_loss', 'fit_test_loss', 'fit_test_acc', 'fit_best_round', 'fit_best_epoch', 'fit_num_epochs')


# ---------------------------------------------------------------- the driver (its own process)
def _exp(kind, model_id): return {**EXPERIMENTS[kind], **COMMON, 'model_id': model_id}

def _child(log_path, fn):
    "Fork a process running fn() with stdout/stderr in log_path; exit 0 on success, 3 on a VideoclfError, 4 otherwise."
    pid = os.fork()
    if pid: return pid
    code = 4
    try:
        fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(fd, 1); os.dup2(fd, 2)
        import warnings; warnings.simplefilter('always')
        from videoclf.core import VideoclfError
        try: fn(); code = 0
        except VideoclfError as err: print(f'VideoclfError: {err}', flush=True); code = 3
    except BaseException:
        import traceback; traceback.print_exc()
    finally:
        sys.stdout.flush(); sys.stderr.flush()
        os._exit(code)

HANG = 'hang'

def _wait(pid, timeout_s:float=240):
    "Exit code, -signal, or HANG (killed after `timeout_s`: a run that hangs is a failure too)."
    end = time.time() + timeout_s
    while True:
        done, st = os.waitpid(pid, os.WNOHANG)
        if done: return -os.WTERMSIG(st) if os.WIFSIGNALED(st) else os.WEXITSTATUS(st)
        if time.time() > end:
            os.kill(pid, signal.SIGKILL); os.waitpid(pid, 0); return HANG
        time.sleep(0.05)

def _killing_writes(k:int=None)->list:
    "Count this process's crash-safe writes; the k-th one (if given) dies (SIGKILL) half-way: temp file half written, not renamed."
    import videoclf.core as core, videoclf.training as training
    n = [0]
    orig_aw, orig_rw = core.atomic_write, training._replace_with
    def die(): os.kill(os.getpid(), signal.SIGKILL)
    @contextlib.contextmanager
    def atomic_write(path, mode='w', encoding='utf-8'):
        n[0] += 1
        with orig_aw(path, mode, encoding) as f:
            yield f
            if n[0] == k: f.flush(); os.ftruncate(f.fileno(), f.tell() // 2); die()
    def replace_with(path, write):
        n[0] += 1
        if n[0] != k: return orig_rw(path, write)
        def half(tmp):
            write(tmp); size = os.path.getsize(tmp); os.truncate(tmp, size // 2); die()
        return orig_rw(path, half)
    core.atomic_write, training._replace_with = atomic_write, replace_with
    return n

def _train_fn(prj, e, kill_at_write=None):
    def run():
        from videoclf.training import train
        t0, n = time.time(), _killing_writes(kill_at_write)
        train(e, prj)
        print('RESULT ' + json.dumps(dict(seconds=time.time() - t0, writes=n[0])), flush=True)
    return run

def _result(log:Path)->dict:
    return json.loads(log.read_text().split('RESULT ', 1)[1].splitlines()[0])

def _leftovers(out:Path)->list:
    "Files an unfinished or half-written run would leave."
    bad = [p.name for p in out.iterdir() if p.name in ('_progress.json', '_checkpoints', '_backup', 'claim')
           or p.name.startswith('.') or p.name.endswith('.tmp')]
    return sorted(bad)

def _folder_problems(out:Path, ref:dict, ref_hist)->list:
    "What is wrong with a model folder that should be complete and equal to the reference run."
    import pandas as pd
    from videoclf.core import load_json
    probs = []
    if not (out/'results.json').exists(): return [f'{out.name}: no results.json']
    r = load_json(out/'results.json')
    for f in ('params.json', 'fit_history.csv', 'model_best.keras', 'frame_predictions.csv', 'label_map.json',
              'confusion_matrix.csv', 'test_predictions.npy', 'train.log'):
        if not (out/f).exists(): probs.append(f'{out.name}: {f} missing')
    try:
        with zipfile.ZipFile(out/'model_best.keras') as z:
            if z.testzip() is not None: probs.append(f'{out.name}: model_best.keras damaged')
    except (zipfile.BadZipFile, OSError) as err: probs.append(f'{out.name}: model_best.keras unreadable ({err})')
    if _leftovers(out): probs.append(f'{out.name}: leftovers {_leftovers(out)}')
    if {k: r.get(k) for k in SAME} != {k: ref[k] for k in SAME}:
        probs.append(f'{out.name}: metrics {[r.get(k) for k in SAME]} differ from the uninterrupted run {[ref[k] for k in SAME]}')
    hist = pd.read_csv(out/'fit_history.csv').drop(columns='learning_rate').values.tolist()
    if hist != ref_hist: probs.append(f'{out.name}: fit history differs from the uninterrupted run')
    return probs

def _cache_problems(cache:Path)->list:
    "Cache files that do not match their manifest record."
    from videoclf.core import load_json
    from videoclf.cache import cache_file_problem
    out = []
    for man in cache.rglob('manifest.json'):
        for v, rec in load_json(man)['videos'].items():
            why = cache_file_problem(man.parent/f'{v}.npy', rec.get('file'), len(rec['names']))
            if why: out.append(f'{man.parent/v}.npy {why}')
    return out

def _classify(stderr:str, log_before:str, log_after:str)->str:
    "What a re-run did: resumed, started over with a notice, or neither (a failure) -- or was killed before deciding."
    if any(s in stderr for s in ('starts over', 'starts from the beginning')): return 'restarted'
    new = log_after[len(log_before):] if log_after.startswith(log_before) else log_after
    if 'resuming after' in new: return 'resumed'
    return 'undecided'

def _chain(prj, kind, mid, rng, logs:Path, ref:dict)->dict:
    "Train model `mid`, killing it KILLS_PER_RUN times (at random moments or inside a random write), then let it finish."
    out, attempts = prj.model_dir(mid), []
    for i in range(KILLS_PER_RUN + 1):
        last = i == KILLS_PER_RUN
        how = None if last else rng.choice(['time', 'write'])
        k = rng.randint(1, ref['writes']) if how == 'write' else None   # any write of a whole run, the cache's included
        before = (out/'train.log').read_text() if (out/'train.log').exists() else ''
        log = logs/f'{mid}.{i}.log'
        pid = _child(log, _train_fn(prj, _exp(kind, mid), k))
        if how == 'time':
            time.sleep(rng.uniform(0.1, 0.8) * ref['seconds'])
            with contextlib.suppress(ProcessLookupError): os.kill(pid, signal.SIGKILL)
        code = _wait(pid)                                  # reaped: a zombie would still look alive to the claim
        text = log.read_text()
        after = (out/'train.log').read_text() if (out/'train.log').exists() else ''
        attempts.append(dict(how=how or 'finish', write=k, code=code, killed=code == -signal.SIGKILL,
                             did=_classify(text, before, after) if i else 'first',
                             raw_error=code not in (0, 3, -signal.SIGKILL) or 'Traceback' in text, tail=text[-600:]))
        if code == 0 or (out/'results.json').exists(): break
    if not (out/'results.json').exists() or attempts[-1]['code'] != 0:   # finished by a killed attempt: a last call cleans up
        code = _wait(_child(logs/f'{mid}.final.log', _train_fn(prj, _exp(kind, mid))))
        text = (logs/f'{mid}.final.log').read_text()
        attempts.append(dict(how='final', write=None, code=code, killed=False, did='already trained' if code == 3 else 'resumed',
                             raw_error=code not in (0, 3) or 'Traceback' in text, tail=text[-600:]))
    return dict(model=mid, kind=kind, attempts=attempts)

def drive(root:Path)->dict:
    os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
    t0 = time.time()
    import pandas as pd
    import videoclf.training  # noqa: F401  (TensorFlow imported once; children are forked from here)
    from videoclf.core import Project, load_json
    from videoclf.synthetic import synthetic_project
    rng = random.Random(int(os.environ.get('VIDEOCLF_FAULT_SEED', 0)))
    logs = root/'logs'; logs.mkdir(parents=True)
    base = synthetic_project(root/'p', n_videos=4, n_frames=24, size=(24, 24), seed=0)
    ref_prj = Project(base.root, cache_dir=base.root/'cache_reference')   # the faulty runs build their caches themselves
    prj = Project(base.root, cache_dir=base.root/'cache')
    res = dict(import_s=round(time.time() - t0, 1))
    # uninterrupted reference runs (in parallel)
    t1 = time.time()
    pids = {kind: _child(logs/f'ref_{kind}.log', _train_fn(ref_prj, _exp(kind, f'ref_{kind}'))) for kind in EXPERIMENTS}
    codes = {kind: _wait(pid) for kind, pid in pids.items()}
    res['reference_s'] = round(time.time() - t1, 1)
    assert codes == {k: 0 for k in EXPERIMENTS}, [(logs/f'ref_{k}.log').read_text()[-2000:] for k in EXPERIMENTS]
    ref = {kind: load_json(ref_prj.model_dir(f'ref_{kind}')/'results.json') for kind in EXPERIMENTS}
    ref_hist = {kind: pd.read_csv(ref_prj.model_dir(f'ref_{kind}')/'fit_history.csv').drop(columns='learning_rate').values.tolist()
                for kind in EXPERIMENTS}
    runs = {kind: _result(logs/f'ref_{kind}.log') for kind in EXPERIMENTS}    # seconds and writes of an uninterrupted run
    res['reference'] = runs
    # kill chains, one per kind, side by side
    t2 = time.time()
    import threading
    chains = {}
    def run_chain(kind): chains[kind] = _chain(prj, kind, f'killed_{kind}', random.Random(rng.random()), logs, runs[kind])
    threads = [threading.Thread(target=run_chain, args=(k,)) for k in EXPERIMENTS]
    for t in threads: t.start()
    for t in threads: t.join()
    res['chains_s'] = round(time.time() - t2, 1)
    res['chains'] = [chains[k] for k in EXPERIMENTS]
    res['chain_problems'] = [p for k in EXPERIMENTS for p in _folder_problems(prj.model_dir(f'killed_{k}'), ref[k], ref_hist[k])]
    res['cache_problems'] = _cache_problems(prj.cache)
    res['cache_orphans'] = sorted(p.name for p in prj.cache.rglob('.*.tmp'))
    # three trainings of one model_id at once
    t3 = time.time()
    pids = [_child(logs/f'race{i}.log', _train_fn(prj, _exp('features', 'race'))) for i in range(3)]
    race = [dict(code=_wait(pid), tail=(logs/f'race{i}.log').read_text()[-600:]) for i, pid in enumerate(pids)]
    res['race_s'] = round(time.time() - t3, 1)
    res['race'] = race
    res['race_problems'] = _folder_problems(prj.model_dir('race'), ref['features'], ref_hist['features'])
    # damaged cache files: each video's features file damaged another way, then a model trained on them
    t4 = time.time()
    folder = next((prj.cache/'features').iterdir())
    damage = {}
    for (v, how) in zip(sorted(p.stem for p in folder.glob('*.npy')), ('empty', 'truncated', 'zeroed', 'random')):
        p = folder/f'{v}.npy'; raw = p.read_bytes(); damage[p.name] = how
        p.write_bytes({'empty': b'', 'truncated': raw[:len(raw) // 2], 'zeroed': raw[:128] + bytes(len(raw) - 128),
                       'random': os.urandom(len(raw))}[how])
    code = _wait(_child(logs/'damaged.log', _train_fn(prj, _exp('features', 'after_damage'))))
    text = (logs/'damaged.log').read_text()
    res['damaged_s'] = round(time.time() - t4, 1)
    res['damaged'] = dict(code=code, files=damage, noticed=[n for n in damage if f'{n} ' in text and 'recomputing' in text],
                          raw_error='Traceback' in text, tail=text[-1500:])
    res['damaged_problems'] = (_folder_problems(prj.model_dir('after_damage'), ref['features'], ref_hist['features'])
                               + _cache_problems(prj.cache))
    res['total_s'] = round(time.time() - t0, 1)
    return res


# ---------------------------------------------------------------- the tests
@pytest.fixture(scope='module')
def faults(tmp_path_factory):
    root = tmp_path_factory.mktemp('faults')
    p = subprocess.run([sys.executable, __file__, str(root)], capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    res = json.loads((root/'faults.json').read_text())
    att = [a for c in res['chains'] for a in c['attempts']]
    reruns = [a for c in res['chains'] for a in c['attempts'][1:]]
    counts = dict(kills=sum(a['killed'] for a in att), kills_in_write=sum(a['killed'] and a['how'] == 'write' for a in att),
                  reruns=len(reruns), resumed=sum(a['did'] == 'resumed' for a in reruns),
                  restarted=sum(a['did'] == 'restarted' for a in reruns),
                  killed_before_deciding=sum(a['did'] == 'undecided' and a['killed'] for a in reruns),
                  failures=len(res['chain_problems']) + sum(a['raw_error'] for a in att)
                           + sum(a['did'] == 'undecided' and not a['killed'] for a in reruns))
    print(f"\nfault tests: {counts}; race exit codes {[r['code'] for r in res['race']]}; damaged cache files "
          f"noticed {len(res['damaged']['noticed'])}/{len(res['damaged']['files'])}; seconds: import {res['import_s']}, "
          f"reference {res['reference_s']}, kill chains {res['chains_s']}, race {res['race_s']}, damaged cache "
          f"{res['damaged_s']}, total {res['total_s']}")
    res['counts'] = counts
    return res

def test_killed_runs_resume_or_start_over(faults):
    "Every re-run after a kill resumes or starts over with a notice, never a raw error, and ends complete and exact."
    c = faults['counts']
    raw = [a['tail'] for ch in faults['chains'] for a in ch['attempts'] if a['raw_error']]
    assert not raw, raw
    silent = [(ch['model'], i, a) for ch in faults['chains'] for i, a in enumerate(ch['attempts'][1:], 1)
              if a['did'] == 'undecided' and not a['killed']]
    assert not silent, silent          # a re-run that neither resumed nor said it starts over
    assert not faults['chain_problems'], faults['chain_problems']
    assert c['kills'] >= 2, c

def test_kills_leave_no_damaged_cache(faults):
    assert not faults['cache_problems'], faults['cache_problems']

def test_same_model_id_at_once(faults):
    "Three trainings of one model_id at once: one trains, the others get a clear error; the folder is complete."
    codes = sorted(r['code'] for r in faults['race'])
    assert codes == [0, 3, 3], faults['race']
    for r in faults['race']:
        if r['code'] == 3:   # the claim's holder named (a worker, or a process still writing its claim), or the finished model
            assert ('is in use by' in r['tail'] and 'Wait until it finishes, or use another model_id' in r['tail']
                    or 'is already trained' in r['tail']), r['tail']
    assert not faults['race_problems'], faults['race_problems']

def test_damaged_cache_files_are_recomputed(faults):
    d = faults['damaged']
    assert d['code'] == 0 and not d['raw_error'], d['tail']
    assert sorted(d['noticed']) == sorted(d['files']), d
    assert not faults['damaged_problems'], faults['damaged_problems']


if __name__ == '__main__':
    out = Path(sys.argv[1])
    res = drive(out)
    (out/'faults.json').write_text(json.dumps(res, indent=1))
