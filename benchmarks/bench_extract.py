"""Benchmark 1: frame extraction (`videoclf.frames.extract_frames`) vs ffmpeg, all frames and at 2 fps, JPEG out.

Target: >= 1.0x ffmpeg's frames/s, measured side by side (alternating runs, best of `repeat`) on the same video.
"""
from __future__ import annotations
import shutil, subprocess, tempfile
from pathlib import Path
from benchmarks.common import parse_args, make_video, best_time, report, skipped, missing

NAME = 'bench_extract'

def ffmpeg_cmd(video, out_dir, fps=None)->list:
    "The reference command: `ffmpeg -i v.mp4 [-vf fps=2] -q:v 2 out_%06d.jpg`."
    return ['ffmpeg', '-nostdin', '-loglevel', 'error', '-y', '-i', str(video), *(['-vf', f'fps={fps}'] if fps else []),
            '-q:v', '2', str(Path(out_dir)/'out_%06d.jpg')]

def main(argv=None):
    args = parse_args(__doc__, argv)
    if missing('videoclf.frames'): return skipped(NAME, args, 'videoclf.frames is not available yet')
    from videoclf.core import Project
    from videoclf.frames import extract_frames, video_info
    seconds, repeat = (2, 1) if args.smoke else (120, 2)
    has_ffmpeg = shutil.which('ffmpeg') is not None
    notes = [] if has_ffmpeg else ['ffmpeg not found on PATH: the ffmpeg comparison is skipped '
                                   '(install it, e.g. `apt-get install ffmpeg`, to get the ratio).']
    rows = []
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        video = make_video(d/'v.mp4', seconds, fps=30, size=(480, 640))
        info = video_info(video)
        proj = Project(d/'proj')
        for fps in (None, 2):
            out = proj.frame_dir('v'); ff = d/'ff'
            def lib(): extract_frames(video, proj, fps=fps, quality=95, overwrite=True, progress=False)
            def ref(): subprocess.run(ffmpeg_cmd(video, ff, fps), check=True)
            def clean():
                shutil.rmtree(out, ignore_errors=True); shutil.rmtree(ff, ignore_errors=True); ff.mkdir()
            t_lib = t_ref = None
            # alternate lib / ffmpeg runs so machine noise hits both alike
            for _ in range(repeat):
                clean(); t = best_time(lib, 1); t_lib = t if t_lib is None else min(t_lib, t)
                n_lib = len(list(out.glob('*.jpg'))); kb_lib = sum(p.stat().st_size for p in out.glob('*.jpg')) / n_lib / 1024
                if has_ffmpeg:
                    t = best_time(ref, 1); t_ref = t if t_ref is None else min(t_ref, t)
                    n_ref = len(list(ff.glob('*.jpg'))); kb_ref = sum(p.stat().st_size for p in ff.glob('*.jpg')) / n_ref / 1024
            row = dict(mode='all frames' if fps is None else f'{fps} fps', video=f"{info['width']}x{info['height']} {info['fps']:g}fps {seconds}s",
                       frames=n_lib, videoclf_fps=n_lib / t_lib, videoclf_s=t_lib, jpeg_kb=kb_lib)
            if has_ffmpeg:
                row.update(ffmpeg_frames=n_ref, ffmpeg_fps=n_ref / t_ref, ffmpeg_s=t_ref, ffmpeg_jpeg_kb=kb_ref,
                           ratio=(n_lib / t_lib) / (n_ref / t_ref), target=1.0)
                row['met'] = bool(row['ratio'] >= 1.0)
            rows.append(row)
    notes.append('videoclf writes JPEG quality 95 (its default); ffmpeg -q:v 2 is its near-best quality: jpeg_kb '
                 'columns compare the output sizes. Source: synthetic MPEG-4 (mp4v) video from benchmarks.common.make_video.')
    return report(NAME, args, rows, notes)

if __name__ == '__main__': main()
