"""Attention forming (/training), training in the app (/train), and LSTM + attention in the
article's arrangement beside Luong's (inside, compare), driven headlessly with AppTest."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from apptest_util import arr, charts, ok, start, step_to, texts
from conftest import tiny_model

import seq2seq
from seq2seq import jobs
from seq2seq.attention import cross_matrix
from seq2seq.timeline import load_snapshot, read_timeline
from seq2seq.train import TrainConfig, train

TRAINING, TRAIN, INSIDE, COMPARE = "views/training.py", "views/train.py", "views/inside.py", "views/compare.py"
TINY = {"emb": 16, "hidden": 32, "attn_dim": 16}


@pytest.fixture(autouse=True)
def _quiet(one_torch_thread, tmp_path, monkeypatch):
    monkeypatch.setenv("ATTENTION_LAB_USER_MODELS", str(tmp_path / "user_models"))


@pytest.fixture
def timeline_checkpoints(own_checkpoints):
    """The tiny checkpoints, reverse-lstm-attn retrained briefly with a timeline."""
    train(TrainConfig(task="reverse", arch="lstm-attn", out=own_checkpoints / "reverse-lstm-attn", train_size=300,
                      epochs=2, batch=32, threads=1, model=TINY, quiet=True, timeline=True, overwrite=True))
    return own_checkpoints


def heatmaps(fig):
    return [t for t in fig["data"] if t["type"] == "heatmap"]


def test_the_training_page_shows_the_attention_of_a_snapshot_from_a_link(timeline_checkpoints):
    folder = timeline_checkpoints / "reverse-lstm-attn"
    snaps = read_timeline(folder)["snapshots"]
    at = start(TRAINING, model="reverse-lstm-attn", text="abcd", snapshot="1")
    ok(at)
    assert at.select_slider[0].value == 1
    curve, strip, stage = charts(at)[:3]
    assert len(curve["data"][1]["x"]) == len(snaps)  # the dev score at every snapshot
    assert len(heatmaps(strip)) == len(snaps)  # the same input at every snapshot
    expected = cross_matrix(seq2seq.decode(load_snapshot(folder, 1), "abcd"), -1, None)
    np.testing.assert_allclose(arr(heatmaps(strip)[1]["z"]), expected, atol=1e-6)
    np.testing.assert_allclose(arr(heatmaps(stage)[0]["z"])[: expected.shape[0]], expected, atol=1e-4)
    assert at.query_params["snapshot"] == "1" and at.query_params["model"] == "reverse-lstm-attn"

    at.select_slider[0].set_value(len(snaps) - 1).run()  # the final model: the checkpoint itself
    ok(at)
    final = cross_matrix(seq2seq.decode(seq2seq.load(folder, device="cpu"), "abcd"), -1, None)
    np.testing.assert_allclose(arr(heatmaps(charts(at)[2])[0]["z"])[: final.shape[0]], final, atol=1e-4)
    assert at.query_params["snapshot"] == str(len(snaps) - 1)
    step_to(at, 1, "training")
    assert at.query_params["step"] == "1"


def test_the_training_page_says_when_no_model_has_a_timeline(tiny_checkpoints):
    at = start(TRAINING)
    ok(at)
    assert "No model here has a training timeline" in texts(at)


def test_a_training_job_started_on_the_page_is_followed_and_cancelled(tiny_checkpoints):
    at = start(TRAIN)
    ok(at)
    at.text_input(key="v.train.name").set_value("my-first-model")
    at.button(key="b.train.start").click().run()
    ok(at)
    job = at.query_params["job"]
    assert jobs.status(job)["state"] in ("waiting", "running")
    assert "my-first-model" in texts(at).replace("\\", "") and at.button(key="b.train.cancel")
    at.button(key="b.train.cancel").click().run()
    ok(at)
    assert jobs.status(job)["state"] == "cancelled" and "Cancelled" in texts(at)


def test_a_refused_job_says_why_and_keeps_the_form(tiny_checkpoints):
    at = start(TRAIN)
    at.text_input(key="v.train.name").set_value("Not A Name!")
    at.button(key="b.train.start").click().run()
    ok(at)
    assert "lower-case letters" in " ".join(e.value for e in at.error).replace("\\", "")
    assert at.text_input(key="v.train.name").value == "Not A Name!" and "job" not in at.query_params


def test_a_finished_job_in_the_link_shows_its_curves_its_probe_and_its_model(tiny_checkpoints, tmp_path):
    """What a reload finds: the job's files, read back (no process needed)."""
    job = "20261201-120000-abcdef"
    folder = jobs.jobs_dir() / job
    folder.mkdir(parents=True)
    (folder / "spec.json").write_text(json.dumps({"task": "reverse", "arch": "lstm-attn", "minutes": 2,
                                                  "name": "my-reverse", "probe": "abc", "created": time.time()}))
    (folder / "state.json").write_text(json.dumps({"state": "done", "model": "my-reverse"}))
    events = [{"event": "start", "metric": "exact"},
              *[{"event": "step", "step": s, "epoch": s / 10, "loss": 3 / s, "seconds": s} for s in range(1, 11)],
              {"event": "epoch", "epoch": 1, "dev_exact": 80.0, "step": 10, "elapsed": 10.0},
              {"event": "probe", "step": 10, "epoch": 1.0, "output": "cba", "src": ["a", "b", "c", "</s>"],
               "tgt": ["c", "b", "a", "</s>"], "attention": np.eye(4)[::-1].tolist()},
              {"event": "done"}]
    (folder / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))
    seq2seq.save(tiny_model("lstm-attn", "reverse"), jobs.user_models() / "my-reverse", task="reverse",
                 data="generated (reverse)")
    at = start(TRAIN, job=job)
    ok(at)
    assert "ready on every page" in texts(at)
    curve, probe = charts(at)[:2]
    assert curve["data"][0]["y"] == [3 / s for s in range(1, 11)]
    np.testing.assert_allclose(arr(heatmaps(probe)[0]["z"]), np.eye(4)[::-1])
    assert "`cba`" in texts(at)
    # the model it saved is on every page, marked as the user's
    at = start("views/step.py", model="my-reverse", text="abc")
    ok(at)
    assert at.query_params["model"] == "my-reverse"
    assert any("yours: my-reverse" in str(o) for w in at.get("button_group") for o in w.proto.options) or \
        "my-reverse" in json.dumps([str(e.proto) for e in at.main])


