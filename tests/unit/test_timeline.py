"""Training timelines (seq2seq.timeline): snapshots from initialisation to the final model,
recorded without changing the run, picked, stored as int8 and loaded back."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors.torch import load_file

import seq2seq
from seq2seq.timeline import FILE, INFO, MAX_SNAPSHOTS, load_snapshot, pick, read_timeline
from seq2seq.train import TrainConfig, train

pytestmark = pytest.mark.usefixtures("one_torch_thread")
TINY = {"emb": 16, "hidden": 32, "attn_dim": 16}


def tiny_run(out, timeline: bool):
    return train(TrainConfig(task="reverse", arch="lstm-attn", out=out, train_size=600, epochs=2, batch=32,
                             threads=1, model=TINY, quiet=True, timeline=timeline))


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("timeline")
    torch.set_num_threads(1)
    tiny_run(root / "with", timeline=True)
    tiny_run(root / "without", timeline=False)
    return root


def test_recording_a_timeline_leaves_the_run_as_it_was(runs):
    a, b = load_file(runs / "with" / "model.safetensors"), load_file(runs / "without" / "model.safetensors")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert not (runs / "without" / INFO).exists()


def test_a_timeline_runs_from_initialisation_to_the_checkpoint(runs):
    info = read_timeline(runs / "with")
    snaps = info["snapshots"]
    assert snaps[0]["step"] == 0 and snaps[0]["epoch"] == 0.0
    assert snaps[-1].get("final") and not any(s.get("final") for s in snaps[:-1])
    assert [s["step"] for s in snaps] == sorted({s["step"] for s in snaps})  # in order, each once
    assert len(snaps) - 1 <= MAX_SNAPSHOTS
    log = [json.loads(line) for line in (runs / "with" / "train_log.jsonl").read_text().splitlines()]
    best = max(log, key=lambda r: r["dev_exact"])
    assert snaps[-1]["epoch"] == best["epoch"]
    assert info["loss"] and all(a[0] < b[0] for a, b in zip(info["loss"], info["loss"][1:]))
    stored = load_file(runs / "with" / FILE)
    assert {k.split(".", 1)[0] for k in stored} == {str(i) for i in range(len(snaps) - 1)}  # the final: not copied


def test_each_snapshot_loads_and_decodes_and_the_last_is_the_checkpoint(runs):
    final = seq2seq.load(runs / "with", device="cpu")
    snaps = read_timeline(runs / "with")["snapshots"]
    first = load_snapshot(runs / "with", 0)
    assert any(not torch.equal(p, q) for p, q in zip(first.state_dict().values(), final.state_dict().values()))
    last = load_snapshot(runs / "with", len(snaps) - 1)
    assert all(torch.equal(p, q) for p, q in zip(last.state_dict().values(), final.state_dict().values()))
    for n in range(len(snaps)):
        trace = seq2seq.decode(load_snapshot(runs / "with", n), "abc", max_len=8)
        assert trace.steps >= 1 and trace.cross_weights is not None
    with pytest.raises(ValueError, match="snapshot"):
        load_snapshot(runs / "with", len(snaps))


def test_pick_keeps_the_start_and_the_snapshots_where_training_had_come_equal_parts_of_the_way():
    snaps = [{"step": s, "epoch": s / 100, "dev": dev, "loss": loss} for s, dev, loss in
             [(0, 0, None), (10, 0, 3.0), (20, 0, 2.0), (30, 10, 1.0), (40, 50, 0.5), (50, 90, 0.2), (60, 95, 0.1),
              (100, 100, 0.05)]]
    chosen = pick(snaps, snaps[-1], keep=4)
    assert chosen[0]["step"] == 0 and len(chosen) == 4
    assert [s["step"] for s in chosen] == sorted(s["step"] for s in chosen)
    assert all(s["step"] < 100 for s in chosen)  # the final model is the checkpoint, never a copy


def test_a_folder_without_a_timeline_has_none(tmp_path):
    assert read_timeline(tmp_path) is None
