"""The true alignment of typed text: regenerated for reverse and every date format, with
a wrong weekday accepted and said in plain, portable words; unknown otherwise."""

import datetime as dt

import numpy as np
import pytest

from seq2seq.data import date_example, reverse_example
from seq2seq.gold import gold_alignment, gold_overlap, parse_date


def positions(gold):
    return [tuple(np.nonzero(r)[0]) for r in gold.matrix]


def test_reverse_matches_the_generator():
    gold = gold_alignment("reverse", list("hello") + ["</s>"])
    assert gold.target == "olleh"
    assert positions(gold) == [tuple(a) for a in reverse_example("hello").align]
    assert gold.matrix.shape == (5, 6)  # the source's "</s>" is a column too
    assert not gold.matrix.flags.writeable


@pytest.mark.parametrize("fmt", range(12))
def test_dates_regenerate_every_format(fmt):
    ex = date_example(dt.date(1987, 3, 14), fmt)
    gold = gold_alignment("dates", list(" ".join(ex.src.split())) + ["</s>"])
    assert gold.target == "1987-03-14"
    assert positions(gold) == [tuple(a) for a in ex.align]


def test_a_wrong_weekday_is_accepted_and_named_without_strftime():
    ex, remark = parse_date("Tuesday, 9 May 2018")  # a Wednesday
    assert ex.tgt == "2018-05-09"
    assert remark == "9 May 2018 was a Wednesday: the weekday is ignored"  # "9", not "09" (no glibc %-d)
    gold = gold_alignment("dates", list("Tuesday, 9 May 2018") + ["</s>"])
    assert gold.known and "was a Wednesday" in gold.note
    assert np.nonzero(gold.matrix[0])[0].tolist() == [15]  # the '2' of 2018, after the longer weekday


@pytest.mark.parametrize("task,text", [("dates", "next tuesday"), ("dates", "31 February 2018"), ("reverse", ""),
                                       ("en-zh", "i like tea"), ("", "abc")])
def test_unknown_alignments(task, text):
    gold = gold_alignment(task, list(text) + ["</s>"])
    assert not gold.known and gold.target is None and gold.note


def test_gold_overlap_is_the_attention_mass_on_the_true_positions():
    gold = gold_alignment("reverse", list("ab") + ["</s>"]).matrix  # rows: b <- 1, a <- 0
    weights = np.array([[0.2, 0.8, 0.0], [0.5, 0.5, 0.0]])
    assert gold_overlap(weights, gold) == pytest.approx((0.8 + 0.5) / 2)
    assert gold_overlap(weights[:1], gold) == pytest.approx(0.8)  # rows up to the shorter
    assert gold_overlap(weights, np.zeros((2, 3))) is None


def test_the_library_uses_no_glibc_only_strftime_flags():
    """'%-d' (no leading zero) is glibc's: Windows' strftime rejects it, macOS's differs."""
    import re
    from pathlib import Path

    import seq2seq

    package = Path(seq2seq.__file__).resolve().parent
    offenders = [f"{p.name}:{n}" for p in sorted(package.rglob("*.py"))
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                 if re.search(r"%-[a-zA-Z]", line)]
    assert offenders == []
