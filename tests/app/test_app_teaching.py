"""The teaching pages (self-attention, inside attention, model cards) and presentation
mode, driven headlessly with AppTest on tiny untrained checkpoints."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from apptest_util import arr, charts, ok, start, step_to, texts
from conftest import tiny_model
from streamlit.testing.v1 import AppTest

import seq2seq
from seq2seq.attention import rollout
from ui import keys

HOME, STEP, COMPARE = "views/home.py", "views/step.py", "views/compare.py"
SELF, INSIDE, CARDS = "views/self-attention.py", "views/inside.py", "views/cards.py"


def k(name):
    return keys.k(keys.SHARED, name)


def go(at: AppTest, page: str) -> AppTest:
    """Switch page from the sidebar (the browser drops the query parameters)."""
    at.query_params.clear()
    return at.switch_page(page).run()


def heatmaps(fig, name=None):
    return [t for t in fig["data"] if t["type"] == "heatmap" and (name is None or t.get("name") == name)]


def grid(at):
    return next(f for f in charts(at) if "every head" in f["layout"]["title"]["text"])


def enlarged(at):
    return next(f for f in charts(at) if " · layer " in f["layout"]["title"]["text"])


def table(at, column):
    """The first dataframe on the page with `column`."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def trace_of(root, name, text, **kw):
    """The same decode the page made, from the same checkpoint (decoding is deterministic)."""
    return seq2seq.decode(seq2seq.load(root / name, device="cpu"), text, **kw)


def softmax(e, mask):
    x = np.where(mask, e, -np.inf)
    x = np.exp(x - x[mask].max())
    return x / x.sum()


@pytest.fixture(autouse=True)
def _checkpoints(tiny_checkpoints, one_torch_thread):
    return tiny_checkpoints


# --- self-attention ----------------------------------------------------------------------------

