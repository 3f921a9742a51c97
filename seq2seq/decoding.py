"""Decode one sentence into an immutable `Trace`: greedy, beam, sampling,
forced (teacher forcing) and what-if (force a token at step t, then go on).

Decode once, keep the trace: stepping through a decode indexes into it and
never runs the model again. The Trace and its format: seq2seq/trace.py.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import torch

from .batching import pad
from .budget import MAX_SOURCE_TOKENS, MAX_STEPS, MAX_TARGET_TOKENS, MAX_WORK, check_settings, step_work
from .i18n import _
from .tokenize import BOS, BOS_ID, EOS, EOS_ID, NEVER_WRITTEN
from .trace import STOPS, STRATEGIES, Hypothesis, Trace, frozen

# --- decoding ----------------------------------------------------------------------

def _np(t):
    return t.detach().float().cpu().numpy()


class _Hyp:
    """A hypothesis under construction: ids fed so far, log-probability, per-step records."""

    __slots__ = ("ids", "logprob", "records")

    def __init__(self, ids, logprob, records):
        self.ids, self.logprob, self.records = ids, logprob, records


@dataclass(frozen=True)
class _Search:
    """How to choose each step's tokens: the strategy and its settings."""

    strategy: str
    width: int  # hypotheses kept: the beam size, or 1
    temperature: float
    top_k: int
    k: int  # alternatives recorded per step
    gen: torch.Generator  # sampling's own random numbers


class _Step:
    """What one step recorded for all its hypotheses at once (one topk, one copy per key):
    each hypothesis's record then indexes into it. `attn` values stay tensors until the trace
    is built (one numpy conversion per key at the end, not one per step)."""

    __slots__ = ("attn", "logp", "topk_ids", "topk_logp")

    def __init__(self, attn, logp, k):
        self.attn = {key: v.detach() for key, v in attn.items()}
        self.logp = logp
        top = logp.topk(min(k, logp.size(-1)), dim=-1)
        self.topk_ids, self.topk_logp = top.indices.tolist(), top.values.exp().tolist()


def _record(step: _Step, b, chosen, forced):
    """Per-step numbers of hypothesis b (its probabilities exp(log p), as a softmax would give)."""
    rec = {"prob": float(step.logp[b, chosen].exp()), "topk_ids": step.topk_ids[b],
           "topk_probs": step.topk_logp[b], "forced": forced}
    for key, v in step.attn.items():
        rec[key] = v[b]
    return rec


def _source(model, text):
    tok = model.src_tok
    tokens = tok.tokenize(text)
    truncated = len(tokens) > MAX_SOURCE_TOKENS
    tokens = tokens[:MAX_SOURCE_TOKENS]
    ids = tok.tokens_to_ids(tokens) + [EOS_ID]
    return tokens + [EOS], [tok.is_unknown(t) for t in tokens] + [False], ids, truncated


def _expand(tree, idx):
    """Select batch rows `idx` of every tensor in a dict (beam reordering)."""
    return {k: v.index_select(0, idx) for k, v in tree.items()}


def _forced_prefix(model, strategy, target, prefix):
    """The target tokens to force before choosing freely: all of `target` (and </s>) when forced."""
    if strategy == "forced":
        if target is None or not target.strip():
            raise ValueError(_("forced decoding needs a target sentence"))
        prefix = model.tgt_tok.tokenize(target) + [EOS]
    prefix = list(prefix or [])
    if len(prefix) > MAX_TARGET_TOKENS:
        raise ValueError(_("the forced target is longer than the limit of {limit} tokens").format(
            limit=MAX_TARGET_TOKENS))
    return prefix


def _step_limit(model, max_len, src_len, prefix_len):
    """The most steps to decode: max_len (by default from the source length), at least the
    forced prefix, at most what the model can decode."""
    if max_len is None:
        max_len = min(MAX_STEPS, 3 * src_len + 10)
    max_len = max(max_len, prefix_len)
    limit = model.max_target_len
    if limit is not None and max_len > limit:
        if prefix_len > limit:
            raise ValueError(_("the forced target is longer than the model's limit of {limit} tokens").format(
                limit=limit))
        max_len = limit
    return max_len


def _log_probs(logits, search, forced_id=None):
    """Step logits (n, V) -> log-probabilities (n, V) on the CPU to choose from: padding, a
    second <s> and <unk> are never chosen (unless <unk> is the forced token)."""
    logits[:, [i for i in NEVER_WRITTEN if i != forced_id]] = float("-inf")
    if search.strategy == "sample":
        logits = logits / search.temperature
        if search.top_k:
            kth = logits.topk(min(search.top_k, logits.size(-1)), dim=-1).values[:, -1:]
            logits = logits.masked_fill(logits < kth, float("-inf"))
    return torch.log_softmax(logits.float(), dim=-1).cpu()


