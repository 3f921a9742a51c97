"""Generated tasks: true alignments of dates and reversal, and disjoint splits."""

from __future__ import annotations

import datetime as dt

import pytest

from seq2seq.data import N_DATE_FORMATS, date_example, generate_dates, generate_reverse, load_task, reverse_example

MAY_9 = dt.date(2018, 5, 9)


def fmt_of(text):
    """The format number that writes 9 May 2018 as `text`."""
    return next(f for f in range(N_DATE_FORMATS) if date_example(MAY_9, f).src == text)


def test_numeric_date_output_digits_align_to_the_same_source_digits():
    ex = date_example(MAY_9, fmt_of("09.05.2018"))
    assert ex.tgt == "2018-05-09"
    assert ex.align[0] == (6,) and ex.src[6] == "2"  # the year's '2'
    assert [ex.src[i] for (i,) in (ex.align[j] for j in (0, 1, 2, 3, 5, 6, 8, 9))] == list("20180509")


def test_date_dashes_align_to_nothing():
    for fmt in range(N_DATE_FORMATS):
        ex = date_example(MAY_9, fmt)
        assert ex.align[4] == () and ex.align[7] == ()


def test_month_name_output_digits_align_to_the_whole_name():
    ex = date_example(MAY_9, fmt_of("9 May 2018"))
    may = ex.src.index("May")
    assert ex.align[5] == ex.align[6] == (may, may + 1, may + 2)


def test_short_day_output_digits_both_align_to_the_one_source_digit():
    ex = date_example(MAY_9, fmt_of("9 May 2018"))
    assert ex.align[8] == ex.align[9] == (0,)  # '0' and '9' of "09" come from "9"


def test_chinese_date_alignment():
    ex = date_example(MAY_9, fmt_of("2018年5月9日"))
    assert ex.align[:4] == ((0,), (1,), (2,), (3,))
    assert ex.align[5] == ex.align[6] == (ex.src.index("5"),)
    assert ex.align[8] == ex.align[9] == (ex.src.index("9"),)


@pytest.mark.parametrize("fmt", range(N_DATE_FORMATS))
def test_every_date_format_aligns_inside_the_source_and_digits_match(fmt):
    for d in (MAY_9, dt.date(1900, 1, 1), dt.date(2099, 12, 31), dt.date(2024, 11, 23)):
        ex = date_example(d, fmt)
        assert ex.tgt == d.isoformat()
        assert len(ex.align) == len(ex.tgt) == 10
        for j, span in enumerate(ex.align):
            assert all(0 <= i < len(ex.src) for i in span)
            if len(span) == 1 and ex.src[span[0]].isdigit():  # digit to digit, or the '0' that pads "9" to "09"
                assert ex.tgt[j] in (ex.src[span[0]], "0"), (ex.src, j)


def test_reverse_alignment_is_the_anti_diagonal():
    ex = reverse_example("abcde")
    assert ex.tgt == "edcba"
    assert ex.align == ((4,), (3,), (2,), (1,), (0,))
    assert all(ex.src[i] == ex.tgt[j] for j, (i,) in enumerate(ex.align))


def test_generation_is_deterministic_for_a_seed():
    assert generate_dates(20, seed=5) == generate_dates(20, seed=5)
    assert generate_reverse(20, seed=5) == generate_reverse(20, seed=5)
    assert generate_reverse(20, seed=5) != generate_reverse(20, seed=6)


def repeat_rate(examples):
    """Share of letters equal to the letter before them."""
    pairs = [(a, b) for e in examples for a, b in zip(e.src, e.src[1:])]
    return sum(a == b for a, b in pairs) / len(pairs)


def test_reverse_repeat_makes_runs_and_keeps_the_alignment():
    plain, runs = generate_reverse(2000, seed=5), generate_reverse(2000, seed=5, repeat=0.3)
    assert repeat_rate(plain) < 0.06  # 1/26 by chance
    assert repeat_rate(runs) > 0.25
    for e in runs[:50]:
        assert e == reverse_example(e.src)


def test_reverse_patterns_repeat_a_short_unit():
    examples = generate_reverse(300, seed=5, patterns=1.0)
    for e in examples:
        assert any(e.src == (e.src[:p] * 40)[: len(e.src)] for p in range(1, 27)), e.src
        assert e == reverse_example(e.src)
    assert any(len(set(e.src)) == 1 and len(e.src) > 5 for e in examples)  # "aaaaaa"
    assert any("abc" in e.src or "mno" in e.src or "xyz" in e.src for e in examples)  # the alphabet
    assert len({len(e.src) for e in examples}) > 30


def test_reverse_training_set_has_more_runs_than_dev_and_test():
    splits = load_task("reverse", train_size=3000)
    assert len(splits["train"]) == 3000
    assert repeat_rate(splits["train"]) > 0.1
    assert repeat_rate(splits["dev"]) < 0.06 and repeat_rate(splits["test"]) < 0.06


@pytest.mark.parametrize("task", ["dates", "reverse"])
def test_generated_train_dev_and_test_sets_are_disjoint(task):
    splits = load_task(task)
    train, dev, test = ({e.src for e in splits[name]} for name in ("train", "dev", "test"))
    assert train and dev and test
    assert not train & test
    assert not train & dev
    assert not dev & test


def test_unknown_task_raises():
    with pytest.raises(ValueError):
        load_task("klingon")


def test_date_names_are_english_and_the_c_locales_own():
    import calendar

    from seq2seq.data import MONTHS, MONTHS_ABBR, WEEKDAYS

    assert (MONTHS[4], MONTHS_ABBR[8], WEEKDAYS[2]) == ("May", "Sep", "Wednesday")
    assert (MONTHS, MONTHS_ABBR, WEEKDAYS) == (list(calendar.month_name)[1:], list(calendar.month_abbr)[1:],
                                               list(calendar.day_name))  # what the shipped models were trained on
