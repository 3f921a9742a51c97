"""Corpora: Tatoeba English->Chinese with its fixed split, and the two generated
tasks whose true alignment is known (dates, reverse). The tasks' labels, credits and
length buckets are in seq2seq.tasks.

An `Example` is (src, tgt, align); `align[j]` lists the source token positions
output token j comes from (empty where no source token does, e.g. '-' in a
date), or `align` is None where the alignment is unknown (en-zh).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import random
from dataclasses import dataclass
from pathlib import Path

from .tasks import TASKS

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "cmn-eng.tsv"


@dataclass(frozen=True)
class Example:
    src: str
    tgt: str
    align: tuple[tuple[int, ...], ...] | None = None
    augmented: bool = False  # made by this project from a corpus pair (seq2seq.names), training only


def find_corpus(path: str | os.PathLike | None = None) -> Path | None:
    """The en-zh corpus: `path`, else $ATTENTION_LAB_DATA, else ../shared/data/cmn-eng.tsv."""
    for p in (path, os.environ.get("ATTENTION_LAB_DATA"), DEFAULT_DATA):
        if p:
            p = Path(p)
            if p.is_dir():
                p = p / "cmn-eng.tsv"
            if p.is_file():
                return p
    return None


def sha256(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def split_of(english: str) -> str:
    """The fixed split of ../shared/data/README.md, by a hash of the English sentence."""
    h = int(hashlib.sha1(english.strip().encode("utf-8")).hexdigest(), 16) % 20
    return "test" if h == 0 else "dev" if h == 1 else "train"


def to_simplified(text: str) -> str:
    import opencc  # imported lazily: only en-zh data needs it

    global _CONVERTER
    if _CONVERTER is None:
        _CONVERTER = opencc.OpenCC("t2s.json")
    return _CONVERTER.convert(text)


_CONVERTER = None


def load_tatoeba(path) -> dict[str, list[Example]]:
    """Read cmn-eng.tsv (English TAB Chinese TAB attribution) into the fixed
    train / dev / test split, the Chinese side converted to Simplified."""
    splits: dict[str, list[Example]] = {"train": [], "dev": [], "test": []}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 2:
                raise ValueError(f"{path}:{n}: expected 'English<TAB>Chinese', got {line[:60]!r}")
            splits[split_of(cols[0])].append(Example(cols[0].strip(), to_simplified(cols[1].strip())))
    return splits


# --- any sentence pairs (a TSV the user brings) ---------------------------------------

MAX_PAIRS_BYTES = 10 << 20  # a pairs file larger than this is refused
MIN_PAIRS = 50  # fewer leave no dev or test pairs to score


class PairsError(ValueError):
    """What is wrong with a pairs file, naming the first bad line."""


def read_pairs(data, name: str = "pairs") -> list[Example]:
    """A TSV of sentence pairs, `source<TAB>target` per line (a third column, such as Tatoeba's
    attribution, is ignored; blank lines are skipped): a path or the file's bytes. PairsError
    (one sentence naming the first bad line) for a file over 10 MB, not UTF-8, or a line
    without two non-empty columns."""
    if isinstance(data, (bytes, bytearray)):
        raw = bytes(data)
    else:
        path = Path(data)
        name = path.name
        if not path.is_file():
            raise PairsError(f"{name}: no such file")
        if path.stat().st_size > MAX_PAIRS_BYTES:
            raise PairsError(f"{name} is {path.stat().st_size / 2**20:.1f} MB: at most {MAX_PAIRS_BYTES >> 20} MB")
        raw = path.read_bytes()
    if len(raw) > MAX_PAIRS_BYTES:
        raise PairsError(f"{name} is {len(raw) / 2**20:.1f} MB: at most {MAX_PAIRS_BYTES >> 20} MB")
    pairs = []
    for n, line in enumerate(raw.split(b"\n"), 1):
        try:
            text = line.decode("utf-8").rstrip("\r")
        except UnicodeDecodeError:
            raise PairsError(f"{name}, line {n}: not UTF-8 text") from None
        if n == 1:
            text = text.removeprefix("\ufeff")
        if not text.strip():
            continue
        cols = text.split("\t")
        if len(cols) < 2 or not cols[0].strip() or not cols[1].strip():
            raise PairsError(f"{name}, line {n}: expected two tab-separated columns (source, target), got "
                             f"{text[:50]!r}")
        pairs.append(Example(cols[0].strip(), cols[1].strip()))
    if len(pairs) < MIN_PAIRS:
        raise PairsError(f"{name} has {len(pairs)} pairs: at least {MIN_PAIRS} are needed (training, dev and test)")
    return pairs


def split_pairs(pairs: list[Example]) -> dict[str, list[Example]]:
    """The fixed split of the Tatoeba corpus (split_of, by the source sentence) for any pairs."""
    splits: dict[str, list[Example]] = {"train": [], "dev": [], "test": []}
    for e in pairs:
        splits[split_of(e.src)].append(e)
    for name in ("dev", "test"):  # a small corpus can leave one empty: lend it the last training pairs
        if not splits[name]:
            splits[name].append(splits["train"].pop())
    return splits


# --- dates -------------------------------------------------------------------

# English names, whatever the locale (calendar.month_name follows LC_TIME): the generated data never changes.
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
MONTHS_ABBR = [m[:3] for m in MONTHS]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _ordinal(n: int) -> str:
    return "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


def _date_pieces(d: dt.date, fmt: int) -> list[tuple[str, str | None]]:
    """A human-readable date as (text, field) pieces; field is year/month/day or None."""
    Y, M, D = str(d.year), MONTHS[d.month - 1], str(d.day)
    W, Ma, th = WEEKDAYS[d.weekday()], MONTHS_ABBR[d.month - 1], _ordinal(d.day)
    mm, dd = f"{d.month:02d}", f"{d.day:02d}"
    return [
        [(W, None), (", ", None), (D, "day"), (" ", None), (M, "month"), (" ", None), (Y, "year")],
        [(M, "month"), (" ", None), (D, "day"), (th + ", ", None), (Y, "year")],
        [(D, "day"), (" ", None), (M, "month"), (" ", None), (Y, "year")],
        [(dd, "day"), (".", None), (mm, "month"), (".", None), (Y, "year")],
        [(Y, "year"), ("年", None), (str(d.month), "month"), ("月", None), (D, "day"), ("日", None)],
        [("the ", None), (D, "day"), (th + " of ", None), (M, "month"), (" ", None), (Y, "year")],
        [(M, "month"), (" ", None), (D, "day"), (", ", None), (Y, "year")],
        [(Ma, "month"), (" ", None), (D, "day"), (", ", None), (Y, "year")],
        [(W[:3], None), (" ", None), (D, "day"), (" ", None), (Ma, "month"), (" ", None), (Y, "year")],
        [(Y, "year"), ("/", None), (mm, "month"), ("/", None), (dd, "day")],
        [(D, "day"), (th + " ", None), (M, "month"), (" ", None), (Y, "year")],
        [(W, None), (" ", None), (M, "month"), (" ", None), (D, "day"), (th + ", ", None), (Y, "year")],
    ][fmt]


N_DATE_FORMATS = 12


def date_example(d: dt.date, fmt: int) -> Example:
    """One date in format `fmt` -> ISO, with each output character's true source span."""
    pieces = _date_pieces(d, fmt)
    spans, pos = {}, 0
    for text, field in pieces:
        if field:
            spans[field] = (pos, text)
        pos += len(text)
    src = "".join(t for t, _ in pieces)
    tgt = d.isoformat()
    align = []
    for j, field in enumerate(["year"] * 4 + [None] + ["month"] * 2 + [None] + ["day"] * 2):
        if field is None:
            align.append(())
            continue
        start, text = spans[field]
        k = j - {"year": 0, "month": 5, "day": 8}[field]
        width = {"year": 4, "month": 2, "day": 2}[field]
        if text.isdigit() and len(text) == width:
            align.append((start + k,))  # digit to digit
        else:
            align.append(tuple(range(start, start + len(text))))  # '9' -> '09', 'May' -> '05'
    return Example(src, tgt, tuple(align))


