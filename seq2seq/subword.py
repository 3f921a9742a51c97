"""Subword units for open-vocabulary English -> Chinese, with SentencePiece.

    sp = train_pieces(english_sentences, vocab_size=4000)    # bytes: SentencePiece's own model file
    src = Pieces(sp).encode("ChatGPT is powerful.")          # ['▁Ch', 'at', 'G', 'P', 'T', '▁is', '▁power', 'ful', '.']
    tgt = zh_tokens("ChatGPT很强大。", Pieces(sp))             # ['▁Ch', 'at', 'G', 'P', 'T', '很', '强', '大', '。']
    zh_detokenize(tgt)                                         # 'ChatGPT很强大。'

The English source is cut into SentencePiece pieces (unigram model, cased, byte fallback,
trained on the training split only): any input becomes known pieces, never `<unk>`. The
Chinese target stays one token per Han character and punctuation mark, and its runs of
Latin letters and digits are cut by the same model, so a name on the target side is the
same pieces as on the source side and can be copied piece by piece.

Pieces that start a word carry SentencePiece's "▁"; on a chart a piece that continues a
word is written "##ful" (`display`), and `words` groups the pieces of each word.
"""

from __future__ import annotations

import io
import re
import unicodedata

from .tokenize import SPECIALS

WORD_START = "▁"  # SentencePiece's mark of a piece that starts a word (U+2581)
CONTINUES = "##"  # how a chart marks a piece that continues the word before it
_WORD = r"[A-Za-z0-9](?:[A-Za-z0-9'’\-.&+]*[A-Za-z0-9])?"  # a Latin word: letters, digits, inner ' - . & +
_LATIN = re.compile(rf"{_WORD}(?: +{_WORD})*")  # a run of Latin words, spaces between them
_BYTE = re.compile(r"^<0x[0-9A-F]{2}>$")


def train_pieces(texts, vocab_size: int = 4000) -> bytes:
    """A SentencePiece unigram model of `texts` (cased; digits split; byte fallback, so no
    input is ever unknown), as the bytes of its model file. Deterministic for the same texts."""
    import sentencepiece as spm

    out = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(list(texts)), model_writer=out, vocab_size=vocab_size, model_type="unigram",
        byte_fallback=True, character_coverage=1.0, split_digits=True, num_threads=1, minloglevel=2,
        hard_vocab_limit=False,  # a small corpus may support fewer pieces than asked for
        pad_id=0, bos_id=1, eos_id=2, unk_id=3, pad_piece=SPECIALS[0], bos_piece=SPECIALS[1],
        eos_piece=SPECIALS[2], unk_piece=SPECIALS[3])
    return out.getvalue()


class Pieces:
    """A loaded SentencePiece model: text -> pieces, and its list of pieces."""

    def __init__(self, model: bytes):
        import sentencepiece as spm

        self.model = model
        self.sp = spm.SentencePieceProcessor(model_proto=model)

    def encode(self, text: str) -> list[str]:
        return self.sp.encode(unicodedata.normalize("NFKC", text).strip(), out_type=str)

    def pieces(self) -> list[str]:
        """Every piece of the model, specials and byte pieces included, in id order."""
        return [self.sp.id_to_piece(i) for i in range(self.sp.get_piece_size())]


