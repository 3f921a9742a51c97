"""metrics.json and train_log.jsonl flattened for the app's tables and charts, defensively."""

import pytest

from seq2seq.reports import by_length, metric_summary, training_curves


def test_metric_summary_names_and_rounds_the_known_metrics_in_order():
    summary = metric_summary({"metrics": {"n": 2000, "exact": 99.95, "bleu": 31.26, "chrf": 40.04,
                                          "token_acc": 99.99, "align_acc": 87.5}})
    assert summary == ("BLEU 31.3 · chrF 40.0 · exact 100.0 % · token acc. 100.0 % · alignment acc. 87.5 % · "
                       "n = 2,000")
    assert metric_summary({"metrics": {"bleu": 23.456, "note": "x", "speed_up": 1.5}}) == "BLEU 23.5 · speed up 1.5"


@pytest.mark.parametrize("metrics", [None, [], {"metrics": "x"}, {"metrics": {"bleu": True}},
                                     {"metrics": {"bleu": float("nan")}}, {"metrics": {"bleu": 10 ** 400}}])
def test_metric_summary_of_nothing_usable_is_empty(metrics):
    assert metric_summary(metrics) == ""


def test_by_length_keeps_the_good_rows_of_one_metric():
    name, rows = by_length({"by_length": [{"bucket": "1-4", "n": 10, "bleu": 30.0}, {"oops": 1}, "junk",
                                          {"bucket": "5-7", "bleu": "high"}, {"bucket": "11+", "n": 2, "bleu": 9}]})
    assert name == "bleu" and rows == [("1-4", 30.0, 10), ("11+", 9.0, 2)]
    assert by_length({"by_length": "nope"}) == (None, []) and by_length(None) == (None, [])


def test_training_curves_skip_rows_without_an_epoch():
    log = [{"epoch": 1, "train_loss": 2.0, "dev_exact": 10.0}, {"note": "resumed"}, "junk",
           {"epoch": 2, "train_loss": "?", "dev_exact": 60.0}]
    assert training_curves(log) == ([1, 2], [2.0, None], "dev_exact", [10.0, 60.0])
    assert training_curves(None) == ([], [], None, None)
