"""Is attention an explanation? This step's attention beside three attributions of the chosen token
on the same source tokens, how well they agree, heads knocked out and decoded again, and the
model's faithfulness table and head-importance grid (its explain.json)."""

import streamlit as st

from seq2seq.checkpoint import read_explain
from seq2seq.gold import gold_alignment
from seq2seq.i18n import _
from ui import evidence, figures, shared, shell, stage, widgets
from ui.keys import Q_KNOCKOUT, SHARED, k
from ui.text import code, filename
from ui.urlstate import write_url

st.title(_("Is attention an explanation?"))
shell.hint(_("Attention says where a step looked. An attribution says how much each source token changed the "
             "probability of the token the step chose. Where the two agree, attention is a fair explanation of "
             "that step; where they do not, it is not."))

sel = shared.shared_view(decode=False)
shared.decode_view(sel)
trace, model = sel.trace, sel.model
widgets.source_notices(trace)
key = (*figures.trace_key(trace), str(model.device))

t = stage.stepper(SHARED, trace.steps, stage.step_captions(trace))
try:
    with evidence.cached_spinner():
        attrs = evidence.attributions(model, trace, key)
except ValueError as e:  # past the work budget (seq2seq.budget.MAX_ATTRIBUTION_CELLS)
    st.warning(_("This decode is too long to attribute here ({why}): shorten the input or the output.").format(
        why=e))
    write_url(SHARED, sel.url(t))
    st.stop()
faith = evidence.faithfulness(trace, attrs, key)
st.subheader(_("Step {step}: where it looked, and what mattered").format(step=t))
if trace.cross_weights is None:
    st.info(_("**The plain LSTM has no attention** to compare: its decoder reads one vector for the whole "
              "sentence. Its output still depends on each source token, and the attributions below say how much."))
fig = figures.evidence_figure(trace, evidence.step_rows(trace, attrs, t), t)
figures.plot(fig, filename(trace.model, "explain", t))
shell.hint(_("Each row is scaled to its own largest value (1 = that row's most important token); hover a bar for "
             "its raw value. Integrated gradients and gradient × input can be negative: that token made the "
             "chosen one less likely."))

if faith.per_step:
    per_step = {view: {m: rho[t] for m, rho in row.items()} for view, row in faith.per_step.items()
                if view in ("last layer", "rollout")}
    st.markdown(_("**This step**: rank correlation (Spearman) of attention with each attribution"))
    st.dataframe(evidence.correlation_table(per_step), width="stretch")
    st.markdown(_("**This sentence**: the same, averaged over its steps"))
    st.dataframe(evidence.correlation_table(faith.sentence), width="stretch")
    st.caption(_("How much the attributions agree with each other on this sentence (Spearman): {pairs}. Read "
                 "attention's agreement against that: the methods themselves disagree.").format(
        pairs="; ".join(f"{evidence.pair_label(a, b)} {rho:.2f}" for (a, b), rho in faith.between.items())))
ig = attrs["ig"].delta
if ig is not None and len(ig):
    st.caption(_("Integrated gradients' convergence delta at this step: {delta:+.4f} (how far the attributions' sum "
                 "is from the change in log-probability they explain).").format(delta=float(ig[t])))

gold = gold_alignment(sel.task, list(trace.src_tokens)).matrix
aligned = evidence.alignment_table(trace, gold)
if aligned is not None:
    st.markdown(_("**Attention as an aligner**: this decode's attention against the true alignment the task knows, "
                  "per head (AER 0: attention links exactly the true source tokens; 1: none of them)"))
    st.dataframe(aligned.style.highlight_min(subset=[aligned.columns[0]], color="#fde0d5").format("{:.3f}"),
                 width="stretch")

st.divider()
st.subheader(_("Knock heads out"))
options = evidence.knockout_options(model)
knock_key = k(SHARED, Q_KNOCKOUT)
if not options:
    st.caption(_("The plain LSTM has no attention to knock out."))
    chosen = []
else:
    kept = st.session_state.get(knock_key) or []
    st.session_state[knock_key] = [c for c in kept if c in options]
    chosen = st.multiselect(_("Switch off") if model.arch == "transformer" else _("Replace alpha by"), options,
                            key=knock_key, format_func=lambda c: evidence.knockout_label(evidence.parse(c)),
                            max_selections=None if model.arch == "transformer" else 1,
                            help=_("Each head's output is set to zero (its weights are still computed and shown); "
                                   "the LSTM's alpha is replaced by a uniform one or frozen at step 0. The decode "
                                   "runs again."))
if chosen:
    free, forced = evidence.knocked_out(model, trace, chosen, key)
    c1, c2 = st.columns(2)
    c1.markdown(_("**With every head**: {output}").format(output=code(trace.output)))
    c2.markdown(_("**Knocked out**: {output}").format(output=code(free.output)))
    st.dataframe(evidence.probability_table(trace, forced), width="stretch", hide_index=True)
    st.caption(_("Probabilities of the tokens the model wrote with every head, re-read with the heads knocked out "
                 "(teacher forcing on the same output)."))

st.divider()
st.subheader(_("The model on its test sample"))
explained = read_explain(sel.name)
if explained is None:
    st.caption(_("Not computed yet for this model: `python -m seq2seq.explain --model {name}` writes it.").format(
        name=sel.name))
else:
    table, agree = evidence.model_table(explained)
    if not table.empty:
        st.markdown(_("**Faithfulness**: attention against attribution, mean Spearman over {n} test sentences").format(
            n=explained.get("sample")))
        st.dataframe(table, width="stretch")
    st.markdown(_("**The attributions against each other**"))
    st.dataframe(agree, width="stretch")
    if explained["head_importance"]["heads"]:
        figures.plot(figures.importance_figure(explained["head_importance"]), filename(sel.name, "head-importance"))
st.markdown(_(
    "**What the papers found.** Jain & Wallace (2019, *Attention is not Explanation*) found attention weights "
    "often uncorrelated with gradient and erasure importance, and other attention patterns giving the same "
    "output. Wiegreffe & Pinter (2019, *Attention is not not Explanation*) answered that it depends on the "
    "model and the test: where attention is needed (knock it out and the output changes), it carries "
    "information. Abnar & Zuidema (2020) showed that in deep Transformers raw attention of the last layer "
    "tracks importance less than *rollout*, attention followed back through the layers. Michel et al. "
    "(2019, *Are Sixteen Heads Really Better than One?*) knocked heads out: most can go, and the "
    "encoder-decoder (cross) heads matter most. The tables above ask the same questions of these models."))

write_url(SHARED, {**sel.url(t), **({Q_KNOCKOUT: ",".join(chosen)} if chosen else {})})