@pytest.fixture
def both_arrangements(own_checkpoints):
    seq2seq.save(tiny_model("lstm-attn", "dates", query="prev"), own_checkpoints / "dates-lstm-bahdanau",
                 task="dates", data="generated (dates)")
    return own_checkpoints


def test_inside_shows_the_articles_formulas_for_the_bahdanau_model(both_arrangements):
    at = start(INSIDE, model="dates-lstm-bahdanau", text="9 May 2018", step="2")
    ok(at)
    latex = " ".join(x.value for x in at.latex)
    assert r"e_{t,i} = \text{score}(s_{t-1}, h_i)" in latex and r"v^\top \tanh(W s_{t-1} + U h_i)" in latex
    assert r"s_t = \mathrm{LSTM}\big(s_{t-1},\,[\,y_{t-1} ; c_t\,]\big)" in latex
    tr = seq2seq.decode(seq2seq.load(both_arrangements / "dates-lstm-bahdanau", device="cpu"), "9 May 2018")
    scores = next(d.value for d in at.dataframe if "score e" in d.value.columns)
    e, alpha = scores["score e"].to_numpy(float), scores["weight α"].to_numpy(float)
    np.testing.assert_allclose(e, tr.cross_scores[2, 0, 0], atol=1e-6)
    np.testing.assert_allclose(alpha, tr.cross_weights[2, 0, 0], atol=1e-6)
    np.testing.assert_allclose(scores["softmax(e), recomputed"].to_numpy(float), alpha, atol=1e-6)
    context = next(d.value for d in at.dataframe if "c_t (the model)" in d.value.columns)
    np.testing.assert_allclose(context["Σ α h (recomputed)"], context["c_t (the model)"], atol=1e-6)
    prev = next(d.value for d in at.dataframe if "sₜ₋₁" in d.value.columns)
    np.testing.assert_allclose(prev["sₜ₋₁"].to_numpy(float), tr.dec_states[1], atol=1e-6)
    # Luong's model says how it differs from the article
    at = start(INSIDE, model="dates-lstm-attn", text="9 May 2018")
    ok(at)
    assert "Luong's" in texts(at) and r"s_{t-1}, h_i" not in " ".join(x.value for x in at.latex)


def test_compare_puts_the_two_arrangements_side_by_side(both_arrangements):
    at = start(COMPARE, task="dates", archs="lstm-attn,lstm-bahdanau", text="9 May 2018")
    ok(at)
    assert [s.value for s in at.subheader][:2] == ["LSTM + attention (Luong)",
                                                   "LSTM + attention (Bahdanau, as in the article)"]
    assert len([f for f in charts(at) if heatmaps(f)]) == 2
