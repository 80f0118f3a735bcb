"""Analysis on a project of video files only (no frame folders): the worst-frames grid shows the frames and
cross-validation folds see the videos."""
import numpy as np, pandas as pd
from videoclf.core import Project
from videoclf.synthetic import make_synthetic_videos
from videoclf.labels import make_labels
from videoclf.sources import frame_source
from videoclf.analysis import _frames_of, plot_worst_frames, fold_project


def _video_project(tmp_path):
    prj = Project(tmp_path); prj.mkdirs()
    make_synthetic_videos(prj.videos, n_videos=2, n_frames=30, fps=10, size=(48, 64), seed=0)
    labels = make_labels(prj, prj.videos/'intervals.csv', background='rest')
    assert not any(prj.frame_dir(v).is_dir() and any(prj.frame_dir(v).glob('*.jpg')) for v in labels.video.unique())
    return prj, labels


def test_worst_frames_read_from_video_files(tmp_path):
    prj, labels = _video_project(tmp_path)
    rows = labels.iloc[[3, 40, 7]].reset_index(drop=True)            # two videos, out of order
    imgs = _frames_of(prj, rows)
    for (_, r), img in zip(rows.iterrows(), imgs):
        src = frame_source(prj, r.video)
        np.testing.assert_array_equal(img, src.read(src.index_of([r.frame]))[0])
    fp = pd.DataFrame(dict(chase=[0.1, 0.2, 0.3], rest=[0.9, 0.8, 0.7], prediction='rest', label='chase',
                           video=rows.video, frame=rows.frame, split='test'))       # the frame_predictions columns
    fig = plot_worst_frames(fp, prj, n=3, split='test', cols=3)
    assert not any(t.get_text() == 'frame not found' for ax in fig.axes for t in ax.texts)


def test_fold_view_of_video_files(tmp_path):
    prj, labels = _video_project(tmp_path)
    view = fold_project(prj, labels.assign(split='train'), 'fold0')
    v = str(labels.video.iloc[0])
    kind, path = view.source_of(v)
    assert kind == 'video' and path.parent == prj.videos
    assert frame_source(view, v).names == frame_source(prj, v).names
