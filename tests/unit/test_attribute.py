"""Attribution beside attention (seq2seq.attribute): IG's completeness, erasure finding the one
position an output depends on, the rank correlation, the faithfulness views."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from conftest import tiny_model

import seq2seq
from seq2seq.attribute import METHODS, _chosen_logp, _inputs, attention_views, attribute, faithfulness, spearman
from seq2seq.models.base import Seq2Seq

pytest.importorskip("captum", reason="captum is in requirements.txt")
ARCHS = ("lstm", "lstm-attn", "transformer")


@pytest.fixture(scope="module")
def traces():
    out = {}
    for arch in ARCHS:
        model = tiny_model(arch, "dates", seed=3)
        out[arch] = (model, seq2seq.decode(model, "9 May 2018", max_len=6))
    return out


@pytest.mark.parametrize("arch", ARCHS)
def test_the_attributed_numbers_are_the_traces_probabilities(traces, arch):
    model, tr = traces[arch]
    src, mask, tgt_in, tgt_out = _inputs(model, tr)
    with torch.no_grad():
        logp = _chosen_logp(model, model.embed_source(src), src, mask, tgt_in, tgt_out)[0].numpy()
    np.testing.assert_allclose(np.exp(logp), tr.probs, atol=1e-5)


@pytest.mark.parametrize("arch", ARCHS)
def test_integrated_gradients_are_complete(traces, arch):
    """Each step's attributions add up to f(x) - f(baseline), up to Captum's convergence delta."""
    model, tr = traces[arch]
    a = attribute(model, tr, "ig")
    assert a.values.shape == (tr.steps, len(tr.src_tokens)) and a.delta.shape == (tr.steps,)
    src, mask, tgt_in, tgt_out = _inputs(model, tr)
    with torch.no_grad():
        emb = model.embed_source(src)
        gap = (_chosen_logp(model, emb, src, mask, tgt_in, tgt_out)
               - _chosen_logp(model, torch.zeros_like(emb), src, mask, tgt_in, tgt_out))[0].numpy()
    np.testing.assert_allclose(a.values.sum(1) - gap, a.delta, atol=1e-4)  # what the delta is
    assert np.abs(a.delta).max() <= 0.02 * max(1.0, np.abs(gap).max())  # and it is small


@pytest.mark.parametrize("method", METHODS)
def test_every_method_gives_one_row_per_step(traces, method):
    for arch in ARCHS:
        model, tr = traces[arch]
        a = attribute(model, tr, method)
        assert a.values.shape == (tr.steps, len(tr.src_tokens)) and np.isfinite(a.values).all()
    with pytest.raises(ValueError, match="unknown attribution method"):
        attribute(model, tr, "lime")


class OnePosition(Seq2Seq):
    """A toy whose every output depends on source position 2 alone."""

    arch = "toy"

    def __init__(self, vocab_src, vocab_tgt):
        super().__init__(None)
        torch.manual_seed(0)
        self.embed = torch.nn.Embedding(vocab_src, 8)
        self.out = torch.nn.Linear(8, vocab_tgt)

    def embed_source(self, src):
        return self.embed(src)

    def forward(self, src, src_mask, tgt_in, src_emb=None):
        e = self.embed(src) if src_emb is None else src_emb
        return self.out(torch.tanh(e[:, 2])).unsqueeze(1).expand(-1, tgt_in.size(1), -1)


def test_erasure_ranks_the_one_position_that_matters_first(traces):
    real, tr = traces["transformer"]
    toy = OnePosition(len(real.src_tok), len(real.tgt_tok)).eval()
    toy.src_tok, toy.tgt_tok = real.src_tok, real.tgt_tok
    a = attribute(toy, tr, "erasure")
    assert (np.abs(a.values).argmax(1) == 2).all()
    assert np.count_nonzero(a.values[:, [i for i in range(a.values.shape[1]) if i != 2]]) == 0
    ig = attribute(toy, tr, "ig")
    assert (np.abs(ig.values).argmax(1) == 2).all()  # the gradients agree


def test_spearman():
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert spearman([1, 2, 2, 3], [1, 2, 3, 4]) == pytest.approx(0.9486833, abs=1e-6)  # ties share a rank
    assert math.isnan(spearman([1, 1, 1], [1, 2, 3])) and math.isnan(spearman([1], [2]))


def test_faithfulness_views_and_shapes(traces):
    model, tr = traces["transformer"]
    attrs = {m: attribute(model, tr, m) for m in METHODS}
    f = faithfulness(tr, attrs)
    assert set(f.sentence) == {"layer 1", "layer 2", "last layer", "rollout"}
    for view in f.per_step:
        for m in METHODS:
            rho = f.per_step[view][m]
            assert rho.shape == (tr.steps,) and np.nanmax(np.abs(rho)) <= 1 + 1e-9
    assert set(f.between) == {("ig", "grad_x_input"), ("ig", "erasure"), ("grad_x_input", "erasure")}
    rolled = attention_views(tr)["rollout"]
    np.testing.assert_allclose(rolled.sum(1), 1, atol=1e-5)  # still a distribution over the source
    assert attention_views(traces["lstm"][1]) == {}  # nothing to compare for the plain LSTM


# --- knocking attention out -----------------------------------------------------------------

def _same(a, b):
    return a.tgt_tokens == b.tgt_tokens and np.array_equal(a.probs, b.probs) and (
        a.cross_weights is None or np.array_equal(a.cross_weights, b.cross_weights))


@pytest.mark.parametrize("arch", ("lstm-attn", "transformer"))
def test_knocking_out_nothing_changes_nothing(traces, arch):
    model, tr = traces[arch]
    assert _same(seq2seq.decode(model, tr.text, max_len=6, knockout=()), tr)
    assert "knockout" not in tr.params


def test_knocking_out_every_cross_attention_head_of_a_transformer_changes_it(traces):
    model, tr = traces["transformer"]
    cfg = model.config
    every = [("cross", n, h) for n in range(cfg.dec_layers) for h in range(cfg.heads)]
    out = seq2seq.decode(model, tr.text, max_len=6, knockout=every)
    assert not np.allclose(out.probs[: min(out.steps, tr.steps)], tr.probs[: min(out.steps, tr.steps)])
    assert out.params["knockout"] == [list(x) for x in every]
    # without cross-attention the output no longer depends on the source
    other = seq2seq.decode(model, "31 December 1999", max_len=6, knockout=every)
    assert other.tgt_tokens == out.tgt_tokens and np.allclose(other.probs, out.probs, atol=1e-5)
    one = seq2seq.decode(model, tr.text, max_len=6, knockout=[("encoder", 0, 1)])
    assert not _same(one, tr)
    with pytest.raises(ValueError, match="no head"):
        seq2seq.decode(model, tr.text, knockout=[("cross", 9, 0)])


def test_lstm_attention_baselines_uniform_and_frozen(traces):
    model, tr = traces["lstm-attn"]
    uni = seq2seq.decode(model, tr.text, max_len=6, knockout=["uniform"])
    np.testing.assert_allclose(uni.cross_weights[:, 0, 0], 1 / len(tr.src_tokens), atol=1e-7)
    frozen = seq2seq.decode(model, tr.text, max_len=6, knockout=["frozen"])
    w = frozen.cross_weights[:, 0, 0]
    np.testing.assert_allclose(w, np.repeat(tr.cross_weights[:1, 0, 0], len(w), axis=0), atol=1e-6)  # step 0's
    assert frozen.tgt_tokens[0] == tr.tgt_tokens[0]  # step 0 is the model's own
    beam = seq2seq.decode(model, tr.text, "beam", beam=3, max_len=6, knockout=["frozen"])  # rows reorder
    assert np.allclose(beam.cross_weights[:, 0, 0], beam.cross_weights[0, 0, 0])
    with pytest.raises(ValueError, match="no attention to knock out"):
        seq2seq.decode(traces["lstm"][0], tr.text, knockout=["uniform"])
    with pytest.raises(ValueError, match="knocks out its alpha"):
        seq2seq.decode(model, tr.text, knockout=[("cross", 0, 0)])


# --- attention as an aligner ------------------------------------------------------------------

def test_alignment_error_rate_is_0_on_the_gold_and_1_off_it():
    from seq2seq.gold import alignment_scores

    gold = np.array([[0, 1, 0, 0], [0, 0, 0, 0], [1, 0, 0, 0], [0, 0, 1, 1]], dtype=float)  # row 1 copies nothing
    exact = gold / np.maximum(gold.sum(1, keepdims=True), 1)
    s = alignment_scores(exact, gold)
    assert s["threshold"] == {"precision": 1.0, "recall": 1.0, "aer": 0.0}
    assert s["argmax"]["precision"] == 1.0 and s["argmax"]["aer"] == pytest.approx(1 - 2 * 3 / (3 + 4))
    miss = np.roll(exact, 1, axis=1) * (gold.sum(1, keepdims=True) > 0)
    miss[3] = [1, 0, 0, 0]
    for how in ("argmax", "threshold"):
        assert alignment_scores(miss, gold)[how]["aer"] == 1.0
    assert alignment_scores(exact, np.zeros_like(gold)) == {"argmax": None, "threshold": None}


def test_every_head_of_a_trace_gets_alignment_scores(traces):
    from seq2seq.gold import alignment_scores, gold_alignment

    model, tr = traces["transformer"]
    gold = gold_alignment("dates", list(tr.src_tokens)).matrix
    L, H = tr.cross_weights.shape[1:3]
    for layer in range(L):
        for head in range(H):
            s = alignment_scores(tr.cross_weights[:, layer, head], gold)
            assert 0 <= s["argmax"]["aer"] <= 1


def test_attribution_has_a_work_budget(traces, monkeypatch):
    import seq2seq.attribute as attr_mod

    model, tr = traces["transformer"]
    monkeypatch.setattr(attr_mod, "MAX_ATTRIBUTION_CELLS", tr.steps * len(tr.src_tokens) - 1)
    with pytest.raises(ValueError, match="attribution is limited"):
        attribute(model, tr, "erasure")
    monkeypatch.undo()
    monkeypatch.setattr(attr_mod, "ATTRIBUTION_FLOATS", 1)  # one row per IG batch: the same numbers, in pieces
    small = attribute(model, tr, "ig")
    monkeypatch.undo()
    np.testing.assert_allclose(small.values, attribute(model, tr, "ig").values, atol=1e-5)
