"""Vocabularies and tokenizers: word-level English, character-level Chinese,
dates and letters. Each round-trips through JSON; unknown input becomes `<unk>`.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

PAD, BOS, EOS, UNK = "<pad>", "<s>", "</s>", "<unk>"
SPECIALS = [PAD, BOS, EOS, UNK]  # every vocabulary starts with these, so their ids are fixed:
PAD_ID, BOS_ID, EOS_ID, UNK_ID = (SPECIALS.index(t) for t in (PAD, BOS, EOS, UNK))

_WORD_RE = re.compile(r"[A-Za-z0-9]+|[^\sA-Za-z0-9]")


@dataclass
class Tokenizer:
    """Splits text into tokens and maps tokens to ids.

    kind: "word" (lower-cased words and punctuation, joined with spaces) or
          "char" (one token per character; `keep_spaces` keeps ' ' as a token).
    """

    kind: str = "word"
    lower: bool = True
    keep_spaces: bool = False
    itos: list[str] = field(default_factory=lambda: list(SPECIALS))

    def __post_init__(self):
        if self.kind not in ("word", "char"):
            raise ValueError(f"unknown tokenizer kind {self.kind!r}: use 'word' or 'char'")
        if self.itos[: len(SPECIALS)] != SPECIALS:
            raise ValueError(f"vocabulary must start with {SPECIALS}")
        self.stoi = {t: i for i, t in enumerate(self.itos)}

    def __len__(self) -> int:
        return len(self.itos)

    # --- text <-> tokens -------------------------------------------------
    def tokenize(self, text: str) -> list[str]:
        text = text.strip()
        if self.lower:
            text = text.lower()
        if self.kind == "word":
            return _WORD_RE.findall(text)
        if self.keep_spaces:
            return list(re.sub(r"\s+", " ", text))
        return [c for c in text if not c.isspace()]

    def detokenize(self, tokens: Iterable[str]) -> str:
        tokens = [t for t in tokens if t not in SPECIALS]
        return (" " if self.kind == "word" else "").join(tokens)

    # --- tokens <-> ids --------------------------------------------------
    def encode(self, text: str) -> list[int]:
        return self.tokens_to_ids(self.tokenize(text))

    def tokens_to_ids(self, tokens: Iterable[str]) -> list[int]:
        return [self.stoi.get(t, UNK_ID) for t in tokens]

    def ids_to_tokens(self, ids: Iterable[int]) -> list[str]:
        return [self.itos[i] if 0 <= i < len(self.itos) else UNK for i in ids]

    def is_unknown(self, token: str) -> bool:
        return token not in self.stoi

    # --- building and saving -------------------------------------------
    @classmethod
    def build(cls, texts: Iterable[str], kind: str, min_freq: int = 1, max_size: int | None = None,
              lower: bool = True, keep_spaces: bool = False) -> Tokenizer:
        tok = cls(kind=kind, lower=lower, keep_spaces=keep_spaces)
        counts = Counter(t for text in texts for t in tok.tokenize(text))
        # Sort by frequency, then alphabetically, so the vocabulary is deterministic.
        ranked = sorted((t for t, n in counts.items() if n >= min_freq), key=lambda t: (-counts[t], t))
        if max_size:
            ranked = ranked[: max_size - len(SPECIALS)]
        return cls(kind=kind, lower=lower, keep_spaces=keep_spaces, itos=SPECIALS + ranked)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Tokenizer:
        d = json.loads(text)
        return cls(kind=d["kind"], lower=d["lower"], keep_spaces=d["keep_spaces"], itos=list(d["itos"]))


def labels(tokens: list[str]) -> list[str]:
    """Position-unique labels for plot axes (Plotly merges repeated categories)."""
    return [f"{'␣' if t == ' ' else t} ·{i}" for i, t in enumerate(tokens)]
