"""Run every benchmark (each in its own process), then print and write a summary table (results/summary.md).

`python -m benchmarks.run_all` (`make bench`, ~25 min on 2 CPU cores, plus ~10 min once to make the videos of bench_video_native) or `--smoke` (`make bench-smoke`, seconds each).
"""
from __future__ import annotations
import argparse, json, os, subprocess, sys, time
from pathlib import Path
from benchmarks.common import RESULTS, ROOT, fmt

BENCHMARKS = ['bench_extract', 'bench_memory', 'bench_features', 'bench_train', 'bench_predict', 'bench_stream',
              'bench_ray', 'bench_video_native', 'bench_temporal', 'bench_inputs', 'bench_gpu']
# the column holding each benchmark's ratio, and how to label the row
RATIO = dict(bench_extract='ratio', bench_memory='ratio_to_array', bench_features='ratio', bench_train='ratio',
             bench_predict='speedup', bench_stream='ratio', bench_ray='ratio', bench_video_native='ratio',
             bench_temporal='ratio', bench_inputs='ratio', bench_gpu='ratio')

def summary(results:dict)->str:
    "A markdown table: one line per measured row, with its ratio, target and whether it is met."
    lines = ['| benchmark | case | ratio | target | met | command |', '|---|---|---|---|---|---|']
    for name, res in results.items():
        if res is None: lines.append(f'| {name} | failed (see log) | | | | `python -m benchmarks.{name}` |'); continue
        if not res['rows']: lines.append(f"| {name} | {'; '.join(res['notes'])} | | | | `{res['command']}` |"); continue
        for r in res['rows']:
            case = ', '.join(f'{k}={fmt(r[k])}' for k in ('case', 'mode', 'L', 'dataset', 'video', 'backbone', 'frames', 'temporal_model') if k in r)
            ratio = r.get(RATIO[name])
            lines.append(f"| {name} | {case} | {fmt(ratio) if ratio is not None else 'n/a'} | {fmt(r.get('target', ''))} "
                         f"| {r.get('met', 'n/a')} | `{res['command']}` |")
    return '\n'.join(lines) + '\n'

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--smoke', action='store_true', help='tiny inputs: checks every script runs')
    p.add_argument('--out', default=None, help='results folder')
    p.add_argument('--only', nargs='*', default=None, help=f'a subset of {BENCHMARKS}')
    a = p.parse_args(argv)
    out = Path(a.out) if a.out else (RESULTS/'smoke' if a.smoke else RESULTS)
    names = a.only or BENCHMARKS
    bad = [n for n in names if n not in BENCHMARKS]
    if bad: p.error(f'unknown benchmark(s) {bad}; choose from {BENCHMARKS}')
    env = {**os.environ, 'TF_CPP_MIN_LOG_LEVEL': '3', 'PYTHONPATH': f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    results, failed, t0 = {}, [], time.perf_counter()
    for n in names:
        t = time.perf_counter()
        r = subprocess.run([sys.executable, '-m', f'benchmarks.{n}', *(['--smoke'] if a.smoke else []), '--out', str(out)],
                           cwd=ROOT, env=env)
        dest = out/f'{n}.json'
        if r.returncode != 0 or not dest.exists(): failed.append(n); results[n] = None
        else: results[n] = json.loads(dest.read_text())
        print(f'[{n}: {time.perf_counter() - t:.0f} s]', flush=True)
    for n in BENCHMARKS:   # --only: the summary keeps the latest results of the others
        if n not in results and (out/f'{n}.json').exists(): results[n] = json.loads((out/f'{n}.json').read_text())
    md = summary({n: results[n] for n in BENCHMARKS if n in results})
    out.mkdir(parents=True, exist_ok=True)
    (out/'summary.md').write_text(md)
    print('\n' + md + f'\ntotal {time.perf_counter() - t0:.0f} s; summary -> {out/"summary.md"}')
    if failed: sys.exit(f'benchmarks failed: {failed}')

if __name__ == '__main__': main()
