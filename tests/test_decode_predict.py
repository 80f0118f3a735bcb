"""One decoding path for a frame, whatever its source (videoclf.decode), checked across modules and on the real seal
frames (skipped when the shared data is absent)."""
import os, json, tempfile
from pathlib import Path
import numpy as np
import pytest
import cv2

def test_reader_picks_the_frames_extraction_keeps(tmp_path):
    "VideoReader at an fps yields exactly the source frames extract_frames writes (extraction.json source_frames)."
    from videoclf.core import Project
    from videoclf.decode import VideoReader, frame_indices
    from videoclf.frames import extract_frames, frame_indices as extraction_indices
    video = tmp_path/'v.avi'
    wr = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*'MJPG'), 25, (24, 16))
    for i in range(37): wr.write(np.full((16, 24, 3), 6 * i, np.uint8))
    wr.release()
    out = extract_frames(video, Project(tmp_path/'p'), fps=10, progress=False)
    meta = json.loads((out/'extraction.json').read_text())
    test_idx = [i for i, _ in VideoReader(video, fps=10)]
    assert test_idx == meta['source_frames'] == list(frame_indices(37, 25, 10))
    for n, src, fps in [(100, 30, 10), (101, 29.97, 7.5), (5, 10, 10), (0, 10, 5)]:
        assert list(frame_indices(n, src, fps)) == list(extraction_indices(n, src, fps))

def _seal_frames(n=32):
    from videoclf.core import shared_dir
    sd = shared_dir()
    w = sd/'weights'/'mobilenet_v2_1.0_224_imagenet_no_top.weights.h5' if sd else None
    folder = sd/'data'/'seals'/'s28-20' if sd else None
    if w is None or not w.exists() or not folder.is_dir(): pytest.skip('shared seal data or weights absent')
    return w, sorted(folder.glob('*.jpeg'))[:n]

def test_seal_cache_and_stream_features_agree(tmp_path):
    """The feature cache (JPEG files) and the streaming path (the same frames as decoded arrays, as a video of them would
    give) compute the same features: one decoding recipe, so the same pixels give the same features (the relative
    difference was 0.06 when the cache resized with TensorFlow after reduced decoding and the stream resized whole
    frames in one step, and 0.026 with reduced JPEG decoding against a box shrink of the decoded frame)."""
    from videoclf.core import Project
    from videoclf.cache import extract_features
    from videoclf.predict import TrainedModel
    from videoclf.datasets import LabelMap
    w, files = _seal_frames()
    d = tmp_path/'data'/'s28-20'; d.mkdir(parents=True)
    for f in files: os.symlink(f, d/f.name)
    cache = extract_features(Project(tmp_path, data_dir=tmp_path/'data'), 'mobilenetv2', weights=str(w)).concat()
    e = dict(model_id='seal', architecture='video_lrcnn_frozen', pretrained_model_name='mobilenetv2', weights=str(w),
             pooling='avg', frame_size=None, sequence_length=1, frame_step=1, target_offset=0, padding='pad')
    prepare, per_frame, _ = TrainedModel(None, e, LabelMap(['noseal', 'seal']))._stages()
    stream = np.concatenate([per_frame(np.stack([prepare(cv2.imread(str(f))) for f in files[i:i + 16]])) for i in range(0, len(files), 16)])
    rel = np.abs(stream - cache).mean(1) / np.abs(cache).mean(1)
    assert rel.max() < 1e-4, rel.max()
