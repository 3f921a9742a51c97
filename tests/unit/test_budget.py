"""The work budget (seq2seq.budget): every setting past its limit is a ValueError naming it,
a decode stops at its work limit and says so, and the app's process-wide trace store stays
within its bounds (issue 13)."""

from __future__ import annotations

import math
import threading

import pytest
from conftest import tiny_model

import seq2seq
from seq2seq import budget
from seq2seq.budget import MAX_BEAM, MAX_STEPS, MAX_TARGET_TOKENS, step_work
from ui.session import SharedStore

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TEXT = "Tuesday, 9 May 2018"


@pytest.fixture(scope="module")
def model():
    return tiny_model("transformer")


@pytest.mark.parametrize("setting, value, named", [
    ("beam", MAX_BEAM + 1, "beam"), ("beam", 0, "beam"), ("beam", 10_000, "beam"),
    ("temperature", math.nan, "temperature"), ("temperature", math.inf, "temperature"),
    ("temperature", 1e-300, "temperature"), ("temperature", 0.0, "temperature"), ("temperature", -1.0, "temperature"),
    ("top_k", -5, "top-k"), ("max_len", 0, "max_len"), ("max_len", -5, "max_len"),
    ("max_len", MAX_STEPS + 1, "max_len"), ("k", 0, "k "),
])
def test_a_setting_past_its_limit_is_a_value_error_naming_it(model, setting, value, named):
    strategy = "beam" if setting == "beam" else "sample" if setting in ("temperature", "top_k") else "greedy"
    with pytest.raises(ValueError, match=named):
        seq2seq.decode(model, TEXT, strategy, **{setting: value})


def test_the_limits_themselves_are_allowed(model):
    assert seq2seq.decode(model, TEXT, "beam", beam=MAX_BEAM, max_len=3).steps <= 3
    assert seq2seq.decode(model, TEXT, "sample", temperature=budget.MIN_TEMPERATURE, top_k=0, max_len=2).steps <= 2
    assert seq2seq.decode(model, TEXT, max_len=1).steps == 1


def test_a_forced_target_past_the_limit_is_refused(model):
    with pytest.raises(ValueError, match=str(MAX_TARGET_TOKENS)):
        seq2seq.decode(model, TEXT, "forced", target="1" * (MAX_TARGET_TOKENS + 5))


def test_the_work_of_a_decode_is_counted_step_by_step(model):
    trace = seq2seq.decode(model, TEXT, max_len=7)
    S = len(trace.src_tokens)
    assert trace.work == sum(step_work(S, t, 1) for t in range(trace.steps))


def test_a_decode_stops_at_its_work_limit_and_says_so(model):
    full = seq2seq.decode(model, TEXT, "beam", beam=4, max_len=12)
    S = len(full.src_tokens)
    limit = step_work(S, 0, 1) + step_work(S, 1, 4) + step_work(S, 2, 4) + 1  # room for 3 steps
    cut = seq2seq.decode(model, TEXT, "beam", beam=4, max_len=12, max_work=limit)
    assert cut.work <= limit and cut.steps <= 3
    if not full.finished or full.steps > 3:
        assert cut.stopped == "budget" and not cut.finished
        again = seq2seq.Trace.from_dict(cut.to_dict())
        assert (again.stopped, again.work) == ("budget", cut.work)
    assert "budget" in seq2seq.trace.STOPS


def test_a_what_if_inherits_the_budget_checks(model):
    trace = seq2seq.decode(model, TEXT, max_len=5)
    with pytest.raises(ValueError, match="beam"):
        seq2seq.whatif(model, trace, 0, trace.tgt_tokens[0], beam=MAX_BEAM + 1)


# --- the app's trace store ------------------------------------------------------------

def test_the_store_bounds_each_session_in_entries_and_bytes():
    store = SharedStore(max_bytes=10_000, session_entries=3, session_bytes=500)
    for i in range(5):
        store.put(("a", i), f"trace {i}", 100, owner="a")
    assert store.stats() == {"entries": 3, "bytes": 300, "sessions": 1, "made": 5}
    assert store.get(("a", 0)) is None and store.get(("a", 4)) == "trace 4"
    store.put(("a", "big"), "big", 450, owner="a")  # 450 + the newest others > 500: older ones go
    assert store.get(("a", "big")) == "big" and store.stats()["bytes"] <= 500


def test_the_store_bounds_the_whole_process_in_bytes():
    store = SharedStore(max_bytes=1_000, session_entries=32, session_bytes=10_000)
    for owner in "abcdefghij":
        store.put((owner,), owner, 300, owner=owner)
    assert store.stats()["bytes"] <= 1_000 and store.get(("j",)) == "j" and store.get(("a",)) is None


def test_a_session_finds_what_another_decoded_and_one_copy_is_kept():
    store = SharedStore(max_bytes=1_000, session_entries=4, session_bytes=1_000)
    first = store.put(("link",), "first", 100, owner="teacher")
    assert store.put(("link",), "second", 100, owner="student") == first  # a race: one value wins
    assert store.get(("link",)) == "first" and store.stats()["entries"] == 1


def test_the_store_is_safe_from_many_threads():
    store = SharedStore(max_bytes=5_000, session_entries=8, session_bytes=2_000)

    def work(owner):
        for i in range(300):
            store.put((owner, i % 20), i, 50 + i % 7, owner=owner)
            store.get((owner, (i * 7) % 20))

    threads = [threading.Thread(target=work, args=(f"s{n}",)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    s = store.stats()
    assert s["bytes"] <= 5_000 and s["entries"] <= 8 * 8
    assert s["bytes"] == sum(n for _v, n, _o in store._items.values())
