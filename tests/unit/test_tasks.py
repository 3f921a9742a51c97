"""Task labels, data credits and length buckets: one place each, used by data, evaluate and the card."""

import pytest

from seq2seq import data, evaluate
from seq2seq.tasks import BUCKETS, CREDITS, LABELS, TASKS, TITLES, bucket_name, data_credit, source_length


def test_every_task_has_a_label_a_title_and_buckets():
    assert set(LABELS) == set(TITLES) == set(BUCKETS) == set(TASKS)
    assert data.TASKS is TASKS and evaluate.BUCKETS is BUCKETS  # imported, not copied


@pytest.mark.parametrize("task", TASKS)
def test_buckets_are_ordered_and_leave_no_gap(task):
    buckets = BUCKETS[task]
    assert buckets[0][0] == 1
    assert all(hi + 1 == lo for (_, hi), (lo, _) in zip(buckets, buckets[1:]))


def test_bucket_names_and_source_lengths():
    assert [bucket_name(*b) for b in BUCKETS["en-zh"]] == ["1-4", "5-7", "8-10", "11+"]
    assert source_length("en-zh", "I like green tea .") == 5  # words
    assert source_length("dates", "9 May 2018") == 10  # characters


def test_data_credit_of_the_tatoeba_corpus_names_the_licence_and_file():
    credit = data_credit({"task": "en-zh", "data": "../shared/data/cmn-eng.tsv", "data_sha256": "ab12"})
    assert credit.startswith(CREDITS["cmn-eng.tsv"])
    assert "[Tatoeba](https://tatoeba.org)" in credit and "CC-BY 2.0 France" in credit
    assert credit.endswith("Corpus file `cmn-eng.tsv`, sha256 `ab12`.")


@pytest.mark.parametrize("info,expected", [
    ({"task": "dates", "data": "generated (dates)"}, "**Generated** by this project"),
    ({"task": "en-zh", "data": "my`corpus.tsv"}, "Data: `my'corpus.tsv`."),
    ({"task": "en-zh"}, "The checkpoint does not say"),
    ({"task": "en-zh", "data": ["cmn-eng.tsv"]}, "The checkpoint does not say"),
])
def test_data_credit_of_other_data(info, expected):
    assert data_credit(info).startswith(expected)
