"""Run every notebook in nbs/ as a test (the notebooks carry the library's tests).

Cells flagged with a test flag from settings.ini (`#| slow`, `#| gpu`) are skipped unless the flag
is listed in the environment variable VIDEOCLF_TEST_FLAGS (e.g. `VIDEOCLF_TEST_FLAGS=slow`).
"""
import os
from configparser import ConfigParser
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT/'nbs'

def _test_flags():
    cfg = ConfigParser(delimiters=['=']); cfg.read(ROOT/'settings.ini')
    return cfg['DEFAULT'].get('tst_flags', '').split()

def _notebooks():
    return sorted(p for p in NBS.rglob('*.ipynb')
                  if '.ipynb_checkpoints' not in p.parts and not any(q.startswith('_') for q in p.relative_to(NBS).parts))

@pytest.mark.parametrize('nb', _notebooks(), ids=lambda p: str(p.relative_to(NBS)))
def test_notebook(nb):
    from nbdev.test import test_nb
    forced = os.environ.get('VIDEOCLF_TEST_FLAGS', '').split()
    ok, secs = test_nb(nb, skip_flags=_test_flags(), force_flags=forced, showerr=True)
    assert ok, f'{nb.name} failed: see the traceback above'
