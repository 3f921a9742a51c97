"""The widgets pages share: model, input and strategy pickers, the step control, layer and
head pickers, the true-alignment toggle, what-if buttons and the notices about a decode.

Each widget keeps its value under `k(page, name)` (see keys.py), so the URL, other pages
and callbacks can set it.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

import seq2seq
from seq2seq.attention import KINDS, attention_stack, cross_matrix
from seq2seq.budget import MAX_SOURCE_TOKENS
from seq2seq.gold import Gold, alignment_scores, gold_alignment, gold_overlap, unlike_training
from seq2seq.i18n import N_, _, ngettext
from seq2seq.subword import display, has_pieces, piece_text
from seq2seq.trace import STRATEGIES

from . import session
from .keys import (
    ARCH,
    ARCHS,
    EXAMPLE,
    MAX_EDITS,
    MAX_TEXT,
    Q_BEAM,
    Q_GOLD,
    Q_HEAD,
    Q_KIND,
    Q_LAYER,
    Q_POS,
    Q_PREFIX,
    Q_SEED,
    Q_STEP,
    Q_TARGET,
    Q_TEMPERATURE,
    Q_TOP_K,
    Q_WORDS,
    SHARED,
    STRATEGY,
    TARGET_FOR,
    TASK,
    TEXT,
    button,
    k,
)
from .models import DEFAULT_ARCH, examples, known_target, load_model
from .session import default, valid
from .shell import presenting
from .text import ARCH_LABELS, KIND_LABELS, LAYER_HELP, STRATEGY_LABELS, TASK_LABELS, arch_label, label, md


def listed(items) -> str:
    """Items as a list in the current language ('a, b, c'; in Chinese 'a、b、c')."""
    return _(", ").join(items)


# --- model and input --------------------------------------------------------------------

def _task_changed(page: str):
    """A new task: its first example, no forced target, back to step 0."""
    ex = examples(st.session_state.get(k(page, TASK)))
    st.session_state[k(page, TEXT)] = ex[0]["text"] if ex else ""
    st.session_state[k(page, Q_TARGET)] = ""
    st.session_state[k(page, Q_STEP)] = 0


def task_picker(page: str, zoo: dict) -> str:
    tasks = list(zoo)
    valid(k(page, TASK), tasks, tasks[0])
    return st.selectbox(_("Task"), tasks, key=k(page, TASK), format_func=lambda t: label(TASK_LABELS, t),
                        on_change=_task_changed, args=(page,))


def model_picker(page: str, zoo: dict, missing: bool = True) -> tuple[str, str, str]:
    """Task and architecture pickers -> (task, arch, model name). missing: say which
    architectures the task has no model of. More than three kinds of model for a task (the
    two arrangements of LSTM + attention, models trained in the app): the architectures get a
    row of their own, so that no label is cut off."""
    wide = max(len(archs) for archs in zoo.values()) > 3
    c1, c2 = st.columns([1, 2])
    with c1:
        task = task_picker(page, zoo)
    if wide:
        c2 = st.container()
    archs = list(zoo[task])
    valid(k(page, ARCH), archs, DEFAULT_ARCH if DEFAULT_ARCH in archs else archs[0])
    with c2:
        arch = st.segmented_control(_("Architecture"), archs, key=k(page, ARCH), required=True,
                                    format_func=arch_label)
        absent = [label(ARCH_LABELS, a) for a in ARCH_LABELS if a not in zoo[task]] if missing else []
        if absent:
            st.caption(_("Not trained yet for this task: {archs}.").format(archs=listed(absent)))
    return task, arch, zoo[task][arch]


def archs_picker(page: str, zoo: dict, task: str) -> list[str]:
    """Up to three architectures of a task (the compare page); at first the three generations (plain
    LSTM, LSTM + attention, Transformer), whatever else the task has."""
    archs = list(zoo[task])
    key = k(page, ARCHS)
    generations = [a for a in ("lstm", "lstm-attn", "transformer") if a in archs]
    first = generations + [a for a in archs if a not in generations]
    chosen = [a for a in st.session_state.get(key, first) if a in archs] or first
    st.session_state[key] = chosen[:3]
    return st.multiselect(_("Architectures (up to 3)"), archs, key=key, max_selections=3,
                          format_func=arch_label)


def _use_example(page: str):
    choice = st.session_state.get(k(page, EXAMPLE))
    if choice:
        st.session_state[k(page, TEXT)] = choice
        st.session_state[k(page, Q_STEP)] = 0
        st.session_state[k(page, EXAMPLE)] = ""


def _text_changed(page: str):
    """Typed text is a new decode: it opens on step 0, like a picked example (a step in a
    link applies to the text of that link only)."""
    st.session_state[k(page, Q_STEP)] = 0


def text_picker(page: str, task: str) -> str:
    """Text box plus an example picker (assets/examples.json) -> the typed text."""
    ex = [e["text"] for e in examples(task)]
    default(k(page, TEXT), ex[0] if ex else "")
    valid(k(page, EXAMPLE), [""] + ex, "")
    c1, c2 = st.columns([3, 2])
    with c1:
        text = st.text_input(_("Input"), key=k(page, TEXT), max_chars=MAX_TEXT,
                             placeholder=_("Type a sentence, a date or some letters…"),
                             help=_("The model reads at most {n} tokens; press Enter to decode.").format(
                                 n=MAX_SOURCE_TOKENS),
                             on_change=_text_changed, args=(page,))
    with c2:
        st.selectbox(_("…or pick an example"), [""] + ex, key=k(page, EXAMPLE), format_func=lambda s: s or "—",
                     on_change=_use_example, args=(page,))
    return text


def _strategy_changed(page: str, task: str, name: str):
    """Switching to forced decoding fills in the true output where it is known."""
    if st.session_state.get(k(page, STRATEGY)) == "forced" and not st.session_state.get(k(page, Q_TARGET)):
        model, _error = load_model(name)
        st.session_state[k(page, Q_TARGET)] = known_target(task, model, st.session_state.get(k(page, TEXT), ""))


def _strategy_settings(page: str, strategy: str, cols) -> dict:
    """The settings of one strategy, each in its column -> keyword arguments for seq2seq.decode."""
    params: dict = {}
    if strategy == "beam":
        valid(k(page, Q_BEAM), range(1, 11), 4)
        params["beam"] = cols[0].slider(_("Beam size k"), 1, 10, key=k(page, Q_BEAM))
    elif strategy == "sample":
        default(k(page, Q_TEMPERATURE), 1.0)
        default(k(page, Q_TOP_K), 0)
        default(k(page, Q_SEED), 0)
        params["temperature"] = cols[0].slider(_("Temperature"), 0.1, 3.0, step=0.1, key=k(page, Q_TEMPERATURE),
                                               help=_("Below 1 sharpens the distribution, above 1 flattens it."))
        params["top_k"] = cols[1].number_input(_("Top-k (0 = all)"), 0, 1000, step=1, key=k(page, Q_TOP_K))
        params["seed"] = cols[2].number_input(_("Seed"), 0, 2**31 - 1, step=1, key=k(page, Q_SEED),
                                              help=_("Same seed, same sample."))
    elif strategy == "forced":
        default(k(page, Q_TARGET), "")
        cols = st.columns([5, 3])
        params["target"] = cols[0].text_input(_("Target to force"), key=k(page, Q_TARGET), max_chars=MAX_TEXT,
                                              help=_("Teacher forcing: the model is fed this reference and we "
                                                     "watch where it looks while producing it."))
    return params


def strategy_picker(page: str, task: str, name: str) -> tuple[str, dict]:
    """Strategy and its settings -> (strategy, keyword arguments for seq2seq.decode)."""
    valid(k(page, STRATEGY), STRATEGIES, "greedy")
    # the four names on a row of their own, as wide as they need (never cut off by a column);
    # the strategy's settings under them
    strategy = st.segmented_control(_("Decoding strategy"), STRATEGIES, key=k(page, STRATEGY), required=True,
                                    format_func=lambda s: label(STRATEGY_LABELS, s), on_change=_strategy_changed,
                                    args=(page, task, name), width="content")
    _target_follows_text(page, task, name, strategy)
    cols = st.columns([3, 2, 2]) if strategy in ("beam", "sample") else None
    return strategy, _strategy_settings(page, strategy, cols)


def _target_follows_text(page: str, task: str, name: str, strategy: str):
    """A forced target belongs to the input it was made for: a new input (typed or picked)
    brings its own true output where the app knows it, else an empty target, never the last
    sentence's. A target from a link, or typed for this input, stays."""
    text = st.session_state.get(k(page, TEXT), "")
    made_for = st.session_state.get(k(page, TARGET_FOR))
    if strategy == "forced" and made_for is not None and made_for != text:
        model, _error = load_model(name)
        st.session_state[k(page, Q_TARGET)] = known_target(task, model, text)
    st.session_state[k(page, TARGET_FOR)] = text


