"""A table of bad inputs a new user makes. Each must give a `VideoclfError` whose message names the file,
the row or the key (through the command line: exit status 2, one `videoclf <cmd>: error:` line, no traceback),
never a raw traceback, a hang or a silently wrong result. Every row of the tables is one test, so the count of
bad inputs covered is the count of tests `pytest tests/test_bad_input.py` reports."""
import os, subprocess, sys
from pathlib import Path
import numpy as np
import pandas as pd
import cv2
import pytest
from videoclf.core import VideoclfError, Project, read_labels, write_labels, frame_file_name, save_json

# --- small fixtures -------------------------------------------------------------------------------------------
def _video(path, n=6, fps=10, size=(16, 16)):
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'MJPG'), fps, (size[1], size[0]))
    for i in range(n): w.write(np.full((*size, 3), 20 + 10 * i, np.uint8))
    w.release()
    return Path(path)

def _project(d, videos=('v1', 'v2'), n=8, fps=4, splits=None):
    "A project with empty frame files and extraction.json per video, and labels.csv when `splits` is given."
    prj = Project(d).mkdirs()
    rows = []
    for k, v in enumerate(videos):
        (prj.data/v).mkdir()
        names = [frame_file_name(v, i + 1, n) for i in range(n)]
        for f in names: (prj.data/v/f).touch()
        save_json(prj.data/v/'extraction.json', dict(video=v, fps=fps, n_frames=n, frame_times=[i / fps for i in range(n)],
                                                     complete=True))
        rows += [(v, f, 'rest', splits[k] if splits else None) for f in names]
    if splits: write_labels(pd.DataFrame(rows, columns=['video', 'frame', 'label', 'split']), prj.labels_path)
    return prj

def _write(path, text, mode='w'):
    path = Path(path); path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text) if isinstance(text, bytes) else path.write_text(text)
    return path

def _labels_file(d, text):
    prj = Project(d).mkdirs(); _write(prj.labels_path, text); return prj

BORIS = ('Observation id,Subject,Behavior,Behavior type,Start (s),Stop (s),Media file name\n'
         'obs1,No focal subject,{beh},STATE,0.5,1.0,/videos/v1.mp4\n')

# --- the API table: name -> (setup returning the failing call, strings the message must contain) ------------
CASES = {}
def case(name, *must):
    def register(setup): CASES[name] = (setup, must); return setup
    return register

def _read_labels(text):
    return lambda d: (lambda prj: lambda: read_labels(prj.labels_path))(_labels_file(d, text))

case('labels.csv empty (0 bytes)', 'labels.csv is empty', 'video,frame,label')(_read_labels(b''))
case('labels.csv not UTF-8', 'labels.csv line 2 is not UTF-8', 'CSV UTF-8')(
    _read_labels('video,frame,label\nv1,caf\xe9.jpg,x\n'.encode('latin-1')))
case('labels.csv lacks a column', 'labels.csv lacks the column(s) [\'label\']')(_read_labels('video,frame\nv1,a.jpg\n'))
case('labels.csv unknown split', "labels.csv line 3: split 'training'")(
    _read_labels('video,frame,label,split\nv1,a.jpg,x,train\nv1,b.jpg,x,training\n'))
case('labels.csv row with an extra cell', 'labels.csv: line 3 has 4 cells')(
    _read_labels('video,frame,label\nv1,a.jpg,x\nv1,b.jpg,x,y\n'))
case('labels.csv empty label', "labels.csv: empty 'label' in line(s) 2")(_read_labels('video,frame,label\nv1,a.jpg,\n'))

@case('labels.csv is a folder', 'labels.csv is not a file')
def _(d):
    prj = Project(d).mkdirs(); prj.labels_path.mkdir(); return lambda: read_labels(prj.labels_path)

@case('labels.csv missing', 'labels.csv does not exist', 'make_labels')
def _(d): return lambda: read_labels(Project(d).labels_path)

