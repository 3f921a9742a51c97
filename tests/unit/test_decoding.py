"""Decoding into a Trace: its attention arrays, greedy / beam / sampling / forced decoding,
the what-if, JSON, and immutability."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
import torch
from conftest import assert_beam_is_forced_replay, tiny_model

import seq2seq
from seq2seq.batching import pad
from seq2seq.tokenize import BOS_ID, EOS_ID, PAD_ID, UNK_ID

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TEXT = "Tuesday, 9 May 2018"  # a dates-task source
SHORT = "9.5.2018"
TARGET = "2018-05-09"


def max_len_for(model, text):
    """decode's default max_len for `text`."""
    return min(200, 3 * (len(model.src_tok.encode(text)) + 1) + 10)


@torch.no_grad()
def teacher_probs(model, text, tokens):
    """Feed `tokens` with encode / init_state / step and return, per step, the distribution decode
    chooses from (T, V): the softmax of the logits without <pad>, <s> and <unk>, which decode never emits."""
    src, mask = pad([model.src_tok.encode(text) + [EOS_ID]])
    memory = model.encode(src, mask)
    state = model.init_state(memory)
    prev, rows = BOS_ID, []
    for tok in tokens:
        logits, state, _ = model.step(torch.tensor([prev]), state, memory)
        logits = logits[0].clone()
        logits[[PAD_ID, BOS_ID, UNK_ID]] = float("-inf")
        rows.append(torch.softmax(logits, -1))
        prev = model.tgt_tok.stoi[tok]
    return torch.stack(rows)


def chosen(model, probs, tokens):
    """Probability of each of `tokens` under the rows of `probs`."""
    ids = torch.tensor([model.tgt_tok.stoi[t] for t in tokens])
    return probs[torch.arange(len(tokens)), ids].numpy()


def assert_greedy(model, text, tokens, start=0, max_len=None):
    """tokens[start:] are what greedy decoding picks (up to float ties) and it stops as decode does."""
    probs = teacher_probs(model, text, tokens)
    picked = chosen(model, probs, tokens)
    best = probs.max(-1).values.numpy()
    not_argmax = np.flatnonzero(picked < best - 1e-6)
    assert (not_argmax < start).all(), f"not the most likely token at steps {not_argmax}"
    assert "</s>" not in tokens[:-1]
    assert tokens[-1] == "</s>" or len(tokens) == (max_len or max_len_for(model, text))


def layers_heads(model):
    if model.arch == "transformer":
        return model.config.dec_layers, model.config.heads
    return 1, 1


@pytest.fixture
def model(arch):
    return tiny_model(arch)


@pytest.fixture
def trace(model):
    return seq2seq.decode(model, TEXT, max_len=6)


# --- attention arrays in the trace ---------------------------------------------------

RNNS = ("lstm", "lstm-attn")


@pytest.fixture
def attn_model(attn_arch):
    return tiny_model(attn_arch)


@pytest.fixture
def attn_trace(attn_model):
    return seq2seq.decode(attn_model, TEXT, max_len=6)


def test_trace_cross_weights_have_shape_steps_layers_heads_source(attn_model, attn_trace):
    shape = (attn_trace.steps, *layers_heads(attn_model), len(attn_trace.src_tokens))
    assert attn_trace.has_attention
    assert attn_trace.cross_weights.shape == shape
    assert attn_trace.cross_scores.shape == shape


def test_trace_cross_weights_rows_sum_to_one(attn_trace):
    np.testing.assert_allclose(attn_trace.cross_weights.sum(-1), 1.0, atol=1e-5)


def test_plain_lstm_trace_has_no_cross_attention_but_the_same_context_every_step():
    model = tiny_model("lstm")
    trace = seq2seq.decode(model, TEXT, max_len=6)
    assert trace.cross_weights is None and trace.cross_scores is None
    assert not trace.has_attention
    assert trace.steps > 1
    assert trace.context.shape == (trace.steps, model.config.hidden)
    assert (trace.context == trace.context[0]).all()


@pytest.mark.parametrize("rnn", RNNS)
def test_rnn_trace_has_encoder_states_and_context_but_no_self_attention(rnn):
    model = tiny_model(rnn)
    trace = seq2seq.decode(model, TEXT, max_len=6)
    S, T, D = len(trace.src_tokens), trace.steps, model.config.hidden
    assert trace.enc_states.shape == (S, D)
    assert trace.context.shape == (T, D)
    for name in ("enc_self_weights", "enc_self_scores", "dec_self_weights", "dec_self_scores", "causal_mask",
                 "enc_self_q", "enc_self_k", "dec_self_q", "dec_self_k", "cross_q", "cross_k"):
        assert getattr(trace, name) is None, name