def is_latin(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def zh_tokens(text: str, pieces: Pieces) -> list[str]:
    """Chinese text -> one token per Han character or punctuation mark (spaces dropped), each
    run of Latin letters and digits as SentencePiece pieces. No Unicode normalisation: the
    corpus's full-width marks (？，！) stay as they are, as in the references BLEU compares with."""
    text = text.strip()
    out, at = [], 0
    for m in _LATIN.finditer(text):
        out += [c for c in text[at:m.start()] if not c.isspace()]
        out += pieces.encode(m.group())
        at = m.end()
    return out + [c for c in text[at:] if not c.isspace()]


def zh_detokenize(tokens) -> str:
    """Tokens of `zh_tokens` back to text: pieces joined, a space only between two Latin words."""
    text = "".join(t for t in tokens if t not in SPECIALS).replace(WORD_START, " ")
    text = re.sub(r"(?:<0x[0-9A-F]{2}>)+", lambda m: bytes.fromhex(re.sub(r"<0x|>", "", m.group()))
                  .decode("utf-8", errors="replace"), text)  # byte-fallback pieces back to characters
    text = re.sub(r"(?<![A-Za-z0-9]) +| +(?![A-Za-z0-9])", "", text)
    return text.strip()


def continues(tokens: list[str], i: int) -> bool:
    """Token i is a piece that continues the word of token i-1: no "▁", both Latin (or the
    piece before is a bare "▁", SentencePiece's word start before a digit)."""
    t = tokens[i]
    if i == 0 or t.startswith(WORD_START) or t in SPECIALS or not t or not is_latin(t[0]):
        return False
    if tokens[i - 1] == WORD_START:
        return True
    prev = tokens[i - 1].lstrip(WORD_START)
    return bool(prev) and prev not in SPECIALS and is_latin(prev[-1])


def piece_text(token: str) -> str:
    """One piece as text on its own: "▁power" -> "power" (a bare "▁" stays)."""
    return token[1:] if token.startswith(WORD_START) and len(token) > 1 else token


def display(tokens: list[str]) -> list[str]:
    """Tokens as a chart writes them: "▁power" -> "power", "ful" after it -> "##ful"; byte
    pieces as they are. Tokens without pieces (Han characters, letters of the generated
    tasks) are unchanged."""
    if not any(t.startswith(WORD_START) for t in tokens):
        return list(tokens)
    tokens = [_ascii(t) for t in tokens]  # a byte piece of a printable ASCII character, as that character
    return [CONTINUES + t if continues(tokens, i) and tokens[i - 1] != WORD_START else t.lstrip(WORD_START) or t
            for i, t in enumerate(tokens)]  # after a bare "▁" (a word start of its own) a piece starts the word


def _ascii(piece: str) -> str:
    if _BYTE.match(piece) and 0x21 <= int(piece[3:5], 16) <= 0x7E:
        return chr(int(piece[3:5], 16))
    return piece


def words(tokens: list[str]) -> list[list[int]]:
    """Indices of tokens grouped into words: a piece that continues a word joins its group."""
    if not any(t.startswith(WORD_START) for t in tokens):  # no pieces: characters of dates, letters
        return [[i] for i in range(len(tokens))]
    groups: list[list[int]] = []
    for i in range(len(tokens)):
        if groups and continues(tokens, i):
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


def is_byte_piece(piece: str) -> bool:
    return bool(_BYTE.match(piece))


def has_pieces(tokens: list[str]) -> bool:
    """Some word of `tokens` is cut into more than one piece."""
    return any(len(g) > 1 for g in words(tokens))


def _word(tokens: list[str], group: list[int]) -> str:
    return "".join(tokens[i] for i in group).replace(WORD_START, "") or tokens[group[0]]


def _pool(a, groups, axis: int, how):
    """`a` with the indices of each group along `axis` pooled by `how` (np.sum or np.mean)."""
    import numpy as np

    if a is None:
        return None
    out = np.stack([how(np.take(a, g, axis=axis), axis=axis) for g in groups], axis=axis).astype(a.dtype)
    out.setflags(write=False)
    return out


def merge_words(trace):
    """The trace as words: each word cut into pieces becomes one token. Attention is summed
    over the pieces of a source word (a row still sums to 1) and averaged over the pieces
    of a target word (the steps that wrote it); a word's probability is the product of its
    pieces', its alternatives those of its first piece. Self-attention, queries, keys, scores
    and the beam are left out (they belong to pieces). `trace.words` says it is merged."""
    import dataclasses

    import numpy as np

    src, tgt = words(trace.src_tokens), words(trace.tgt_tokens)
    if trace.words or all(len(g) == 1 for g in src + tgt):
        return trace
    first = [g[0] for g in tgt]
    tgt_tokens = [_word(trace.tgt_tokens, g) for g in tgt]
    cross = _pool(_pool(trace.cross_weights, src, 3, np.sum), tgt, 0, np.mean)
    drop = {f.name: None for f in dataclasses.fields(trace)
            if f.name.startswith(("enc_self", "dec_self")) or f.name in ("causal_mask", "cross_scores", "cross_q",
                                                                          "cross_k")}
    return dataclasses.replace(
        trace, **drop, words=True, beam=[],
        src_tokens=[_word(trace.src_tokens, g) for g in src],
        src_unknown=[any(trace.src_unknown[i] for i in g) for g in src],
        src_mask=_pool(trace.src_mask.astype(np.float32), src, 0, np.max).astype(bool),
        tgt_tokens=tgt_tokens, dec_inputs=[trace.dec_inputs[0]] + tgt_tokens[:-1],
        probs=_pool(trace.probs, tgt, 0, np.prod),
        topk_tokens=[trace.topk_tokens[i] for i in first], topk_probs=trace.topk_probs[first],
        forced=[any(trace.forced[i] for i in g) for g in tgt],
        cross_weights=cross, enc_states=_pool(trace.enc_states, src, 0, np.mean),
        dec_states=_pool(trace.dec_states, tgt, 0, np.mean), context=_pool(trace.context, tgt, 0, np.mean))
