"""Shared helpers for the benchmarks: arguments, synthetic inputs, timing, peak-RSS in a fresh process, results."""
from __future__ import annotations
import argparse, importlib, json, os, platform, resource, subprocess, sys, time, datetime
from pathlib import Path
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent/'results'
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
os.environ.setdefault('MPLBACKEND', 'Agg')

def parse_args(desc:str, argv=None)->argparse.Namespace:
    "Common command line: --smoke (tiny inputs, a few seconds) and --out (results folder)."
    p = argparse.ArgumentParser(description=desc)
    p.add_argument('--smoke', action='store_true', help='tiny inputs: checks the script runs, figures meaningless')
    p.add_argument('--out', default=None, help='results folder (default benchmarks/results, or results/smoke with --smoke)')
    a = p.parse_args(argv)
    a.out = Path(a.out) if a.out else (RESULTS/'smoke' if a.smoke else RESULTS)
    return a

def missing(*modules:str)->list:
    "The modules among `modules` that cannot be imported (parts of videoclf not written yet)."
    import importlib.util
    out = []
    for m in modules:
        try: found = importlib.util.find_spec(m) is not None
        except ImportError: found = False
        if not found: out.append(m)
    return out

def make_video(path, seconds:float, fps:float=30, size=(480, 640), seed:int=0, fourcc='mp4v')->Path:
    "Write a synthetic video of realistic size: textured moving background, moving discs and sensor noise."
    import cv2
    path = Path(path); path.parent.mkdir(parents=True, exist_ok=True)
    h, w = size
    rng = np.random.default_rng(seed)
    small = rng.uniform(40, 200, size=(h // 8 + 2, w // 8 + 2, 3)).astype(np.float32)
    bg = cv2.resize(small, (w * 2, h * 2), interpolation=cv2.INTER_CUBIC).astype(np.uint8)
    noise = rng.normal(0, 4, size=(8, h, w, 3)).astype(np.int16)   # cycled: realistic JPEG sizes, cheap to make
    wr = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), float(fps), (w, h))
    if not wr.isOpened(): raise RuntimeError(f'OpenCV cannot write {fourcc} video {path}')
    n = int(round(seconds * fps))
    try:
        for t in range(n):
            ox, oy = int(w / 2 * (1 + np.sin(t / 90))), int(h / 2 * (1 + np.cos(t / 70)))
            img = bg[oy:oy + h, ox:ox + w].copy()
            for j in range(3):
                c = (int(w / 2 + w / 3 * np.sin(t / (20 + 7 * j) + j)), int(h / 2 + h / 3 * np.cos(t / (25 + 5 * j))))
                cv2.circle(img, c, 30, ((60 * j) % 255, 200 - 50 * j, 90 + 50 * j), -1, cv2.LINE_AA)
            img = np.clip(img.astype(np.int16) + noise[t % len(noise)], 0, 255).astype(np.uint8)
            wr.write(img)
    finally: wr.release()
    return path

def best_time(fn, repeat:int=3, setup=None)->float:
    "Best wall time (s) of `fn()` over `repeat` runs; `setup()` runs untimed before each."
    ts = []
    for _ in range(repeat):
        if setup: setup()
        t = time.perf_counter(); fn(); ts.append(time.perf_counter() - t)
    return min(ts)

def rss_now()->int:
    "Current resident set size in bytes."
    try:
        for line in open('/proc/self/status'):
            if line.startswith('VmRSS:'): return int(line.split()[1]) * 1024
    except OSError: pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

def rss_peak()->int:
    "Peak resident set size of this process so far (bytes)."
    try:
        for line in open('/proc/self/status'):
            if line.startswith('VmHWM:'): return int(line.split()[1]) * 1024
    except OSError: pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

def reset_peak():
    "Reset VmHWM to the current RSS (Linux: write 5 to /proc/self/clear_refs); False if unsupported."
    try:
        with open('/proc/self/clear_refs', 'w') as f: f.write('5')
        return True
    except OSError: return False

def in_fresh_process(func:str, timeout:float=900, **kwargs)->dict:
    "Run `module:function(**kwargs)` in a fresh Python process; returns the dict it returns (JSON)."
    code = ("import json,sys,importlib; m,f=sys.argv[1].split(':'); "
            "r=getattr(importlib.import_module(m),f)(**json.loads(sys.argv[2])); print('@@RESULT@@'+json.dumps(r))")
    env = {**os.environ, 'PYTHONPATH': f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    r = subprocess.run([sys.executable, '-c', code, func, json.dumps(kwargs)], capture_output=True, text=True,
                       timeout=timeout, cwd=ROOT, env=env)
    for line in r.stdout.splitlines():
        if line.startswith('@@RESULT@@'): return json.loads(line[len('@@RESULT@@'):])
    raise RuntimeError(f'{func}({kwargs}) failed in its subprocess (rc {r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}')

def machine()->dict:
    "The machine the figures were measured on."
    gpu = 'not measured'
    try:
        import tensorflow as tf
        g = tf.config.list_physical_devices('GPU')
        if g: gpu = ', '.join(d.name for d in g)
    except Exception: pass
    return dict(cpus=os.cpu_count(), platform=platform.platform(), python=platform.python_version(),
                processor=platform.processor() or platform.machine(), gpu=gpu)

def fmt(v):
    if isinstance(v, float): return f'{v:.3g}' if abs(v) < 1000 else f'{v:,.0f}'
    return str(v)

def report(name:str, args, rows:list, notes:list=(), command:str=None)->dict:
    "Print rows as a table and write results/<name>.json atomically; returns the written dict."
    import pandas as pd
    df = pd.DataFrame(rows)
    print(f'\n== {name}' + (' (smoke: tiny inputs, figures meaningless)' if args.smoke else ''))
    if len(df): print(df.to_string(index=False, formatters={c: fmt for c in df.columns}))
    for n in notes: print('  note:', n)
    res = dict(benchmark=name, smoke=bool(args.smoke), date=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds'),
               command=command or f'python -m benchmarks.{name}' + (' --smoke' if args.smoke else ''),
               machine=dict(cpus=os.cpu_count(), platform=platform.platform()), rows=rows, notes=list(notes))
    args.out.mkdir(parents=True, exist_ok=True)
    dest = args.out/f'{name}.json'; tmp = dest.with_suffix('.json.tmp')
    tmp.write_text(json.dumps(res, indent=1, default=float)); os.replace(tmp, dest)
    print(f'  -> {dest}')
    return res

def skipped(name:str, args, why:str)->dict:
    "Report a benchmark that cannot run yet (a library part missing): a clear message and a JSON saying so."
    print(f'SKIPPED {name}: {why}')
    return report(name, args, [], notes=[f'skipped: {why}'])
