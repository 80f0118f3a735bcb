"""Ray on a real two-node cluster on this machine: a grid survives a dead node, dead attempts' claims are freed,
and a batch of videos is predicted across the nodes.

Ray binds to 127.0.0.1 only (RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0, read when ray is imported), so no traffic leaves
the machine; the cluster is shut down at the end of the module, leaving no Ray process behind.
"""
import os
os.environ['RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER'] = '0'   # before `import ray`: every node on 127.0.0.1
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
import json, subprocess, sys, threading, time
from functools import partial
from pathlib import Path
import pandas as pd
import pytest
import ray
from ray.cluster_utils import Cluster
from videoclf.claims import read_claim
from videoclf.distributed import attempt_name, attempt_node
from videoclf.grid import grid_experiments, save_experiments, run_grid, fake_train
from videoclf.predict import predict_videos, prediction_file
from videoclf.synthetic import synthetic_project

def _pids(c)->list:
    "The processes of the cluster's nodes (GCS, raylets, monitors...)."
    return [p.process.pid for n in c.list_all_nodes() for infos in n.all_processes.values() for p in infos]

def _alive(pid)->bool:
    try: os.kill(pid, 0); return True
    except ProcessLookupError: return False

@pytest.fixture(scope='module')
def cluster():
    "A head node and a worker node, one CPU each: two machines as far as Ray can tell."
    c = Cluster(initialize_head=True, head_node_args=dict(num_cpus=1))
    worker = c.add_node(num_cpus=1)
    pids = _pids(c)
    try:
        c.wait_for_nodes()
        ray.init(address=c.address, log_to_driver=False, logging_level='WARNING')   # run_grid uses this session
        assert {n['NodeManagerAddress'] for n in ray.nodes()} == {'127.0.0.1'}
        yield c, worker
    finally:
        ray.shutdown(); c.shutdown()
        for _ in range(100):
            if not any(map(_alive, pids)): break
            time.sleep(0.1)
        assert not [p for p in pids if _alive(p)], 'Ray processes outlived the cluster'

@pytest.fixture(scope='module')
def grid_run(cluster, tmp_path_factory):
    """Three tiny real trainings on the two nodes (one at a time on each); the worker node is removed as soon as the
    experiment it runs has recorded its first epoch checkpoint."""
    c, worker = cluster
    prj = synthetic_project(tmp_path_factory.mktemp('ray')/'p', n_videos=3, n_frames=40, size=(32, 32), seed=0)
    save_experiments(grid_experiments(dict(architecture='image_mlp_frozen', pretrained_model_name='small_cnn', weights=None,
                                           frame_size=32, layer_1_size=8, learning_rates=[1e-3], batch_size=16, epochs=6,
                                           patience=6, verbose=0, seed=0, dropout=[0.0, 0.1, 0.2]), verbose=False), prj)
    killed = {}
    def recorded_checkpoint(d)->bool:
        "Whether _progress.json lists a checkpoint (the epoch file alone is not one yet: it is recorded just after)."
        try: return bool(json.loads((d/'_progress.json').read_text()).get('checkpoints'))
        except (FileNotFoundError, json.JSONDecodeError): return False
    def kill_mid_trial():
        for _ in range(3000):
            for i in (1, 2, 3):
                info = read_claim(prj.model_dir(i)/'claim') or {}
                if attempt_node(info.get('worker')) == worker.node_id and recorded_checkpoint(prj.model_dir(i)):
                    killed['model_id'] = i
                    c.remove_node(worker)
                    return
            time.sleep(0.05)
    t = threading.Thread(target=kill_mid_trial, daemon=True); t.start()
    runs = run_grid(prj, backend='ray', progress=False)
    t.join(5)
    return prj, runs, killed.get('model_id'), worker

def test_grid_survives_a_dead_node(grid_run):
    prj, runs, victim, worker = grid_run
    assert victim is not None, f"no experiment was caught training on the worker node:\n{runs.to_string()}"
    assert not any(n['Alive'] for n in ray.nodes() if n['NodeID'] == worker.node_id)           # the node is gone
    assert runs.status.tolist() == ['trained'] * 3, runs.to_string()
    assert runs.attempts.tolist() == [2 if i == victim else 1 for i in (1, 2, 3)], runs.to_string()   # only its trial paid
    assert attempt_node(runs.worker.iloc[victim - 1]) != worker.node_id                         # finished on the other node
    for i in (1, 2, 3):
        d = prj.model_dir(i)
        for f in ('results.json', 'model_best.keras', 'frame_predictions.csv', 'fit_history.csv', 'params.json'):
            assert (d/f).exists(), f'model {i}: {f} missing'
        assert not (d/'claim').exists() and not list(d.glob('.claim*')) and not (d/'_checkpoints').exists()
        log = (d/'train.log').read_text()
        assert log.count('test accuracy') == 1, log                                             # finished exactly once
        assert pd.read_csv(d/'fit_history.csv').epoch.tolist() == list(range(1, 7))             # each epoch once
    log = (prj.model_dir(victim)/'train.log').read_text()
    assert log.count(f'model {victim}: image_mlp_frozen') == 2 and 'resuming after round 1 epoch' in log, log  # not restarted
    again = run_grid(prj, backend='ray', progress=False)                                        # a re-run has nothing to do
    assert again.status.tolist() == ['done'] * 3 and again.attempts.tolist() == [0] * 3

