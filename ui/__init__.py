"""The app side of Attention Lab: the only package that imports both Streamlit and
`seq2seq`. Importing it does nothing but define things; app.py and the pages in views/
call what they need.

    compat    what the app knows of Streamlit beyond its documented API (checked version)
    keys      every session-state key and query-parameter name
    urlstate  the view in the address bar: pure parse_view / to_query, read and write
    shell     sidebar, presentation mode and its stylesheet, hints, page errors
    models    the model zoo, the cached loader shared by all sessions, the device, examples
    session   this session's bounded caches, its decodes and the what-if chain
    widgets   pickers, the alignment toggle, what-if buttons, notices
    stage     the one step control (a components-v2 component) and the screen size charts fit
    shared    the view the step page and the teaching pages share
    figures   cached figures over seq2seq.viz, sized for the screen (stage.screen), and plot()
    tables    pandas tables for the pages and the downloads of a decode
    text      labels, shared page copy, Markdown escaping, file names
"""