# --- stepping and what to look at -------------------------------------------------------------

def attention_pickers(page: str, trace, kind: str = "cross", mean: bool = True) -> tuple[int, int | None]:
    """Layer and head pickers for a Transformer (head None = mean over heads, offered when
    `mean`); RNN attention has one layer and one head. Returns 0-based (layer, head)."""
    if kind == "cross" and trace.cross_weights is None:
        return -1, None
    L, H = attention_stack(trace, kind).weights.shape[:2]
    if L == 1 and H == 1:
        return 0, 0
    heads = (["mean"] if mean else []) + list(range(1, H + 1))
    lk, hk = k(page, Q_LAYER), k(page, Q_HEAD)
    valid(lk, range(1, L + 1), L)
    if not mean:  # one head only (inside attention): its own key, so the mean chosen elsewhere stays chosen
        shared_head = st.session_state.get(hk)
        hk = k(page, Q_HEAD + ".one")
        if shared_head in heads:
            st.session_state[hk] = shared_head  # a head picked on another page, followed here
    valid(hk, heads, heads[0])
    # side by side where they fit, else the head buttons wrap under the layer (never cut off)
    with st.container(horizontal=True, gap="small", vertical_alignment="bottom"):
        layer = st.selectbox(_("Layer"), list(range(1, L + 1)), key=lk,
                             format_func=lambda i: _("layer {layer} of {n}").format(layer=i, n=L),
                             help=label(LAYER_HELP, kind), width=220 if presenting() else 150)
        head = st.segmented_control(_("Head"), heads, key=hk, required=True, width="content",
                                    format_func=lambda h: _("mean over heads") if h == "mean"
                                    else _("head {n}").format(n=h),
                                    on_change=None if mean else _one_head_picked, args=None if mean else (page,))
    return layer - 1, None if head == "mean" else head - 1


