"""Your own corpus: a TSV of sentence pairs, checked line by line, split by the corpus's hash
split, trained with `--pairs` and scored with `evaluate --pairs`."""

from __future__ import annotations

import json
import random

import pytest

from seq2seq.data import MAX_PAIRS_BYTES, MIN_PAIRS, PairsError, read_pairs, split_of, split_pairs

WORDS = {"cat": "chat", "dog": "chien", "red": "rouge", "big": "grand", "small": "petit", "house": "maison",
         "the": "le", "eats": "mange", "sees": "voit", "bird": "oiseau"}


def corpus(n=400, seed=0) -> str:
    rng = random.Random(seed)
    lines = []
    for _ in range(n):
        src = " ".join(rng.choice(list(WORDS)) for _ in range(rng.randint(2, 6)))
        lines.append(src + "\t" + " ".join(WORDS[w] for w in src.split()))
    return "\n".join(lines) + "\n"


def test_a_good_file_reads_into_pairs_split_by_the_hash_split(tmp_path):
    path = tmp_path / "mine.tsv"
    path.write_text("\ufeff" + corpus().replace("\n", "\r\n", 3) + "\n\n", encoding="utf-8")
    pairs = read_pairs(path)
    assert len(pairs) == 400 and pairs[0].src and "\t" not in pairs[0].tgt and not pairs[0].src.startswith("\ufeff")
    splits = split_pairs(pairs)
    assert sum(len(v) for v in splits.values()) == 400 and splits["dev"] and splits["test"]
    assert all(split_of(e.src) == "train" for e in splits["train"])


@pytest.mark.parametrize("data, line, words", [
    (corpus(60).encode() + b"broken line without a tab\n", 61, "two tab-separated columns"),
    (b"a\tb\n" * 3 + b"\xff\xfe\tbad\n" + b"a\tb\n" * 60, 4, "not UTF-8"),
    (b"a\tb\n" * 5 + b"\tonly a target\n" + b"a\tb\n" * 60, 6, "two tab-separated columns"),
])
def test_a_bad_file_names_its_first_bad_line(data, line, words):
    with pytest.raises(PairsError, match=f"line {line}: .*{words}|line {line}: {words}"):
        read_pairs(data, "mine.tsv")


def test_too_big_and_too_small_files_are_refused(tmp_path):
    with pytest.raises(PairsError, match="at most 10 MB"):
        read_pairs(b"a\tb\n" * (MAX_PAIRS_BYTES // 4 + 1))
    with pytest.raises(PairsError, match=f"at least {MIN_PAIRS}"):
        read_pairs(b"a\tb\n" * 3)
    big = tmp_path / "big.tsv"
    big.write_bytes(b"a\tb\n" * (MAX_PAIRS_BYTES // 4 + 1))
    with pytest.raises(PairsError, match="at most 10 MB"):
        read_pairs(big)


def test_train_and_evaluate_on_your_own_pairs(tmp_path, capsys):
    from seq2seq import checkpoint
    from seq2seq.evaluate import main as evaluate_main
    from seq2seq.train import main as train_main

    path = tmp_path / "mine.tsv"
    path.write_text(corpus(), encoding="utf-8")
    out = tmp_path / "mine-model"
    assert train_main(["--pairs", str(path), "--arch", "transformer", "--out", str(out), "--steps", "3",
                       "--threads", "1", "--config", json.dumps({"d_model": 16, "heads": 2, "d_ff": 32})]) == 0
    info = checkpoint.read_config(out)
    assert info["task"] == "pairs" and info["data"] == "mine.tsv"
    src, tgt = checkpoint.load(out, device="cpu").src_tok, checkpoint.load(out, device="cpu").tgt_tok
    assert src.to_json() == tgt.to_json()  # one SentencePiece model of both sides
    assert evaluate_main(["--model", str(out), "--pairs", str(path)]) == 0
    metrics = checkpoint.read_metrics(out)
    assert metrics["split"] == "test" and "bleu" in metrics["metrics"] and metrics["data"] == "mine.tsv"
