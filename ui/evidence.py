"""The explain page's evidence: a trace's attributions (computed once per server and trace, like
decodes), a knocked-out decode beside the original, and a model's explain.json as tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from seq2seq.i18n import N_, _

from .session import stored, trace_store

METHOD_LABELS = {"ig": N_("integrated gradients"), "grad_x_input": N_("gradient × input"),
                 "erasure": N_("erasure")}
VIEW_LABELS = {"last layer": N_("attention, last layer"), "rollout": N_("attention rollout")}
KIND_WORDS = {"encoder": N_("encoder self"), "decoder": N_("decoder self"), "cross": N_("cross")}
BASELINES = {"uniform": N_("alpha uniform"), "frozen": N_("alpha frozen at step 0")}


def view_label(view: str) -> str:
    if view in VIEW_LABELS:
        return _(VIEW_LABELS[view])
    if view.startswith("layer "):
        return _("attention, layer {n}").format(n=view.split()[1])
    return view


def attributions(model, trace, key: tuple) -> dict:
    """{method: seq2seq.attribute.Attribution} of a trace: computed once per server and trace
    (`key` identifies the trace) and shared like the decode itself."""
    from seq2seq.attribute import METHODS, attribute

    def make():
        return {m: attribute(model, trace, m) for m in METHODS}

    return stored(trace_store(), ("attributions", *key), make,
                  lambda out: sum(a.values.nbytes for a in out.values()) + 1024)


def faithfulness(trace, attrs: dict, key: tuple):
    """seq2seq.attribute.faithfulness of a trace: computed once with its attributions, not on
    every step's rerun."""
    from seq2seq.attribute import faithfulness as measure

    return stored(trace_store(), ("faithfulness", *key), lambda: measure(trace, attrs), lambda _f: 64 * 1024)


def step_rows(trace, attrs: dict, step: int) -> dict[str, np.ndarray]:
    """The evidence rows of one step: attention views (none for the plain LSTM), then each attribution."""
    from seq2seq.attribute import attention_views

    rows = {view_label(v): m[step] for v, m in attention_views(trace).items() if v in ("last layer", "rollout")}
    rows.update({_(METHOD_LABELS[m]): a.values[step] for m, a in attrs.items()})
    return rows


def correlation_table(per: dict) -> pd.DataFrame:
    """Rows: attention views; columns: attribution methods; cells: Spearman correlation."""
    table = pd.DataFrame({_(METHOD_LABELS[m]): {view_label(v): row[m] for v, row in per.items()}
                          for m in METHOD_LABELS if any(m in row for row in per.values())})
    return table.round(2)


def knockout_label(item) -> str:
    if isinstance(item, (tuple, list)):
        kind, layer, head = item
        return _("{kind} · layer {layer} · head {head}").format(kind=_(KIND_WORDS[kind]), layer=layer + 1,
                                                                head=head + 1)
    return _(BASELINES.get(item, item))


def knockout_options(model) -> list:
    """Every knock-out the model allows (seq2seq.attribute.knockouts): URL-safe codes."""
    from seq2seq.attribute import knockouts

    return [code(x) for x in knockouts(model)]


def code(item) -> str:
    """A knock-out as written in the URL: "cross-2-3" (layer and head from 1), or "uniform"."""
    if isinstance(item, (tuple, list)):
        return f"{item[0]}-{item[1] + 1}-{item[2] + 1}"
    return str(item)


def parse(text: str):
    """code() read back: (kind, layer, head) from 0, or the baseline's name."""
    parts = str(text).split("-")
    if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
        return (parts[0], int(parts[1]) - 1, int(parts[2]) - 1)
    return str(text)


def knocked_out(model, trace, codes: list[str], key: tuple):
    """(the decode with `codes` knocked out, the original output forced with them knocked out):
    what the model writes without those heads, and how the probability of each token it wrote
    with them changes. Cached like every decode."""
    import seq2seq

    items = [parse(c) for c in codes]
    p = trace.params
    free = stored(trace_store(), ("knockout", *key, tuple(codes)), lambda: seq2seq.decode(
        model, trace.text, "greedy" if trace.strategy == "forced" else trace.strategy, beam=p["beam"],
        temperature=p["temperature"], top_k=p["top_k"], seed=p["seed"], max_len=p["max_len"], knockout=items),
                  lambda tr: tr.nbytes)
    forced = stored(trace_store(), ("knockout-forced", *key, tuple(codes)), lambda: seq2seq.decode(
        model, trace.text, prefix=list(trace.tgt_tokens), max_len=trace.steps, knockout=items), lambda tr: tr.nbytes)
    return free, forced


def probability_table(trace, forced) -> pd.DataFrame:
    """Each step's chosen token, its probability with every head and with the knock-out."""
    from seq2seq.subword import display

    toks = display(list(trace.tgt_tokens))
    n = min(trace.steps, forced.steps)
    return pd.DataFrame({_("step"): list(range(n)), _("token"): toks[:n],
                         _("p, all heads"): np.round(trace.probs[:n].astype(float), 3),
                         _("p, knocked out"): np.round(forced.probs[:n].astype(float), 3),
                         _("change"): np.round((forced.probs[:n] - trace.probs[:n]).astype(float), 3)})


def alignment_table(trace, gold) -> pd.DataFrame | None:
    """Attention as an aligner against the true alignment, one row per layer and head (and each
    layer's mean): precision, recall and AER of the argmax link and of links >= 0.5. None
    without attention or a true alignment."""
    from seq2seq.gold import THRESHOLD, alignment_scores

    if trace.cross_weights is None or gold is None:
        return None
    w = np.asarray(trace.cross_weights)  # (T, L, H, S)
    L, H = w.shape[1:3]
    rows = {}
    for layer in range(L):
        for head in [*range(H), None] if H > 1 else [0]:
            m = w[:, layer].mean(1) if head is None else w[:, layer, head]
            name = (_("layer {layer} · mean over heads").format(layer=layer + 1) if head is None
                    else _("layer {layer} · head {head}").format(layer=layer + 1, head=head + 1) if H > 1
                    else _("attention"))
            s = alignment_scores(m, gold)
            if s["argmax"] is None:
                return None
            rows[name] = {_("AER, argmax"): s["argmax"]["aer"], _("precision, argmax"): s["argmax"]["precision"],
                          _("recall, argmax"): s["argmax"]["recall"],
                          _("AER, α ≥ {t}").format(t=THRESHOLD): s["threshold"]["aer"]}
    return pd.DataFrame(rows).T.round(3)


def pair_label(a: str, b: str) -> str:
    return _("{a} vs {b}").format(a=_(METHOD_LABELS[a]), b=_(METHOD_LABELS[b]))


def model_table(explain: dict) -> tuple[pd.DataFrame, pd.Series]:
    """A model's faithfulness table (explain.json) with the attributions' agreement under it."""
    table = correlation_table(explain["faithfulness"])
    agree = {}
    for pair, rho in (explain.get("attributions_agree") or {}).items():
        a, _sep, b = pair.partition(" ~ ")
        if a in METHOD_LABELS and b in METHOD_LABELS:
            agree[pair_label(a, b)] = rho
    return table, pd.Series(agree, name=_("Spearman"), dtype=float).round(2)


def cached_spinner():
    """Shown while a trace's attributions are computed (a second or two; cached after)."""
    return st.spinner(_("Computing the attributions (integrated gradients, gradient × input, erasure)…"))
