"""Attention Lab: `streamlit run app.py`.

The router: page config, the page list, the sidebar every page shares. Adding a page
is one line in PAGES (its file in pages/ only renders; shared state lives in ui.py).
"""

import streamlit as st

import ui

st.set_page_config(page_title="Attention Lab", page_icon=str(ui.ASSETS / "icon.png"), layout="wide",
                   initial_sidebar_state=ui.sidebar_state())

PAGES = [
    st.Page("pages/home.py", title="Home", icon=":material/home:", url_path="home", default=True),
    st.Page("pages/step.py", title="Step through decoding", icon=":material/step_over:", url_path="step"),
    st.Page("pages/compare.py", title="Compare architectures", icon=":material/compare:", url_path="compare"),
    # Each file is named as its URL path: a deep link as a fresh server's first request then finds it
    # (see ui._router_first).
    st.Page("pages/self-attention.py", title="Self-attention", icon=":material/grid_view:", url_path="self-attention"),
    st.Page("pages/inside.py", title="Inside attention", icon=":material/function:", url_path="inside"),
    st.Page("pages/cards.py", title="Model cards", icon=":material/badge:", url_path="cards"),
]

page = st.navigation(PAGES)
ui.keep_widgets()
ui.sidebar()
try:
    page.run()
except Exception as e:  # st.stop / st.rerun are BaseExceptions and pass through
    st.error(f"This view hit an unexpected problem ({type(e).__name__}): {ui.md(e)}. "
             "Change the input or pick another model; the other pages keep working.")