def _candidates(active, logp, forced_id, search):
    """This step's continuations (parent, token id, new logprob, forced), best first."""
    if forced_id is not None:
        return [(b, forced_id, h.logprob + float(logp[b, forced_id]), True) for b, h in enumerate(active)]
    if search.strategy == "sample":
        tok = int(torch.multinomial(logp[0].exp(), 1, generator=search.gen))
        return [(0, tok, active[0].logprob + float(logp[0, tok]), False)]
    if len(active) == 1:
        top = logp[0].topk(min(2 * search.width, logp.size(1)))
        lp = active[0].logprob
        return [(0, i, lp + s, False) for s, i in zip(top.values.tolist(), top.indices.tolist())]
    total = (torch.tensor([h.logprob for h in active])[:, None] + logp).view(-1)  # (n * V)
    top = total.topk(min(2 * search.width, total.numel()))
    V = logp.size(1)
    return [(i // V, i % V, s, False) for s, i in zip(top.values.tolist(), top.indices.tolist())]


def _extend(active, cands, step: _Step, search):
    """Grow hypotheses by the candidates in order, until `width` of them go on.
    Returns (going on, ended with </s>)."""
    going, ended = [], []
    for parent, tok, lp, forced in cands:
        h = active[parent]
        hyp = _Hyp(h.ids + [tok], lp, h.records + [_record(step, parent, tok, forced)])
        hyp.records[-1]["parent"] = parent
        (ended if tok == EOS_ID else going).append(hyp)
        if len(going) == search.width:
            break
    return going, ended


def _search(model, memory, forced_ids, max_len, search, max_work):
    """Decode from <s> for at most max_len steps (and max_work, seq2seq.budget), forcing
    `forced_ids` first. Returns (the hypotheses that ended, then those still going when a
    limit is reached; the work done; whether the work budget stopped it)."""
    device = model.device
    state = model.init_state(memory)
    active, finished, mem = [_Hyp([BOS_ID], 0.0, [])], [], memory
    src_len, work = memory["src_mask"].size(-1), 0
    for t in range(max_len):
        n = len(active)
        cost = step_work(src_len, t, n)
        if work + cost > max_work and t > 0:
            return finished + active, work, True
        work += cost
        if mem["src_mask"].size(0) != n:
            mem = _expand(memory, torch.zeros(n, dtype=torch.long, device=device))
        prev = torch.tensor([h.ids[-1] for h in active], device=device)
        logits, state, attn = model.step(prev, state, mem)
        forced_id = forced_ids[t] if t < len(forced_ids) else None
        logp = _log_probs(logits, search, forced_id)
        cands = _candidates(active, logp, forced_id, search)
        active, ended = _extend(active, cands, _Step(attn, logp, search.k), search)
        finished += ended
        if len(finished) >= search.width or not active:
            return finished, work, False
        parents = [h.records[-1]["parent"] for h in active]
        if parents != list(range(n)):  # greedy, sampling and forcing keep their one hypothesis in place
            state = _expand(state, torch.tensor(parents, device=device))
    return finished + active, work, False


@torch.inference_mode()
def decode(model, text: str, strategy: str = "greedy", *, beam: int = 4, length_penalty: float = 1.0,
           temperature: float = 1.0, top_k: int = 0, seed: int = 0, target: str | None = None,
           prefix: list[str] | None = None, max_len: int | None = None, k: int = 5,
           max_work: int = MAX_WORK, knockout=()) -> Trace:
    """Decode `text` with `model` (loaded by seq2seq.load) and return its Trace.

    strategy: greedy | beam (beam, length_penalty) | sample (temperature, top_k, seed)
              | forced (target: the reference whose attention to show).
    prefix:   target tokens to force first (what-if); decoding then goes on with `strategy`.
    knockout: attention switched off (seq2seq.attribute's knock-out): Transformer heads as
              (kind, layer, head) triples, kind "encoder" | "decoder" | "cross"; for LSTM +
              attention "uniform" or "frozen" (alpha even, or step 0's at every step).
    Every setting is checked against seq2seq.budget (ValueError past a limit); a decode that
    uses max_work stops unfinished (trace.stopped == "budget", trace.work says how much).
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}: choose one of {STRATEGIES}")
    if not text or not text.strip():
        raise ValueError(_("empty input: type a sentence to translate"))
    check_settings(beam=beam, temperature=temperature, top_k=top_k, max_len=max_len, k=k)
    src_tokens, src_unknown, src_ids, truncated = _source(model, text)
    prefix = _forced_prefix(model, strategy, target, prefix)
    max_len = _step_limit(model, max_len, len(src_ids), len(prefix))
    src, src_mask = pad([src_ids], model.device)
    knockout = tuple(tuple(x) if isinstance(x, (list, tuple)) else x for x in (knockout or ()))
    if knockout and not model.has_cross_attention:
        raise ValueError(_("the plain LSTM has no attention to knock out"))
    memory = model.encode(src, src_mask, knockout=knockout) if knockout else model.encode(src, src_mask)
    search = _Search(strategy, beam if strategy == "beam" else 1, temperature, top_k, k,
                     torch.Generator().manual_seed(seed))
    hyps, work, cut = _search(model, memory, model.tgt_tok.tokens_to_ids(prefix), max_len, search, max_work)

    def score(h):
        return h.logprob / (len(h.records) ** length_penalty)

    hyps.sort(key=score, reverse=True)
    params = dict(beam=beam, length_penalty=length_penalty, temperature=temperature, top_k=top_k,
                  seed=seed, target=target, prefix=prefix or None, max_len=max_len, k=k)
    if knockout:  # only then: the params of every other decode stay as they were
        params["knockout"] = [list(x) if isinstance(x, tuple) else x for x in knockout]
    trace = _build_trace(model, text, strategy, (src_tokens, src_unknown, truncated), memory, hyps[0], params)
    trace = replace(trace, work=work, stopped="budget" if cut and not trace.finished else trace.stopped)
    if strategy == "beam":
        beam_list = [Hypothesis(model.tgt_tok.ids_to_tokens(h.ids[1:]), h.logprob, score(h),
                                _stack(h.records, "cross_weights")) for h in hyps[:search.width]]
        trace = replace(trace, beam=beam_list)
    return trace


def whatif(model, trace: Trace, step: int, token: str, **overrides) -> Trace:
    """Force `token` at `step` of `trace` (keeping the steps before), then decode on
    with the trace's own strategy and settings."""
    if not 0 <= step < trace.steps:
        raise ValueError(f"step {step} is outside the decode (0..{trace.steps - 1})")
    p = dict(trace.params)
    strategy = "greedy" if trace.strategy == "forced" else trace.strategy
    kw = dict(beam=p["beam"], length_penalty=p["length_penalty"], temperature=p["temperature"],
              top_k=p["top_k"], seed=p["seed"], k=p["k"], max_len=p["max_len"], knockout=p.get("knockout") or ())
    kw.update(overrides)
    return decode(model, trace.text, strategy, prefix=list(trace.tgt_tokens[:step]) + [token], **kw)


# --- the trace from the memory and the best hypothesis ------------------------------

def _stack(records, key):
    """One key of every step's record, stacked (steps, ...) as one read-only float32 array."""
    if not records or key not in records[0]:
        return None
    return frozen(_np(torch.stack([r[key] for r in records])))


def _first(memory, key):
    """Sentence 0 of a documented memory entry as a read-only array, or None if the model has none."""
    return frozen(_np(memory[key][0])) if key in memory else None


def _decoder_self_attention(recs):
    """Per-step self-attention rows -> (layers, heads, T, T) weights and scores, and the causal mask."""
    if "self_weights" not in recs[0]:
        return None, None, None
    T = len(recs)
    L, H = recs[0]["self_weights"].shape[:2]
    weights = np.zeros((L, H, T, T), dtype=np.float32)
    scores = np.full((L, H, T, T), np.nan, dtype=np.float32)
    for t, r in enumerate(recs):
        weights[:, :, t, : t + 1] = _np(r["self_weights"])
        scores[:, :, t, : t + 1] = _np(r["self_scores"])
    return frozen(weights), frozen(scores), frozen(np.tril(np.ones((T, T), dtype=bool)))


def _build_trace(model, text, strategy, source, memory, hyp, params):
    src_tokens, src_unknown, truncated = source
    recs = hyp.records
    itos = model.tgt_tok.ids_to_tokens
    tgt_tokens = itos(hyp.ids[1:])
    dec_self_w, dec_self_s, causal = _decoder_self_attention(recs)
    return Trace(
        model=getattr(model, "name", model.arch), arch=model.arch, task=getattr(model, "task", ""),
        device=str(model.device), strategy=strategy, params=params, text=text,
        src_tokens=src_tokens, src_unknown=src_unknown, src_mask=frozen(np.ones(len(src_tokens), dtype=bool)),
        truncated=truncated, tgt_tokens=tgt_tokens, dec_inputs=[BOS] + tgt_tokens[:-1],
        output=model.tgt_tok.detokenize(tgt_tokens),
        probs=frozen(np.array([r["prob"] for r in recs], dtype=np.float32)),
        topk_tokens=[itos(r["topk_ids"]) for r in recs],
        topk_probs=frozen(np.array([r["topk_probs"] for r in recs], dtype=np.float32)),
        forced=[r["forced"] for r in recs], logprob=float(hyp.logprob),
        stopped="end" if tgt_tokens and tgt_tokens[-1] == EOS else "length",
        cross_weights=_stack(recs, "cross_weights"), cross_scores=_stack(recs, "cross_scores"),
        enc_self_weights=_first(memory, "enc_self_weights"), enc_self_scores=_first(memory, "enc_self_scores"),
        dec_self_weights=dec_self_w, dec_self_scores=dec_self_s, causal_mask=causal,
        enc_states=_first(memory, "enc_states"), dec_states=_stack(recs, "dec_state"), context=_stack(recs, "context"),
        enc_self_q=_first(memory, "enc_self_q"), enc_self_k=_first(memory, "enc_self_k"),
        dec_self_q=_stack(recs, "self_query"), dec_self_k=_stack(recs, "self_key"),
        cross_q=_stack(recs, "cross_query"), cross_k=_first(memory, "cross_keys"),
    )


__all__ = ["MAX_SOURCE_TOKENS", "NEVER_WRITTEN", "STOPS", "STRATEGIES", "Hypothesis", "Trace", "decode", "whatif"]
