"""The one step interface of every architecture: attention shapes, rows that sum to 1,
the causal mask, no weight on padding, and teacher forcing equal to step-by-step decoding."""

from __future__ import annotations

import pytest
import torch
from conftest import TINY, arch_of, tiny_model

from seq2seq.batching import pad
from seq2seq.models import REGISTRY, build_model
from seq2seq.tokenize import BOS_ID, EOS_ID

pytestmark = pytest.mark.usefixtures("one_torch_thread")

LONG, SHORT = "Tuesday, 9 May 2018", "9.5.2018"  # dates-task sources of different lengths
TARGET = "2018-05-09"


def sources(model, *texts):
    """Padded source ids and mask (B, S) for `texts`, each ending with </s>."""
    return pad([model.src_tok.encode(t) + [EOS_ID] for t in texts])


def teacher_input(model, text=TARGET, batch=1):
    """Decoder input <s> y_1 .. y_n (B, T) for the target `text`."""
    ids = [BOS_ID] + model.tgt_tok.encode(text)
    return torch.tensor([ids] * batch)


def attention_dims(model):
    """(layers, heads) of the cross-attention arrays."""
    if model.arch == "transformer":
        return model.config.dec_layers, model.config.heads
    return 1, 1  # one additive attention: a single layer and head


@torch.no_grad()
def run_steps(model, src, mask, tgt_in):
    """Feed tgt_in one token at a time; return the logits (B, T, V) and each step's attn dict."""
    memory = model.encode(src, mask)
    state = model.init_state(memory)
    logits, attns = [], []
    for t in range(tgt_in.size(1)):
        out, state, attn = model.step(tgt_in[:, t], state, memory)
        logits.append(out)
        attns.append(attn)
    return torch.stack(logits, 1), attns


def test_registry_names_match_model_arch(arch):
    model = tiny_model(arch)
    assert model.arch == arch_of(arch)
    assert isinstance(model, REGISTRY[arch_of(arch)][0])


def test_build_model_rejects_unknown_arch():
    with pytest.raises(ValueError, match="unknown architecture"):
        build_model("gru")


def test_only_the_plain_lstm_lacks_cross_attention(arch):
    model = tiny_model(arch)
    src, mask = sources(model, LONG)
    _, attns = run_steps(model, src, mask, teacher_input(model))
    assert model.has_cross_attention == (arch != "lstm")
    assert ("cross_weights" in attns[0]) == model.has_cross_attention
    assert ("cross_scores" in attns[0]) == model.has_cross_attention


def test_step_cross_attention_has_shape_batch_layers_heads_source(attn_arch):
    model = tiny_model(attn_arch)
    src, mask = sources(model, LONG, SHORT)
    _, attns = run_steps(model, src, mask, teacher_input(model, batch=2))
    layers, heads = attention_dims(model)
    for attn in attns:
        assert attn["cross_weights"].shape == (2, layers, heads, src.size(1))
        assert attn["cross_scores"].shape == (2, layers, heads, src.size(1))


@pytest.mark.parametrize("rnn", ["lstm", "lstm-attn"])
def test_rnn_step_has_no_self_attention(rnn):
    model = tiny_model(rnn)
    src, mask = sources(model, LONG, SHORT)
    _, attns = run_steps(model, src, mask, teacher_input(model, batch=2))
    assert all(not any(key.startswith("self_") for key in a) for a in attns)


def test_transformer_step_decoder_self_attention_grows_one_key_per_step():
    model = tiny_model("transformer")
    src, mask = sources(model, LONG, SHORT)
    _, attns = run_steps(model, src, mask, teacher_input(model, batch=2))
    cfg = model.config
    for t, attn in enumerate(attns):
        assert attn["self_weights"].shape == (2, cfg.dec_layers, cfg.heads, t + 1)
        assert attn["self_scores"].shape == (2, cfg.dec_layers, cfg.heads, t + 1)


