"""The shipped en-zh models read any English and copy names they never saw: the article's
own sentence, a set of 36 sentences with names that are not in the corpus, and a test
split without <unk>."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import seq2seq
from seq2seq.batching import greedy_batch
from seq2seq.data import find_corpus, load_task
from seq2seq.train import encode_src

HERE = Path(__file__).resolve().parent
SHIPPED = HERE.parents[1] / "checkpoints"
NAMES = json.loads((HERE / "names.json").read_text(encoding="utf-8"))["sentences"]
POWERFUL = ("强大", "很强", "有力", "厉害")
COPY_RATE = 0.8  # of the names set, for both attention models


def load(name):
    return seq2seq.load(SHIPPED / name, device="cpu")


@pytest.fixture(autouse=True)
def _one_thread(one_torch_thread):
    pass


KNOWN_SEED = pytest.mark.xfail(strict=True, reason=(
    "known (issue 10 open): 'ChatGPT is powerful.' gives ChatGPT最近力量。 (lstm-attn) and ChatTP是力量。 "
    "(transformer): the name, but no word for powerful. A model that passes makes this test fail: remove the mark"))
KNOWN_COPY = pytest.mark.xfail(strict=True, reason=(
    "known (issue 10 open): the shipped en-zh-transformer (trained before tied embeddings) copies 13/36 of "
    "tests/shipped/names.json; its retraining with them copied 31/36 but lost BLEU (35.3 < 37.5) and was not "
    "shipped. A model that passes makes this test fail: remove the mark"))


@KNOWN_SEED
@pytest.mark.parametrize("arch", ["lstm-attn", "transformer"])
def test_the_articles_sentence(arch):
    """"ChatGPT is powerful" -> "ChatGPT很强大" (or another Chinese word for powerful)."""
    out = seq2seq.decode(load(f"en-zh-{arch}"), "ChatGPT is powerful.").output
    assert "ChatGPT" in out and any(w in out for w in POWERFUL), out


def copy_rate(model) -> float:
    outs = [seq2seq.decode(model, text).output for text, _ in NAMES]
    return sum(name in out for (_, name), out in zip(NAMES, outs)) / len(NAMES)


def test_the_names_set_is_not_in_the_corpus():
    corpus = find_corpus()
    if corpus is None:
        pytest.skip("Tatoeba corpus not found at ../shared/data/cmn-eng.tsv or $ATTENTION_LAB_DATA")
    text = corpus.read_text(encoding="utf-8")
    assert len(NAMES) >= 30
    assert not [n for _, n in NAMES if re.search(rf"\b{re.escape(n)}\b", text, flags=re.I)]


@pytest.mark.parametrize("arch", ["lstm-attn", pytest.param("transformer", marks=KNOWN_COPY)])
def test_attention_models_copy_names_they_never_saw(arch):
    assert copy_rate(load(f"en-zh-{arch}")) >= COPY_RATE


@pytest.mark.parametrize("arch, least", [("lstm-attn", 0.8), ("transformer", 0.3)])
def test_attention_models_copy_some_names_they_never_saw(arch, least):
    """What they do today (0 of 36 before subword pieces; lstm-attn 29/36 with tied embeddings,
    transformer 13/36): a regression below it fails."""
    assert copy_rate(load(f"en-zh-{arch}")) >= least


@pytest.mark.parametrize("arch", ["lstm", "lstm-attn", "transformer"])
def test_no_test_split_output_contains_unk(arch):
    corpus = find_corpus()
    if corpus is None:
        pytest.skip("Tatoeba corpus not found at ../shared/data/cmn-eng.tsv or $ATTENTION_LAB_DATA")
    model = load(f"en-zh-{arch}")
    test = load_task("en-zh", corpus)["test"]
    outs, _ = greedy_batch(model, [encode_src(model.src_tok, e.src) for e in test], max_len=80)
    assert not [o for o in outs if 3 in o]  # UNK_ID
    assert all("<unk>" not in model.tgt_tok.detokenize(model.tgt_tok.ids_to_tokens(o)) for o in outs[:50])
