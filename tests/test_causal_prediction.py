"""A causal whole-video model stays causal through the prediction path that `train`, `frame_predictions.csv` and
`predict()` use (`training.FEEDS['chunks'].predict`): chunks read with context from a per-frame store. Changing the
frames from t on never changes the probabilities of frames before t, across chunk borders and videos; without
`causal` it does. (The network alone is tested in the temporal chapter; this covers the chunking around it.)"""
import numpy as np
import pytest

@pytest.fixture(scope='module')
def parts():
    from videoclf.experiment import validate_experiment
    from videoclf.architectures import build_model
    from videoclf.training import FEEDS
    base = dict(architecture='temporal_segmentation_frozen', stages=2, stage_layers=3, layer_1_size=8, dropout=0.0, chunk_length=8)
    es = {c: validate_experiment({**base, 'causal': c}) for c in (True, False)}
    models = {c: build_model(es[c], (None, 5), 3) for c in es}
    return es, models, FEEDS['chunks']

def _predict(tmp_path, e, model, feed, feats):
    from videoclf.cache import PerFrameStore
    for v, a in feats.items(): np.save(tmp_path/f'{v}.npy', a)
    store = PerFrameStore(tmp_path, list(feats))
    index = feed.index(e, store.n_frames)
    return feed.predict(model, store, index, np.arange(len(index)), 4)

@pytest.mark.parametrize('cut', [1, 8, 13])
def test_future_frames_never_change_past_predictions(tmp_path, parts, cut):
    es, models, feed = parts
    rng = np.random.default_rng(cut)
    feats = {'a': rng.normal(size=(37, 5)).astype('float32'), 'b': rng.normal(size=(11, 5)).astype('float32')}
    later = {**feats, 'a': feats['a'].copy()}
    later['a'][cut:] = rng.normal(size=later['a'][cut:].shape)        # video a from frame `cut` on
    (tmp_path/'x').mkdir(); (tmp_path/'y').mkdir()
    p, q = (_predict(tmp_path/d, es[True], models[True], feed, f) for d, f in (('x', feats), ('y', later)))
    assert p.shape == (48, 3)
    np.testing.assert_array_equal(p[:cut], q[:cut])                   # frames of a before the cut
    np.testing.assert_array_equal(p[37:], q[37:])                     # video b
    assert np.abs(p[cut:37] - q[cut:37]).max() > 1e-6                 # the changed frames do change

def test_not_causal_reads_the_future(tmp_path, parts):
    es, models, feed = parts
    rng = np.random.default_rng(0)
    feats = {'a': rng.normal(size=(37, 5)).astype('float32')}
    later = {'a': feats['a'].copy()}; later['a'][13:] += 1
    (tmp_path/'x').mkdir(); (tmp_path/'y').mkdir()
    p, q = (_predict(tmp_path/d, es[False], models[False], feed, f) for d, f in (('x', feats), ('y', later)))
    assert np.abs(p[:13] - q[:13]).max() > 1e-6
