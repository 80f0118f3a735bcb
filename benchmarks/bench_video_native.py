"""Benchmark 7: the video-native path at scale (`videoclf.sources`: a project of video files, no JPEG folders).

(a) Video-native vs JPEG route, one 10-minute 640x480 30 fps video to a per-frame feature cache with a cheap CNN
    (small_cnn at 64x64, weights=None), so that decoding matters. JPEG route: `extract_frames` (every frame, JPEG
    quality 95) then `extract_features` from the frame folder. Video-native: `extract_features` straight from the video
    file, first contact included (the same pass counts the frames). Runs alternated, best of 2.
    Targets: >= 1.5x faster; disk <= 5 % of the JPEG route's (the cache only: the video is the user's own file).
(b) Cost growth: the video-native pipeline on a 10-minute and a 60-minute video (18,000 and 108,000 frames), each
    in a fresh process: time per frame within 10 % and peak RSS growth within 10 % (flat in the video's length).

The videos are generated once into benchmarks/work/ (gitignored; the 60-minute one takes ~8 min to make on 2 cores).
Smoke: 4 s and 8 s videos at 160x120, written to a temporary folder.
"""
from __future__ import annotations
import os, shutil, tempfile, time
from pathlib import Path
from benchmarks.common import ROOT, parse_args, report, skipped, missing, make_video, in_fresh_process, reset_peak, rss_now, rss_peak

NAME = 'bench_video_native'
WORK = ROOT/'benchmarks'/'work'
BACKBONE, FRAME_SIZE = 'small_cnn', (64, 64)

def video(folder:Path, minutes:float, size=(480, 640))->Path:
    "The benchmark video of `minutes` at 30 fps, made once (written under a temporary name, then renamed)."
    p = Path(folder)/f'native_{minutes:g}min_{size[1]}x{size[0]}.mp4'
    if not p.exists():
        print(f'making {p} (once) ...', flush=True)
        tmp = p.with_name(f'.{p.stem}.partial.mp4')
        make_video(tmp, minutes * 60, fps=30, size=size, seed=7); os.replace(tmp, p)
    return p

def _dur(minutes:float)->str: return f'{minutes:g} min' if minutes >= 1 else f'{minutes * 60:g} s'

def du(path:Path)->int:
    "Bytes of the files under `path` (symbolic links not followed)."
    return sum(f.stat().st_size for f in Path(path).rglob('*') if f.is_file() and not f.is_symlink()) if Path(path).exists() else 0

def video_project(root:Path, src:Path):
    "A project whose only video is `src` (linked into videos/)."
    from videoclf.core import Project
    proj = Project(root); proj.videos.mkdir(parents=True, exist_ok=True)
    os.symlink(src, proj.videos/src.name)
    return proj

def native_route(root:str, src:str)->dict:
    "Video-native: the feature cache straight from the video file (counted by the same pass)."
    from videoclf.cache import extract_features
    proj = video_project(Path(root), Path(src))
    t = time.perf_counter()
    store = extract_features(proj, BACKBONE, weights=None, frame_size=FRAME_SIZE, batch_size=64)
    return dict(seconds=time.perf_counter() - t, frames=len(store), disk=du(proj.cache))

def jpeg_route(root:str, src:str)->dict:
    "JPEG route: extract every frame as a JPEG, then the feature cache from the frame folder."
    from videoclf.core import Project
    from videoclf.frames import extract_frames
    from videoclf.cache import extract_features
    proj = Project(root)
    t = time.perf_counter()
    extract_frames(src, proj, progress=False)
    t_extract = time.perf_counter() - t
    store = extract_features(proj, BACKBONE, weights=None, frame_size=FRAME_SIZE, batch_size=64)
    return dict(seconds=time.perf_counter() - t, extract_seconds=t_extract, frames=len(store), disk=du(proj.data) + du(proj.cache))

def growth_run(root:str, src:str)->dict:
    "In a fresh process: time and peak RSS growth of the video-native pipeline (imports and TF start-up excluded)."
    import keras, tensorflow  # noqa: F401
    import videoclf.cache, videoclf.backbones  # noqa: F401
    reset_peak(); base = rss_now()
    r = native_route(root, src)
    return dict(r, growth=rss_peak() - base, base=base)