def _make_labels(text, name='iv.csv', **kw):
    def setup(d):
        from videoclf.labels import make_labels
        prj = _project(d); p = _write(Path(d)/name, text)
        return lambda: make_labels(prj, p, **kw)
    return setup

case('intervals: header only', 'iv.csv has no interval rows', 'allow_empty=True')(_make_labels('video,start,end,label\n'))
case('intervals: empty file', 'iv.csv is empty')(_make_labels(''))
case('intervals: 1:75 (seconds >= 60)', "iv.csv line 2: end '1:75'", 'not below 60')(
    _make_labels('video,start,end,label\nv1,0:01,1:75,rest\n'))
case('intervals: 0-based frame numbers', "iv.csv line 2: start '0' is not a frame number", 'add 1')(
    _make_labels('video,start_frame,end_frame,label\nv1,0,3,rest\n'))
case("intervals: '|' in a class name", "iv.csv line 3: class name 'groom|walk' contains '|'")(
    _make_labels('video,start,end,label\nv1,0,1,groom\nv1,1,2,groom|walk\n'))
case('intervals: end before start', "iv.csv line 2 (video 'v1'): end 0.5 s is before start 1 s")(
    _make_labels('video,start,end,label\nv1,1,0.5,rest\n'))
case('intervals: unknown video', "iv.csv line 2: video 'v9' has no frames")(_make_labels('video,start,end,label\nv9,0,1,rest\n'))
case('intervals: past the end of the video', "iv.csv line 2 (video 'v1'): interval 0 s–9 s is outside the video")(
    _make_labels('video,start,end,label\nv1,0,9,rest\n'))
case('intervals: lacks a column', "iv.csv lacks the column(s) ['end']")(_make_labels('video,start,label\nv1,0,rest\n'))
case('intervals: overlap', "iv.csv line 2 ('a') overlaps line 3 ('b')", "overlap='multilabel'")(
    _make_labels('video,start,end,label\nv1,0,1,a\nv1,0.5,1.5,b\n'))
case("BORIS: '|' in a behavior", "boris.csv line 2: class name 'walk|run'")(
    _make_labels(BORIS.format(beh='walk|run'), name='boris.csv'))
case('BORIS: lacks a column', "has no column 'Behavior'")(
    _make_labels('Observation id,Behavior type,Start (s),Stop (s),Media file name\nobs1,STATE,0,1,v1.mp4\n', name='boris.csv', fmt='boris'))
case('make_labels: bad splits value', "splits must be 'keep', 'drop'")(
    _make_labels('video,start,end,label\nv1,0,1,rest\n', splits='holdout'))

@case('intervals_to_frames: frame 0', "row 1 (video 'v1'): start 0 is not a frame number")
def _(d):
    from videoclf.labels import intervals_to_frames
    iv = pd.DataFrame({'video': ['v1'], 'start': [0], 'end': [2], 'label': ['x']})
    return lambda: intervals_to_frames(iv, n_frames={'v1': 4}, unit='frames')

@case('make_labels: new video, splits kept', "labels.csv assigns splits by video", "['v3']", "splits='train', 'valid' or 'test'")
def _(d):
    from videoclf.labels import make_labels
    prj = _project(d, videos=('v1', 'v2', 'v3'), splits=['train', 'test', 'test'])
    lab = read_labels(prj.labels_path)
    write_labels(lab[lab.video != 'v3'], prj.labels_path)                  # v3 was added after the split
    p = _write(Path(d)/'iv.csv', 'video,start,end,label\nv1,0,1,chase\n')
    return lambda: make_labels(prj, p, background='rest')

@case('make_labels: a video in several splits', 'labels.csv puts the frames of one video in several splits', "'v1'")
def _(d):
    from videoclf.labels import make_labels
    prj = _project(d, splits=['train', 'test'])
    lab = read_labels(prj.labels_path); lab.loc[0, 'split'] = 'valid'; write_labels(lab, prj.labels_path)
    p = _write(Path(d)/'iv.csv', 'video,start,end,label\nv1,0,1,chase\n')
    return lambda: make_labels(prj, p, background='rest')

