"""Benchmark 3: memory of a `video_lrcnn_frozen` training dataset over cached features, sequence_length 2 / 8 / 32.

50k frames x 1280 float32 features (a memory-mapped .npy written directly, no CNN run). For each L, a fresh
process opens the cache, builds the dataset (`videoclf.windows.WindowIndex` + `videoclf.datasets.WindowDataset`),
iterates one shuffled epoch and reports its peak RSS growth. Compared with the per-frame array's size (target
<= 1.3x, flat in L) and with the original tool's materialised windows (n x L x F floats, computed, not allocated).
A plain numpy loop gathering the same shuffled windows from the memmap is measured alongside as the floor.
"""
from __future__ import annotations
import tempfile
from pathlib import Path
import numpy as np
from benchmarks.common import parse_args, report, missing, in_fresh_process, reset_peak, rss_now, rss_peak

NAME = 'bench_memory'

class MemmapStore:
    "The per-frame store interface of the contract (`videos`, `arrays`, `n_frames`, `gather`, `shape_per_frame`, `dtype`) over one .npy."
    def __init__(self, path):
        a = np.load(path, mmap_mode='r')
        self.videos, self.arrays, self.n_frames = ['v'], {'v': a}, [len(a)]
        self.shape_per_frame, self.dtype, self.key, self.path = a.shape[1:], a.dtype, 'bench', Path(path).parent
    def gather(self, rows): return np.asarray(self.arrays['v'][np.asarray(rows)])

def write_features(path, n, f, chunk=4096, seed=0):
    "A float32 (n, f) .npy of random features, written in chunks (never whole in memory)."
    a = np.lib.format.open_memmap(path, mode='w+', dtype=np.float32, shape=(n, f))
    rng = np.random.default_rng(seed)
    for i in range(0, n, chunk): a[i:i + chunk] = rng.standard_normal((min(chunk, n - i), f), dtype=np.float32)
    a.flush(); del a
    return path

def measure(path:str, L:int, mode:str, batch_size:int=32)->dict:
    "In a fresh process: peak RSS growth (bytes) of one shuffled epoch of windows of length L over the cache."
    import time
    if mode == 'videoclf':
        import keras  # noqa: F401  (import cost before the baseline)
        from videoclf.windows import WindowIndex
        from videoclf.datasets import WindowDataset
    reset_peak(); base = rss_now(); t = time.perf_counter()
    store = MemmapStore(path); n = store.n_frames[0]
    if mode == 'numpy':   # the floor: gather shuffled windows straight from the memmap, batch by batch
        a = store.arrays['v']; order = np.random.default_rng(0).permutation(n); offs = np.arange(-L + 1, 1)
        for i in range(0, n, batch_size):
            rows = np.clip(order[i:i + batch_size, None] + offs, 0, None)
            x = np.asarray(a[rows]); assert x.shape[1:] == (L, a.shape[1])
    else:
        idx = WindowIndex([n], L)
        y = np.zeros(len(idx.anchors), dtype=np.int64)
        ds = WindowDataset(store, idx, np.arange(len(idx.anchors)), y=y, batch_size=batch_size, shuffle=True, seed=0)
        for i in range(len(ds)):
            x = ds[i][0]; assert tuple(x.shape[1:]) == (L, *store.shape_per_frame)
    return dict(growth=rss_peak() - base, seconds=time.perf_counter() - t)

def main(argv=None):
    args = parse_args(__doc__, argv)
    n, f = (2000, 64) if args.smoke else (50_000, 1280)
    Ls = (2, 8) if args.smoke else (2, 8, 32)
    lib_missing = missing('videoclf.windows', 'videoclf.datasets')
    notes = []
    if lib_missing: notes.append(f"videoclf rows skipped: {', '.join(lib_missing)} not available yet; only the numpy floor "
                                 "and the arithmetic columns are measured.")
    rows = []
    with tempfile.TemporaryDirectory() as d:
        path = write_features(str(Path(d)/'features.npy'), n, f)
        array_mb = n * f * 4 / 2**20
        for L in Ls:
            for mode in ['numpy'] + ([] if lib_missing else ['videoclf']):
                r = in_fresh_process('benchmarks.bench_memory:measure', path=path, L=L, mode=mode)
                mb = r['growth'] / 2**20
                row = dict(L=L, dataset=mode, frames=n, features=f, array_mb=array_mb, peak_rss_growth_mb=mb,
                           ratio_to_array=mb / array_mb, materialised_windows_mb=n * L * f * 4 / 2**20,
                           epoch_s=r['seconds'])
                if mode == 'videoclf': row.update(target=1.3, met=bool(mb / array_mb <= 1.3))
                rows.append(row)
    lib = [r['ratio_to_array'] for r in rows if r['dataset'] == 'videoclf']
    if lib: notes.append(f'flat in L: videoclf ratio ranges {min(lib):.2f}-{max(lib):.2f} over L={list(Ls)}.')
    notes.append('peak RSS counts the memory-mapped cache pages touched in the epoch (at most the array once).')
    return report(NAME, args, rows, notes)

if __name__ == '__main__': main()
