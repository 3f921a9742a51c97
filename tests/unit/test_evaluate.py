"""python -m seq2seq.evaluate: metrics.json, the model card, and what the card says."""

from __future__ import annotations

import json

import pytest
from conftest import tiny_model

import seq2seq
from seq2seq.evaluate import main, score

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture
def folder(tmp_path):
    out = tmp_path / "reverse-lstm-attn"
    seq2seq.save(tiny_model("lstm-attn", "reverse"), out, task="reverse", data="generated (reverse)",
                 train={"epochs": 3, "seed": 1, "device": "cpu", "threads": 1, "train_pairs": 500,
                        "command": "python -m seq2seq.train --task reverse --arch lstm-attn --minutes 9",
                        "lr": 0.002, "batch": 128, "warmup": 100,
                        "generated": {"size": 500, "repeat": 0.1, "patterns": 0.2},
                        "minutes": 1.5, "epochs_run": 4, "best_dev": 12.0})
    return out


def test_evaluate_writes_metrics_and_a_card_with_the_recipe_and_notes(folder, capsys):
    (folder / "NOTES.md").write_text("Why this recipe: a sweep.\n")
    assert main(["--model", str(folder)]) == 0
    metrics = json.loads((folder / "metrics.json").read_text())
    n = len(seq2seq.data.load_task("reverse")["test"])
    assert metrics["split"] == "test" and metrics["metrics"]["n"] == n
    assert [r["bucket"] for r in metrics["by_length"]] == ["1-10", "11-20", "21-30", "31-40"]
    assert sum(r["n"] for r in metrics["by_length"]) == n
    assert "align_acc" in metrics["metrics"]
    card = (folder / "README.md").read_text()
    assert "`python -m seq2seq.train --task reverse --arch lstm-attn --minutes 9`" in card  # the real command
    assert "batch 128, lr 0.002, warmup 100" in card
    assert "500 training pairs" in card and "probability 0.1" in card and "20 % of the sequences" in card
    assert "## Notes\n\nWhy this recipe: a sweep." in card
    assert card.startswith("# reverse-lstm-attn\n\nAn LSTM encoder-decoder")
    assert "- 4 epochs in 1.5 min on cpu (1 thread, torch ?; the machine was not recorded)" in card
    assert f"| all | {n} | " in card and "| 31-40 | " in card
    assert "test:" in capsys.readouterr().out


@pytest.mark.parametrize("args", [["--split", "dev"], ["--no-save"]])
def test_evaluate_saves_only_the_test_split(folder, capsys, args):
    """`--split dev` once turned the shipped test numbers into dev numbers, presented as test."""
    (folder / "metrics.json").write_text('{"split": "test"}')
    (folder / "README.md").write_text("# the card")
    assert main(["--model", str(folder), *args]) == 0
    assert (folder / "metrics.json").read_text() == '{"split": "test"}'
    assert (folder / "README.md").read_text() == "# the card"
    assert "not saved" in capsys.readouterr().err


def test_evaluate_pairs_scores_them_without_touching_the_folder(folder, tmp_path, capsys):
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("abc\tcba\nxy\tyx\n")
    assert main(["--model", str(folder), "--pairs", str(pairs), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["metrics"]["n"] == 2 and result["split"] == "pairs:pairs.tsv"
    assert not (folder / "metrics.json").exists()


def test_score_counts_attention_inside_the_true_span():
    from seq2seq.data import reverse_example

    examples = [reverse_example("abc")]  # true source positions per output letter: 2, 1, 0
    assert score("reverse", ["cba"], examples, [[2, 1, 0]])["align_acc"] == 100.0
    assert score("reverse", ["cba"], examples, [[2, 0, 0]])["align_acc"] == pytest.approx(66.67)
    assert score("reverse", ["cab"], examples, [[2, 1, 0]])["exact"] == 0.0
