"""Tokenizers and the source side of a decode: JSON round trip, unknown words, Chinese
characters, plot labels, empty and over-long input."""

from __future__ import annotations

import pytest
from conftest import tiny_model

import seq2seq
from seq2seq.decoding import MAX_SOURCE_TOKENS
from seq2seq.tokenize import EOS, SPECIALS, UNK, UNK_ID, Tokenizer, labels

pytestmark = pytest.mark.usefixtures("one_torch_thread")

ENGLISH = ["I like tea.", "Tom likes green tea!", "Do you like coffee?", "I like coffee, and you?"]
CHINESE = ["我喜欢茶。", "汤姆喜欢绿茶！", "你喜欢咖啡吗？"]


def english():
    """The word-level English of the checkpoints trained before subword pieces (still loadable)."""
    return Tokenizer.build(ENGLISH, kind="word", min_freq=1)


def chinese():
    return Tokenizer.build(CHINESE, kind="char", min_freq=1)


@pytest.mark.parametrize("make", [english, chinese, lambda: tiny_model("lstm", "dates").src_tok],
                         ids=["word", "char", "dates-source"])
def test_json_round_trip_gives_identical_ids(make):
    tok = make()
    back = Tokenizer.from_json(tok.to_json())
    assert back == tok
    for text in [*ENGLISH, *CHINESE, "Tuesday, 9 May  2018", "unseen words here"]:
        assert back.encode(text) == tok.encode(text)
        assert back.tokenize(text) == tok.tokenize(text)


def test_vocabulary_starts_with_the_special_tokens():
    assert english().itos[:4] == SPECIALS == ["<pad>", "<s>", "</s>", "<unk>"]
    with pytest.raises(ValueError):
        Tokenizer(itos=["a", "b"])


def test_english_is_lower_cased_words_and_punctuation():
    assert english().tokenize("I like TEA, Tom!") == ["i", "like", "tea", ",", "tom", "!"]


def test_unknown_words_map_to_unk_id_3():
    tok = english()
    ids = tok.encode("I like zebras.")
    assert UNK_ID == 3 and tok.itos[UNK_ID] == UNK
    assert ids[2] == 3
    assert 3 not in ids[:2] + ids[3:]
    assert tok.is_unknown("zebras") and not tok.is_unknown("tea")


def test_ids_to_tokens_maps_out_of_range_ids_to_unk():
    tok = english()
    assert tok.ids_to_tokens([len(tok), -1, 2]) == [UNK, UNK, EOS]


def test_trace_flags_unknown_source_tokens():
    model = tiny_model("lstm-attn", "dates")
    assert model.src_tok.is_unknown("#")
    trace = seq2seq.decode(model, "9 May #2018", max_len=3)
    flagged = [tok for tok, unknown in zip(trace.src_tokens, trace.src_unknown) if unknown]
    assert flagged == ["#"]
    assert len(trace.src_unknown) == len(trace.src_tokens)
    assert trace.src_unknown[-1] is False  # the end marker


def test_chinese_is_one_token_per_character():
    tok = chinese()
    assert tok.tokenize("我喜欢茶。") == ["我", "喜", "欢", "茶", "。"]
    assert tok.tokenize("我 喜欢") == ["我", "喜", "欢"]  # spaces are not tokens
    assert tok.detokenize(["我", "喜", "欢", "</s>"]) == "我喜欢"


def test_char_tokenizer_can_keep_single_spaces():
    tok = Tokenizer(kind="char", lower=False, keep_spaces=True)
    assert tok.tokenize(" 9  May ") == ["9", " ", "M", "a", "y"]


def test_labels_are_unique_even_for_repeated_tokens():
    tokens = ["a", "b", "a", " ", "a", "</s>"]
    out = labels(tokens)
    assert len(out) == len(tokens)
    assert len(set(out)) == len(tokens)
    assert all(label.startswith(tok) for tok, label in zip(tokens, out) if tok != " ")


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_decode_rejects_empty_input(text):
    with pytest.raises(ValueError):
        seq2seq.decode(tiny_model("lstm", "reverse"), text)


def test_over_long_input_is_cut_and_the_trace_says_so():
    model = tiny_model("transformer", "reverse")
    trace = seq2seq.decode(model, "abc" * 50, max_len=3)
    assert trace.truncated
    assert len(trace.src_tokens) == MAX_SOURCE_TOKENS + 1
    assert trace.src_tokens[:-1] == list(("abc" * 50)[:MAX_SOURCE_TOKENS])
    assert trace.src_tokens[-1] == EOS
    assert trace.cross_weights.shape[-1] == MAX_SOURCE_TOKENS + 1


def test_input_of_exactly_the_maximum_is_not_truncated():
    model = tiny_model("lstm", "reverse")
    trace = seq2seq.decode(model, "a" * MAX_SOURCE_TOKENS, max_len=3)
    assert not trace.truncated
    assert len(trace.src_tokens) == MAX_SOURCE_TOKENS + 1


def test_decode_reads_the_source_with_the_models_tokenizer():
    model = tiny_model("lstm-attn", "dates")
    trace = seq2seq.decode(model, "  9 May  2018 ", max_len=3)
    assert trace.src_tokens == ["9", " ", "M", "a", "y", " ", "2", "0", "1", "8", EOS]
