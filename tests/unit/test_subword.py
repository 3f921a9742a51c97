"""Open-vocabulary English -> Chinese: SentencePiece pieces, Chinese characters with Latin
pieces, the word view, names that pass through, and checkpoints that carry their pieces."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import NAMES, tiny_en_zh, tiny_model, tiny_tokenizers

import seq2seq
from seq2seq.checkpoint import PIECES, CheckpointError
from seq2seq.data import Example
from seq2seq.gold import unlike_training
from seq2seq.names import held_out_names, invented_name, name_pairs
from seq2seq.subword import display, has_pieces, merge_words, words, zh_detokenize
from seq2seq.tokenize import UNK, UNK_ID, Tokenizer

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def toks():
    return tiny_tokenizers("en-zh")


@pytest.mark.parametrize("text", ["ChatGPT is powerful.", "Kubernetes ist großartig!", "我爱你", "naïve café ☕",
                                  "x" * 300, "Ω≈ç√∫"])
def test_english_source_never_has_an_unknown_token(toks, text):
    src, _ = toks
    tokens = src.tokenize(text)
    assert tokens and UNK not in tokens and not any(src.is_unknown(t) for t in tokens)
    assert UNK not in src.ids_to_tokens(src.encode(text))


@pytest.mark.parametrize("text", ["ChatGPT很强大。", "我用Twitter。", "New York很大", "我有3个iPad和MP3",
                                  "他是一个DJ。"])
def test_chinese_target_is_one_token_per_character_and_latin_pieces(toks, text):
    _, tgt = toks
    tokens = tgt.tokenize(text)
    han = [t for t in tokens if not t.isascii()]
    assert all(len(t) == 1 for t in han)  # one token per Han character or mark
    assert tgt.detokenize(tokens) == text


def test_a_name_is_the_same_pieces_on_both_sides(toks):
    src, tgt = toks
    for name in NAMES:
        assert tgt.tokenize(f"{name}喜欢茶。")[: len(src.tokenize(name))] == src.tokenize(name)


def test_zh_detokenize_keeps_spaces_only_between_latin_words():
    assert zh_detokenize(["我", "用", "▁Twit", "ter", "。"]) == "我用Twitter。"
    assert zh_detokenize(["▁New", "▁York", "很", "大"]) == "New York很大"


def test_pieces_are_shown_with_continuation_marks_and_grouped_into_words():
    tokens = ["▁Ch", "at", "G", "PT", "▁is", "▁power", "ful", ".", "</s>"]
    assert display(tokens) == ["Ch", "##at", "##G", "##PT", "is", "power", "##ful", ".", "</s>"]
    assert words(tokens) == [[0, 1, 2, 3], [4], [5, 6], [7], [8]]
    assert has_pieces(tokens) and not has_pieces(["我", "很", "好"])
    assert display(list("abc")) == list("abc")  # the character tasks are untouched
    assert seq2seq.labels(tokens)[:2] == ["Ch ·0", "##at ·1"]


def test_subword_tokenizers_round_trip_through_json(toks):
    for tok in toks:
        again = Tokenizer.from_json(tok.to_json()).attach(tok.model)
        assert again.itos == tok.itos and again.tokenize("ChatGPT is powerful.") == tok.tokenize("ChatGPT is powerful.")
    with pytest.raises(ValueError, match="no SentencePiece model"):
        Tokenizer.from_json(toks[0].to_json()).tokenize("hello")


# --- checkpoints ---------------------------------------------------------------------------

def test_a_checkpoint_carries_its_sentencepiece_model(tmp_path):
    model = tiny_model("transformer", "en-zh")
    folder = seq2seq.save(model, tmp_path / "en-zh-transformer", task="en-zh")
    assert (folder / PIECES).is_file()
    assert json.loads((folder / "src_vocab.json").read_text())["pieces"] == PIECES
    again = seq2seq.load(folder, device="cpu")
    a, b = seq2seq.decode(model, "Olga likes tea.", max_len=6), seq2seq.decode(again, "Olga likes tea.", max_len=6)
    assert a.src_tokens == b.src_tokens and a.tgt_tokens == b.tgt_tokens


@pytest.mark.parametrize("damage", ["missing", "garbage", "outside"])
def test_a_broken_sentencepiece_file_is_a_checkpoint_error_naming_it(tmp_path, damage):
    folder = seq2seq.save(tiny_model("lstm-attn", "en-zh"), tmp_path / "m", task="en-zh")
    if damage == "missing":
        (folder / PIECES).unlink()
    elif damage == "garbage":
        (folder / PIECES).write_bytes(b"not a model")
    else:
        d = json.loads((folder / "tgt_vocab.json").read_text())
        (folder / "tgt_vocab.json").write_text(json.dumps({**d, "pieces": "../../etc/passwd"}))
    with pytest.raises(CheckpointError) as e:
        seq2seq.load(folder, device="cpu")
    assert e.value.path.name in (PIECES, "tgt_vocab.json")


# --- the word view -------------------------------------------------------------------------

def test_merge_words_sums_source_pieces_and_averages_target_pieces():
    model = tiny_model("transformer", "en-zh")
    trace = seq2seq.decode(model, "ChatGPT is powerful.", "forced", target="ChatGPT很强大。")
    w = merge_words(trace)
    assert w.words and not trace.words
    assert w.src_tokens[:3] == ["ChatGPT", "is", "powerful"] and w.tgt_tokens[0] == "ChatGPT"
    src, tgt = words(trace.src_tokens), words(trace.tgt_tokens)
    assert w.cross_weights.shape == (len(tgt), *trace.cross_weights.shape[1:3], len(src))
    np.testing.assert_allclose(w.cross_weights.sum(-1), 1, rtol=1e-5)  # rows still sum to 1
    first = tgt[0]
    expected = trace.cross_weights[first][..., src[0]].sum(-1).mean(0)
    np.testing.assert_allclose(w.cross_weights[0, ..., 0], expected, rtol=1e-5)
    np.testing.assert_allclose(w.probs[0], np.prod(trace.probs[first]), rtol=1e-5)
    assert w.output == trace.output and w.enc_self_weights is None and w.beam == []
    assert merge_words(w) is w


def test_merge_words_leaves_a_trace_without_pieces_alone():
    trace = seq2seq.decode(tiny_model("lstm-attn", "dates"), "9 May 2018", max_len=4)
    assert merge_words(trace) is trace


# --- names that pass through -----------------------------------------------------------------

def test_name_pairs_swap_a_shared_latin_name_on_both_sides_deterministically():
    train = tiny_en_zh()
    a, b = name_pairs(train, seed=3), name_pairs(train, seed=3)
    assert a == b and a and all(e.augmented for e in a)
    for e in a[:20]:
        name = e.src.split()[0]
        assert name not in NAMES and e.tgt.startswith(name)


def test_transliterated_names_become_latin_on_the_chinese_side():
    train = [Example("Tom is here.", "汤姆在这里。")] * 200
    extra = name_pairs(train, seed=1)
    assert 30 < len(extra) < 120  # a share of them
    assert all("汤姆" not in e.tgt and e.tgt.startswith(e.src.split()[0]) for e in extra)


def test_invented_names_avoid_the_copy_tests_names_and_the_excluded_ones():
    held = held_out_names()
    assert {"kubernetes", "spotify", "chatgpt"} <= held
    train = [Example("Tom is here.", "Tom在这里。")] * 300
    extra = name_pairs(train, seed=5, exclude={"Drex"})
    assert not {e.src.split()[0].lower() for e in extra} & (held | {"drex"})


def test_invented_names_look_like_names():
    import random

    rng = random.Random(0)
    names = [invented_name(rng) for _ in range(200)]
    assert all(n[0].isupper() and n.isalnum() for n in names) and len(set(names)) > 150


# --- inputs unlike the training data ---------------------------------------------------------

@pytest.mark.parametrize("task, text, says", [
    ("dates", "yesterday", "none of the 12 formats"), ("dates", "31/12/1999", "none of the 12 formats"),
    ("dates", "1999-12-31", "none of the 12 formats"), ("dates", "9 May 2150", "from 1900 to 2099"),
    ("reverse", "Hello", "lowercase letters"), ("reverse", "a" * 41, "longer than 40"),
])
def test_inputs_unlike_training_are_named(task, text, says):
    assert says in unlike_training(task, text)


@pytest.mark.parametrize("task, text", [("dates", "9 May 2018"), ("dates", "2018年5月9日"), ("reverse", "abc"),
                                        ("en-zh", "anything at all")])
def test_inputs_like_training_get_no_note(task, text):
    assert unlike_training(task, text) is None


def test_a_joint_vocabulary_gives_a_piece_one_id_on_both_sides():
    src, _ = tiny_tokenizers("en-zh")
    tgt = Tokenizer.build((e.tgt for e in tiny_en_zh()), kind="zh", model=src.model, joint=True)
    joint = tgt.joint_source()
    assert joint.itos == tgt.itos and joint.itos[:len(src)] == src.itos  # the pieces first, in their order
    name = "Zorblax"
    said, written = joint.tokenize(f"I like {name}."), tgt.tokenize(f"我喜欢{name}。")
    assert said[-9:-1] == written[-9:-1]  # ▁ Z o r b l a <0x78>: the same pieces ...
    assert joint.encode(f"I like {name}.")[-9:-1] == tgt.encode(f"我喜欢{name}。")[-9:-1]  # ... and ids
    assert UNK_ID not in joint.encode("ChatGPT 很强大") and joint.encode("Tom") == src.encode("Tom")


def test_names_recipe_2_coins_more_names_from_the_corpus_letters():
    train = tiny_en_zh()
    one, two = name_pairs(train, seed=3), name_pairs(train, seed=3, recipe=2)
    assert name_pairs(train, seed=3, recipe=2) == two and len(two) == 2 * len(one)
    names = {e.src.split()[0] for e in two}
    assert len(names) > 0.5 * len(two) and all(n[0].isupper() and n.isalnum() for n in names)
    assert not {n.lower() for n in names} & held_out_names()
    with pytest.raises(ValueError, match="unknown names recipe"):
        name_pairs(train, seed=3, recipe=9)


def test_coined_words_use_the_letters_of_their_words():
    import random

    from seq2seq.names import Letters

    letters = Letters(["banana", "bandana", "cabana"] * 3)
    words = [letters.coin(random.Random(i), 3, 10) for i in range(50)]
    assert all(set(w) <= set("bancd") and 3 <= len(w) <= 10 for w in words)
