"""Benchmark 6: streaming prediction straight from a video file (`load_trained(...).predict_video`) vs prediction
from the already extracted frame folder (`predict_frames`), and peak RSS growth of streaming for a short and a
video 4x longer (fresh process each): target >= 1.0x the folder's frames/s and memory flat in video length.

A tiny `video_lrcnn_trainable` model (small_cnn, 32x32) is trained on a synthetic project so the figures measure
decoding, resizing and batching (the library's own work), not the CNN.
"""
from __future__ import annotations
import tempfile, time
from pathlib import Path
from benchmarks.common import parse_args, report, skipped, missing, make_video, in_fresh_process, reset_peak, rss_now, rss_peak

NAME = 'bench_stream'
MODEL_ID = 'bench_stream'

def train_tiny(root):
    "A synthetic project with one tiny trained model; returns the Project."
    from videoclf.synthetic import synthetic_project
    from videoclf.training import train
    proj = synthetic_project(root, n_videos=3, n_frames=40, size=(32, 32))
    train(dict(model_id=MODEL_ID, architecture='video_lrcnn_trainable', pretrained_model_name='small_cnn', weights=None,
               frame_size=[32, 32], sequence_length=4, sequence_model='GRU', layer_1_size=8, epochs=1), proj)
    return proj

def stream_rss(root:str, video:str)->dict:
    "In a fresh process: peak RSS growth and time of predicting `video` straight from the file."
    import keras  # noqa: F401
    from videoclf.core import Project
    from videoclf.predict import load_trained
    m = load_trained(Project(root), MODEL_ID)
    reset_peak(); base = rss_now(); t = time.perf_counter()
    m.predict_video(video)
    return dict(growth=rss_peak() - base, seconds=time.perf_counter() - t)

def main(argv=None):
    args = parse_args(__doc__, argv)
    m = missing('videoclf.predict', 'videoclf.training', 'videoclf.frames')
    if m: return skipped(NAME, args, f"{', '.join(m)} not available yet")
    from videoclf.frames import extract_frames
    from videoclf.predict import load_trained
    seconds, size = ((1, 4), (120, 160)) if args.smoke else ((15, 60), (480, 640))
    rows = []
    with tempfile.TemporaryDirectory() as d:
        proj = train_tiny(Path(d)/'proj')
        model = load_trained(proj, MODEL_ID)
        for s in seconds:
            name = f'long{s}'
            video = make_video(Path(d)/f'{name}.mp4', s, fps=30, size=size)
            extract_frames(video, proj, progress=False)                        # not timed: the folder already exists
            n = len(proj.frame_files(name))
            t = time.perf_counter(); model.predict_frames(videos=[name]); t_folder = time.perf_counter() - t
            t = time.perf_counter(); model.predict_video(video); t_stream = time.perf_counter() - t
            r = in_fresh_process('benchmarks.bench_stream:stream_rss', root=str(proj.root), video=str(video))
            rows.append(dict(video=f'{size[1]}x{size[0]} 30fps {s}s', frames=n, stream_fps=n / t_stream, folder_fps=n / t_folder,
                             ratio=t_folder / t_stream, target=1.0, met=bool(t_folder / t_stream >= 1.0),
                             stream_peak_rss_growth_mb=r['growth'] / 2**20))
    g = [r['stream_peak_rss_growth_mb'] for r in rows]
    notes = [f'memory flat in video length: growth {g[-1]:.0f} MB for the {seconds[-1]}s video vs {g[0]:.0f} MB for the '
             f'{seconds[0]}s one (x{g[-1] / max(g[0], 1e-9):.2f} for x{seconds[-1] / seconds[0]:g} the frames).']
    return report(NAME, args, rows, notes)

if __name__ == '__main__': main()