@case('extract: a FIFO as the video', 'pipe.mp4 is a FIFO (named pipe), not a video file')
def _(d):
    from videoclf.frames import extract_frames
    fifo = Path(d)/'pipe.mp4'; os.mkfifo(fifo)
    def call():
        # opening a FIFO blocks until a writer comes (holding the GIL); should it be opened, writers arriving
        # after 10 s make the test fail instead of hang
        writer = subprocess.Popen(['sh', '-c', f'sleep 10; while :; do : > "{fifo}"; done'])
        try: return extract_frames(fifo, Project(d), progress=False)
        finally: writer.kill(); writer.wait()
    return call

@case('extract: a file where the frame folder goes', 'data/v is a file', 'Move or rename')
def _(d):
    from videoclf.frames import extract_frames
    prj = Project(d).mkdirs(); _write(prj.data/'v', 'notes')
    return lambda: extract_frames(_video(Path(d)/'v.avi'), prj, progress=False)

@case('extract: a hand-made frame folder', 'data/v already holds 1 image file(s)', 'no extraction.json')
def _(d):
    from videoclf.frames import extract_frames
    prj = Project(d).mkdirs(); _write(prj.data/'v'/'frame1.png', b'x')
    return lambda: extract_frames(_video(Path(d)/'v.avi'), prj, overwrite=True, progress=False)

@case('extract: a hidden video name', "video name '.v'", 'pass name=')
def _(d):
    from videoclf.frames import extract_frames
    return lambda: extract_frames(_video(Path(d)/'.v.avi'), Project(d), progress=False)

@case('extract: unreadable extraction.json', 'data/v/extraction.json cannot be read')
def _(d):
    from videoclf.frames import extract_frames
    prj = Project(d).mkdirs(); _write(prj.data/'v'/'extraction.json', '{"complete": tru')
    return lambda: extract_frames(_video(Path(d)/'v.avi'), prj, progress=False)

@case('extract: other settings than the finished extraction', 'data/v was extracted with other settings: fps 10', 'overwrite=True')
def _(d):
    from videoclf.frames import extract_frames
    prj = Project(d); vid = _video(Path(d)/'v.avi'); extract_frames(vid, prj, progress=False)
    return lambda: extract_frames(vid, prj, fps=5, progress=False)

@case('extract: no video folder', 'video folder', 'videos does not exist')
def _(d):
    from videoclf.frames import extract_videos
    return lambda: extract_videos(Project(d))

@case('splits: fractions that are not numbers', "fractions must be numbers", "'x'")
def _(d):
    from videoclf.splits import add_splits
    prj = _project(d, videos=('v1', 'v2', 'v3'), splits=['train', 'valid', 'test'])
    return lambda: add_splits(prj, fractions=(0.6, 0.2, 'x'))

@case('splits: unknown video', "'v9' (train) is not a video in the labels")
def _(d):
    from videoclf.splits import add_splits
    prj = _project(d, videos=('v1', 'v2', 'v3'), splits=['train', 'valid', 'test'])
    return lambda: add_splits(prj, train=['v9'], valid=['v2'], test=['v3'], rest='train')

@case('explore: count by an unknown column', "cannot count by 'fold'")
def _(d):
    from videoclf.explore import class_counts
    prj = _project(d, splits=['train', 'test'])
    return lambda: class_counts(prj, by='fold')

@case('check: labels and frames disagree', "video 'v1': 1 label row(s) without a frame file (e.g. v1_000002.jpg)")
def _(d):
    from videoclf.checks import assert_frames_match_labels
    prj = _project(d, splits=['train', 'test']); (prj.data/'v1'/'v1_000002.jpg').unlink()
    return lambda: assert_frames_match_labels(prj)

