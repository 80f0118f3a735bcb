"""Benchmark 9 (GPU column): what the GPU rows of BENCHMARKS.md measure, on the GPU TensorFlow sees.

(a) Per-frame MobileNetV2 features (224x224) of the 725 seal JPEGs through the cache (`extract_features`) vs
    `model.predict` on the same frames already decoded in memory, in float32 and in mixed precision (the model built
    under the `mixed_float16` policy, as `train` does with `mixed_precision=True`), each with and without XLA for
    `model.predict` (`model.compile(jit_compile=True)`). `extract_features` runs its own traced graph
    (`cache.graph_inference`), which does not compile with XLA: the XLA rows say what XLA would add.
(b) Training windows/s (`train_windows_per_second` of results.json) and prediction frames/s (`predict` streaming a
    video file) for the demo experiment (`training.DEMO_EXPERIMENT`, motion_lrcnn 64x64) and `video_lrcnn_frozen` on
    MobileNetV2 features, on a synthetic project.

Without a GPU the full run measures nothing and says so ("not measured (no GPU)"); `--smoke` runs the same code on
the CPU with tiny inputs (small_cnn, 24 frames), so the script never rots.
"""
from __future__ import annotations
import shutil, tempfile, time
from pathlib import Path
import numpy as np
from benchmarks.common import parse_args, report, skipped, missing

NAME = 'bench_gpu'

def gpu_name()->str|None:
    "The first GPU TensorFlow sees, or None."
    from videoclf import nvidia_present
    if not nvidia_present(): return None
    import tensorflow as tf
    g = tf.config.list_physical_devices('GPU')
    return g[0].name if g else None

def feature_rows(smoke:bool)->list:
    "(a): library vs model.predict frames/s for float32 / mixed precision, predict with and without XLA."
    import keras
    from videoclf.core import Project, shared_dir
    from videoclf.cache import extract_features, graph_inference
    from videoclf.backbones import build_backbone
    from videoclf.decode import decode_frame
    from benchmarks.bench_features import frames_folders
    if smoke: name, weights, size = 'small_cnn', None, (32, 32)
    else:
        name, size = 'mobilenetv2', (224, 224)
        w = Path(shared_dir() or '/nonexistent')/'weights'/'mobilenet_v2_1.0_224_imagenet_no_top.weights.h5'
        weights = str(w) if w.exists() else None
    rows = []
    with tempfile.TemporaryDirectory() as d:
        proj = Project(Path(d)/'proj').mkdirs()
        folders = frames_folders(proj, smoke)
        files = [f for fs in folders.values() for f in fs]
        x = np.stack([decode_frame(p, size) for p in files]).astype(np.float32)
        for policy in ('float32', 'mixed_float16'):
            for xla in (False, True):
                keras.mixed_precision.set_global_policy(policy)
                try:
                    model = build_backbone(name, weights=weights, pooling='avg', input_shape=(*size, 3))
                    model.compile(jit_compile=xla)
                    model.predict(x[:32], batch_size=32, verbose=0); graph_inference(model)(x[:32])   # warm-up, both sides
                    t_ref = t_lib = float('inf')
                    for _ in range(1 if smoke else 2):           # alternated, best of 2
                        t = time.perf_counter(); model.predict(x, batch_size=32, verbose=0); t_ref = min(t_ref, time.perf_counter() - t)
                        shutil.rmtree(proj.cache, ignore_errors=True); proj.cache.mkdir()
                        t = time.perf_counter()
                        extract_features(proj, model, pooling='avg', weights=weights, frame_size=size, batch_size=32, videos=list(folders))
                        t_lib = min(t_lib, time.perf_counter() - t)
                finally: keras.mixed_precision.set_global_policy('float32')
                n = len(files)
                rows.append(dict(case=f"features {name}, {'mixed precision' if policy != 'float32' else 'float32'}, "
                                      f"predict {'with' if xla else 'without'} XLA", frames=n, videoclf_fps=n / t_lib,
                                 predict_in_memory_fps=n / t_ref, ratio=t_ref / t_lib, target=0.85 if not xla else 'reported',
                                 met=bool(t_ref / t_lib >= 0.85) if not xla else 'n/a'))
    return rows

def training_rows(smoke:bool)->list:
    "(b): windows/s in training and frames/s in prediction, the demo experiment and video_lrcnn_frozen + MobileNetV2."
    from videoclf.synthetic import synthetic_project
    from videoclf.training import train, DEMO_EXPERIMENT
    from videoclf.predict import predict
    frozen = dict(model_id='frozen_mnv2', architecture='video_lrcnn_frozen', pretrained_model_name='mobilenetv2',
                  weights=None, sequence_length=8, sequence_model='GRU', layer_1_size=32, dropout=0.2,
                  learning_rates=[1e-3], batch_size=32, verbose=0, seed=0)
    exps = [{**DEMO_EXPERIMENT, 'epochs': 3, 'patience': 3, 'learning_rates': [1e-3]}, {**frozen, 'epochs': 3, 'patience': 3}]
    if smoke: exps = [{**exps[0], 'frame_size': 32, 'epochs': 1}, {**exps[1], 'pretrained_model_name': 'small_cnn', 'frame_size': 32, 'epochs': 1}]
    rows = []
    with tempfile.TemporaryDirectory() as d:
        prj = synthetic_project(Path(d)/'p', n_videos=4, n_frames=30 if smoke else 600, size=(64, 64), seed=0)
        video = sorted(prj.videos.glob('*.avi'))[-1]
        for e in exps:
            r = train(e, prj)
            predict(prj, e['model_id'], inputs=video, progress=False)          # warm-up: loading and tracing
            t = time.perf_counter(); p = predict(prj, e['model_id'], inputs=video, progress=False); dt = time.perf_counter() - t
            fps = prj.video_fps(video.stem) or 10
            rows.append(dict(case=f"{'demo: ' if e['model_id'] == 'demo' else ''}{e['architecture']} "
                                  f"({e.get('pretrained_model_name', 'motion channels')}, {e.get('frame_size', 224)}px)",
                             train_windows_s=r['train_windows_per_second'], predict_frames_s=len(p) / dt,
                             ratio=len(p) / dt / fps, target='reported', met='n/a'))
    return rows

def main(argv=None):
    args = parse_args(__doc__, argv)
    m = missing('videoclf.cache', 'videoclf.training', 'videoclf.predict')
    if m: return skipped(NAME, args, f"{', '.join(m)} not available")
    gpu = gpu_name()
    if not gpu and not args.smoke:
        return report(NAME, args, [], ['not measured (no GPU): run `python -m benchmarks.bench_gpu` on a machine with a GPU; '
                                       'the Ray row with one trial per GPU slice comes from `python -m benchmarks.bench_ray` there.'])
    rows = feature_rows(args.smoke) + training_rows(args.smoke)
    return report(NAME, args, rows, [f"device: {gpu or 'CPU (smoke: the code path only, figures meaningless)'}",
                                     'XLA rows: model.predict compiled with XLA vs extract_features (traced graph, no XLA).',
                                     'training rows: ratio = prediction speed in multiples of real time (frames/s / the video fps).'])

if __name__ == '__main__': main()