def main(argv=None):
    args = parse_args(__doc__, argv)
    m = missing('videoclf.sources', 'videoclf.cache', 'videoclf.frames')
    if m: return skipped(NAME, args, f"{', '.join(m)} not available yet")
    import keras, tensorflow  # noqa: F401   (both routes in this process start with TensorFlow loaded)
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        short, long_ = (4 / 60, 8 / 60) if args.smoke else (10, 60)
        size = (120, 160) if args.smoke else (480, 640)
        folder = d if args.smoke else WORK
        folder.mkdir(parents=True, exist_ok=True)
        v_short = video(folder, short, size)
        # (a) the two routes, alternated, best of 2 (1 in smoke mode); every run starts from nothing
        runs = {'native': [], 'jpeg': []}
        for k in range(1 if args.smoke else 2):
            for name, fn in (('native', native_route), ('jpeg', jpeg_route)):
                root = d/f'{name}{k}'
                runs[name].append(fn(str(root), str(v_short)))
                shutil.rmtree(root)
        nat, jpg = (min(runs[n], key=lambda r: r['seconds']) for n in ('native', 'jpeg'))
        assert nat['frames'] == jpg['frames'], (nat, jpg)
        rows = [dict(case=f'(a) {_dur(short)} {size[1]}x{size[0]} 30 fps -> {BACKBONE} {FRAME_SIZE[0]}x{FRAME_SIZE[1]} features',
                     frames=nat['frames'], native_s=nat['seconds'], jpeg_route_s=jpg['seconds'], jpeg_extract_s=jpg['extract_seconds'],
                     ratio=jpg['seconds'] / nat['seconds'], target=1.5, met=bool(jpg['seconds'] / nat['seconds'] >= 1.5),
                     native_disk_mb=nat['disk'] / 2**20, jpeg_disk_mb=jpg['disk'] / 2**20,
                     disk_fraction=nat['disk'] / jpg['disk'], disk_target=0.05, disk_met=bool(nat['disk'] / jpg['disk'] <= 0.05))]
        # (b) cost growth: 10 and 60 minutes, each in a fresh process (the short one before and after the long one)
        v_long = video(folder, long_, size)
        g = {}
        order = (('short', v_short), ('long', v_long)) + ((('short', v_short),) if not args.smoke else ())
        for tag, v in order:
            root = d/f'growth_{tag}_{len(g.get(tag, []))}'
            g.setdefault(tag, []).append(in_fresh_process(f'benchmarks.{NAME}:growth_run', timeout=3600, root=str(root), src=str(v)))
            shutil.rmtree(root)
        s = min(g['short'], key=lambda r: r['seconds']); l = g['long'][0]
        per = lambda r: r['seconds'] / r['frames'] * 1000
        rows.append(dict(case=f'(b) {_dur(long_)} vs {_dur(short)}: time per frame', frames=l['frames'], native_s=l['seconds'],
                         ms_per_frame_short=per(s), ms_per_frame_long=per(l), ratio=per(l) / per(s), target='0.9-1.1',
                         met=bool(0.9 <= per(l) / per(s) <= 1.1)))
        rows.append(dict(case=f'(b) {_dur(long_)} vs {_dur(short)}: peak RSS growth', frames=l['frames'],
                         rss_growth_short_mb=max(r['growth'] for r in g['short']) / 2**20, rss_growth_long_mb=l['growth'] / 2**20,
                         ratio=l['growth'] / max(r['growth'] for r in g['short']), target='<= 1.1',
                         met=bool(l['growth'] <= 1.1 * max(r['growth'] for r in g['short']))))
    notes = [f"(a) JPEG route = extract_frames ({jpg['extract_seconds']:.0f} s) + extract_features from the JPEGs; the native route's "
             "first contact includes counting the frames (one pass).",
             f"(b) short runs: {', '.join(f'{per(r):.3f}' for r in g['short'])} ms/frame, "
             f"peak RSS growth {', '.join('%.0f' % (r['growth'] / 2**20) for r in g['short'])} MB; long: {per(l):.3f} ms/frame, "
             f"{l['growth'] / 2**20:.0f} MB (fresh processes; imports excluded)."]
    return report(NAME, args, rows, notes)

if __name__ == '__main__': main()
