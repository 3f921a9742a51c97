"""Is attention an explanation? Attribution beside attention, for one decoding trace.

Attention says where a step looked; an attribution says how much each source token changed
the log-probability of the token the step chose. Three attributions, for every architecture
(the plain LSTM included: it has no attention, but its output still depends on its input):

    ig            integrated gradients (Sundararajan et al. 2017) on the source token
                  embeddings, from the zero vector, by Captum; its convergence delta is kept
    grad_x_input  gradient x input on the same embeddings (Captum's InputXGradient)
    erasure       each source token's embedding set to zero in turn (the same baseline as IG):
                  the drop in log p of the same forced output; one batched forward pass

    a = attribute(model, trace, "ig")          # a.values (steps, source tokens), a.delta (steps,)
    f = faithfulness(trace, {m: attribute(model, trace, m) for m in METHODS})
    f.per_step["last layer"]["ig"]             # (steps,) Spearman rank correlation per step

Every method recomputes log p(y_t | y_<t, x) teacher-forced on the trace's own output (the
model's forward pass from the source embeddings), with the tokens decoding never writes (<pad>,
<s>, <unk>) masked as decoding masks them, so the numbers attributed are the trace's probabilities. An attribution of
a token is the sum over its embedding's dimensions (signed: completeness holds for IG); the
faithfulness scores compare attention with its magnitude.

Jain & Wallace 2019, "Attention is not Explanation"; Wiegreffe & Pinter 2019, "Attention is not
not Explanation"; Abnar & Zuidema 2020, "Quantifying Attention Flow in Transformers".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .attention import cross_matrix, rollout
from .budget import ATTRIBUTION_FLOATS, MAX_ATTRIBUTION_CELLS
from .configs import ALPHA_MODES
from .i18n import _
from .trace import Trace

METHODS = ("ig", "grad_x_input", "erasure")
IG_STEPS = 32  # Riemann steps of integrated gradients (Captum's default is 50; the delta says if 32 suffice)


@dataclass(frozen=True)
class Attribution:
    """One method's attribution of a trace: values[t, i] is source token i's contribution to
    log p of the token chosen at step t. delta: IG's convergence delta per step (sum of the
    attributions minus (f(x) - f(baseline))), None for the other methods."""

    method: str
    values: np.ndarray  # (T, S)
    delta: np.ndarray | None = None


def _inputs(model, trace: Trace):
    """(src ids (1, S), mask (1, S), decoder inputs (1, T), chosen ids (1, T)) of a trace."""
    import torch

    from .tokenize import BOS_ID, EOS_ID

    src_ids = model.src_tok.tokens_to_ids(list(trace.src_tokens[:-1])) + [EOS_ID]
    tgt_ids = model.tgt_tok.tokens_to_ids(list(trace.tgt_tokens))
    dev = model.device
    src = torch.tensor([src_ids], device=dev)
    return src, torch.ones_like(src, dtype=torch.bool), torch.tensor([[BOS_ID] + tgt_ids[:-1]], device=dev), \
        torch.tensor([tgt_ids], device=dev)


def _chosen_logp(model, emb, src, mask, tgt_in, tgt_out):
    """log p of the chosen tokens (B, T), teacher-forced from source embeddings emb (B, S, E);
    src, mask, tgt_in, tgt_out (1, ...) are repeated to emb's batch."""
    import torch

    from .tokenize import NEVER_WRITTEN

    B = emb.size(0)
    rep = lambda x: x.expand(B, *x.shape[1:])  # noqa: E731
    logits = model(rep(src), rep(mask), rep(tgt_in), src_emb=emb)  # (B, T, V)
    never = [i for i in NEVER_WRITTEN if i not in set(tgt_out[0].tolist())]
    logits = logits.masked_fill(torch.zeros(logits.size(-1), dtype=torch.bool, device=logits.device)
                                .index_fill(0, torch.tensor(never, device=logits.device), True), float("-inf"))
    logp = torch.log_softmax(logits.float(), dim=-1)
    return logp.gather(-1, rep(tgt_out).unsqueeze(-1)).squeeze(-1)


def attribute(model, trace: Trace, method: str, *, ig_steps: int = IG_STEPS) -> Attribution:
    """How much each source token contributed to each step's chosen token (see the module doc)."""
    import torch

    if method not in METHODS:
        raise ValueError(f"unknown attribution method {method!r}: choose one of {METHODS}")
    if trace.steps == 0:
        return Attribution(method, np.zeros((0, len(trace.src_tokens)), dtype=np.float32))
    if trace.steps * len(trace.src_tokens) > MAX_ATTRIBUTION_CELLS:
        raise ValueError(_("attribution is limited to {cells} steps × source tokens; this decode has {n}").format(
            cells=f"{MAX_ATTRIBUTION_CELLS:,}", n=f"{trace.steps * len(trace.src_tokens):,}"))
    src, mask, tgt_in, tgt_out = _inputs(model, trace)
    T = tgt_out.size(1)
    with torch.no_grad():
        emb = model.embed_source(src).detach()  # (1, S, E)
    with torch.enable_grad():
        if method == "erasure":
            return Attribution(method, _erasure(model, emb, src, mask, tgt_in, tgt_out))
        from captum.attr import InputXGradient, IntegratedGradients

        def f(e, step):
            return _chosen_logp(model, e, src, mask, tgt_in, tgt_out).gather(1, step[:, None])[:, 0]

        # one input row per step (row t is attributed for step t's token), as many steps per call as keep the
        # logits of one batch within ATTRIBUTION_FLOATS (a short sentence: every step at once)
        rows = _ig_rows(model, T)
        parts, deltas = [], []
        for lo in range(0, T, rows):
            steps = torch.arange(lo, min(T, lo + rows), device=emb.device)
            x = emb.repeat(len(steps), 1, 1).requires_grad_(True)
            if method == "ig":
                a, delta = IntegratedGradients(f).attribute(
                    x, baselines=torch.zeros_like(x), additional_forward_args=steps, n_steps=ig_steps,
                    internal_batch_size=rows, return_convergence_delta=True)
                deltas.append(delta.detach())
            else:
                a = InputXGradient(f).attribute(x, additional_forward_args=steps)
            parts.append(a.sum(-1).detach())
    values = torch.cat(parts).float().cpu().numpy().astype(np.float32)  # (T, S)
    delta = torch.cat(deltas).float().cpu().numpy() if deltas else None
    return Attribution(method, values, delta)


