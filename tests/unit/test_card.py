"""The model card: written from the folder's files, it says on what machine the model was
trained (or that the machine was not recorded), credits the data, and survives broken files."""

from __future__ import annotations

import json
import os
import platform

import pytest
import torch
from conftest import tiny_model

import seq2seq
from seq2seq import checkpoint
from seq2seq.card import card_text, machine_words, write_card
from seq2seq.tasks import CREDITS
from seq2seq.train import machine

EPYC = {"cpu": "AMD EPYC 7763", "cores": 16, "threads": 2, "device": "cpu", "python": "3.11.7",
        "torch": "2.13.0+cpu"}
RECORD = {"epochs": 3, "seed": 1, "device": "cpu", "threads": 2, "train_pairs": 500, "minutes": 1.5,
          "epochs_run": 4, "best_dev": 12.0, "torch": "2.13.0+cpu"}


def folder_with(tmp_path, task="reverse", **train):
    return seq2seq.save(tiny_model("lstm-attn", task if task != "en-zh" else "dates"), tmp_path / f"{task}-lstm-attn",
                        task=task, data="cmn-eng.tsv" if task == "en-zh" else f"generated ({task})",
                        data_sha256="ab12" if task == "en-zh" else None, train={**RECORD, **train})


def test_machine_words_from_a_cpu_record():
    assert machine_words({**RECORD, "machine": EPYC}) == "cpu (2 threads of a 16-core AMD EPYC 7763; Python 3.11.7, " \
                                                         "torch 2.13.0+cpu)"


def test_machine_words_from_a_gpu_record():
    record = {**RECORD, "device": "cuda", "machine": {**EPYC, "threads": 1, "device": "cuda:NVIDIA H200"}}
    assert machine_words(record) == ("NVIDIA H200 (CUDA; 1 CPU thread of a 16-core AMD EPYC 7763; Python 3.11.7, "
                                     "torch 2.13.0+cpu)")


def test_without_a_machine_record_the_card_says_only_what_is_known():
    words = machine_words({**RECORD, "threads": 1})
    assert words == "cpu (1 thread, torch 2.13.0+cpu; the machine was not recorded)"
    assert "core" not in words  # no guessed core count


def test_card_says_the_machine_this_process_records(tmp_path):
    record = machine(torch.device("cpu"))
    card = write_card(folder_with(tmp_path, machine=record))
    assert (tmp_path / "reverse-lstm-attn" / "README.md").read_text() == card
    assert (f"- 4 epochs in 1.5 min on cpu ({record['threads']} thread{'s' * (record['threads'] != 1)} of a "
            f"{os.cpu_count()}-core {record['cpu']}; Python {platform.python_version()}, torch {torch.__version__})"
            f"; best dev epoch 3 (dev exact match 12.0); seed 1") in card


def test_card_of_en_zh_credits_tatoeba_with_the_corpus_hash(tmp_path):
    card = card_text(folder_with(tmp_path, task="en-zh"))
    assert "for English → Chinese (Tatoeba)" in card
    assert f"Data credit: {CREDITS['cmn-eng.tsv']} Corpus file `cmn-eng.tsv`, sha256 `ab12`." in card


def test_card_survives_broken_metrics_and_log_lines(tmp_path):
    folder = folder_with(tmp_path)
    (folder / "metrics.json").write_text(json.dumps({"metrics": {"exact": "high"}}))
    (folder / "train_log.jsonl").write_text(json.dumps({"epoch": 1, "train_loss": 2.0, "dev_exact": 5.0,
                                                        "seconds": 3.0}) + "\n{broken\n[1]\n")
    card = card_text(folder)
    assert "Not evaluated yet: run `python -m seq2seq.evaluate --model reverse-lstm-attn`." in card
    assert "| 1 | 2.0 | 5.0 | 3.0 |" in card and card.count("\n| ") == 2  # the header and the one good row


def test_card_of_a_broken_config_raises_checkpoint_error(tmp_path):
    folder = folder_with(tmp_path)
    config = json.loads((folder / "config.json").read_text())
    config["task"] = ["reverse"]
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(checkpoint.CheckpointError):
        card_text(folder)
