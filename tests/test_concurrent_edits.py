"""Two reviewers editing one labels.csv at once (a review widget and the CLI, two notebooks): every edit lands,
none is lost to the other's write, and the edit log records them all."""
import subprocess, sys, textwrap
import pandas as pd
from videoclf.core import Project, write_labels, read_labels
from videoclf.review import read_edit_log

N_FRAMES, N_EDITS = 20000, 12     # a labels file large enough that reading and writing it take a while

EDITOR = textwrap.dedent("""
    import sys
    from videoclf.core import Project
    from videoclf.review import relabel
    root, video, label = sys.argv[1:4]
    for k in range(int(sys.argv[4])):
        relabel(Project(root), video, 100 * k + 1, 100 * k + 50, label, user=label)
""")

def test_two_editors_at_once_lose_nothing(tmp_path):
    prj = Project(tmp_path); prj.mkdirs()
    rows = [dict(video=v, frame=f'{v}_{i:06d}.jpg', label='rest') for v in ('a', 'b') for i in range(1, N_FRAMES + 1)]
    write_labels(pd.DataFrame(rows), prj.labels_path, backup=False)
    procs = [subprocess.Popen([sys.executable, '-c', EDITOR, str(tmp_path), v, lab, str(N_EDITS)])
             for v, lab in (('a', 'groom'), ('b', 'rear'))]
    assert [p.wait(timeout=300) for p in procs] == [0, 0]
    lab = read_labels(prj.labels_path)
    for v, new in (('a', 'groom'), ('b', 'rear')):
        got = lab[lab.video == v].label.value_counts().get(new, 0)
        assert got == 50 * N_EDITS, f"video {v}: {got} frames relabelled, {50 * N_EDITS} expected (an edit was lost)"
    assert len(lab) == 2 * N_FRAMES
    assert len(read_edit_log(prj)) == 2 * N_EDITS
