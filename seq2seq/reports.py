"""metrics.json and train_log.jsonl as the app's tables and charts show them: summaries
that read any dict defensively (a missing or malformed part gives an empty result).

    metric_summary(read_metrics(name))   # 'BLEU 37.8 · chrF 32.4 · exact 12.1 % · n = 1,629'
    by_length(read_metrics(name))        # ('bleu', [('1-4', 43.8, 364), ...])
    training_curves(rows)                # epochs, train losses, dev metric name, dev values
"""

from __future__ import annotations

import math

from .i18n import DEFAULT, N_, _, current

METRIC_KEYS = ("bleu", "exact", "chrf", "token_acc", "accuracy", "token_accuracy")  # by_length value, first found


def _number(v) -> bool:
    """A finite number that float() takes (a bool or a 400-digit integer is not)."""
    try:
        return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
    except OverflowError:
        return False


# metrics.json's metrics as the model zoo names them (words: N_, shown through _()); True: a percentage (0-100)
METRIC_NAMES = {"bleu": ("BLEU", False), "chrf": ("chrF", False), "exact": (N_("exact"), True),
                "token_acc": (N_("token acc."), True), "align_acc": (N_("alignment acc."), True)}


def dev_name(key: str) -> str:
    """A train log's dev column ("dev_bleu", "dev_exact") as a label: as the log names it in
    English ("dev bleu"), by the metric's own name in another language (开发集 BLEU, 开发集 完全匹配率)."""
    metric = key.removeprefix("dev_")
    if current() != DEFAULT:
        metric = _(METRIC_NAMES.get(metric, (metric, False))[0])
    return _("dev {metric}").format(metric=metric)


def metric_summary(metrics: dict | None) -> str:
    """'BLEU 23.4 · chrF 41.0 · exact 12.5 % · n = 2,000' from a metrics.json dict (its
    metrics in percent, n the number of test examples); '' when there is nothing. The
    metrics' names are in the current language."""
    if not isinstance(metrics, dict):
        return ""
    m = metrics.get("metrics", metrics)
    if not isinstance(m, dict):
        return ""
    known = [k for k in METRIC_NAMES if _number(m.get(k))]
    other = [k for k, v in m.items() if k not in METRIC_NAMES and k != "n" and _number(v)]
    parts = []
    for k in known:
        name, percent = METRIC_NAMES[k]
        parts.append(f"{_(name)} {float(m[k]):.1f}" + (" %" if percent else ""))
    parts += [f"{k.replace('_', ' ')} {float(m[k]):.3g}" for k in other]
    if _number(m.get("n")):
        parts.append(f"n = {int(round(float(m['n']))):,}")
    return " · ".join(parts)


def by_length(metrics: dict | None) -> tuple[str | None, list[tuple[str, float, int | None]]]:
    """(metric name, [(bucket, value, n), ...]) from metrics.json's `by_length`; (None, [])
    when missing or malformed."""
    rows = metrics.get("by_length") if isinstance(metrics, dict) else None
    if not isinstance(rows, list):
        return None, []
    name, out = None, []
    for r in rows:
        if not isinstance(r, dict) or "bucket" not in r:
            continue
        key = name or next((k for k in METRIC_KEYS if _number(r.get(k))), None)
        if key is None or not _number(r.get(key)):
            continue
        name = key
        out.append((str(r["bucket"]), float(r[key]), r.get("n") if _number(r.get("n")) else None))
    return name, out


def training_curves(log) -> tuple[list, list, str | None, list | None]:
    """(epochs, train losses, dev metric name, dev values) from train_log.jsonl rows
    ({"epoch", "train_loss", "dev_bleu" or "dev_exact", ...}); rows without an epoch are
    skipped, a missing value is None."""
    rows = [r for r in log or [] if isinstance(r, dict) and _number(r.get("epoch"))]
    dev_key = next((k for r in rows for k in r if k.startswith("dev_") and _number(r.get(k))), None)
    epochs = [r["epoch"] for r in rows]
    loss = [r.get("train_loss") if _number(r.get("train_loss")) else None for r in rows]
    dev = [r.get(dev_key) if _number(r.get(dev_key)) else None for r in rows] if dev_key else None
    return epochs, loss, dev_key, dev