def generate_dates(n: int, seed: int, exclude: set[str] = frozenset()) -> list[Example]:
    rng = random.Random(seed)
    lo, hi = dt.date(1900, 1, 1).toordinal(), dt.date(2099, 12, 31).toordinal()
    out = []
    while len(out) < n:
        ex = date_example(dt.date.fromordinal(rng.randint(lo, hi)), rng.randrange(N_DATE_FORMATS))
        if ex.src not in exclude:
            out.append(ex)
    return out


# --- reverse -----------------------------------------------------------------

LETTERS = "abcdefghijklmnopqrstuvwxyz"
REVERSE_MAX = 40


def reverse_example(seq: str) -> Example:
    n = len(seq)
    return Example(seq, seq[::-1], tuple((n - 1 - j,) for j in range(n)))


def generate_reverse(n: int, seed: int, exclude: set[str] = frozenset(), repeat: float = 0.0,
                     patterns: float = 0.0) -> list[Example]:
    """n random letter sequences of 1-40 letters, uniform by default.

    Training adds two kinds of harder sequences, where a model cannot find its
    place by the letter it just wrote and must count positions instead:
    `repeat`, the chance that a letter copies the one before it (runs such as
    "aaa"), and `patterns`, the share of sequences that repeat a short unit
    ("abcabcabc", "aaaa…", or a stretch of the alphabet such as "defghdefgh").
    """
    rng = random.Random(seed)
    out = []
    while len(out) < n:
        length = rng.randint(1, REVERSE_MAX)
        if patterns and rng.random() < patterns:
            if rng.random() < 0.5:
                unit = "".join(rng.choice(LETTERS) for _ in range(rng.randint(1, 6)))
            else:
                start, size = rng.randrange(26), rng.randint(2, 26)
                unit = "".join(LETTERS[(start + i) % 26] for i in range(size))
            seq = (unit * (length // len(unit) + 1))[:length]
        else:
            chars: list[str] = []
            for _ in range(length):
                chars.append(chars[-1] if repeat and chars and rng.random() < repeat else rng.choice(LETTERS))
            seq = "".join(chars)
        if seq not in exclude:
            out.append(reverse_example(seq))
    return out


# --- tasks: tokenizers and the generated training sets ---------------------------

# Tokenizer settings per task: (source, target) keyword arguments for Tokenizer.build.
TOKENIZERS = {
    "en-zh": ({"kind": "subword", "vocab_size": 4000}, {"kind": "zh", "min_freq": 2}),
    "dates": ({"kind": "char", "lower": False, "keep_spaces": True}, {"kind": "char"}),
    "reverse": ({"kind": "char"}, {"kind": "char"}),
    # one SentencePiece model of both sides (train._tokenizers): any language pair, no input ever unknown
    "pairs": ({"kind": "subword", "vocab_size": 2000}, {"kind": "subword", "vocab_size": 2000}),
}

# The generated training sets, by default: how many pairs, and (reverse) how often a letter repeats
# the one before and what share of sequences repeat a short unit. Dev and test never change:
# uniform letters, seeds 2 and 3.
TRAIN_DATA = {"dates": {"size": 30000}, "reverse": {"size": 100000, "repeat": 0.1, "patterns": 0.0},
              # en-zh: invented names swapped into training pairs (seq2seq.names), so names pass through
              "en-zh": {"names_seed": 7}}


def load_task(task: str, data: str | os.PathLike | None = None, train_size: int | None = None
              ) -> dict[str, list[Example]]:
    """train / dev / test examples of a task. en-zh needs the corpus path, pairs the pairs
    file; the generated tasks take `train_size` (default TRAIN_DATA)."""
    if task == "pairs":
        if data is None:
            raise FileNotFoundError("the pairs task needs a file: pass --pairs PATH (source TAB target per line)")
        return split_pairs(read_pairs(data))
    if task == "en-zh":
        path = find_corpus(data)
        if path is None:
            raise FileNotFoundError("en-zh needs the Tatoeba corpus: pass --data PATH/cmn-eng.tsv "
                                    "(download cmn-eng.zip from https://www.manythings.org/anki/)")
        return load_tatoeba(path)
    if task == "dates":
        test = generate_dates(2000, seed=3)
        dev = generate_dates(1000, seed=2, exclude={e.src for e in test})
        held = {e.src for e in test + dev}
        return {"train": generate_dates(train_size or TRAIN_DATA[task]["size"], seed=1, exclude=held), "dev": dev,
                "test": test}
    if task == "reverse":
        test = generate_reverse(2000, seed=3)
        dev = generate_reverse(1000, seed=2, exclude={e.src for e in test})
        held = {e.src for e in test + dev}
        gen = TRAIN_DATA[task]
        return {"train": generate_reverse(train_size or gen["size"], seed=1, exclude=held, repeat=gen["repeat"],
                                          patterns=gen["patterns"]), "dev": dev,
                "test": test}
    raise ValueError(f"unknown task {task!r}: choose one of {TASKS}")
