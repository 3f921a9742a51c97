"""Training in the app's background worker (seq2seq.jobs): its own process, progress events in
order, the model saved where every page finds it, a queue of one, and cancel within 2 s."""

from __future__ import annotations

import time

import pytest

import seq2seq
from seq2seq import jobs


def wait(job, states, timeout=240):
    end = time.time() + timeout
    while time.time() < end:
        s = jobs.status(job)
        if s["state"] in states:
            return s
        time.sleep(0.2)
    log = jobs._tail(jobs.folder_of(job) / "worker.log", 20)
    raise AssertionError(f"job {job} still {jobs.status(job)} after {timeout} s: {log}")


@pytest.fixture
def user_models(tmp_path, monkeypatch):
    monkeypatch.setenv("ATTENTION_LAB_USER_MODELS", str(tmp_path / "user_models"))
    return tmp_path / "user_models"


def test_a_job_trains_in_its_own_process_and_the_next_one_waits(user_models):
    first = jobs.submit(jobs.JobSpec(task="reverse", arch="lstm-attn", minutes=0.25, name="my-reverse", probe="abc"))
    second = jobs.submit(jobs.JobSpec(task="reverse", arch="lstm", minutes=0.25, name="my-plain"))
    wait(first, ("running",))
    later = jobs.status(second)
    assert later["state"] == "waiting" and later["place"] == 1  # one job at a time: it waits its turn
    assert wait(first, ("done", "failed"))["state"] == "done"

    evs = jobs.events(first)
    kinds = [e["event"] for e in evs]
    assert kinds[0] == "start" and kinds[-1] in ("done", "probe") and "done" in kinds and "epoch" in kinds
    steps = [e["step"] for e in evs if e["event"] == "step"]
    assert steps and steps == sorted(steps) and len(set(steps)) == len(steps)
    seconds = [e["seconds"] for e in evs if e["event"] == "step"]
    assert seconds == sorted(seconds) and seconds[-1] <= 0.25 * 60 + 10  # the budget stops it within an epoch
    probe = next(e for e in evs if e["event"] == "probe")
    assert probe["src"][:3] == ["a", "b", "c"] and len(probe["attention"]) == len(probe["tgt"])

    model = seq2seq.load("my-reverse", device="cpu")  # found by name, in the user-models folder
    assert (user_models / "my-reverse" / "config.json").is_file()
    assert seq2seq.read_config("my-reverse")["user_trained"]["task"] == "reverse"
    assert seq2seq.decode(model, "abc").steps >= 1
    assert "my-reverse" in seq2seq.checkpoint.available_user()

    wait(second, ("running",))
    t0 = time.time()
    assert jobs.cancel(second)["state"] == "cancelled"
    assert time.time() - t0 < 2.0
    assert not jobs._alive(jobs.folder_of(second))


def test_a_bad_spec_is_refused_before_anything_starts(user_models):
    for spec, words in [(jobs.JobSpec("en-zh", "lstm", 1, "x"), "not 'en-zh'"),
                        (jobs.JobSpec("reverse", "gru", 1, "x"), "unknown architecture"),
                        (jobs.JobSpec("reverse", "lstm", 60, "x"), "time budget"),
                        (jobs.JobSpec("reverse", "lstm", 1, "Bad Name"), "lower-case"),
                        (jobs.JobSpec("reverse", "lstm", 1, "dates-lstm"), "shipped model"),
                        (jobs.JobSpec("pairs", "lstm", 1, "x"), "needs its file")]:
        with pytest.raises(ValueError, match=words):
            jobs.submit(spec)
    assert jobs.all_jobs() == []