def test_transformer_trace_has_self_attention_queries_and_keys_but_no_rnn_states():
    model = tiny_model("transformer")
    trace = seq2seq.decode(model, TEXT, max_len=6)
    S, T, cfg = len(trace.src_tokens), trace.steps, model.config
    dk = cfg.d_model // cfg.heads
    assert trace.enc_self_weights.shape == trace.enc_self_scores.shape == (cfg.enc_layers, cfg.heads, S, S)
    assert trace.dec_self_weights.shape == trace.dec_self_scores.shape == (cfg.dec_layers, cfg.heads, T, T)
    assert trace.causal_mask.shape == (T, T)
    assert trace.enc_self_q.shape == trace.enc_self_k.shape == (cfg.enc_layers, cfg.heads, S, dk)
    assert trace.dec_self_q.shape == trace.dec_self_k.shape == (T, cfg.dec_layers, cfg.heads, dk)
    assert trace.cross_q.shape == (T, cfg.dec_layers, cfg.heads, dk)
    assert trace.cross_k.shape == (cfg.dec_layers, cfg.heads, S, dk)
    assert trace.enc_states is None and trace.context is None
    assert trace.dec_states.shape == (T, cfg.d_model)


def test_transformer_trace_cross_scores_are_its_queries_dot_its_keys():
    """cross_k comes from the memory, cross_q from each step: together they give the step's scores."""
    trace = seq2seq.decode(tiny_model("transformer"), TEXT, max_len=6)
    dk = trace.cross_q.shape[-1]
    scores = np.einsum("tlhd,lhsd->tlhs", trace.cross_q, trace.cross_k) / np.sqrt(dk)
    np.testing.assert_allclose(scores, trace.cross_scores, atol=1e-5)


def test_trace_encoder_self_weights_rows_sum_to_one():
    trace = seq2seq.decode(tiny_model("transformer"), TEXT, max_len=6)
    np.testing.assert_allclose(trace.enc_self_weights.sum(-1), 1.0, atol=1e-5)


def test_trace_decoder_self_weights_rows_sum_to_one_over_allowed_keys():
    trace = seq2seq.decode(tiny_model("transformer"), TEXT, max_len=6)
    allowed = np.where(trace.causal_mask, trace.dec_self_weights, 0.0)
    np.testing.assert_allclose(allowed.sum(-1), 1.0, atol=1e-5)


def test_trace_decoder_self_weights_are_zero_above_the_diagonal():
    trace = seq2seq.decode(tiny_model("transformer"), TEXT, max_len=6)
    T = trace.steps
    above = np.triu(np.ones((T, T), dtype=bool), k=1)
    assert T > 1
    assert (trace.dec_self_weights[..., above] == 0).all()
    assert np.isnan(trace.dec_self_scores[..., above]).all()
    assert not np.isnan(trace.dec_self_scores[..., ~above]).any()


def test_trace_causal_mask_is_lower_triangular():
    trace = seq2seq.decode(tiny_model("transformer"), TEXT, max_len=6)
    T = trace.steps
    assert trace.causal_mask.dtype == bool
    assert (trace.causal_mask == np.tril(np.ones((T, T), dtype=bool))).all()


def test_trace_per_step_arrays_have_one_row_per_step(trace):
    T = trace.steps
    assert len(trace.tgt_tokens) == len(trace.dec_inputs) == len(trace.forced) == len(trace.topk_tokens) == T
    assert trace.probs.shape == (T,)
    assert trace.topk_probs.shape == (T, 5)
    assert trace.dec_states.shape[0] == T
    assert trace.dec_inputs == ["<s>", *trace.tgt_tokens[:-1]]
    assert trace.src_tokens[-1] == "</s>"
    assert trace.src_mask.shape == (len(trace.src_tokens),) and trace.src_mask.all()


def test_trace_device_is_cpu(trace):
    assert trace.device == "cpu"


# --- greedy and beam search ----------------------------------------------------------

def test_greedy_equals_step_by_step_argmax(model):
    trace = seq2seq.decode(model, TEXT, max_len=8)
    assert_greedy(model, TEXT, trace.tgt_tokens, max_len=8)
    np.testing.assert_allclose(trace.probs, chosen(model, teacher_probs(model, TEXT, trace.tgt_tokens),
                                                   trace.tgt_tokens), atol=1e-5)


