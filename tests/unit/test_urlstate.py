"""The address-bar codec (ui.urlstate.parse_view / to_query), without a Streamlit runtime."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import REPO
from ui.urlstate import View, ignored, parse_view, step_view, to_query

ZOO = {"dates": {"lstm": "dates-lstm", "lstm-attn": "dates-lstm-attn", "transformer": "dates-transformer"},
       "reverse": {"lstm-attn": "reverse-lstm-attn"}}


def test_a_model_name_sets_its_task_and_architecture():
    v = parse_view({"model": ["dates-transformer"], "text": ["9 May 2018"]}, ZOO)
    assert (v.model, v.task, v.arch, v.text) == ("dates-transformer", "dates", "transformer", "9 May 2018")


def test_an_unknown_model_sets_nothing():
    v = parse_view({"model": ["nonsense"]}, ZOO)
    assert v.model is None and v.task is None and v.arch is None


@pytest.mark.parametrize("name, value", [("step", "-1"), ("step", "x"), ("layer", "0"), ("layer", "65"),
                                         ("beam", "11"), ("temperature", "9"), ("head", "0"), ("head", "avg"),
                                         ("strategy", "telepathy"), ("kind", "sideways"), ("pos", "1e3")])
def test_bad_values_are_left_out(name, value):
    v = parse_view({name: [value]}, ZOO)
    assert getattr(v, name) is None


def test_values_are_read_and_typed():
    v = parse_view({"step": ["3"], "layer": ["2"], "head": ["mean"], "beam": ["4"], "temperature": ["0.75"],
                    "top_k": ["10"], "seed": ["7"], "gold": ["1"], "kind": ["decoder"], "pos": ["2"],
                    "strategy": ["sample"], "archs": ["lstm,bogus,transformer"], "task": ["reverse"]}, ZOO)
    assert (v.step, v.layer, v.head, v.beam, v.temperature, v.top_k, v.seed) == (3, 2, "mean", 4, 0.75, 10, 7)
    assert v.gold is True and v.kind == "decoder" and v.pos == 2 and v.strategy == "sample"
    assert v.archs == ("lstm", "transformer") and v.task == "reverse"
    assert parse_view({"gold": ["0"]}, ZOO).gold is False


def test_whatif_edits_keep_their_order_and_skip_malformed_ones():
    v = parse_view({"whatif": ["2:z", "nonsense", "x:y", "5:", "1:a:b"]}, ZOO)
    assert v.whatif == ((2, "z"), (1, "a:b"))


def test_single_values_may_be_plain_strings_and_the_last_repeat_wins():
    assert parse_view({"step": "4"}, ZOO).step == 4
    assert parse_view({"step": ["1", "6"]}, ZOO).step == 6


def test_text_is_cut_to_the_text_box_limit():
    assert len(parse_view({"text": ["a" * 5000]}, ZOO).text) == 1000


def test_to_query_round_trips_a_full_view():
    q = {"model": "dates-transformer", "text": "9 May 2018", "strategy": "beam", "step": "3", "beam": "4",
         "layer": "2", "head": "mean", "gold": "1", "kind": "cross", "pos": "1", "whatif": ["1:0", "3:5"]}
    assert to_query(parse_view(q, ZOO)) == q


def test_to_query_leaves_out_what_is_not_set():
    assert to_query(View()) == {}
    assert to_query(View(task="dates", archs=("lstm",), text="")) == {"task": "dates", "archs": "lstm"}


def test_step_view_counts_layers_and_heads_from_one_and_leaves_out_the_only_layer():
    v = step_view("dates-transformer", "x", "sample", {"temperature": 0.5, "top_k": 0, "seed": 1}, step=2,
                  layer_head=(0, None), gold=True, edits=[(1, "a")])
    assert (v.layer, v.head, v.temperature, v.top_k, v.seed, v.gold, v.whatif) == (1, "mean", 0.5, 0, 1, True,
                                                                                  ((1, "a"),))
    rnn = step_view("dates-lstm-attn", "x", "greedy", {}, layer_head=(-1, None))
    assert rnn.layer is None and rnn.head is None and rnn.gold is None


def test_importing_the_ui_package_runs_nothing():
    """No module of ui/ calls Streamlit at import time (that warns outside a script run)."""
    mods = "compat keys urlstate shell models session widgets shared figures tables text".split()
    code = "import ui\n" + "".join(f"import ui.{m}\n" for m in mods)
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "ScriptRunContext" not in out.stderr and "Warning" not in out.stderr, out.stderr


def test_ignored_names_every_value_the_view_left_out():
    zoo = {"dates": {"lstm": "dates-lstm"}}
    query = {"model": "dates-lstm", "step": "abc", "beam": "10000", "temperature": "nan", "whatif": ["1:a", "x:y"],
             "strategy": "magic", "archs": "lstm,gru", "colour": "red", "lang": "zh", "present": "1",
             "text": "a" * 1200, "head": "99", "kind": "weird", "gold": "1"}
    assert ignored(query, parse_view(query, zoo)) == [
        "step=abc", "beam=10000", "temperature=nan", "whatif=x:y", "strategy=magic", "archs=gru", "colour=red",
        "text=… (1200 > 1000)", "head=99", "kind=weird"]


def test_a_good_link_has_nothing_ignored():
    zoo = {"dates": {"lstm": "dates-lstm"}}
    query = to_query(View(model="dates-lstm", text="9 May", strategy="beam", beam=4, step=2, whatif=((1, "x"),)))
    assert ignored(query, parse_view(query, zoo)) == []
