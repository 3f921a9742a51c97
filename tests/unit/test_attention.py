"""Attention views from a trace alone: one matrix, every head of a kind, rollout, and the
inside of one attention computation."""

import numpy as np
import pytest
from conftest import tiny_model

import seq2seq
from seq2seq.attention import KINDS, attention_stack, clamp_step, cross_matrix, head_matrix, inside, rollout


@pytest.fixture(scope="module")
def traces():
    return {a: seq2seq.decode(tiny_model(a), "Tuesday, 9 May 2018", max_len=6)
            for a in ("lstm", "lstm-attn", "transformer")}


def test_cross_matrix_is_one_head_or_the_mean_over_heads(traces):
    tr = traces["transformer"]
    mean = cross_matrix(tr, layer=0)
    np.testing.assert_allclose(mean, tr.cross_weights[:, 0].mean(axis=1))
    np.testing.assert_allclose(mean.sum(axis=1), 1, rtol=1e-5)
    np.testing.assert_array_equal(cross_matrix(tr, 1, 3), tr.cross_weights[:, 1, 3])
    np.testing.assert_array_equal(head_matrix(tr.cross_weights, -1, 2), tr.cross_weights[:, 1, 2])


def test_the_plain_lstm_has_no_matrix(traces):
    assert cross_matrix(traces["lstm"]) is None and head_matrix(None) is None


@pytest.mark.parametrize("step,steps,expected", [("7", 5, 4), ("x", 5, 0), (None, 5, 0), (-3, 5, 0), (3, 0, 0),
                                                 (2, 5, 2)])
def test_clamp_step_keeps_a_step_inside_the_decode(step, steps, expected):
    assert clamp_step(step, steps) == expected


@pytest.mark.parametrize("kind", KINDS)
def test_attention_stack_is_layers_heads_query_key(traces, kind):
    tr = traces["transformer"]
    stack = attention_stack(tr, kind)
    L, H, Q, K = stack.weights.shape
    assert (Q, K) == (len(stack.rows), len(stack.cols))
    assert (H, L) == (4, 2)  # the tiny Transformer
    np.testing.assert_allclose(stack.matrix(1, None), stack.weights[1].mean(0))
    np.testing.assert_array_equal(stack.matrix(0, 2), stack.weights[0, 2])
    if kind == "cross":
        np.testing.assert_array_equal(stack.weights[1, 2], tr.cross_weights[:, 1, 2])
    assert (stack.mask is not None) == (kind == "decoder")


def test_attention_stack_of_a_model_without_that_attention_raises(traces):
    with pytest.raises(ValueError, match="no encoder self-attention"):
        attention_stack(traces["lstm-attn"], "encoder")
    with pytest.raises(ValueError, match="no attention"):
        attention_stack(traces["lstm"], "cross")
    with pytest.raises(ValueError, match="unknown attention kind"):
        attention_stack(traces["transformer"], "sideways")


def test_rollout_rows_sum_to_one_and_follow_the_recipe(traces):
    w = traces["transformer"].enc_self_weights  # (L, H, S, S)
    R = rollout(w)
    assert R.shape == (w.shape[0], w.shape[2], w.shape[2])
    np.testing.assert_allclose(R.sum(-1), 1.0, atol=1e-5)
    S = w.shape[2]
    a = [0.5 * np.eye(S) + 0.5 * w[i].mean(0) for i in range(w.shape[0])]
    a = [x / x.sum(-1, keepdims=True) for x in a]
    np.testing.assert_allclose(R[-1], a[1] @ a[0], atol=1e-6)


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
