"""torchrun: two processes train the model one process trains on the same global batch."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
import torch
from conftest import REPO
from safetensors.torch import load_file

CONFIG = json.dumps({"emb": 16, "hidden": 32, "attn_dim": 16, "dropout": 0.0})  # dropout 0: no per-rank masks
ARGS = ["--task", "reverse", "--arch", "lstm-attn", "--train-size", "512", "--batch", "64", "--steps", "6",
        "--epochs", "1", "--threads", "1", "--config", CONFIG]


def test_two_ranks_train_what_one_process_trains_on_the_same_global_batch(tmp_path):
    torchrun = shutil.which("torchrun")
    if torchrun is None:
        pytest.skip("torchrun is not on PATH")
    one, two = tmp_path / "one", tmp_path / "two"
    subprocess.run([sys.executable, "-m", "seq2seq.train", *ARGS, "--out", str(one)], cwd=REPO, check=True,
                   capture_output=True, timeout=300)
    done = subprocess.run([torchrun, "--standalone", "--nproc_per_node=2", "-m", "seq2seq.train", *ARGS,
                           "--out", str(two)], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    loss = [json.loads((d / "train_log.jsonl").read_text().splitlines()[-1])["train_loss"] for d in (one, two)]
    assert loss[0] == pytest.approx(loss[1], abs=1e-4)
    a, b = load_file(one / "model.safetensors"), load_file(two / "model.safetensors")
    assert max((a[k] - b[k]).abs().max().item() for k in a) < 1e-5
    assert json.loads((two / "config.json").read_text())["train"]["ranks"] == 2
    assert not list(two.glob("*.rank*"))  # rank 0 alone writes
    assert torch.get_num_threads() >= 1
