"""The review loop from the command line, as a user runs it on a small project (fabricated model folders, no
training): import a model's predictions as labels, accept and relabel frame ranges, report bouts, measure the
agreement of two raters, export to other tools' formats and read them back, and ask what to label next.

Every command runs as the `videoclf` console script with its output in files (as in a log), and each check
looks at what a user would look at: labels.csv, its backups, the edit log and the files written."""
import os, re, subprocess, sys
from pathlib import Path
import pandas as pd
import pytest
from videoclf.analysis import fabricate_models
from videoclf.core import read_labels, write_labels, backups

BIN = Path(sys.executable).parent/'videoclf'
CONTROL = re.compile(r'[\r\x1b\x08]')

def run(*args, cwd, ok=True):
    env = {**os.environ, 'TF_CPP_MIN_LOG_LEVEL': '3', 'MPLBACKEND': 'Agg', 'VIDEOCLF_USER': 'tester'}
    with open(cwd/'out.log', 'w') as o, open(cwd/'err.log', 'w') as e:
        rc = subprocess.run([str(BIN), *map(str, args)], cwd=cwd, env=env, stdout=o, stderr=e, timeout=300).returncode
    out, err = (cwd/'out.log').read_text(), (cwd/'err.log').read_text()
    assert (rc == 0) == ok, f"videoclf {' '.join(map(str, args))}: status {rc}\n{out}\n{err}"
    assert not CONTROL.findall(out + err), f"terminal control characters in the log of videoclf {args[0]}"
    if not ok: assert rc == 2 and 'Traceback' not in err and len([l for l in err.splitlines() if ': error: ' in l]) == 1, err
    return out + err

@pytest.fixture
def prj(tmp_path):
    p = fabricate_models(tmp_path/'p', model_ids=('m1',), n_frames=40, images=False)
    lab = read_labels(p.labels_path)
    write_labels(lab[lab.video != 'v3'], p.labels_path)            # v3: frames on disk, not labelled yet
    return p

def test_import_review_and_train_selection(prj, tmp_path):
    preds = prj.model_dir('m1')/'frame_predictions.csv'
    out = run('import-predictions', 'm1', preds, '--root', prj.root, '--videos', 'v3', '--split', 'test', cwd=tmp_path)
    assert 'imported 40 frame labels' in out
    lab = read_labels(prj.labels_path)
    v3 = lab[lab.video == 'v3']
    fp = pd.read_csv(preds, dtype=str, keep_default_na=False)
    assert v3.label.tolist() == fp.prediction[fp.video == 'v3'].tolist() and set(v3.source) == {'model:m1'}
    run('accept', 'v3', 1, 10, '--root', prj.root, cwd=tmp_path)
    accepted = read_labels(prj.labels_path)
    assert accepted.source[accepted.video == 'v3'].tolist() == ['human'] * 10 + ['model:m1'] * 30
    run('relabel', 'v3', 11, 15, 'groom|rest', '--root', prj.root, cwd=tmp_path)
    after = read_labels(prj.labels_path)
    changed = after.index[(after.label != accepted.label) | (after.source != accepted.source)]
    assert after.loc[changed, 'frame'].tolist() == [f'v3_{i:06d}.jpg' for i in range(11, 16)]      # exactly the range
    assert (after.loc[changed, 'label'] == 'groom|rest').all() and (after.loc[changed, 'source'] == 'human').all()
    assert read_labels(backups(prj.labels_path)[-1]).equals(accepted)                                # the backup: the old file
    log = pd.read_csv(prj.data/'label_edits.csv', dtype=str, keep_default_na=False)
    assert log.action.tolist() == ['import'] * (len(log) - 2) + ['accept', 'relabel']
    assert set(log.user) == {'tester'}
    assert log.iloc[-1][['video', 'first_frame', 'last_frame', 'new_label', 'new_source']].tolist() == ['v3', '11', '15', 'groom|rest', 'human']
    run('relabel', 'v3', 50, 60, 'groom', '--root', prj.root, cwd=tmp_path, ok=False)   # frames the video does not have
    assert read_labels(prj.labels_path).equals(after)

def test_bouts_agreement_and_formats(prj, tmp_path):
    out = run('bouts', '--model_id', 'm1', '--root', prj.root, '--min_bout', '3', cwd=tmp_path)
    assert 'bouts in 4 video(s)' in out
    for f in ('bouts.csv', 'bout_statistics.csv', 'transitions.csv', 'overview.png', 'bouts_boris.csv'):
        assert (prj.root/'bouts'/'m1'/f).exists(), f
    out = run('agreement', prj.labels_path, prj.model_dir('m1')/'frame_predictions.csv', '--column_b', 'prediction', cwd=tmp_path)
    assert "Cohen's kappa" in out and '120 frames in common' in out
    # labels -> DeepEthogram files -> labels again, through `videoclf labels` (make_labels reads the registered format)
    run('export', 'deepethogram', tmp_path/'deg', '--labels', prj.labels_path, '--root', prj.root, cwd=tmp_path)
    assert sorted(p.name for p in (tmp_path/'deg').iterdir()) == ['v0_labels.csv', 'v1_labels.csv', 'v2_labels.csv']
    old = read_labels(prj.labels_path)
    lab = read_labels(prj.labels_path)
    write_labels(lab.assign(split='train'), prj.labels_path)
    run('labels', tmp_path/'deg', '--root', prj.root, '--splits', 'train', cwd=tmp_path)
    new = read_labels(prj.labels_path)
    assert new[new.video != 'v3'].label.tolist() == old.label.tolist()                  # v3 has no labels: background
    out = run('agreement', prj.labels_path, tmp_path/'deg', cwd=tmp_path)
    assert "Cohen's kappa 1.000" in out
    run('export', 'boris_binary', tmp_path/'bb', '--model_id', 'm1', '--root', prj.root, cwd=tmp_path)
    assert len(list((tmp_path/'bb').glob('*_No focal subject.tsv'))) == 4
    run('export', 'nosuch', tmp_path/'x', '--labels', prj.labels_path, cwd=tmp_path, ok=False)

def test_suggest_what_to_label_next(prj, tmp_path):
    out = run('suggest', 'm1', '--predictions', prj.model_dir('m1')/'frame_predictions.csv', '--root', prj.root, '--n', 4,
              '--seconds', 1, cwd=tmp_path)
    sug = pd.read_csv(prj.root/'to_label'/'m1'/'to_label.csv')
    assert len(sug) == 4 and set(sug.video) == {'v3'} and (sug.n_frames == 10).all()
    assert (prj.root/'to_label'/'m1'/'to_label_boris_events.tsv').exists()

def test_deepethogram_unlabelled_frames_are_refused(prj, tmp_path):
    (tmp_path/'deg').mkdir()
    (tmp_path/'deg'/'v0_labels.csv').write_text(',background,groom\n' + ''.join(f'{i},1,0\n' for i in range(39)) + '39,-1,-1\n')
    out = run('labels', tmp_path/'deg', '--root', prj.root, '--splits', 'drop', cwd=tmp_path, ok=False)
    assert '1 frame(s) are not labelled' in out and 'v0_labels.csv line 41' in out
