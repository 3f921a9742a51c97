"""Training smoke test: two short epochs of the reverse task per architecture, then a resume."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
import torch
from conftest import ARCHS, TINY

import seq2seq
from seq2seq.train import train

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def log_lines(out):
    return (out / "train_log.jsonl").read_text().splitlines()


@pytest.fixture(scope="module", params=ARCHS)
def trained(request, tmp_path_factory):
    """Train `arch` for 2 epochs, then call again with epochs=3 (a resume); keep both logs."""
    arch, out = request.param, tmp_path_factory.mktemp("train") / f"reverse-{request.param}"
    threads = torch.get_num_threads()
    # Dropout 0 makes the loss a deterministic function of the weights, so "it falls" is not noise.
    kw = dict(task="reverse", arch=arch, out=out, train_size=300, quiet=True, threads=1, lr=3e-3, warmup=10,
              config_overrides={**TINY[arch], "dropout": 0.0})
    try:
        train(epochs=2, **kw)
        after_two = log_lines(out)
        train(epochs=3, **kw)
    finally:
        torch.set_num_threads(threads)
    return SimpleNamespace(arch=arch, out=out, after_two=after_two, after_three=log_lines(out))


def test_training_loss_falls(trained):
    first, second = (json.loads(line) for line in trained.after_two)
    assert (first["epoch"], second["epoch"]) == (1, 2)
    assert second["train_loss"] < first["train_loss"]


def test_trained_folder_loads_and_decodes(trained):
    model = seq2seq.load(trained.out, device="cpu")
    assert (model.arch, model.task) == (trained.arch, "reverse")
    assert model.config.dropout == 0.0
    for field, value in TINY[trained.arch].items():
        assert getattr(model.config, field) == value
    trace = seq2seq.decode(model, "abc", max_len=5)
    assert 1 <= trace.steps <= 5


def test_second_call_resumes_and_keeps_the_first_epochs(trained):
    assert len(trained.after_three) == 3
    assert trained.after_three[:2] == trained.after_two
    assert json.loads(trained.after_three[2])["epoch"] == 3


def test_config_records_the_training_run(trained):
    info = seq2seq.read_config(trained.out)
    assert info["task"] == "reverse" and info["arch"] == trained.arch
    assert info["train"]["epochs_run"] == 3
    assert info["data"] == "generated (reverse)"


def test_config_records_the_recipe_and_the_generated_data(trained):
    train = seq2seq.read_config(trained.out)["train"]
    assert (train["lr"], train["warmup"], train["batch"]) == (3e-3, 10, 128)  # batch: the task's default
    assert train["generated"] == {"size": 300, "repeat": 0.1, "patterns": 0.0}
    assert train["train_pairs"] == 300
