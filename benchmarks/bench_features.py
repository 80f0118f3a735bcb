"""Benchmark 2: per-frame feature extraction from JPEG folders through the cache (`videoclf.cache.extract_features`)
vs `model.predict` on the same frames already decoded and resized in memory (the compute-only limit). Target >= 0.85x.

Both sides use the same built model and are warmed up alike before timing: the reference traces `model.predict` on
one batch, the library traces its inference graph (`cache.graph_inference`, traced once per model) on one batch.

Full run: the 725 seal JPEGs from the shared data with mobilenetv2 (shared ImageNet weights if present, else
weights=None: the compute is the same). Smoke: a few synthetic JPEGs and the tiny 'small_cnn' backbone.
"""
from __future__ import annotations
import os, shutil, tempfile, time
from pathlib import Path
import numpy as np
from benchmarks.common import parse_args, report, skipped, missing

NAME = 'bench_features'

def frames_folders(project, smoke)->dict:
    "Put the benchmark's JPEG folders in project.data/<video>/ (symlinks to the seal frames); video -> frame paths."
    import cv2
    from videoclf.core import shared_dir, list_frames
    src = None if smoke else (Path(shared_dir())/'data'/'seals' if shared_dir() else None)
    vids = sorted(p for p in src.iterdir() if p.is_dir() and list_frames(p)) if src is not None and src.is_dir() else []
    out = {}
    if vids:
        for v in vids:
            (project.data/v.name).mkdir(parents=True)
            for f in list_frames(v): os.symlink(v/f, project.data/v.name/f)
            out[v.name] = [project.data/v.name/f for f in list_frames(v)]
    else:                                  # smoke, or no shared data: synthetic JPEGs
        rng = np.random.default_rng(0); (project.data/'synth').mkdir(parents=True)
        for i in range(24 if smoke else 725):
            cv2.imwrite(str(project.data/'synth'/f'synth_{i + 1:06d}.jpg'), rng.integers(0, 255, (120, 160, 3), dtype=np.uint8))
        out['synth'] = [project.data/'synth'/f for f in list_frames(project.data/'synth')]
    return out

def main(argv=None):
    args = parse_args(__doc__, argv)
    m = missing('videoclf.cache', 'videoclf.backbones')
    if m: return skipped(NAME, args, f"{', '.join(m)} not available yet")
    import keras
    from videoclf.core import Project, shared_dir
    from videoclf.cache import extract_features
    from videoclf.backbones import build_backbone, get_backbone
    if args.smoke: name, weights, size = 'small_cnn', None, (32, 32)
    else:
        name = 'mobilenetv2'
        w = Path(shared_dir() or '/nonexistent')/'weights'/'mobilenet_v2_1.0_224_imagenet_no_top.weights.h5'
        weights, size = (str(w) if w.exists() else None), tuple(get_backbone(name).input_size)
    rows = []
    with tempfile.TemporaryDirectory() as d:
        proj = Project(Path(d)/'proj').mkdirs()
        folders = frames_folders(proj, args.smoke)
        files = [f for fs in folders.values() for f in fs]
        model = build_backbone(name, weights=weights, pooling='avg', input_shape=(*size, 3))
        from videoclf.decode import decode_frame
        def decode(): return np.stack([decode_frame(p, size) for p in files]).astype(np.float32)   # the library's decoding, one thread
        x = decode()
        model.predict(x[:32], batch_size=32, verbose=0)         # warm-up (graph tracing), both sides
        from videoclf.cache import graph_inference
        graph_inference(model)(x[:32])
        t_ref = t_lib = float('inf')
        for _ in range(1 if args.smoke else 2):                  # alternate, best of
            t = time.perf_counter(); model.predict(x, batch_size=32, verbose=0); t_ref = min(t_ref, time.perf_counter() - t)
            shutil.rmtree(proj.cache, ignore_errors=True); proj.cache.mkdir()
            t = time.perf_counter()
            store = extract_features(proj, model, pooling='avg', weights=weights, frame_size=size, batch_size=32,
                                     videos=list(folders))   # the built model: both sides exclude building it
            t_lib = min(t_lib, time.perf_counter() - t)
        t_dec = time.perf_counter(); decode(); t_dec = time.perf_counter() - t_dec
        n = len(files)
        assert sum(store.n_frames) == n, store.n_frames
        rows.append(dict(frames_from='seal JPEGs' if 'synth' not in folders else 'synthetic JPEGs', backbone=name, weights='imagenet file' if weights else 'None', frame_size=f'{size[0]}x{size[1]}',
                         frames=n, videoclf_fps=n / t_lib, predict_in_memory_fps=n / t_ref, decode_only_fps=n / t_dec,
                         ratio=t_ref / t_lib, target=0.85, met=bool(t_ref / t_lib >= 0.85)))
    return report(NAME, args, rows, ['decode_only_fps: decode_frame alone (full decode + box shrink + final resize, one thread), for context.',
                                     'both sides warmed up alike (one traced batch each) and use the same built model.'])

if __name__ == '__main__': main()