def _one_head_picked(page: str):
    """A head picked where only single heads are offered is the head every page shows next."""
    st.session_state[k(page, Q_HEAD)] = st.session_state[k(page, Q_HEAD + ".one")]


def kind_picker(kinds=KINDS, first: str | None = None) -> str:
    """Encoder self-attention, masked decoder self-attention or cross-attention (shared
    by the self-attention and inside pages); `first`: the kind a page opens on when none is
    chosen yet (inside attention: cross, the attention the step page shows)."""
    key = k(SHARED, Q_KIND)
    valid(key, kinds, first if first in kinds else kinds[0])
    return st.segmented_control(_("Attention"), kinds, key=key, required=True,
                                format_func=lambda kind: label(KIND_LABELS, kind))


def position_picker(trace) -> int:
    """The source position whose encoder self-attention is laid open (0-based)."""
    key = k(SHARED, Q_POS)
    S = len(trace.src_tokens)
    valid(key, range(S), 0)
    names = seq2seq.labels(trace.src_tokens)
    return st.selectbox(_("Query: source position"), list(range(S)), key=key, format_func=lambda i: names[i],
                        help=_("The encoder token whose attention over the source is laid open."))


def gold_toggle(page: str, task: str, trace) -> Gold | None:
    """'Show the true alignment' for the generated tasks; disabled, with the reason, when
    the typed text cannot be regenerated. Returns the Gold to draw, or None."""
    gold = gold_alignment(task, trace.src_tokens)
    if task not in ("dates", "reverse"):
        return None
    default(k(page, Q_GOLD), False)
    on = st.toggle(_("Overlay the true alignment"), key=k(page, Q_GOLD), disabled=not gold.known,
                   help=_("Open squares mark the source tokens each correct output token comes from."))
    if not gold.known:
        st.caption(_("No true alignment: {note}.").format(note=md(gold.note)))
        return None
    st.caption(_("True output **{target}** — {note}.").format(target=md(gold.target), note=md(gold.note)))
    return gold if on else None


