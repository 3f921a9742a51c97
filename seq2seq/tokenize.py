"""Vocabularies and tokenizers: subword English (SentencePiece) and Chinese characters with
Latin pieces (open vocabulary), and characters for dates and letters; word-level English
for the checkpoints trained before. Each round-trips through JSON; unknown input becomes
`<unk>` (never for "subword": SentencePiece falls back to bytes).
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
NEVER_WRITTEN = (PAD_ID, BOS_ID, UNK_ID)  # special tokens no decoder chooses (only forcing writes <unk>)

_WORD_RE = re.compile(r"[A-Za-z0-9]+|[^\sA-Za-z0-9]")


KINDS = ("word", "char", "subword", "zh")


@dataclass
class Tokenizer:
    """Splits text into tokens and maps tokens to ids.

    kind: "word"    lower-cased words and punctuation, joined with spaces
          "char"    one token per character; `keep_spaces` keeps ' ' as a token
          "subword" SentencePiece pieces (seq2seq.subword), cased: no input is ever unknown
          "zh"      one token per Han character or punctuation mark, Latin runs as pieces
    pieces: the SentencePiece model file in the checkpoint folder ("subword" and "zh"); the
            model itself is attached after loading (`attach`) and is not part of the JSON.
    """

    kind: str = "word"
    lower: bool = True
    keep_spaces: bool = False
    itos: list[str] = field(default_factory=lambda: list(SPECIALS))
    pieces: str | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown tokenizer kind {self.kind!r}: use one of {KINDS}")
        if self.itos[: len(SPECIALS)] != SPECIALS:
            raise ValueError(f"vocabulary must start with {SPECIALS}")
        self.stoi = {t: i for i, t in enumerate(self.itos)}
        self.model: bytes | None = None  # the SentencePiece model ("subword", "zh")
        self._sp = None

    def __len__(self) -> int:
        return len(self.itos)

    @property
    def uses_pieces(self) -> bool:
        return self.kind in ("subword", "zh")

    def attach(self, model: bytes) -> Tokenizer:
        """Give a "subword" or "zh" tokenizer its SentencePiece model (bytes of the model file)."""
        from .subword import Pieces

        self.model, self._sp = model, Pieces(model)
        return self

    def _pieces(self):
        if self._sp is None:
            raise ValueError(f"this {self.kind} tokenizer has no SentencePiece model attached")
        return self._sp

    # --- text <-> tokens -------------------------------------------------
    def tokenize(self, text: str) -> list[str]:
        if self.kind == "subword":
            return self._pieces().encode(text)
        if self.kind == "zh":
            from .subword import zh_tokens

            return zh_tokens(text, self._pieces())
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
        if self.uses_pieces:
            from .subword import zh_detokenize

            return zh_detokenize(tokens)
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
              lower: bool = True, keep_spaces: bool = False, vocab_size: int = 4000,
              model: bytes | None = None, joint: bool = False) -> Tokenizer:
        """A vocabulary from `texts`. "subword" trains a SentencePiece model of `vocab_size`
        pieces on them; "zh" keeps the Han characters seen `min_freq` times and every piece
        of `model` (the source's SentencePiece model), so any Latin name can be written."""
        if kind == "subword":
            from .subword import Pieces, train_pieces

            model = train_pieces(texts, vocab_size)
            return cls(kind=kind, lower=False, itos=Pieces(model).pieces()).attach(model)
        if kind == "zh":
            return cls._build_zh(texts, model, min_freq, max_size, joint)
        tok = cls(kind=kind, lower=lower, keep_spaces=keep_spaces)
        counts = Counter(t for text in texts for t in tok.tokenize(text))
        return cls(kind=kind, lower=lower, keep_spaces=keep_spaces, itos=SPECIALS + _ranked(counts, min_freq, max_size))

    @classmethod
    def _build_zh(cls, texts: Iterable[str], model: bytes, min_freq: int, max_size: int | None,
                  joint: bool = False) -> Tokenizer:
        """Han characters and marks seen `min_freq` times, then every piece of `model` but its bytes.
        `joint`: every piece of `model` first, in its own order (so a piece has the same id here
        and in the source), then the characters: one vocabulary for both sides (`joint_source`)."""
        from .subword import WORD_START, is_byte_piece, is_latin

        tok = cls(kind="zh", lower=False).attach(model)
        counts = Counter(t for text in texts for t in tok.tokenize(text)
                         if not (t.startswith(WORD_START) or is_latin(t[0])))  # pieces come from the model
        chars = _ranked(counts, min_freq, max_size)
        if joint:
            every = tok._pieces().pieces()
            have = set(every)
            return cls(kind="zh", lower=False, itos=every + [c for c in chars if c not in have]).attach(model)
        seen = set(chars)
        pieces = [p for p in tok._pieces().pieces()[len(SPECIALS):] if p not in seen and not is_byte_piece(p)]
        return cls(kind="zh", lower=False, itos=SPECIALS + chars + pieces).attach(model)

    def joint_source(self) -> Tokenizer:
        """The source tokenizer of a joint vocabulary: this "zh" tokenizer's list, SentencePiece's cut."""
        if self.kind != "zh" or self.model is None:
            raise ValueError("a joint source needs a zh tokenizer with its SentencePiece model")
        return Tokenizer(kind="subword", lower=False, itos=list(self.itos)).attach(self.model)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Tokenizer:
        """The tokenizer a JSON file describes; a "subword" or "zh" one still needs `attach`."""
        d = json.loads(text)
        return cls(kind=d["kind"], lower=d["lower"], keep_spaces=d["keep_spaces"], itos=list(d["itos"]),
                   pieces=d.get("pieces"))


def _ranked(counts: Counter, min_freq: int, max_size: int | None) -> list[str]:
    """Tokens seen `min_freq` times, by frequency then alphabetically (a deterministic vocabulary)."""
    ranked = sorted((t for t, n in counts.items() if n >= min_freq), key=lambda t: (-counts[t], t))
    return ranked[: max_size - len(SPECIALS)] if max_size else ranked


def labels(tokens: list[str]) -> list[str]:
    """Position-unique labels for plot axes (Plotly merges repeated categories); subword
    pieces as a chart writes them ("power", "##ful": seq2seq.subword.display)."""
    from .subword import display

    return [f"{'␣' if t == ' ' else t} ·{i}" for i, t in enumerate(display(tokens))]
