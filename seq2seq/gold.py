"""The true alignment of typed text, for the generated tasks (dates, reverse).

A model's attention can be held against it: the generator knows where each output
character comes from, so typed text it could have written is regenerated and its
alignment read off. en-zh has no true alignment.

    gold = gold_alignment(trace.task, trace.src_tokens)   # Gold(target, matrix (G, src), note)
    gold_overlap(cross_matrix(trace), gold.matrix)        # share of attention on the true positions
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np

from .data import MONTHS, MONTHS_ABBR, N_DATE_FORMATS, WEEKDAYS, Example, date_example, reverse_example
from .i18n import _
from .tokenize import EOS


@dataclass(frozen=True)
class Gold:
    """The true output of a typed input and where each output token comes from.

    target  the true output (e.g. "2018-05-09"), or None where it cannot be known
    matrix  (len(target), S) array, 1.0 where output token j comes from source token i;
            rows of tokens that copy nothing (the '-' of a date) are all 0. None if unknown.
    note    one sentence: where the alignment comes from, or why there is none (in the
            current language)
    """

    target: str | None
    matrix: np.ndarray | None
    note: str

    @property
    def known(self) -> bool:
        return self.matrix is not None


def _written(date: dt.date) -> str:
    """'9 May 2018': the day without a leading zero, the month in English, on any platform
    and in any locale (strftime's no-padding dash flag is glibc's, and its month follows the locale)."""
    return f"{date.day} {MONTHS[date.month - 1]} {date.year}"


def parse_date(text: str):
    """(Example, remark): the `seq2seq.data.date_example` that generates exactly `text`
    (case and runs of spaces ignored), trying every date the numbers and month names in it
    allow and every generator format; None if the generator cannot write this text.

    A wrong weekday ("Tuesday, 9 May 2018": it was a Wednesday) is accepted, with the
    positions shifted and the remark saying so: the model never saw one, but the
    alignment of the digits is still known."""
    norm = " ".join(text.split())
    low = norm.lower()
    numbers = re.findall(r"\d+", norm)
    years = {int(n) for n in numbers if len(n) == 4}
    small = {int(n) for n in numbers if len(n) <= 2}
    months = {m for m in small if 1 <= m <= 12}
    months |= {i + 1 for i, (name, abbr) in enumerate(zip(MONTHS, MONTHS_ABBR))
               if name.lower() in low or abbr.lower() in low}
    days = [name.lower() for name in WEEKDAYS] + [name[:3].lower() for name in WEEKDAYS]
    for year in sorted(years):
        for month in sorted(months):
            for day in sorted(small):
                try:
                    date = dt.date(year, month, day)
                except ValueError:
                    continue
                for fmt in range(N_DATE_FORMATS):
                    ex = date_example(date, fmt)
                    src = ex.src.lower()
                    if src == low:
                        return ex, ""
                    true_day = next((d for d in days if src.startswith(d)), None)
                    typed_day = next((d for d in sorted(days, key=len, reverse=True) if low.startswith(d)), None)
                    if true_day and typed_day and len(typed_day) >= 3 and low[len(typed_day):] == src[len(true_day):] \
                            and (len(true_day) == 3) == (len(typed_day) == 3):
                        shift = len(typed_day) - len(true_day)
                        align = tuple(tuple(i + shift for i in a) for a in ex.align)
                        return (Example(norm, ex.tgt, align),
                                _("{date} was a {weekday}: the weekday is ignored").format(
                                    date=_written(date), weekday=WEEKDAYS[date.weekday()]))
    return None


def gold_alignment(task: str, src_tokens: list[str]) -> Gold:
    """True alignment for typed text of the generated tasks, rebuilt by regenerating
    the example: reverse (output j <- source n-1-j) and dates (parsed with the
    generator's own formats). `src_tokens` is trace.src_tokens (ending in "</s>")."""
    tokens = list(src_tokens[:-1]) if src_tokens and src_tokens[-1] == EOS else list(src_tokens)
    S = len(tokens) + 1
    if task == "reverse":
        if not tokens or any(len(t) != 1 for t in tokens):
            return Gold(None, None, _("the reverse task reads single letters"))
        ex = reverse_example("".join(tokens))
        note = _("reverse: output letter j copies source letter n-1-j")
    elif task == "dates":
        # The date tokenizer is character-level with spaces kept, so the joined tokens are
        # the text the model read, and source positions are character positions.
        found = parse_date("".join(tokens)) if all(len(t) == 1 for t in tokens) else None
        if found is None or len(found[0].src) != len(tokens):
            return Gold(None, None, _("this text is not in one of the 12 date formats the data generator "
                                      "writes, so its true alignment is unknown"))
        ex, remark = found
        note = (_("dates: each ISO digit comes from the day, month or year it encodes ({remark})").format(remark=remark)
                if remark else _("dates: each ISO digit comes from the day, month or year it encodes"))
    else:
        return Gold(None, None, _("no known alignment for the {task} task: only the generated tasks (dates, reverse) "
                                  "have one").format(task=task or _("unknown")))
    m = np.zeros((len(ex.align), S), dtype=np.float32)  # (G, S)
    for j, positions in enumerate(ex.align):
        m[j, list(positions)] = 1.0
    m.setflags(write=False)
    return Gold(ex.tgt, m, note)


def gold_overlap(weights: np.ndarray, gold: np.ndarray) -> float | None:
    """Share of attention mass that falls on the true source positions, averaged over
    output steps that have a true position (rows compared up to the shorter length)."""
    n = min(len(weights), len(gold))
    rows = [j for j in range(n) if gold[j].any()]
    if not rows:
        return None
    return float(np.mean([weights[j][gold[j] > 0].sum() for j in rows]))


# --- inputs unlike the training data ----------------------------------------------------------

EXAMPLE_DATE = dt.date(2018, 12, 21)  # a month whose short name differs from its long one
YEARS = (1900, 2099)  # the generator's dates (seq2seq.data.generate_dates)


THRESHOLD = 0.5  # a thresholded link: the step puts at least half its weight on the token


def alignment_scores(weights: np.ndarray, gold: np.ndarray, threshold: float = THRESHOLD) -> dict:
    """Attention as an aligner, against the true alignment (Och & Ney 2003, every gold link
    "sure"): {"argmax" | "threshold": {"precision", "recall", "aer"}}. weights (T, S) one
    attention matrix; gold (G, S). Rows are compared up to the shorter; a gold row that copies
    nothing (the '-' of a date) is left out, and so is the attention of that step. AER =
    1 - 2|A ∩ G| / (|A| + |G|): 0 when attention links exactly the gold cells, 1 when it
    links none of them. None where no gold link is compared."""
    w, g = np.asarray(weights, dtype=float), np.asarray(gold) > 0
    n = min(len(w), len(g))
    rows = [t for t in range(n) if g[t].any()]
    if not rows:
        return {"argmax": None, "threshold": None}
    w, g = w[rows, : g.shape[1]], g[rows, : w.shape[1]]
    links = {"argmax": np.eye(w.shape[1], dtype=bool)[w.argmax(1)], "threshold": w >= threshold}
    out = {}
    for name, a in links.items():
        hit, na, ng = int((a & g).sum()), int(a.sum()), int(g.sum())
        out[name] = {"precision": hit / na if na else 0.0, "recall": hit / ng,
                     "aer": 1.0 - 2.0 * hit / (na + ng)}
    return out


def date_formats() -> list[str]:
    """The generator's formats, each written out for one date (EXAMPLE_DATE)."""
    return [date_example(EXAMPLE_DATE, fmt).src for fmt in range(N_DATE_FORMATS)]


def unlike_training(task: str, text: str) -> str | None:
    """A sentence saying how `text` differs from everything the task's models were trained on
    (in the current language), or None when it is like the training data (or the task is
    open, like en-zh). The models still answer; this says why the answer may be wrong."""
    text = " ".join(str(text).split())
    if not text:
        return None
    if task == "reverse" and not re.fullmatch(r"[a-z]{1,40}", text):
        if re.fullmatch(r"[a-z]+", text):
            return _("The reverse models were trained on 1 to 40 lowercase letters a–z; this input is longer than "
                     "40 letters.")
        return _("The reverse models were trained on 1 to 40 lowercase letters a–z; this input is not only "
                 "lowercase letters a–z.")
    if task == "dates":
        found = parse_date(text)
        if found is None:
            return _("This input matches none of the {n} formats the date models were trained on: "
                     "{formats}.").format(n=N_DATE_FORMATS, formats="; ".join(date_formats()))
        year = int(found[0].tgt[:4])
        if not YEARS[0] <= year <= YEARS[1]:
            return _("The date models were trained on dates from {first} to {last}; this one is in {year}.").format(
                first=YEARS[0], last=YEARS[1], year=year)
    return None
