"""Execute chapter notebooks in place so their saved outputs (tables, plots, printed numbers) document
the library. Cells flagged with test flags (`#| slow`, `#| gpu`) run only when named with --flags.

    python tools/execute_nbs.py nbs/18_motion.ipynb [more notebooks] [--flags slow]

Each notebook runs in its own folder (like nbdev_test), is written atomically, and a failing cell stops
with the notebook left unchanged. Run `nbdev_clean` afterwards (the Makefile's `docs` target does both).
"""
import argparse, os, sys, tempfile, time
from pathlib import Path
from execnb.nbio import read_nb, write_nb
from execnb.shell import CaptureShell

SKIP = ('eval: false', 'eval:false')

def _directives(cell)->list:
    return [l[3:].strip() for l in cell.source.splitlines() if l.startswith('#|')]

def make_preproc(flags:set):
    "Skip cells that are not evaluated or carry a test flag that is not enabled (returns True to skip)."
    all_flags = {'slow', 'gpu'}
    def preproc(cell):
        if cell.cell_type != 'code': return False
        d = _directives(cell)
        if any(x in SKIP for x in d): return True
        return any(x in all_flags and x not in flags for x in d)
    return preproc

def execute(path:Path, flags:set)->float:
    "Run one notebook from its own folder and save its outputs; returns seconds."
    nb, t0, cwd = read_nb(path), time.time(), os.getcwd()
    os.chdir(path.parent)
    try:
        shell, skip = CaptureShell(), make_preproc(flags)
        for c in nb.cells:   # a cell that runs and prints nothing now must not keep the outputs of an earlier run
            if c.cell_type == 'code' and not skip(c): c.outputs = []
        shell.run_all(nb, exc_stop=True, preproc=skip)
    finally: os.chdir(cwd)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f'.{path.stem}.', suffix='.ipynb')
    os.close(fd)
    write_nb(nb, tmp); os.chmod(tmp, path.stat().st_mode & 0o777); os.replace(tmp, path)
    return time.time() - t0

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('notebooks', nargs='+', type=Path)
    ap.add_argument('--flags', default='', help='comma-separated test flags to run too (slow, gpu)')
    a = ap.parse_args()
    for p in a.notebooks:
        flags = set(filter(None, a.flags.split(',')))
        print(f'{p}: {execute(p.resolve(), flags):.0f} s', flush=True)