def gold_caption(trace, matrix_view, gold, step: int | None = None):
    """How much of the shown attention falls on the true source tokens, in words: on average,
    as an aligner (AER of the argmax link, seq2seq.gold.alignment_scores) and at `step`."""
    if gold is None or matrix_view is None:
        return
    matrix = cross_matrix(trace, *matrix_view)
    share = gold_overlap(matrix, gold.matrix)
    if share is None:
        return
    scores = alignment_scores(matrix, gold.matrix)["argmax"]
    text = _("On average {share} of this view's attention falls on the true source tokens "
             "(open squares).").format(share=f"{share:.0%}")
    text += " " + _("As an aligner (each step's largest weight as its link) its alignment error rate is {aer:.2f} "
                    "(0: every link true).").format(aer=scores["aer"])
    if step is not None and step < min(len(matrix), len(gold.matrix)) and gold.matrix[step].any():
        top = int(np.argmax(matrix[step]))
        on = bool(gold.matrix[step][top] > 0) if top < gold.matrix.shape[1] else False
        text += " " + (_("At step {step} the largest weight is on a true source token.") if on else
                       _("At step {step} the largest weight is not on a true source token.")).format(step=step)
    st.caption(text)


# --- what-if and notices ---------------------------------------------------------------------

def whatif_buttons(page: str, trace, step: int, edits: int = 0):
    """One button per alternative at `step`: force it and decode on from there (at most
    MAX_EDITS what-ifs in a chain: each is a decode)."""
    alts = [(tok, p) for tok, p in zip(trace.topk_tokens[step], trace.topk_probs[step])
            if tok != trace.tgt_tokens[step]]
    if not alts:
        return
    st.markdown(_("**What if it had written…**"))
    if edits >= MAX_EDITS:
        st.info(_("This branch already has {n} what-ifs, the most one chain may have: undo one, or go back to the "
                  "original, to try another.").format(n=MAX_EDITS))
        return
    cols = st.columns(min(len(alts), 4))
    for i, (tok, p) in enumerate(alts):
        cols[i % len(cols)].button(f"{md(piece_text(tok))} · {p:.1%}", key=button(page, f"whatif.{i}"),
                                   on_click=session.add_edit, args=(page, step, tok), width="stretch",
                                   help=_("Force this token at step {step}, then let the model decode on.").format(
                                       step=step))


def branch_result(page: str, dec: session.Decoded):
    """The what-if result where its buttons are: the original and the branch side by side,
    the edits that made it, undo / back to the original."""
    if not dec.branched:
        return
    what = listed(_("step {step} → {token}").format(step=s, token=md(t)) for s, t in dec.edits)
    with st.container(border=True, key=f"branch-{page}"):
        st.markdown(_("**What-if branch** ({edits})").format(edits=what))
        c1, c2 = st.columns(2)
        c1.markdown(_("Original  \n**{output}**").format(output=md(dec.original.output) or _("(empty)")))
        c2.markdown(_("This branch  \n:orange-background[**{output}**]").format(
            output=md(dec.trace.output) or _("(empty)")))
        with st.container(horizontal=True, gap="small"):
            st.button(_("Undo last what-if"), key=button(page, "undo"), on_click=session.undo_edit,
                      args=(page, False), icon=":material/undo:")
            st.button(_("Back to the original"), key=button(page, "reset"), on_click=session.undo_edit,
                      args=(page, True), icon=":material/restart_alt:")


def prefix_picker(page: str) -> str:
    """The compare page's what-if for every model: the same start forced in each, then each
    decodes on by itself."""
    default(k(page, Q_PREFIX), "")
    return st.columns([3, 2])[0].text_input(_("Force the same start in every model"), key=k(page, Q_PREFIX),
                                            max_chars=MAX_TEXT,
                         placeholder=_("e.g. the first letters or characters of an output"),
                         help=_("A what-if for all models at once: each is made to write this first, then decodes "
                                "on by itself. Watch three architectures continue from the same prefix."))


def prefix_tokens(model, prefix: str) -> tuple:
    """The prefix as the model's own target tokens (empty: nothing to force)."""
    return tuple(model.tgt_tok.tokenize(prefix)) if model is not None and prefix.strip() else ()


def verdict(trace, truth: str):
    """A decode against the true output where the task knows it: right or wrong; and whether
    it stopped by itself or ran into the length limit."""
    if truth:
        if trace.output == truth:
            st.badge(_("right: the true output"), icon=":material/check:", color="green")
        else:  # the badge short (a narrow column), the true output under it, whole
            st.badge(_("wrong"), icon=":material/close:", color="red")
            st.markdown(_("True output: **{truth}**").format(truth=md(truth)))
    if not trace.finished:
        st.badge(_("did not stop: cut off at the length limit ({n} tokens)").format(n=trace.steps),
                 icon=":material/block:", color="orange")
    if any(trace.forced) and trace.strategy != "forced":
        st.caption(ngettext("The first token was forced (the same start in every model).",
                            "The first {n} tokens were forced (the same start in every model).",
                            sum(trace.forced)).format(n=sum(trace.forced)))