def _experiments(name, text):
    def setup(d):
        from videoclf.cli import _read_experiments
        p = _write(Path(d)/name, text)
        return lambda: _read_experiments(p)
    return setup

case('experiment YAML syntax error', 'e.yaml line 3, column 9: not valid YAML')(
    _experiments('e.yaml', 'model_id: 1\narchitecture: image_mlp_frozen\n  epochs: 3\n'))
case('experiment JSON syntax error', 'e.json line 2, column 14: not valid JSON')(
    _experiments('e.json', '{"model_id": 1,\n "epochs": 3,}'))
case('experiment file holds no dictionary', 'e.json must hold an experiment dictionary')(_experiments('e.json', '[1, 2]'))

@pytest.mark.parametrize('name', list(CASES))
def test_bad_input_gives_a_clear_error(name, tmp_path):
    setup, must = CASES[name]
    call = setup(tmp_path)
    with pytest.raises(VideoclfError) as e: call()
    for m in must: assert m in str(e.value), f"{name}: {m!r} is not in the message:\n{e.value}"

# --- the command line: exit status 2 and one clear line ------------------------------------------------------
BIN = Path(sys.executable).parent/'videoclf'

def _cli(args, cwd, timeout=120):
    "Run videoclf with stdout and stderr in files (as in a log); return (status, stdout, stderr)."
    env = {**os.environ, 'TF_CPP_MIN_LOG_LEVEL': '3', 'MPLBACKEND': 'Agg'}
    with open(cwd/'out.log', 'w') as o, open(cwd/'err.log', 'w') as e:
        rc = subprocess.run([str(BIN), *map(str, args)], cwd=cwd, env=env, stdout=o, stderr=e, timeout=timeout).returncode
    return rc, (cwd/'out.log').read_text(), (cwd/'err.log').read_text()

CLI = {   # name -> (setup(d) -> args, strings the error line must contain)
    'split --fractions 0.6,0.2,x': (lambda d: ['split', '--root', d, '--fractions', '0.6,0.2,x'], ["--fractions '0.6,0.2,x'"]),
    'extract --size 48': (lambda d: ['extract', '--root', d, '--size', '48'], ["--size '48' is not WIDTHxHEIGHT"]),
    'predict --fps ten': (lambda d: ['predict', 'm1', '--root', d, '--fps', 'ten'], ["--fps 'ten' must be"]),
    'train: YAML syntax error': (lambda d: ['train', _write(d/'e.yaml', 'model_id: 1\n epochs: [3\n')], ['e.yaml line 2, column 8: not valid YAML']),
    'labels: header-only intervals': (lambda d: ['labels', _write(d/'iv.csv', 'video,start,end,label\n'), '--root', d],
                                      ['iv.csv has no interval rows', '--allow_empty']),
    'check: 0-byte labels.csv': (lambda d: ['check', '--root', d] if _write(d/'data'/'labels.csv', b'') else [], ['labels.csv is empty']),
    'extract: a FIFO named as the video': (lambda d: (os.mkfifo(d/'cam.mp4'), ['extract', '--root', d, '--videos', d/'cam.mp4'])[1],
                                           ['1 video(s) failed']),
}

@pytest.mark.parametrize('name', list(CLI))
def test_bad_input_on_the_command_line(name, tmp_path):
    setup, must = CLI[name]
    rc, out, err = _cli(setup(tmp_path), tmp_path)
    assert rc == 2 and 'Traceback' not in out + err, f"{name}: status {rc}\n{out}\n{err}"
    errors = [l for l in err.splitlines() if ': error: ' in l]
    assert len(errors) == 1 and errors[0].startswith('videoclf '), err
    for m in must: assert m in errors[0], f"{name}: {m!r} is not in {errors[0]!r}"
    if 'FIFO' in name: assert 'cam.mp4 is a FIFO' in out     # the summary table names the file
