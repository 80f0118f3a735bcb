"""Render README.md from nbs/index.ipynb (markdown cells as they are, code cells as python blocks,
with their saved text outputs). Quarto is not needed. Cells marked `#| hide` are left out."""
import json, os, tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

def cell_markdown(cell):
    src = ''.join(cell['source'])
    if cell['cell_type'] == 'markdown': return src.strip()
    lines = src.splitlines()
    directives = [l for l in lines if l.startswith('#|')]
    if any(d.split()[1:2] == ['hide'] for d in directives): return ''
    code = '\n'.join(l for l in lines if not l.startswith('#|')).strip()
    if not code: return ''
    out = [f'```python\n{code}\n```']
    text = ''.join(''.join(o.get('text', '')) for o in cell.get('outputs', []) if o.get('output_type') == 'stream' and o.get('name') == 'stdout')  # progress bars (stderr) left out
    if text.strip(): out.append(f'```\n{text.rstrip()}\n```')
    return '\n\n'.join(out)

def render(nb_path=ROOT/'nbs'/'index.ipynb'):
    nb = json.loads(Path(nb_path).read_text(encoding='utf-8'))
    parts = [cell_markdown(c) for c in nb['cells']]
    head = '<!-- generated from nbs/index.ipynb by tools/make_readme.py: edit the notebook, not this file -->\n\n'
    return head + '\n\n'.join(p for p in parts if p) + '\n'

if __name__ == '__main__':
    dest = ROOT/'README.md'
    fd, tmp = tempfile.mkstemp(dir=ROOT, prefix='.README.', suffix='.tmp')
    with os.fdopen(fd, 'w', encoding='utf-8') as f: f.write(render())
    os.replace(tmp, dest)
