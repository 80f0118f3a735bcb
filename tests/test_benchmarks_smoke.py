"""Smoke run of every benchmark script (tiny inputs, seconds each) so the benchmarks never rot. Not a measurement."""
import json, os, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.run_all import BENCHMARKS, RATIO

def run(*args, timeout=300):   # generous: a loaded 2-core machine runs these several times slower
    env = {**os.environ, 'TF_CPP_MIN_LOG_LEVEL': '3', 'MPLBACKEND': 'Agg', 'PYTHONPATH': str(ROOT)}
    return subprocess.run([sys.executable, '-m', *map(str, args)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)

@pytest.mark.parametrize('name', BENCHMARKS)
def test_benchmark_smoke(name, tmp_path):
    r = run(f'benchmarks.{name}', '--smoke', '--out', tmp_path)
    assert r.returncode == 0, f'{name} --smoke failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}'
    res = json.loads((tmp_path/f'{name}.json').read_text())
    assert res['smoke'] and res['benchmark'] == name
    assert res['rows'], f"{name} measured nothing: {res['notes']}"   # every library part exists: no skipping
    for row in res['rows']:      # every row carries its ratio, and the table was printed
        if RATIO[name] not in row:   # only the ffmpeg comparison may be absent, when ffmpeg is not installed
            assert name == 'bench_extract' and any('ffmpeg not found' in n for n in res['notes']), row
        else: assert isinstance(row[RATIO[name]], float) and row[RATIO[name]] > 0, row
    assert name in r.stdout

def test_run_all_writes_summary(tmp_path):
    r = run('benchmarks.run_all', '--smoke', '--only', 'bench_extract', '--out', tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    md = (tmp_path/'summary.md').read_text()
    assert '| bench_extract |' in md and 'python -m benchmarks.bench_extract' in md
    assert run('benchmarks.run_all', '--only', 'bench_nope', '--out', tmp_path).returncode == 2
