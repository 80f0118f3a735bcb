"""End-to-end tests of the `videoclf` console script on a tiny synthetic project.

Every command runs with its stdout and stderr written to files, as in a log (`videoclf train e.json > log 2>&1`),
and every such log is checked for terminal control characters: progress bars (tqdm's `\\r`, Keras' `\\b` and
escape codes) must leave plain lines in a file."""
import json, os, re, subprocess, sys, tempfile, types
from pathlib import Path
import pytest

BIN = Path(sys.executable).parent/'videoclf'
CONTROL = re.compile(r'[\r\x1b\x08]')

def run(*args, cwd=None, check=True):
    env = {**os.environ, 'TF_CPP_MIN_LOG_LEVEL': '3', 'MPLBACKEND': 'Agg'}
    with tempfile.TemporaryFile('w+') as out, tempfile.TemporaryFile('w+') as err:
        rc = subprocess.run([str(BIN), *map(str, args)], cwd=cwd, env=env, stdout=out, stderr=err, timeout=600).returncode
        out.seek(0); err.seek(0)
        r = types.SimpleNamespace(returncode=rc, stdout=out.read(), stderr=err.read())
    if check and r.returncode != 0: raise AssertionError(f"videoclf {' '.join(map(str, args))} failed:\n{r.stdout}\n{r.stderr}")
    bad = sorted({repr(c) for c in CONTROL.findall(r.stdout + r.stderr)})
    assert not bad, f"videoclf {' '.join(map(str, args))} wrote terminal control characters {bad} into a log file"
    return r

def test_help_lists_commands():
    out = run('--help').stdout
    for c in ['synth', 'extract', 'labels', 'check', 'split', 'train', 'demo', 'grid', 'analyze', 'predict']: assert c in out

def test_unknown_command_suggests():
    r = run('trian', check=False)
    assert r.returncode == 2 and "Did you mean 'train'" in r.stderr

def test_pipeline_from_the_command_line(tmp_path):
    run('synth', '--root', tmp_path, '--n_videos', 3, '--n_frames', 40)
    assert (tmp_path/'data'/'labels.csv').exists()
    assert 'True' in run('check', '--root', tmp_path).stdout
    # extract again from a folder that also holds notes, the intervals and a FIFO: only the videos are opened
    (tmp_path/'videos'/'notes.txt').write_text('camera 2 moved'); os.mkfifo(tmp_path/'videos'/'live.mp4')
    (tmp_path/'data'/'synth_00'/'mask.png').write_bytes(b'drawn by hand')
    out = run('extract', '--root', tmp_path, '--videos', tmp_path/'videos', '--size', '48x32', '--overwrite').stdout
    assert 'skipped 3 entries that are not video files' in out and 'intervals.csv, live.mp4, notes.txt' in out, out
    import cv2
    assert cv2.imread(str(tmp_path/'data'/'synth_01'/'synth_01_000001.jpg')).shape == (32, 48, 3)   # WIDTHxHEIGHT
    assert (tmp_path/'data'/'synth_00'/'mask.png').read_bytes() == b'drawn by hand'              # the user's file kept
    (tmp_path/'data'/'synth_00'/'mask.png').unlink()
    # re-label from the intervals file and re-split: the commands a user runs on their own data
    out = run('labels', str(tmp_path/'videos'/'intervals.csv'), '--root', tmp_path, '--background', 'rest').stdout
    assert 'kept the split of 3 video(s)' in out
    run('split', '--root', tmp_path, '--train', 'synth_00', '--valid', 'synth_01', '--test', 'synth_02')
    exp = dict(model_id='cli1', architecture='video_lrcnn_trainable', pretrained_model_name='small_cnn',
               weights=None, frame_size=[32, 32], sequence_length=4, sequence_model='GRU', layer_1_size=8,
               epochs=1, learning_rates=[1e-3], batch_size=16)
    (tmp_path/'exp.json').write_text(json.dumps(exp))
    out = run('train', tmp_path/'exp.json', '--root', tmp_path).stdout
    assert 'test accuracy' in out
    mdir = tmp_path/'models'/'cli1'
    assert (mdir/'results.json').exists() and (mdir/'frame_predictions.csv').exists()
    # results.json says where the model trained: the device, its name, the TensorFlow/CUDA/cuDNN versions
    res = json.loads((mdir/'results.json').read_text())
    assert res['device_kind'] in ('CPU', 'GPU') and res['device'].startswith(res['device_kind'] + ': ') and res['device_name'], res
    assert re.match(r'2\.\d+', res['version_tensorflow']) and (res['gpu_count'] == 0) == (res['device_kind'] == 'CPU'), res
    assert res['device_kind'] == 'GPU' or (res['version_cuda'], res['version_cudnn'], res['gpu_driver']) == (None, None, None), res
    r = run('train', tmp_path/'exp.json', '--root', tmp_path, check=False)   # finished model_id is kept
    assert r.returncode == 2 and 'overwrite' in r.stderr
    # label a new video file straight from the video (no frame extraction)
    (tmp_path/'preds').mkdir()
    run('predict', 'cli1', '--inputs', tmp_path/'videos'/'synth_02.avi', '--root', tmp_path, '--out', tmp_path/'preds')
    out, = (tmp_path/'preds').glob('predictions_*.csv')              # --out names a folder: a dated file in it
    import pandas as pd
    df = pd.read_csv(out)
    assert len(df) == 40 and {'prediction', 'video', 'frame', 'rest', 'chase'} <= set(df.columns)
    # a one-experiment grid continues the model ids, then the analysis report covers both models
    ranges = {**exp, 'model_id': None, 'sequence_length': [2], 'layer_1_size': [4]}
    ranges.pop('model_id')
    (tmp_path/'ranges.json').write_text(json.dumps(ranges))
    out = run('grid', '--ranges', tmp_path/'ranges.json', '--root', tmp_path).stdout
    assert 'trained' in out
    assert len(list((tmp_path/'models').glob('*/results.json'))) == 2
    out = run('analyze', '--root', tmp_path).stdout
    assert 'leaderboard' in out and (tmp_path/'analysis'/'leaderboard.csv').exists()

def test_bad_input_is_one_clear_line(tmp_path):
    (tmp_path/'bad.json').write_text('{"model_id": 1, "architecture": "video_lrcnn_frozen", "layer1_size": 3}')
    r = run('train', tmp_path/'bad.json', '--root', tmp_path, check=False)
    assert r.returncode == 2 and 'layer_1_size' in r.stderr and 'Traceback' not in r.stderr
