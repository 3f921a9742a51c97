"""The three tasks in words and numbers: their labels, where their data comes from and
whom to credit, and the source-length buckets of the quality-by-length tables.

One place for each, read by the data generator, the evaluator, the model card and the app.
Labels, titles and credits are English messages (`N_`): show them through `_()`.

    LABELS["dates"]                     # "Dates → ISO 8601" (translated: _(LABELS["dates"]))
    data_credit(read_config("en-zh-transformer"))   # Markdown: Tatoeba, CC-BY 2.0 France
    bucket_name(*BUCKETS["reverse"][0]) # "1-10"
"""

from __future__ import annotations

from pathlib import Path

from .i18n import N_, _

TASKS = ("en-zh", "dates", "reverse", "pairs")  # pairs: any TSV of sentence pairs (seq2seq.data.read_pairs)

# Short names, for pickers and tables.
LABELS = {"en-zh": N_("English → Chinese"), "dates": N_("Dates → ISO 8601"), "reverse": N_("Reverse the letters"),
          "pairs": N_("Your sentence pairs")}
# What a model of the task does, as the model card's first sentence says it ("... for <title>").
TITLES = {"en-zh": N_("English → Chinese (Tatoeba)"), "dates": N_("date normalisation → ISO 8601"),
          "reverse": N_("sequence reversal"), "pairs": N_("a corpus of sentence pairs")}

# Corpus file (config.json "data") -> its credit, Markdown. The generated tasks need none.
TATOEBA = "cmn-eng.tsv"
CREDITS = {
    TATOEBA: N_("English–Chinese sentence pairs from [Tatoeba](https://tatoeba.org) and its contributors, "
                "licensed [CC-BY 2.0 France](https://creativecommons.org/licenses/by/2.0/fr/), in the export "
                "of [manythings.org/anki](https://www.manythings.org/anki/) (`cmn-eng.zip`)."),
}


def _code(text) -> str:
    """An inline code span that shows `text` literally."""
    return "`" + str(text).replace("`", "'").replace("\n", " ") + "`"


def data_credit(info: dict) -> str:
    """Markdown: where a model's training data comes from, from its config.json (in the
    current language)."""
    data, task = info.get("data"), info.get("task")
    data = data if isinstance(data, str) else ""
    if data.startswith("generated"):
        return _("**Generated** by this project (`seq2seq.data`, task {task}): the true alignment of every "
                 "output token is known.").format(task=_code(task))
    credit = CREDITS.get(Path(data).name)
    if credit:
        sha = info.get("data_sha256")
        return _(credit) + (" " + _("Corpus file {file}, sha256 {sha}.").format(file=_code(Path(data).name),
                                                                              sha=_code(sha)) if sha else "")
    if data:
        return _("Data: {data}.").format(data=_code(data))
    return _("The checkpoint does not say what data it was trained on.")


# Length buckets (inclusive) for the quality-by-length tables: source words (en-zh) or characters.
BUCKETS = {
    "en-zh": [(1, 4), (5, 7), (8, 10), (11, 999)],
    "dates": [(1, 12), (13, 18), (19, 24), (25, 999)],
    "reverse": [(1, 10), (11, 20), (21, 30), (31, 40)],
    "pairs": [(1, 4), (5, 7), (8, 10), (11, 999)],
}


def source_length(task: str, src: str) -> int:
    """What the buckets count: words of a sentence (en-zh, pairs), characters otherwise."""
    return len(src.split()) if task in ("en-zh", "pairs") else len(src)


def bucket_name(lo: int, hi: int) -> str:
    """'1-10', or '11+' for the open-ended last bucket."""
    return f"{lo}+" if hi >= 999 else f"{lo}-{hi}"