def test_self_attention_grid_and_the_enlarged_head(tiny_checkpoints):
    at = start(SELF, model="reverse-transformer", text="abcdef", kind="encoder")
    ok(at)
    tr = trace_of(tiny_checkpoints, "reverse-transformer", "abcdef")
    L, H, S, _ = tr.enc_self_weights.shape
    fig = grid(at)
    panels = heatmaps(fig)
    assert len(panels) == L * H  # one figure, a panel per head of every layer
    assert fig["layout"]["coloraxis"]["cmin"] == 0
    labels = seq2seq.viz.axis_labels(tr.src_tokens)
    bottom = fig["layout"][f"xaxis{L * H}"]
    assert bottom["showticklabels"] and bottom["ticktext"][0] == "a"
    assert fig["layout"]["yaxis"]["ticktext"][:2] == labels[:2]
    for n, panel in enumerate(panels):
        np.testing.assert_allclose(arr(panel["z"]), tr.enc_self_weights[n // H, n % H], atol=1e-6)
    # by default the last layer's mean over heads is enlarged
    big = enlarged(at)
    assert "layer 2 · mean over heads" in big["layout"]["title"]["text"]
    np.testing.assert_allclose(arr(big["data"][0]["z"]), tr.enc_self_weights[-1].mean(0), atol=1e-6)
    assert "query a ← key a" in big["data"][0]["text"][0][0]  # hover: the token pair and the weight
    assert "weight α = " in big["data"][0]["text"][0][0]

    at.selectbox(key=k("layer")).set_value(1).run()
    at.segmented_control(key=k("head")).set_value(3).run()
    ok(at)
    big = enlarged(at)
    assert "Encoder self-attention · layer 1 · head 3" in big["layout"]["title"]["text"]
    np.testing.assert_allclose(arr(big["data"][0]["z"]), tr.enc_self_weights[0, 2], atol=1e-6)
    assert at.query_params["layer"] == "1" and at.query_params["head"] == "3"
    assert at.query_params["kind"] == "encoder" and at.query_params["model"] == "reverse-transformer"
    outline = [s for s in grid(at)["layout"]["shapes"] if s["line"]["width"] == 3]
    assert len(outline) == 1  # the enlarged head is outlined in the grid


def test_decoder_self_attention_draws_the_mask(tiny_checkpoints):
    at = start(SELF, model="reverse-transformer", text="abc", kind="decoder", step="1")
    ok(at)
    tr = trace_of(tiny_checkpoints, "reverse-transformer", "abc")
    masked = ~tr.causal_mask
    assert masked.any()
    fig = grid(at)
    greys = heatmaps(fig, "masked")
    assert len(greys) == tr.dec_self_weights.shape[0] * tr.dec_self_weights.shape[1]
    for grey in greys:
        z = arr(grey["z"])
        assert (np.isfinite(z) == masked).all()  # exactly the future cells are drawn
    weights = [h for h in heatmaps(fig) if h.get("name") != "masked"]
    assert all(np.isnan(arr(h["z"])[masked]).all() for h in weights)  # never shown as a weight of 0
    assert any(t.get("name", "").startswith("masked") for t in fig["data"] if t["type"] == "scatter")  # legend
    big = enlarged(at)
    assert (np.isfinite(arr(heatmaps(big, "masked")[0]["z"])) == masked).all()
    assert big["layout"]["yaxis"]["ticktext"][0] == "&lt;s&gt;"  # the decoder inputs, escaped
    assert big["layout"]["shapes"][0]["y0"] == 0.5  # step 1 outlined
    assert "Grey cells are **masked**" in texts(at)


def test_cross_attention_grid(tiny_checkpoints):
    at = start(SELF, model="reverse-transformer", text="abc", kind="cross")
    ok(at)
    tr = trace_of(tiny_checkpoints, "reverse-transformer", "abc")
    fig = grid(at)
    assert fig["layout"]["yaxis"]["ticktext"][0] == seq2seq.viz.axis_labels(tr.tgt_tokens)[0]
    np.testing.assert_allclose(arr(heatmaps(fig)[1]["z"]), tr.cross_weights[:, 0, 1], atol=1e-6)
    assert not heatmaps(fig, "masked")


def test_rollout_rows_sum_to_one(tiny_checkpoints):
    at = start(SELF, model="reverse-transformer", text="abcdefgh", kind="encoder")
    ok(at)
    fig = next(f for f in charts(at) if "rollout" in f["layout"]["title"]["text"].lower())
    R = arr(fig["data"][0]["z"])
    np.testing.assert_allclose(R.sum(1), 1.0, atol=1e-5)
    tr = trace_of(tiny_checkpoints, "reverse-transformer", "abcdefgh")
    np.testing.assert_allclose(R, rollout(tr.enc_self_weights)[-1], atol=1e-6)
    body = texts(at)
    assert "Abnar & Zuidema" in body and "0.5·I + 0.5·A" in body and "renormalised" in body


def test_lstms_have_no_self_attention():
    at = start(SELF, model="reverse-lstm-attn", text="abc")
    ok(at)
    assert any("no self-attention" in e.value for e in at.info)
    assert not at.get("plotly_chart")
    (link,) = at.get("page_link")
    assert link.proto.page.endswith("step") or "step" in link.proto.page
    at.button(key="b.self.transformer").click().run()
    ok(at)
    assert at.session_state[k("arch")] == "transformer"
    assert at.query_params["model"] == "reverse-transformer"
    assert grid(at)


def test_the_sidebar_opens_self_attention_on_the_transformer_not_a_dead_end():
    at = start(STEP, model="reverse-lstm-attn", text="attention")
    ok(at)
    at.query_params.clear()  # the sidebar's link carries no query
    at.switch_page(SELF).run()
    ok(at)
    assert at.session_state[k("arch")] == "transformer" and at.session_state[k("text")] == "attention"
    assert not any("no self-attention" in e.value for e in at.info)
    assert grid(at)  # every head of every layer, at once
    assert at.query_params["model"] == "reverse-transformer"


# --- inside attention ----------------------------------------------------------------------------

def test_inside_lstm_attention_numbers_are_the_traces(tiny_checkpoints):
    at = start(INSIDE, model="reverse-lstm-attn", text="abcd", step="2")
    ok(at)
    tr = trace_of(tiny_checkpoints, "reverse-lstm-attn", "abcd")
    scores = table(at, "score e")
    e, alpha = scores["score e"].to_numpy(float), scores["weight α"].to_numpy(float)
    mask = np.asarray(tr.src_mask, bool)
    # what the page shows: α = softmax(e), and both are the trace's own numbers
    np.testing.assert_allclose(alpha, softmax(e, mask), atol=1e-6)
    np.testing.assert_allclose(e, tr.cross_scores[2, 0, 0], atol=1e-6)
    np.testing.assert_allclose(alpha, tr.cross_weights[2, 0, 0], atol=1e-6)
    assert list(scores["token"]) == seq2seq.labels(tr.src_tokens)
    # c_t = Σ α h, recomputed here from the trace's states
    context = table(at, "c_t (the model)")
    np.testing.assert_allclose(context["c_t (the model)"], tr.context[2], atol=1e-5)
    np.testing.assert_allclose(context["Σ α h (recomputed)"], alpha @ tr.enc_states, atol=1e-5)
    np.testing.assert_allclose(context["c_t (the model)"], tr.cross_weights[2, 0, 0] @ tr.enc_states, atol=1e-5)
    latex = " ".join(x.value for x in at.latex)
    assert r"v^\top \tanh(W s_t + U h_i)" in latex  # the tiny model's config: additive
    assert r"c_t = \sum_i \alpha_{t,i}\, h_i" in latex and r"\exp e_{t,i}" in latex
    assert "no self-attention" in texts(at)
    assert at.query_params["step"] == "2"


def test_inside_shows_the_score_function_of_the_config(own_checkpoints):
    model = tiny_model("lstm-attn", "reverse", score="dot")
    seq2seq.save(model, own_checkpoints / "reverse-lstm-attn", task="reverse", data="generated (reverse)")
    at = start(INSIDE, model="reverse-lstm-attn", text="abc")
    ok(at)
    latex = " ".join(x.value for x in at.latex)
    assert r"e_{t,i} = s_t^\top h_i" in latex and r"\tanh(W s_t" not in latex
    assert "dot (Luong)" in texts(at)


def test_inside_transformer_one_head(tiny_checkpoints):
    at = start(INSIDE, model="reverse-transformer", text="abcdef", step="3", kind="decoder", layer="2", head="2")
    ok(at)
    tr = trace_of(tiny_checkpoints, "reverse-transformer", "abcdef")
    scores = table(at, "score e")
    allowed = (scores["mask"] == "allowed").to_numpy()
    assert allowed.tolist() == tr.causal_mask[3].tolist()  # the mask, shown
    assert scores["score e"][~allowed].isna().all()  # masked: no score (−∞), weight exactly 0
    assert (scores["weight α"][~allowed] == 0).all()
    e, alpha = scores["score e"].to_numpy(float), scores["weight α"].to_numpy(float)
    np.testing.assert_allclose(alpha, softmax(np.nan_to_num(e), allowed), atol=1e-6)
    np.testing.assert_allclose(alpha, tr.dec_self_weights[1, 1, 3], atol=1e-6)
    q = table(at, "q")["q"].to_numpy(float)
    K = next(d.value for d in at.dataframe if "d0" in d.value.columns).to_numpy(float)
    np.testing.assert_allclose(q, tr.dec_self_q[3, 1, 1], atol=1e-6)
    np.testing.assert_allclose((K @ q / np.sqrt(len(q)))[allowed], e[allowed], atol=1e-4)  # QKᵀ/√d_k
    latex = " ".join(x.value for x in at.latex)
    assert r"\sqrt{d_k}" in latex and r"-\infty" in latex
    assert at.segmented_control(key=k("head.one")).value == 2
    assert at.query_params["kind"] == "decoder"


def test_inside_transformer_encoder_position():
    at = start(INSIDE, model="reverse-transformer", text="abcdef", kind="encoder", pos="2", layer="1", head="1")
    ok(at)
    scores = table(at, "score e")
    assert (scores["mask"] == "allowed").all()
    np.testing.assert_allclose(scores["weight α"], scores["softmax(e), recomputed"], atol=1e-6)
    assert at.query_params["pos"] == "2"
    at.selectbox(key=k("pos")).set_value(4).run()
    ok(at)
    assert at.query_params["pos"] == "4"


def test_inside_mean_head_becomes_one_head():
    at = start(INSIDE, model="reverse-transformer", text="abc", head="mean")
    ok(at)
    assert at.segmented_control(key=k("head.one")).value == 1  # the mean is not one computation
    assert at.session_state[k("head")] == "mean"  # ... and stays the choice of the pages that show it


def test_inside_plain_lstm_shows_the_bottleneck(tiny_checkpoints):
    at = start(INSIDE, model="reverse-lstm", text="hello", step="2")
    ok(at)
    tr = trace_of(tiny_checkpoints, "reverse-lstm", "hello")
    fig = next(f for f in charts(at) if "context vector" in f["layout"]["title"]["text"])
    z = arr(fig["data"][0]["z"])
    assert len(z) == 3 and (z == z[0]).all()  # step 0, this step, the last: the same c
    np.testing.assert_allclose(table(at, "c at step 2")["c at step 2"], tr.context[2], atol=1e-6)
    assert "no attention" in texts(at)


# --- model cards ---------------------------------------------------------------------------------

def test_model_card_reads_the_checkpoint_folder(own_checkpoints):
    folder = own_checkpoints / "reverse-lstm-attn"
    (folder / "metrics.json").write_text(json.dumps({
        "split": "test", "metrics": {"n": 500, "exact": 97.5, "token_acc": 99.1},
        "by_length": [{"bucket": "1-10", "n": 300, "exact": 99.0}, {"bucket": "11-20", "n": 200, "exact": 95.0}],
        "decode": {"strategy": "greedy", "sentences_per_s": 321.0},
        "examples": [{"src": "abc", "ref": "cba", "hyp": "cba"}]}))
    (folder / "train_log.jsonl").write_text(
        "\n".join(json.dumps({"epoch": e, "train_loss": loss, "dev_exact": dev, "seconds": 3.0})
                  for e, loss, dev in ((1, 2.5, 10.0), (2, 0.9, 60.0), (3, 0.1, 96.0))) + "\n{broken\n")
    (folder / "README.md").write_text("# reverse-lstm-attn\n\nA card written by the evaluator.\n")
    at = start(CARDS, model="reverse-lstm-attn")
    ok(at)
    info = json.loads((folder / "config.json").read_text())
    config = table(at, "setting").set_index("setting")["value"]
    assert config["hidden"] == str(info["config"]["hidden"]) and config["score"] == "additive"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Parameters"] == f"{info['parameters']:,}"
    assert "**LSTM \\+ attention \\(Luong\\)** for **Reverse the letters**" in texts(at)
    assert table(at, "exact")["exact"].tolist()[0] == 97.5
    by_length = table(at, "bucket")
    assert by_length["bucket"].tolist() == ["1-10", "11-20"] and by_length["exact"].tolist() == [99.0, 95.0]
    (fig,) = charts(at)
    loss, dev = fig["data"]
    assert loss["x"] == [1, 2, 3] and loss["y"] == [2.5, 0.9, 0.1] and loss["name"] == "train loss"
    assert dev["y"] == [10.0, 60.0, 96.0] and dev["name"] == "dev exact"
    assert fig["layout"]["yaxis"]["type"] == "log"  # the loss fell 25x
    body = texts(at)
    assert "1 unreadable line skipped" in body
    assert "Generated" in body and "Tatoeba" not in body
    assert "A card written by the evaluator." in body
    assert at.query_params["model"] == "reverse-lstm-attn"


def test_model_card_without_metrics_or_log(own_checkpoints):
    (own_checkpoints / "dates-lstm" / "train_log.jsonl").unlink(missing_ok=True)
    at = start(CARDS, model="dates-lstm")
    ok(at)
    body = " ".join(e.value for e in at.info)
    assert "Test metrics: not evaluated yet" in body and "Training curves: not evaluated yet" in body
    assert not at.get("plotly_chart") and not at.error


def test_model_card_credits_tatoeba_for_en_zh(own_checkpoints):
    folder = own_checkpoints / "en-zh-transformer"
    shutil.copytree(own_checkpoints / "reverse-transformer", folder)
    info = json.loads((folder / "config.json").read_text())
    info.update(task="en-zh", data="cmn-eng.tsv", data_sha256="ab12")
    (folder / "config.json").write_text(json.dumps(info))
    at = start(CARDS, model="en-zh-transformer")
    ok(at)
    body = texts(at)
    assert "Tatoeba" in body and "CC-BY 2.0 France" in body and "ab12" in body
    assert "for **English → Chinese**" in texts(at)


def test_model_card_of_a_broken_config(own_checkpoints):
    (own_checkpoints / "dates-lstm" / "config.json").write_text("{not json")
    at = start(CARDS, model="dates-lstm")
    ok(at)
    assert any("cannot be read" in e.value and "not valid JSON" in e.value for e in at.error)


# --- one view shared by the pages ----------------------------------------------------------------

def test_the_teaching_pages_share_the_step_pages_view():
    at = start(STEP, model="reverse-transformer", text="hello", step="2", layer="1", head="3")
    ok(at)
    go(at, SELF)
    ok(at)
    q = at.query_params
    assert (q["model"], q["text"], q["step"], q["layer"], q["head"]) == ("reverse-transformer", "hello", "2", "1", "3")
    assert "layer 1 · head 3" in enlarged(at)["layout"]["title"]["text"]
    go(at, INSIDE)
    ok(at)
    assert (at.query_params["text"], at.query_params["step"], at.query_params["head"]) == ("hello", "2", "3")
    go(at, CARDS)
    ok(at)
    assert at.query_params["model"] == "reverse-transformer"
    go(at, STEP)
    ok(at)
    assert at.query_params["text"] == "hello" and at.query_params["step"] == "2"


# --- presentation mode ---------------------------------------------------------------------------

def fonts(at):
    return {f["layout"]["font"]["size"] for f in charts(at)}


def styled(at):
    return any("presentation mode" in e.value and e.proto.allow_html for e in at.sidebar.markdown)


def test_presentation_mode_toggles_and_persists_in_the_url():
    at = start(STEP, model="reverse-transformer", text="abc")
    ok(at)
    assert "present" not in at.query_params and fonts(at) == {12} and not styled(at)
    assert at.caption  # hints are shown
    at.sidebar.toggle(key=keys.PRESENT).set_value(True).run()
    ok(at)
    assert at.query_params["present"] == "1" and styled(at)
    assert fonts(at) == {18}
    go(at, SELF)  # the browser drops the parameters; the mode stays, and comes back into the URL
    ok(at)
    assert at.query_params["present"] == "1" and styled(at) and fonts(at) == {18}
    assert not [c for c in at.main.caption if "One colour scale" in c.value]  # shell.hint: left out
    assert at.query_params["model"] == "reverse-transformer"
    at.sidebar.toggle(key=keys.PRESENT).set_value(False).run()
    ok(at)
    assert "present" not in at.query_params and not styled(at) and fonts(at) == {12}


def test_a_link_turns_presentation_mode_on_and_off():
    at = start(SELF, model="reverse-transformer", text="abc", present="1")
    ok(at)
    assert at.sidebar.toggle(key=keys.PRESENT).value and fonts(at) == {18}
    at.run()  # a rerun keeps it
    assert at.sidebar.toggle(key=keys.PRESENT).value and at.query_params["present"] == "1"
    at.query_params.clear()
    at.query_params.update({"model": "reverse-transformer", "text": "abc", "present": "0"})
    at.run()
    ok(at)
    assert not at.sidebar.toggle(key=keys.PRESENT).value and "present" not in at.query_params


@pytest.mark.parametrize("page,query", [
    (HOME, {}), (STEP, {"model": "reverse-lstm-attn", "text": "abc", "strategy": "beam"}),
    (COMPARE, {"task": "reverse", "text": "abc"}),
    (SELF, {"model": "reverse-transformer", "text": "abc", "kind": "decoder"}),
    (INSIDE, {"model": "reverse-lstm-attn", "text": "abc"}), (CARDS, {"model": "reverse-transformer"}),
])
def test_presentation_mode_on_every_page(own_checkpoints, page, query):
    if page == COMPARE:  # with metrics, the quality chart too
        (own_checkpoints / "reverse-lstm" / "metrics.json").write_text(json.dumps(
            {"metrics": {"exact": 50.0}, "by_length": [{"bucket": "1-10", "n": 5, "exact": 50.0}]}))
    if page == CARDS:
        (own_checkpoints / "reverse-transformer" / "train_log.jsonl").write_text(
            json.dumps({"epoch": 1, "train_loss": 1.0, "dev_exact": 5.0}) + "\n")
    at = start(page, **query, present="1")
    ok(at)
    assert styled(at) and at.query_params["present"] == "1"
    if page != HOME:
        assert charts(at) and fonts(at) == {18}


def test_visiting_inside_attention_keeps_the_step_pages_mean_over_heads():
    """Issue 12, point 5: Inside attention offers single heads only; visiting it used to switch
    the step page from "mean over heads" to head 1."""
    at = start(STEP, model="dates-transformer", text="9 May 2018", head="mean")
    ok(at)
    assert at.session_state[k("head")] == "mean"
    go(at, INSIDE)
    ok(at)
    assert at.session_state[k("head")] == "mean"
    go(at, STEP)
    ok(at)
    assert at.session_state[k("head")] == "mean"
    go(at, INSIDE)
    heads = next(b for b in at.get("button_group") if b.proto.id.endswith(k("head.one")))
    heads.set_value(3).run()  # a head picked on the inside page: the step page follows it
    ok(at)
    go(at, STEP)
    assert at.session_state[k("head")] == 3


def test_inside_attention_opens_on_the_cross_attention_the_step_page_showed():
    """Issue 12, point 5: arriving from the step page (cross-attention), Inside opened on the
    encoder's self-attention."""
    at = start(STEP, model="dates-transformer", text="9 May 2018")
    go(at, INSIDE)
    ok(at)
    assert at.session_state[k("kind")] == "cross"
    at = start(INSIDE, model="dates-transformer", text="9 May 2018", kind="encoder")  # a link still chooses
    assert at.session_state[k("kind")] == "encoder"


# --- is attention an explanation? --------------------------------------------------------------

EXPLAIN = "views/explain.py"


def test_explain_page_sets_attention_beside_attribution_and_keeps_its_link(tiny_checkpoints):
    from seq2seq.attribute import attribute

    at = start(EXPLAIN, model="dates-transformer", text="9 May 2018", step="2", knockout="cross-1-2,cross-2-1")
    ok(at)
    assert at.query_params["step"] == "2" and at.query_params["knockout"] == "cross-1-2,cross-2-1"
    assert at.multiselect[0].value == ["cross-1-2", "cross-2-1"]
    fig = next(f for f in charts(at) if "attention and attribution" in f["layout"]["title"]["text"])
    assert [t["name"] for t in fig["data"]] == ["attention, last layer", "attention rollout", "integrated gradients",
                                                "gradient × input", "erasure"]
    # the bars are the library's numbers, each row scaled to its largest magnitude
    model = seq2seq.load(tiny_checkpoints / "dates-transformer", device="cpu")
    tr = seq2seq.decode(model, "9 May 2018")
    ig = attribute(model, tr, "ig").values[2]
    np.testing.assert_allclose(arr(fig["data"][2]["y"]), ig / np.abs(ig).max(), atol=1e-3)
    # knocked out: the two outputs side by side and a probability table per step
    assert any("Knocked out" in m.value for m in at.markdown)
    table = next(d.value for d in at.dataframe if "p, knocked out" in d.value.columns)
    assert len(table) == tr.steps
    # the step moves the evidence, the link follows; dropping the knock-out drops it from the link
    step_to(at, 4, keys.SHARED)
    assert at.query_params["step"] == "4"
    at.multiselect[0].set_value([]).run()
    ok(at)
    assert "knockout" not in at.query_params


def test_explain_page_for_the_lstms():
    at = start(EXPLAIN, model="dates-lstm", text="9 May 2018")
    ok(at)
    assert any("no attention" in i.value for i in at.info)
    fig = charts(at)[0]
    assert [t["name"] for t in fig["data"]] == ["integrated gradients", "gradient × input", "erasure"]
    at = start(EXPLAIN, model="dates-lstm-attn", text="9 May 2018", knockout="uniform")
    ok(at)
    assert at.multiselect[0].value == ["uniform"]
    assert at.query_params["knockout"] == "uniform"