def test_transformer_encoder_self_attention_has_shape_batch_layers_heads_source_source():
    model = tiny_model("transformer")
    src, mask = sources(model, LONG, SHORT)
    with torch.no_grad():
        memory = model.encode(src, mask)
    S, cfg = src.size(1), model.config
    assert memory["enc_self_weights"].shape == (2, cfg.enc_layers, cfg.heads, S, S)
    assert memory["enc_self_scores"].shape == (2, cfg.enc_layers, cfg.heads, S, S)
    dk = cfg.d_model // cfg.heads
    assert memory["enc_self_q"].shape == memory["enc_self_k"].shape == (2, cfg.enc_layers, cfg.heads, S, dk)
    assert memory["cross_keys"].shape == (2, cfg.dec_layers, cfg.heads, S, dk)


@pytest.mark.parametrize("rnn", ["lstm", "lstm-attn"])
def test_rnn_memory_has_the_encoder_states(rnn):
    model = tiny_model(rnn)
    src, mask = sources(model, LONG, SHORT)
    with torch.no_grad():
        memory = model.encode(src, mask)
    assert memory["enc_states"].shape == (2, src.size(1), model.config.hidden)
    assert torch.equal(memory["src_mask"], mask)


def test_every_memory_entry_is_a_batch_first_tensor(arch):
    """decode repeats the memory's rows for the beam, whatever the keys."""
    model = tiny_model(arch)
    src, mask = sources(model, LONG, SHORT)
    with torch.no_grad():
        memory = model.encode(src, mask)
    assert "src_mask" in memory
    assert {k: (torch.is_tensor(v) and v.size(0)) for k, v in memory.items()} == {k: 2 for k in memory}


def test_max_target_len_is_the_transformers_positional_limit_and_none_for_rnns(arch):
    model = tiny_model(arch, **({"max_len": 40} if arch == "transformer" else {}))
    assert model.max_target_len == (40 if arch == "transformer" else None)


def test_plain_lstm_step_gives_the_same_context_vector_every_step():
    model = tiny_model("lstm")
    src, mask = sources(model, LONG, SHORT)
    _, attns = run_steps(model, src, mask, teacher_input(model, batch=2))
    first = attns[0]["context"]
    assert first.shape == (2, model.config.hidden)
    for attn in attns[1:]:
        assert torch.equal(attn["context"], first)
    assert not torch.equal(first[0], first[1])  # but each sentence has its own


def test_step_cross_weights_rows_sum_to_one(attn_arch):
    model = tiny_model(attn_arch)
    src, mask = sources(model, LONG, SHORT)
    _, attns = run_steps(model, src, mask, teacher_input(model, batch=2))
    for attn in attns:
        sums = attn["cross_weights"].sum(-1)
        torch.testing.assert_close(sums, torch.ones_like(sums), atol=1e-5, rtol=0)


def test_step_decoder_self_weights_rows_sum_to_one():
    model = tiny_model("transformer")
    src, mask = sources(model, LONG)
    _, attns = run_steps(model, src, mask, teacher_input(model))
    for attn in attns:
        sums = attn["self_weights"].sum(-1)
        torch.testing.assert_close(sums, torch.ones_like(sums), atol=1e-5, rtol=0)


def test_transformer_encoder_self_weights_rows_sum_to_one():
    model = tiny_model("transformer")
    src, mask = sources(model, LONG, SHORT)
    with torch.no_grad():
        weights = model.encode(src, mask)["enc_self_weights"]
    sums = weights.sum(-1)
    torch.testing.assert_close(sums, torch.ones_like(sums), atol=1e-5, rtol=0)


