"""The shipped checkpoints: they load, decode, get fixed inputs right, and (when the corpus is
present) reproduce the BLEU their metrics.json reports; their training timelines fit the budget."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import seq2seq
from seq2seq.data import load_task
from seq2seq.evaluate import evaluate

SHIPPED = Path(__file__).resolve().parents[2] / "checkpoints"
NAMES = [f"{t}-{a}" for t in ("en-zh", "dates", "reverse") for a in ("lstm", "lstm-attn", "transformer")]
NAMES += ["en-zh-lstm-bahdanau", "dates-lstm-bahdanau"]  # LSTM + attention in the article's (Bahdanau's) arrangement
TIMELINES = ["dates-lstm-attn", "reverse-lstm-attn", "dates-transformer", "reverse-transformer"]
DATES = {
    "Tuesday, 9 May 2018": "2018-05-09",
    "May 9th, 2018": "2018-05-09",
    "09.05.2018": "2018-05-09",
    "2018年5月9日": "2018-05-09",
    "the 1st of January 1900": "1900-01-01",
    "31 December 2099": "2099-12-31",
    "Feb 29, 2024": "2024-02-29",
}
REVERSE = ["a", "abc", "attention", "zyxwvutsrqponmlkjihgfedcba", "abcdefghijklmno", "encoderdecoder",
           "thequickbrownfoxjumpsoverthelazydog", "attentionisallyouneed"]
# Inputs that repeat a short unit, where the letter just written does not say where a model is: the
# shipped models lose count on them (their model cards say so). Pinned so a retrained model that
# fixes them shows up here.
PATTERNS = ["aaaaaaaaaaaaaaaaaaaa", "abcabcabcabcabcabcabcabcabcabc", "abababababababababababababababababababab"]


def load(name):
    folder = SHIPPED / name
    if not (folder / "config.json").is_file():
        pytest.fail(f"shipped checkpoint {name} is missing")
    return seq2seq.load(folder, device="cpu")


@pytest.mark.parametrize("name", NAMES)
def test_shipped_checkpoint_loads_and_decodes(name):
    model = load(name)
    text = {"en-zh": "I like tea.", "dates": "9 May 2018", "reverse": "abc"}[model.task]
    trace = seq2seq.decode(model, text)
    assert trace.steps >= 1 and trace.output
    assert (trace.cross_weights is None) == (model.arch == "lstm")
    folder = SHIPPED / name
    for f in ("model.safetensors", "config.json", "src_vocab.json", "tgt_vocab.json", "metrics.json",
              "train_log.jsonl", "README.md"):
        assert (folder / f).is_file(), f"{name} lacks {f}"
    # 14 MiB: the largest, en-zh-lstm, is 13.0 MB (int8) with its 6,120-token output layer
    assert sum(p.stat().st_size for p in folder.iterdir() if p.is_file()) <= 14 * 2**20


@pytest.mark.parametrize("name", NAMES)
def test_shipped_cards_are_what_the_card_generator_writes(name):
    """The README.md of each folder is seq2seq.card's text from its other files: regenerate the
    cards (`seq2seq.card.write_card`) when the generator changes."""
    from seq2seq.card import card_text

    card = (SHIPPED / name / "README.md").read_text(encoding="utf-8")
    assert card == card_text(SHIPPED / name)
    assert "2-core machine" not in card  # the shipped configs have no machine record: the card must not guess


def test_shipped_checkpoints_fit_the_budget():
    total = sum(p.stat().st_size for n in NAMES for p in (SHIPPED / n).glob("*") if p.is_file())
    assert total <= 80 * 2**20
    assert sorted(p.name for p in SHIPPED.iterdir() if (p / "config.json").is_file()) == sorted(NAMES)


@pytest.mark.parametrize("name", ["en-zh-lstm-bahdanau", "dates-lstm-bahdanau"])
def test_the_bahdanau_models_are_in_the_articles_arrangement(name):
    model = load(name)
    assert model.arch == "lstm-attn" and model.config.query == "prev" and model.prev_query
    luong = load(name.replace("bahdanau", "attn"))
    assert luong.config.query == "current"
    target = {"en-zh": 30.0, "dates": 99.5}[model.task]
    metric = "bleu" if model.task == "en-zh" else "exact"
    assert json.loads((SHIPPED / name / "metrics.json").read_text())["metrics"][metric] >= target


def test_shipped_timelines_fit_their_budget_and_load():
    from seq2seq.timeline import FILE, load_snapshot, read_timeline

    have = [n for n in NAMES if read_timeline(SHIPPED / n) is not None]
    assert set(have) <= set(TIMELINES) and "dates-lstm-attn" in have
    assert sum((SHIPPED / n / FILE).stat().st_size for n in have) <= 15 * 2**20
    for name in have:
        snaps = read_timeline(SHIPPED / name)["snapshots"]
        assert snaps[0]["step"] == 0 and snaps[-1].get("final") and len(snaps) >= 5
        text = {"dates": "9 May 2018", "reverse": "abc"}[name.split("-")[0]]
        assert seq2seq.decode(load_snapshot(SHIPPED / name, 1), text).steps >= 1


@pytest.mark.parametrize("arch", ["lstm-attn", "lstm-bahdanau", "transformer"])
def test_dates_models_get_fixed_inputs_right(arch):
    model = load(f"dates-{arch}")
    for src, iso in DATES.items():
        assert seq2seq.decode(model, src).output == iso, src


@pytest.mark.parametrize("arch", ["lstm-attn", "transformer"])
def test_reverse_models_get_fixed_inputs_right(arch):
    model = load(f"reverse-{arch}")
    for src in REVERSE:
        assert seq2seq.decode(model, src).output == src[::-1], src


@pytest.mark.xfail(strict=True, reason="known: the shipped reverse models lose count on inputs that repeat a "
                   "short unit (their model cards say so); a model that fixes it makes this pass: update the card")
@pytest.mark.parametrize("arch", ["lstm-attn", "transformer"])
def test_reverse_models_reverse_repeating_patterns(arch):
    model = load(f"reverse-{arch}")
    for src in PATTERNS:
        assert seq2seq.decode(model, src).output == src[::-1], src


@pytest.mark.parametrize("arch", ["lstm-attn", "transformer"])
def test_reverse_model_cards_say_they_lose_count_on_patterns(arch):
    assert "abcabc" in (SHIPPED / f"reverse-{arch}" / "README.md").read_text()


def test_plain_lstm_reverses_short_inputs():
    model = load("reverse-lstm")
    assert seq2seq.decode(model, "abc").output == "cba"


@pytest.mark.parametrize("arch", ["lstm", "lstm-attn", "lstm-bahdanau", "transformer"])
def test_en_zh_bleu_matches_metrics_json(arch):
    corpus = seq2seq.data.find_corpus()
    if corpus is None:
        pytest.skip("Tatoeba corpus not found at ../shared/data/cmn-eng.tsv or $ATTENTION_LAB_DATA")
    model = load(f"en-zh-{arch}")
    reported = json.loads((SHIPPED / f"en-zh-{arch}" / "metrics.json").read_text())
    result = evaluate(model, load_task("en-zh", corpus)["test"], "en-zh")
    assert abs(result["metrics"]["bleu"] - reported["metrics"]["bleu"]) <= 0.5