def test_beam_of_one_equals_greedy(model):
    greedy = seq2seq.decode(model, TEXT, max_len=8)
    beam = seq2seq.decode(model, TEXT, "beam", beam=1, max_len=8)
    assert beam.tgt_tokens == greedy.tgt_tokens
    np.testing.assert_allclose(beam.probs, greedy.probs, atol=1e-6)


def test_beam_of_four_returns_four_hypotheses_sorted_by_score(model):
    trace = seq2seq.decode(model, TEXT, "beam", beam=4, max_len=6)
    scores = [h.score for h in trace.beam]
    assert len(trace.beam) == 4
    assert scores == sorted(scores, reverse=True)
    assert len({tuple(h.tokens) for h in trace.beam}) == 4


def test_beam_score_is_logprob_over_length_to_the_penalty(model):
    trace = seq2seq.decode(model, TEXT, "beam", beam=4, length_penalty=0.6, max_len=6)
    for h in trace.beam:
        assert h.score == pytest.approx(h.logprob / len(h.tokens) ** 0.6)


def test_beam_trace_is_the_best_hypothesis(model):
    trace = seq2seq.decode(model, TEXT, "beam", beam=4, max_len=6)
    assert trace.tgt_tokens == trace.beam[0].tokens
    assert trace.logprob == pytest.approx(trace.beam[0].logprob)


def test_each_beam_hypothesis_has_cross_weights_of_its_own_length(attn_model):
    trace = seq2seq.decode(attn_model, TEXT, "beam", beam=4, max_len=6)
    for h in trace.beam:
        assert h.cross_weights.shape == (len(h.tokens), *layers_heads(attn_model), len(trace.src_tokens))


def test_plain_lstm_beam_hypotheses_have_no_cross_weights():
    trace = seq2seq.decode(tiny_model("lstm"), TEXT, "beam", beam=4, max_len=6)
    assert len(trace.beam) == 4
    assert [h.cross_weights for h in trace.beam] == [None] * 4


def test_each_beam_hypothesis_has_the_cross_weights_of_its_own_tokens(attn_model):
    model = attn_model
    trace = seq2seq.decode(model, TEXT, "beam", beam=4, max_len=6)
    assert_beam_is_forced_replay(model, trace)


# --- sampling --------------------------------------------------------------------------

def test_sampling_with_a_seed_is_reproducible(model):
    a = seq2seq.decode(model, TEXT, "sample", temperature=2.0, seed=7, max_len=8)
    b = seq2seq.decode(model, TEXT, "sample", temperature=2.0, seed=7, max_len=8)
    assert a.tgt_tokens == b.tgt_tokens
    np.testing.assert_array_equal(a.probs, b.probs)


def test_sampling_with_different_seeds_can_differ(model):
    outputs = {tuple(seq2seq.decode(model, TEXT, "sample", temperature=5.0, seed=s, max_len=6).tgt_tokens)
               for s in range(6)}
    assert len(outputs) > 1


def test_top_k_one_sampling_equals_greedy(model):
    greedy = seq2seq.decode(model, TEXT, max_len=8)
    sampled = seq2seq.decode(model, TEXT, "sample", top_k=1, seed=3, max_len=8)
    assert sampled.tgt_tokens == greedy.tgt_tokens


def test_top_k_one_sampling_equals_greedy_when_the_model_prefers_bos(model):
    """decode never emits <s>: top-k must choose among the tokens it may emit."""
    step = model.step

    def prefers_bos(prev, state, memory):
        logits, state, attn = step(prev, state, memory)
        logits = logits.clone()
        logits[:, BOS_ID] += 100.0
        return logits, state, attn

    model.step = prefers_bos
    greedy = seq2seq.decode(model, TEXT, max_len=8)
    sampled = seq2seq.decode(model, TEXT, "sample", top_k=1, seed=3, max_len=8)
    assert "<s>" not in greedy.tgt_tokens
    assert sampled.tgt_tokens == greedy.tgt_tokens


def prefer(model, token_id, by=100.0):
    """Make the model's logits prefer `token_id` by `by` at every step (monkeypatching its step)."""
    step = model.step

    def preferring(prev, state, memory):
        logits, state, attn = step(prev, state, memory)
        logits = logits.clone()
        logits[:, token_id] += by
        return logits, state, attn

    model.step = preferring