def test_forward_earlier_logits_ignore_later_target_tokens(arch):
    model = tiny_model(arch)
    src, mask = sources(model, LONG)
    tgt_in = teacher_input(model)
    changed = tgt_in.clone()
    j = 6
    changed[0, j] = model.tgt_tok.stoi["7"] if changed[0, j] != model.tgt_tok.stoi["7"] else model.tgt_tok.stoi["3"]
    with torch.no_grad():
        before, after = model(src, mask, tgt_in), model(src, mask, changed)
    torch.testing.assert_close(after[:, :j], before[:, :j], atol=1e-6, rtol=0)
    assert not torch.allclose(after[:, j], before[:, j])  # the changed position itself does see it


def test_step_cross_weights_on_padding_are_exactly_zero(attn_arch):
    model = tiny_model(attn_arch)
    src, mask = sources(model, LONG, SHORT)
    assert not mask[1].all()  # the short sentence is padded
    _, attns = run_steps(model, src, mask, teacher_input(model, batch=2))
    for attn in attns:
        assert (attn["cross_weights"][1, ..., ~mask[1]] == 0).all()


def test_transformer_encoder_self_attention_puts_zero_on_padded_keys():
    model = tiny_model("transformer")
    src, mask = sources(model, LONG, SHORT)
    with torch.no_grad():
        weights = model.encode(src, mask)["enc_self_weights"]  # (B, L, H, S, S)
    assert (weights[1, ..., ~mask[1]] == 0).all()
    assert (weights[1, ..., mask[1]] > 0).all()


def test_forward_of_a_padded_sentence_equals_the_sentence_alone(arch):
    model = tiny_model(arch)
    src, mask = sources(model, LONG, SHORT)
    alone_src, alone_mask = sources(model, SHORT)
    with torch.no_grad():
        batched = model(src, mask, teacher_input(model, batch=2))
        alone = model(alone_src, alone_mask, teacher_input(model))
    torch.testing.assert_close(batched[1], alone[0], atol=1e-5, rtol=0)


def test_steps_of_a_padded_sentence_equal_the_sentence_alone(arch):
    model = tiny_model(arch)
    src, mask = sources(model, LONG, SHORT)
    alone_src, alone_mask = sources(model, SHORT)
    S = alone_src.size(1)
    batched, attns = run_steps(model, src, mask, teacher_input(model, batch=2))
    alone, alone_attns = run_steps(model, alone_src, alone_mask, teacher_input(model))
    torch.testing.assert_close(batched[1], alone[0], atol=1e-5, rtol=0)
    for a, b in zip(attns, alone_attns):
        if "cross_weights" in a:
            torch.testing.assert_close(a["cross_weights"][1, ..., :S], b["cross_weights"][0], atol=1e-5, rtol=0)


def test_transformer_encoder_of_a_padded_sentence_equals_the_sentence_alone():
    model = tiny_model("transformer")
    src, mask = sources(model, LONG, SHORT)
    alone_src, alone_mask = sources(model, SHORT)
    S = alone_src.size(1)
    with torch.no_grad():
        batched, alone = model.encode(src, mask), model.encode(alone_src, alone_mask)
    torch.testing.assert_close(batched["memory"][1, :S], alone["memory"][0], atol=1e-5, rtol=0)
    torch.testing.assert_close(batched["enc_self_weights"][1, ..., :S, :S], alone["enc_self_weights"][0],
                               atol=1e-5, rtol=0)


def test_teacher_forced_forward_equals_step_by_step_decoding(arch):
    model = tiny_model(arch)
    src, mask = sources(model, LONG, SHORT)
    tgt_in = teacher_input(model, batch=2)
    with torch.no_grad():
        forward = model(src, mask, tgt_in)
    stepped, _ = run_steps(model, src, mask, tgt_in)
    assert forward.shape == (2, tgt_in.size(1), len(model.tgt_tok))
    torch.testing.assert_close(forward, stepped, atol=1e-5, rtol=0)