def dropped_notice(dec: session.Decoded):
    """Say so when a what-if from the link could not be applied."""
    if dec.dropped:
        st.warning(md(dec.dropped))


def branch_bar(page: str, dec: session.Decoded):
    """Says which branch is shown; undo / back-to-original buttons."""
    if dec.dropped:
        st.warning(md(dec.dropped))
    if not dec.branched:
        return
    what = listed(_("step {step} → {token}").format(step=s, token=md(t)) for s, t in dec.edits)
    st.info(_("**What-if branch** ({edits}).  \nOriginal: {original}  \nThis branch: {branch}").format(
        edits=what, original=md(dec.original.output) or _("(empty)"), branch=md(dec.trace.output) or _("(empty)")))
    c1, c2, _rest = st.columns([1, 1, 3])
    c1.button(_("Undo last what-if"), key=button(page, "undo"), on_click=session.undo_edit, args=(page, False))
    c2.button(_("Back to the original"), key=button(page, "reset"), on_click=session.undo_edit, args=(page, True))


def source_notices(trace):
    """Truncation and unknown words, visibly; the source as the model read it."""
    if trace.truncated:
        st.warning(_("The input is longer than this model reads: only the first {n} tokens were used.").format(
            n=MAX_SOURCE_TOKENS))
    toks = ["␣" if t == " " else t for t in display(trace.src_tokens[:-1])]  # pieces as "power ##ful"
    shown = " ".join(f":red-background[{md(t)}]" if u else md(t) for t, u in zip(toks, trace.src_unknown))
    unknown = sorted({t for t, u in zip(toks, trace.src_unknown) if u})
    if unknown:
        st.warning(_("Not in the model's vocabulary (read as `<unk>`): {tokens}. "
                     "They are marked red and with '?' in the charts.").format(tokens=listed(md(t) for t in unknown)))
    st.caption(_("Source as the model reads it ({n} tokens + end marker): {tokens}").format(n=len(toks), tokens=shown))


def stop_notice(trace):
    """Say so when a decode reached its step limit without writing </s>: its output is unfinished."""
    if trace.stopped == "budget":
        st.warning(_("The decode stopped at the work budget without finishing: it wrote {n} tokens and never the "
                     "end marker </s>, so its output is cut off. A shorter input or a smaller beam fits the "
                     "budget.").format(n=trace.steps))
    elif not trace.finished:
        # the sentence of seq2seq.trace.STOPS["length"], whole, so that a translation can reorder it
        st.warning(_("The model stopped at the length limit without finishing: it wrote {n} tokens (the limit for "
                     "this input) and never the end marker </s>, so its output is cut off.").format(n=trace.steps))


PIECES_NOTE = N_("The model reads and writes **subword pieces**: a word it cut is written `power ##ful`, where `##` "
               "marks a piece that continues the word before it. Names it never saw are copied piece by piece.")
WORDS_NOTE = N_("**Pieces merged into words**: a source word's attention is the **sum** over its pieces (each row "
              "still sums to 1), a target word's row the **mean** over the steps that wrote its pieces.")


def words_toggle(page: str, trace) -> bool | None:
    """'Merge pieces into words', where the decode has words cut into subword pieces (on by
    default in presentation mode). Whether to show the word view; None where there are no pieces."""
    if trace is None or not (has_pieces(trace.src_tokens) or has_pieces(trace.tgt_tokens)):
        return None
    default(k(page, Q_WORDS), presenting())
    on = st.toggle(_("Merge pieces into words"), key=k(page, Q_WORDS),
                   help=_("Attention summed over the pieces of a source word, averaged over the pieces of a target "
                          "word. Off: every piece the model read and wrote."))
    st.caption(_(WORDS_NOTE if on else PIECES_NOTE))
    return on


def input_notice(task: str, text: str):
    """Say so when the input is unlike anything the task's models were trained on (they still answer)."""
    note = unlike_training(task, text)
    if note:
        st.info(_("{note} The model still answers — a wrong answer here shows what it never learned.").format(
            note=md(note)))