@pytest.mark.parametrize("strategy, kw", [("greedy", {}), ("beam", {"beam": 3}), ("sample", {"seed": 1}),
                                          ("sample", {"top_k": 2, "seed": 2})])
@pytest.mark.parametrize("special", [PAD_ID, BOS_ID, UNK_ID])
def test_no_strategy_writes_or_offers_a_special_token(model, strategy, kw, special):
    prefer(model, special)
    trace = seq2seq.decode(model, TEXT, strategy, max_len=8, **kw)
    name = model.tgt_tok.itos[special]
    assert name not in trace.tgt_tokens
    assert not any(name in row for row in trace.topk_tokens)
    assert all(name not in h.tokens for h in trace.beam)


def test_a_forced_unknown_token_is_written_as_forced(model):
    """Only forcing may put <unk> in a trace: a target with a character the model does not know."""
    trace = seq2seq.decode(model, TEXT, "forced", target="2018-05-0€")
    assert trace.tgt_tokens[-2] == "<unk>" and trace.forced[-2] and trace.probs[-2] > 0


def test_the_trace_says_whether_the_decode_finished(model):
    prefer(model, EOS_ID, by=-100.0)  # never ends by itself
    capped = seq2seq.decode(model, TEXT, max_len=5)
    assert capped.stopped == "length" and not capped.finished and capped.steps == 5
    assert json.loads(capped.to_json())["stopped"] == "length"
    prefer(model, EOS_ID, by=200.0)  # ends at once
    ended = seq2seq.decode(model, TEXT, max_len=5)
    assert ended.stopped == "end" and ended.finished and ended.tgt_tokens == ["</s>"]


# --- forced decoding -------------------------------------------------------------------

def test_forced_decoding_returns_exactly_the_target_and_end(model):
    trace = seq2seq.decode(model, TEXT, "forced", target=TARGET)
    assert trace.tgt_tokens == [*TARGET, "</s>"]
    assert trace.forced == [True] * (len(TARGET) + 1)
    assert trace.output == TARGET


def test_forced_decoding_probs_are_the_models_probabilities_of_the_target(model):
    trace = seq2seq.decode(model, TEXT, "forced", target=TARGET)
    probs = chosen(model, teacher_probs(model, TEXT, [*TARGET, "</s>"]), [*TARGET, "</s>"])
    np.testing.assert_allclose(trace.probs, probs, atol=1e-5)
    assert trace.logprob == pytest.approx(float(np.sum(np.log(probs))), abs=1e-4)


def test_forced_decoding_without_a_target_raises(model):
    with pytest.raises(ValueError):
        seq2seq.decode(model, TEXT, "forced")


# --- what-if ---------------------------------------------------------------------------

def whatif_case(model):
    """A greedy trace of SHORT, a step inside it and a token other than the one chosen there."""
    trace = seq2seq.decode(model, SHORT)
    step = min(2, trace.steps - 1)
    token = "7" if trace.tgt_tokens[step] != "7" else "3"
    return trace, step, token


def test_whatif_keeps_the_tokens_before_the_step(model):
    trace, step, token = whatif_case(model)
    new = seq2seq.whatif(model, trace, step, token)
    assert new.tgt_tokens[:step] == trace.tgt_tokens[:step]


def test_whatif_has_the_token_at_the_step(model):
    trace, step, token = whatif_case(model)
    new = seq2seq.whatif(model, trace, step, token)
    assert new.tgt_tokens[step] == token
    assert new.forced == [True] * (step + 1) + [False] * (new.steps - step - 1)


def test_whatif_continues_with_greedy_decoding_after_the_prefix(model):
    trace, step, token = whatif_case(model)
    new = seq2seq.whatif(model, trace, step, token)
    assert_greedy(model, SHORT, new.tgt_tokens, start=step + 1)
    probs = chosen(model, teacher_probs(model, SHORT, new.tgt_tokens), new.tgt_tokens)
    np.testing.assert_allclose(new.probs, probs, atol=1e-5)


def test_whatif_keeps_the_traces_max_len(model):
    trace = seq2seq.decode(model, TEXT, max_len=6)
    new = seq2seq.whatif(model, trace, 1, "7")
    assert trace.steps == 6  # the untrained model does not stop by itself
    assert new.steps <= 6


