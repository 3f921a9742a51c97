"""Attention Lab: `streamlit run app.py`.

The router: page config, the page list, the sidebar every page shares. Adding a page
is one line in PAGES (its file in views/ only renders; shared state lives in ui/).
"""

import os
import time
from pathlib import Path

import streamlit as st

from seq2seq.i18n import _
from ui import compat, lang, models, shell

HERE = Path(__file__).resolve().parent
started = time.perf_counter()

lang.resolve()  # first: every message of this run is in the session's language
st.set_page_config(page_title="Attention Lab", page_icon=str(models.ASSETS / "icon.png"), layout="wide",
                   initial_sidebar_state=shell.sidebar_state())
compat.check(HERE)

# Each file is named as its URL path. They live in views/, not pages/ (see ui/compat.py).
PAGES = [
    st.Page("views/home.py", title=_("Home"), icon=":material/home:", url_path="home", default=True),
    st.Page("views/step.py", title=_("Step through decoding"), icon=":material/step_over:", url_path="step"),
    st.Page("views/compare.py", title=_("Compare architectures"), icon=":material/compare:", url_path="compare"),
    st.Page("views/self-attention.py", title=_("Self-attention"), icon=":material/grid_view:",
            url_path="self-attention"),
    st.Page("views/inside.py", title=_("Inside attention"), icon=":material/function:", url_path="inside"),
    st.Page("views/explain.py", title=_("Is attention an explanation?"), icon=":material/fact_check:",
            url_path="explain"),
    st.Page("views/training.py", title=_("Watch attention form"), icon=":material/timeline:", url_path="training"),
    st.Page("views/train.py", title=_("Train a model"), icon=":material/model_training:", url_path="train"),
    st.Page("views/cards.py", title=_("Model cards"), icon=":material/badge:", url_path="cards"),
]

page = st.navigation(PAGES)
shell.keep_widgets()
shell.sidebar()
try:
    page.run()
except Exception as e:  # st.stop / st.rerun are BaseExceptions and pass through
    shell.page_failed(e)
finally:
    models.warm_up()  # torch and the decoding code load in the background once the first page is out
    # the load test (scripts/load_test.py) reads each run's time as the server saw it
    if os.environ.get("ATTENTION_LAB_TIMING"):
        shell.log_run(os.environ["ATTENTION_LAB_TIMING"], page.url_path, time.perf_counter() - started)
