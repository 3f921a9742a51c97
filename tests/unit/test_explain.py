"""The teaching maths: rollout and the inside of one attention computation, from a trace alone."""

import numpy as np
import pytest
from conftest import tiny_model

import seq2seq
from seq2seq.explain import head_mean, inside, rollout


@pytest.fixture(scope="module")
def traces():
    return {a: seq2seq.decode(tiny_model(a), "Tuesday, 9 May 2018", max_len=6)
            for a in ("lstm", "lstm-attn", "transformer")}


def test_rollout_rows_sum_to_one_and_follow_the_recipe(traces):
    w = traces["transformer"].enc_self_weights  # (L, H, S, S)
    R = rollout(w)
    assert R.shape == (w.shape[0], w.shape[2], w.shape[2])
    np.testing.assert_allclose(R.sum(-1), 1.0, atol=1e-5)
    S = w.shape[2]
    a = [0.5 * np.eye(S) + 0.5 * w[i].mean(0) for i in range(w.shape[0])]
    a = [x / x.sum(-1, keepdims=True) for x in a]
    np.testing.assert_allclose(R[-1], a[1] @ a[0], atol=1e-6)


def test_head_mean_averages_heads(traces):
    w = traces["transformer"].cross_weights  # (T, L, H, S)
    np.testing.assert_allclose(head_mean(w[:, :, :, None, :])[..., 0, :], w.mean(2), atol=1e-7)


@pytest.mark.parametrize("step", [0, 3])
def test_rnn_inside_matches_trace(traces, step):
    ins = inside(traces["lstm-attn"], step)
    np.testing.assert_allclose(ins.recomputed, ins.weights, atol=1e-5)
    np.testing.assert_allclose(ins.context_recomputed, ins.context, atol=1e-5)


@pytest.mark.parametrize("kind", ["cross", "decoder", "encoder"])
def test_transformer_inside_scores_are_q_dot_k_over_sqrt_dk(traces, kind):
    ins = inside(traces["transformer"], 2, kind, layer=1, head=3)
    recomputed = ins.keys @ ins.query / ins.scale
    allowed = ins.mask
    np.testing.assert_allclose(recomputed[allowed], ins.scores[allowed], atol=1e-4)
    np.testing.assert_allclose(ins.recomputed, ins.weights, atol=1e-5)
    if kind == "decoder":
        assert not ins.mask[3:].any() and ins.weights[3:].sum() == 0


def test_plain_lstm_has_no_inside_attention(traces):
    with pytest.raises(ValueError, match="no attention"):
        inside(traces["lstm"], 0)