def test_whatif_after_the_end_is_refused_rather_than_dropping_the_token(model):
    """Forcing at step == steps of a trace that ended with </s>: there is no step to put the token at."""
    trace = seq2seq.decode(model, TEXT, "forced", target=TARGET)
    assert trace.tgt_tokens[-1] == "</s>"
    with pytest.raises(ValueError, match="outside the decode"):
        seq2seq.whatif(model, trace, trace.steps, "7")


@pytest.mark.parametrize("step", [-1, 100])
def test_whatif_outside_the_decode_raises(model, trace, step):
    with pytest.raises(ValueError):
        seq2seq.whatif(model, trace, step, "7")


# --- arguments --------------------------------------------------------------------------

@pytest.mark.parametrize("kw", [dict(strategy="nucleus"), dict(strategy="beam", beam=0),
                                dict(strategy="sample", temperature=0.0)])
def test_decode_rejects_bad_arguments(model, kw):
    with pytest.raises(ValueError):
        seq2seq.decode(model, TEXT, **kw)


def test_decode_stops_at_the_models_max_target_len():
    model = tiny_model("transformer", max_len=12)  # positions 0..11
    assert model.max_target_len == 12
    assert seq2seq.decode(model, SHORT, max_len=50).steps == 12  # the untrained model does not stop by itself
    with pytest.raises(ValueError, match="limit of 12 tokens"):
        seq2seq.decode(model, SHORT, "forced", target="2018-05-09-2018")


# --- JSON and immutability --------------------------------------------------------------

def test_trace_to_json_is_valid_json_with_the_documented_shapes(model):
    trace = seq2seq.decode(model, TEXT, max_len=6)
    d = json.loads(trace.to_json())
    T, S = trace.steps, len(trace.src_tokens)
    assert d["tgt_tokens"] == trace.tgt_tokens and d["src_tokens"] == trace.src_tokens
    assert np.array(d["probs"], dtype=float).shape == (T,)
    if model.has_cross_attention:
        assert np.array(d["cross_weights"], dtype=float).shape == (T, *layers_heads(model), S)
    else:
        assert d["cross_weights"] is None
    if model.arch == "transformer":
        cfg = model.config
        assert np.array(d["enc_self_weights"], dtype=float).shape == (cfg.enc_layers, cfg.heads, S, S)
        assert np.array(d["dec_self_scores"], dtype=float).shape == (cfg.dec_layers, cfg.heads, T, T)
        assert np.array(d["causal_mask"]).shape == (T, T)


def test_trace_from_dict_round_trips_tokens_and_arrays(model):
    trace = seq2seq.decode(model, TEXT, "beam", beam=2, max_len=6)
    back = seq2seq.Trace.from_dict(json.loads(trace.to_json()))
    for f in dataclasses.fields(seq2seq.Trace):
        a, b = getattr(trace, f.name), getattr(back, f.name)
        if isinstance(a, np.ndarray):
            np.testing.assert_allclose(b, a, atol=1e-6, equal_nan=True, err_msg=f.name)
        elif f.name != "beam":
            assert b == a, f.name
    for h, hb in zip(trace.beam, back.beam, strict=True):
        assert (hb.tokens, hb.logprob, hb.score) == (h.tokens, h.logprob, h.score)
        if h.cross_weights is not None:
            np.testing.assert_allclose(hb.cross_weights, h.cross_weights, atol=1e-6)


def test_trace_arrays_are_read_only(model):
    trace = seq2seq.decode(model, TEXT, "beam", beam=2, max_len=6)
    arrays = {f.name: getattr(trace, f.name) for f in dataclasses.fields(trace)}
    arrays = {k: v for k, v in arrays.items() if isinstance(v, np.ndarray)}
    arrays.update({f"beam[{i}]": h.cross_weights for i, h in enumerate(trace.beam) if h.cross_weights is not None})
    assert "probs" in arrays
    assert [k for k, v in arrays.items() if v.flags.writeable] == []
    with pytest.raises(ValueError):
        trace.probs[0] = 1.0


def test_trace_from_dict_arrays_are_read_only(trace):
    back = seq2seq.Trace.from_dict(json.loads(trace.to_json()))
    arrays = {f.name: getattr(back, f.name) for f in dataclasses.fields(back)}
    assert [k for k, v in arrays.items() if isinstance(v, np.ndarray) and v.flags.writeable] == []


def test_trace_fields_cannot_be_reassigned(trace):
    with pytest.raises(dataclasses.FrozenInstanceError):
        trace.output = "something else"