def test_claims_of_dead_attempts_are_freed(grid_run):
    "What a driver that died leaves behind: claims of Ray attempts on a node that is gone, or whose process is gone."
    prj, _, _, worker = grid_run
    save_experiments(grid_experiments({'architecture': 'image_mlp_frozen', 'dropout': [0.3, 0.4]}, project=prj,
                                      verbose=False), prj)
    head = next(n['NodeID'] for n in ray.nodes() if n['Alive'])
    gone = subprocess.Popen([sys.executable, '-c', 'pass']); gone.wait()
    claims = {4: dict(worker=attempt_name(worker.node_id, 4, 1), pid=os.getpid(), host='another-machine', token='t4'),  # dead node
              5: dict(worker=attempt_name(head, 5, 1), pid=gone.pid, host='another-machine', token='t5')}  # asked on the node
    for mid, info in claims.items():
        prj.model_dir(mid).mkdir(parents=True)
        (prj.model_dir(mid)/'claim').write_text(json.dumps({**info, 'heartbeat': time.time()}))
    runs = run_grid(prj, backend='ray', train_fn=fake_train, progress=False)
    assert runs.status.tolist() == ['done'] * 3 + ['trained'] * 2, runs.to_string()
    for mid in claims:
        assert len((prj.model_dir(mid)/'calls.log').read_text().split()) == 1 and not (prj.model_dir(mid)/'claim').exists()

def test_batch_prediction_on_ray(grid_run):
    prj, _, _, _ = grid_run
    out = prj.root/'batch'
    runs = predict_videos(prj, 1, prj.videos, out, backend='ray', progress=False)
    assert runs.status.tolist() == ['predicted'] * 3, runs.to_string()
    local = predict_videos(prj, 1, prj.videos, prj.root/'batch_local', progress=False)
    for v in runs.video:
        a, b = pd.read_csv(prediction_file(out, v)), pd.read_csv(prediction_file(prj.root/'batch_local', v))
        assert a.frame.tolist() == b.frame.tolist() and (a[['chase', 'rest']] - b[['chase', 'rest']]).abs().max().max() < 1e-5
    assert runs.worker.nunique() == 1                                 # one worker process loaded the model and did all three
    prediction_file(out, 'synth_01').unlink()
    again = predict_videos(prj, 1, prj.videos, out, backend='ray', progress=False)
    assert again.status.tolist() == ['done', 'predicted', 'done'], again.to_string()

LEAN = r"""
import json, os, time
from pathlib import Path
from videoclf.distributed import ray_session

def descendants(pid):
    kids = {}
    for d in Path('/proc').iterdir():
        if not d.name.isdigit(): continue
        try: kids.setdefault(int((d/'stat').read_text().rsplit(')', 1)[1].split()[1]), []).append(int(d.name))
        except (OSError, IndexError, ValueError): pass
    out, todo = [], [pid]
    while todo: p = todo.pop(); out += kids.get(p, []); todo += kids.get(p, [])
    return out

def cmdline(pid):
    try: return Path(f'/proc/{pid}/cmdline').read_bytes().replace(b'\0', b' ').decode()
    except OSError: return ''

from videoclf.core import Project
from videoclf.grid import grid_experiments, save_experiments, run_grid, fake_train
prj = Project(os.environ['LEAN_PROJECT']).mkdirs()
save_experiments(grid_experiments({'architecture': 'image_mlp_frozen', 'dropout': [0.1, 0.2, 0.3]}, verbose=False), prj)
with ray_session(num_cpus=1) as ray:
    answer = ray.get(ray.remote(num_cpus=1)(lambda: os.getpid()).remote())
    runs = run_grid(prj, backend='ray', train_fn=fake_train, progress=False)
    during = {p: cmdline(p) for p in descendants(os.getpid())}
pids = [(prj.model_dir(i)/'calls.log').read_text().split() for i in (1, 2, 3)]
t = time.time()
while time.time() - t < 20 and [p for p in during if Path(f'/proc/{p}').exists()]: time.sleep(0.2)
print('@@' + json.dumps(dict(answer=answer, during=during, left=[p for p in during if Path(f'/proc/{p}').exists()],
                             status=runs.status.tolist(), pids=pids)))
"""

def test_local_ray_is_lean_and_leaves_nothing(tmp_path):
    """A new Ray on this machine (ray_session(), as run_grid starts it) runs tasks without the autoscaler monitor and the
    log monitor, one worker process runs trial after trial (TensorFlow imported once per worker, not per trial), and
    its end leaves no process."""
    env = {**os.environ, 'RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER': '0', 'LEAN_PROJECT': str(tmp_path/'p')}
    r = subprocess.run([sys.executable, '-c', LEAN], capture_output=True, text=True, timeout=300, env=env)
    line = [l for l in r.stdout.splitlines() if l.startswith('@@')]
    assert line, r.stdout[-2000:] + r.stderr[-3000:]
    out = json.loads(line[0][2:])
    cmds = ' | '.join(out['during'].values())
    assert out['answer'] > 0 and 'gcs_server' in cmds and 'raylet' in cmds, cmds
    assert 'monitor.py' not in cmds, cmds        # neither the autoscaler's monitor.py nor log_monitor.py
    assert not out['left'], f"processes left behind: {[out['during'][str(p)] for p in out['left']]}"
    assert out['status'] == ['trained'] * 3 and len({p for ps in out['pids'] for p in ps}) == 1, out   # one CPU: one worker, reused