def test_eval_mode_is_deterministic_and_train_mode_uses_dropout(arch):
    model = tiny_model(arch, dropout=0.5)
    src, mask = sources(model, LONG)
    tgt_in = teacher_input(model)
    with torch.no_grad():
        torch.testing.assert_close(model(src, mask, tgt_in), model(src, mask, tgt_in), atol=0, rtol=0)
        model.train()
        torch.manual_seed(1)
        a = model(src, mask, tgt_in)
        b = model(src, mask, tgt_in)
    assert not torch.allclose(a, b)


# --- one vocabulary, tied embeddings ---------------------------------------------------------

@pytest.mark.parametrize("arch, tables", [
    ("transformer", ("src_embed.weight", "tgt_embed.weight", "out.weight")),
    ("lstm-attn", ("encoder.embed.weight", "embed.weight"))])
def test_tie_reads_and_writes_with_one_table(arch, tables):
    model = build_model(arch, **TINY[arch], src_vocab=50, tgt_vocab=50, tie=True)
    params = dict(model.named_parameters(remove_duplicate=False))
    assert len({params[t].data_ptr() for t in tables}) == 1
    untied = build_model(arch, **TINY[arch], src_vocab=50, tgt_vocab=50)
    assert sum(p.numel() for p in model.parameters()) < sum(p.numel() for p in untied.parameters())


@pytest.mark.parametrize("arch", ["transformer", "lstm-attn"])
def test_tie_needs_one_vocabulary(arch):
    with pytest.raises(ValueError, match="tie needs one vocabulary"):
        build_model(arch, **TINY[arch], src_vocab=50, tgt_vocab=60, tie=True)


# --- LSTM + attention in Bahdanau's arrangement (query="prev"): the article's formulas -------------

def test_bahdanau_weights_of_a_step_depend_only_on_the_previous_state_and_the_source():
    """e_{t,i} = score(s_{t-1}, h_i): change what step t reads (y_{t-1}, which only enters s_t after
    scoring) and its weights do not move; the output does. Luong's arrangement scores s_t: they move."""
    for query, same in (("prev", True), ("current", False)):
        model = tiny_model("lstm-attn", query=query)
        src, mask = sources(model, LONG)
        memory = model.encode(src, mask)
        state = model.init_state(memory)
        with torch.no_grad():
            _, state, _ = model.step(torch.tensor([BOS_ID]), state, memory)  # step 0
            a = model.step(torch.tensor([model.tgt_tok.encode("2")[0]]), dict(state), memory)
            b = model.step(torch.tensor([model.tgt_tok.encode("9")[0]]), dict(state), memory)
        moved = (a[2]["cross_weights"] - b[2]["cross_weights"]).abs().max().item()
        assert (moved == 0.0) == same, (query, moved)
        assert (a[0] - b[0]).abs().max().item() > 0  # the output still reads y_{t-1}


def test_bahdanau_step_scores_the_state_the_step_before_wrote():
    """Step t's scores are the score function of s_{t-1} (the dec_state step t-1 returned) and h."""
    model = tiny_model("lstm-attn", query="prev")
    src, mask = sources(model, LONG)
    _, attns = run_steps(model, src, mask, teacher_input(model))
    memory = model.encode(src, mask)
    with torch.no_grad():
        for t in range(1, len(attns)):
            prev = attns[t - 1]["dec_state"].unsqueeze(1)  # (B, 1, H)
            expected = model.score(prev, memory["enc_states"], memory["score_keys"])[:, 0]
            torch.testing.assert_close(attns[t]["cross_scores"][:, 0, 0], expected, atol=1e-6, rtol=0)
            context = attns[t]["cross_weights"][:, 0, 0].unsqueeze(1) @ memory["enc_states"]
            torch.testing.assert_close(attns[t]["context"], context[:, 0], atol=1e-6, rtol=0)


def test_an_unknown_query_is_refused():
    with pytest.raises(ValueError, match="unknown attention query"):
        build_model("lstm-attn", **TINY["lstm-attn"], query="next")