def _ig_rows(model, steps: int) -> int:
    """Rows of one IG batch: as many as keep its logits within ATTRIBUTION_FLOATS."""
    vocab = len(model.tgt_tok)
    return max(1, min(4096, ATTRIBUTION_FLOATS // max(1, steps * vocab)))


def _erasure(model, emb, src, mask, tgt_in, tgt_out) -> np.ndarray:
    """logp(original) - logp(token i's embedding zeroed), for every i at once: (T, S)."""
    import torch

    S = emb.size(1)
    with torch.no_grad():
        erased = emb.repeat(S + 1, 1, 1)  # row 0: the original; row i + 1: token i zeroed
        erased[torch.arange(1, S + 1), torch.arange(S)] = 0.0
        logp = _chosen_logp(model, erased, src, mask, tgt_in, tgt_out)  # (S + 1, T)
    return (logp[:1] - logp[1:]).T.float().cpu().numpy().astype(np.float32)


# --- does attention agree with attribution? --------------------------------------------------

def spearman(a, b) -> float:
    """Spearman's rank correlation of two vectors (ties get their mean rank); NaN where either
    is constant (a one-token source, a uniform row)."""
    import pandas as pd

    a, b = pd.Series(np.asarray(a, dtype=float)), pd.Series(np.asarray(b, dtype=float))
    if len(a) < 2 or a.nunique() < 2 or b.nunique() < 2:
        return float("nan")
    return float(a.rank().corr(b.rank()))


def attention_views(trace: Trace) -> dict[str, np.ndarray]:
    """The attention a student would read as the explanation, as (T, S) each: every layer's
    mean over heads ("layer 1" ...), the last layer ("last layer"), and for the Transformer the
    cross-attention carried back through the encoder's rollout ("rollout": what each source
    token, not each encoder position, received). Empty for the plain LSTM."""
    if trace.cross_weights is None:
        return {}
    L = trace.cross_weights.shape[1]
    views = {f"layer {n + 1}": cross_matrix(trace, n) for n in range(L)} if L > 1 else {}
    views["last layer"] = cross_matrix(trace, -1)
    if trace.enc_self_weights is not None:
        views["rollout"] = cross_matrix(trace, -1) @ rollout(np.asarray(trace.enc_self_weights, dtype=float))[-1]
    return views


@dataclass(frozen=True)
class Faithfulness:
    """Rank correlations between attention and attribution magnitude.

    per_step[view][method]  (T,) Spearman of step t's attention row and |attribution| row
    sentence[view][method]  their mean over the steps (NaN steps left out)
    between[(m1, m2)]       the attributions against each other (sentence mean): how much the
                            methods agree is the scale any agreement with attention is read on
    """

    per_step: dict
    sentence: dict
    between: dict


def faithfulness(trace: Trace, attributions: dict[str, Attribution]) -> Faithfulness:
    """Attention against each attribution, per step and per sentence (see Faithfulness)."""
    per_step, sentence = {}, {}
    for view, att in attention_views(trace).items():
        per_step[view], sentence[view] = {}, {}
        for m, a in attributions.items():
            rho = np.array([spearman(att[t], np.abs(a.values[t])) for t in range(trace.steps)])
            per_step[view][m] = rho
            sentence[view][m] = float(np.nanmean(rho)) if np.isfinite(rho).any() else float("nan")
    between = {}
    names = list(attributions)
    for i, m1 in enumerate(names):
        for m2 in names[i + 1:]:
            rho = [spearman(np.abs(attributions[m1].values[t]), np.abs(attributions[m2].values[t]))
                   for t in range(trace.steps)]
            between[(m1, m2)] = float(np.nanmean(rho)) if np.isfinite(rho).any() else float("nan")
    return Faithfulness(per_step, sentence, between)


def knockouts(model) -> list:
    """Every single knock-out of a model: Transformer heads as (kind, layer, head); the LSTM
    with attention's two baselines; none for the plain LSTM."""
    if model.arch == "transformer":
        cfg = model.config
        return [(kind, n, h) for kind, layers in (("encoder", cfg.enc_layers), ("decoder", cfg.dec_layers),
                                                  ("cross", cfg.dec_layers))
                for n in range(layers) for h in range(cfg.heads)]
    if model.has_cross_attention:
        return list(ALPHA_MODES)
    return []


__all__ = ["IG_STEPS", "METHODS", "Attribution", "Faithfulness", "attention_views", "attribute", "faithfulness",
           "knockouts", "spearman"]
