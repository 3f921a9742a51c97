"""The model card: a checkpoint folder's README.md, written from its other files.

config.json says what the model is, how it was trained and on what machine; train_log.jsonl
gives the epochs, metrics.json the test scores, NOTES.md (by hand) what the numbers alone
do not say. `python -m seq2seq.evaluate` calls `write_card` after writing metrics.json.

`card_text` writes the card in the current language (`seq2seq.i18n`: the app shows it so);
`write_card` always writes the folder's README.md in English.
"""

from __future__ import annotations

from pathlib import Path

from . import checkpoint
from .configs import variant
from .i18n import N_, _, language, ngettext
from .names import RECIPES
from .reports import dev_name
from .tasks import TITLES, data_credit

# English messages (N_), shown through _()
DESCRIBE = {"lstm": N_("plain LSTM encoder-decoder (no attention: the decoder sees one context vector)"),
            "lstm-attn": N_("LSTM encoder-decoder with {score} attention"),
            "lstm-bahdanau": N_("LSTM encoder-decoder with {score} attention in Bahdanau's arrangement, as the article "
                                "writes it (the score from the previous decoder state s_{{t-1}}, the context fed into "
                                "the LSTM with the previous word)"),
            "transformer": N_("encoder-decoder Transformer (pre-norm, sinusoidal positions)")}
# metrics.json's metrics as the card's columns, in this order
COLUMNS = {"bleu": "BLEU", "chrf": "chrF", "exact": N_("exact %"), "token_acc": N_("token acc %"),
           "align_acc": N_("attention argmax in true span %")}
EN_ZH_DATA = N_("Tatoeba English–Chinese pairs, the fixed split of `shared/data/README.md` (by a SHA-1 of the "
                "English sentence), Chinese converted to Simplified with OpenCC (t2s), one token per character; "
                "English split into words and punctuation, lower-cased.")
EN_ZH_PIECES = N_("Tatoeba English–Chinese pairs, the fixed split of `shared/data/README.md` (by a SHA-1 of the "
                  "English sentence), Chinese converted to Simplified with OpenCC (t2s). English is cut into "
                  "SentencePiece pieces (unigram, {src} pieces, cased, byte fallback: no input is ever unknown; "
                  "trained on the training split alone, stored as `{file}`); Chinese is one token per character, its "
                  "runs of Latin letters cut into the same pieces, so a name can be copied piece by piece ({tgt} "
                  "target tokens). Names pass through: training adds copies of the pairs whose Chinese keeps a Latin "
                  "name, and of a share of the pairs that write Tom, Mary, John… in Chinese, with the name swapped "
                  "for an invented one on both sides (`seq2seq.names`, seed {seed}); dev and test are never touched.")

EN_ZH_JOINT = N_("Tatoeba English–Chinese pairs, the fixed split of `shared/data/README.md` (by a SHA-1 of the "
                 "English sentence), Chinese converted to Simplified with OpenCC (t2s). English is cut into "
                 "SentencePiece pieces (unigram, cased, byte fallback: no input is ever unknown; trained on the "
                 "training split alone, stored as `{file}`); Chinese is one token per character, its runs of Latin "
                 "letters cut into the same pieces. One vocabulary of {n} tokens (every piece, then the Chinese "
                 "characters) serves source and target, with one embedding table (`tie`), so a name is copied as "
                 "the same vectors it was read as. Names pass through: training adds {copies} copies of each pair "
                 "whose Chinese keeps a Latin name, and one of {share} % of the pairs that write Tom, Mary, John… in "
                 "Chinese, with the name swapped for an invented one on both sides, {coined} % of them coined by a "
                 "letter model of the corpus's English words (`seq2seq.names`, recipe {recipe}, seed {seed}); dev "
                 "and test are never touched.")


def _count(n) -> int:
    """What ngettext counts: 1 for one, 2 for anything else (a "?" included)."""
    return 1 if n == 1 else 2


def _threads(n, cpu: bool = False) -> str:
    """'1 thread', '2 threads' ('CPU threads' beside a GPU); n may be '?'."""
    if cpu:
        return ngettext("{n} CPU thread", "{n} CPU threads", _count(n)).format(n=n)
    return ngettext("{n} thread", "{n} threads", _count(n)).format(n=n)


def machine_words(train: dict) -> str:
    """Where a model was trained, from config.json's training record: 'cpu (1 thread of a
    2-core AMD EPYC; Python 3.11.7, torch 2.13.0+cpu)'. A record without a machine (the
    checkpoints trained before it was recorded) gives the device, threads and torch alone."""
    machine, threads = train.get("machine"), train.get("threads", "?")
    if not machine:
        return _("{device} ({threads}, torch {torch}; the machine was not recorded)").format(
            device=train.get("device", "cpu"), threads=_threads(threads), torch=train.get("torch", "?"))
    device = machine.get("device", train.get("device", "cpu"))
    gpu = device.startswith("cuda:")
    n, name = _threads(machine.get("threads", threads), cpu=gpu), machine.get("cpu") or "CPU"
    cpu = (_("{threads} of a {cores}-core {cpu}").format(threads=n, cores=machine["cores"], cpu=name)
           if machine.get("cores") else _("{threads} of a {cpu}").format(threads=n, cpu=name))
    software = f"Python {machine.get('python', '?')}, torch {machine.get('torch', train.get('torch', '?'))}"
    if gpu:
        return f"{device[5:]} (CUDA; {cpu}; {software})"
    return f"{device} ({cpu}; {software})"


def _model(info: dict) -> list[str]:
    arch, dtype = info["arch"], info.get("weights_dtype", "float32")
    english = DESCRIBE.get(variant(arch, info["config"]), N_("`{arch}` model"))
    describe = _(english).format(score=info["config"].get("score", ""), arch=arch)
    task = info.get("task")
    task = _(TITLES[task]) if task in TITLES else _("the {task} task").format(task=task)
    an = english.format(score=info["config"].get("score", ""), arch=arch)[0] in "aeiouL"  # "an LSTM": "el-es-tee-em"
    first = (_("An {describe} for {task}, trained by Attention Lab.") if an
             else _("A {describe} for {task}, trained by Attention Lab."))
    stored = (_("- architecture: `{arch}`; parameters: {parameters}; weights stored as {dtype} (one scale per row; "
                "cast to float32 at load)") if dtype == "int8"
              else _("- architecture: `{arch}`; parameters: {parameters}; weights stored as {dtype}"))
    return [first.format(describe=describe, task=task), "", "## " + _("Model"), "",
            stored.format(arch=arch, parameters=f"{info.get('parameters', 0):,}", dtype=dtype),
            _("- config: {config}").format(config=", ".join(f"`{k}={v}`" for k, v in info["config"].items())), ""]


def _data(info: dict, pieces: bool = False) -> list[str]:
    task, tr = info.get("task"), info.get("train", {})
    heading = "## " + _("Data")
    if task == "en-zh":
        gen, cfg = tr.get("generated") or {}, info.get("config", {})
        recipe = RECIPES.get(gen.get("names_recipe", 1), RECIPES[1])
        if pieces and cfg.get("tie"):
            return [heading, "", _(EN_ZH_JOINT).format(
                file=checkpoint.PIECES, n=f"{cfg.get('src_vocab', 0):,}", copies=recipe["copies"],
                share=round(100 * recipe["share"]), coined=round(100 * recipe["coined"]),
                recipe=gen.get("names_recipe", 1), seed=gen.get("names_seed", "?")), "",
                _("Data credit: {credit}").format(credit=data_credit(info)), ""]
        how = (_(EN_ZH_PIECES).format(src=f"{cfg.get('src_vocab', 0):,}", tgt=f"{cfg.get('tgt_vocab', 0):,}",
                                      seed=gen.get("names_seed", "?"), file=checkpoint.PIECES)
               if pieces else _(EN_ZH_DATA))
        return [heading, "", how, "", _("Data credit: {credit}").format(credit=data_credit(info)), ""]
    gen = tr.get("generated") or {}
    n = gen.get("size") or tr.get("train_pairs")
    size = _("{n} training pairs").format(n=f"{n:,}") if n else _("the training pairs")
    repeat = (_("each letter repeats the one before with probability {p}").format(p=gen["repeat"])
              if gen.get("repeat") else None)
    patterns = (_("{percent} % of the sequences repeat a short unit (`abcabc`, `aaaa`, `defgdefg`)").format(
        percent=f"{100 * gen['patterns']:g}") if gen.get("patterns") else None)
    harder = (_("{first} and {second}").format(first=repeat, second=patterns) if repeat and patterns
              else repeat or patterns)
    if harder:
        text = _("Generated by `seq2seq.data` (`{task}`): {size} from seed 1, dev (1,000) from seed 2, test (2,000) "
                 "from seed 3, test and dev sources excluded from train; in training {harder}, where a model cannot "
                 "find its place by the letter it just wrote and must count positions, while dev and test letters "
                 "are uniform. The true alignment of every output character is known.")
    else:
        text = _("Generated by `seq2seq.data` (`{task}`): {size} from seed 1, dev (1,000) from seed 2, test (2,000) "
                 "from seed 3, test and dev sources excluded from train. The true alignment of every output "
                 "character is known.")
    return [heading, "", text.format(task=task, size=size, harder=harder), ""]


def _training(name: str, info: dict, log: list[dict]) -> list[str]:
    task, arch, tr = info.get("task"), info["arch"], info.get("train", {})
    command_line = tr.get("command") or (f"python -m seq2seq.train --task {task} --arch {arch} --out "
                                         f"checkpoints/{name} --threads {tr.get('threads', 1)}"
                                         + (" --data ../shared/data/cmn-eng.tsv" if task == "en-zh" else ""))
    recipe = ", ".join(f"{k} {tr[k]}" for k in ("batch", "lr", "warmup") if k in tr)
    command = (_("- command: `{command}` (or `scripts/train_all.sh`); {recipe} (peak learning rate, then inverse "
                 "square-root decay)") if recipe else _("- command: `{command}` (or `scripts/train_all.sh`)"))
    avg = tr.get("averaged_epochs")
    run = (_("- {epochs} epochs in {minutes} min on {machine}; weights averaged over epochs {first}–{last} (dev "
             "{metric} {best}); seed {seed}") if avg  # the best dev score is then the average's
           else _("- {epochs} epochs in {minutes} min on {machine}; best dev epoch {best_epoch} (dev {metric} "
                  "{best}); seed {seed}"))
    lines = ["## " + _("Training"), "", command.format(command=command_line, recipe=recipe),
             run.format(epochs=tr.get("epochs_run", "?"), minutes=tr.get("minutes", "?"), machine=machine_words(tr),
                        best_epoch=tr.get("epochs", "?"), first=avg[0] if avg else "", last=avg[-1] if avg else "",
                        metric="BLEU" if task == "en-zh" else _("exact match"), best=tr.get("best_dev", "?"),
                        seed=tr.get("seed", "?"))]
    if info.get("weights_dtype") == "int8":
        lines.append(_("- then stored as int8: `{command}`").format(
            command=f"python -m seq2seq.compress {name} --dtype int8"))
    lines.append("")
    key = next((k for r in log for k in r if k.startswith("dev_")), None)
    if key:
        epoch, loss, seconds = _("epoch"), _("train loss"), _("seconds")
        lines += [f"| {epoch} | {loss} | {dev_name(key)} | {seconds} |", "|---|---|---|---|"]
        lines += [f"| {r.get('epoch', '')} | {r.get('train_loss', '')} | {r.get(key, '')} | {r.get('seconds', '')} |"
                  for r in log]
        lines.append("")
    return lines


def _test_metrics(name: str, metrics: dict | None) -> list[str]:
    lines = ["## " + _("Test metrics"), ""]
    if not metrics or "metrics" not in metrics:
        return lines + [_("Not evaluated yet: run `{command}`.").format(
            command=f"python -m seq2seq.evaluate --model {name}"), ""]
    m = metrics["metrics"]
    lines += [_("Split `{split}` ({n} pairs), greedy decoding. Command: `{command}`").format(
        split=metrics.get("split", "?"), n=m.get("n", "?"), command=metrics.get("command", "?")), ""]
    cols = [k for k in COLUMNS if k in m]
    bucket, everything = _("bucket"), _("all")
    lines += [f"| {bucket} | n | " + " | ".join(_(COLUMNS[c]) for c in cols) + " |", "|---" * (len(cols) + 2) + "|"]
    lines += [f"| {everything} | {m.get('n', '')} | " + " | ".join(str(m[c]) for c in cols) + " |"]
    for r in metrics.get("by_length", []):
        lines += [f"| {r['bucket']} | {r.get('n', '')} | " + " | ".join(str(r.get(c, '')) for c in cols) + " |"]
    d = metrics.get("decode")
    if d and {"sentences_per_s", "trace_ms_median", "device"} <= set(d):
        lines += ["", _("Decoding: {speed} sentences/s batched; one full trace (what the app computes) {ms} ms "
                        "median, on {device}.").format(speed=d["sentences_per_s"], ms=d["trace_ms_median"],
                                                       device=d["device"])]
    return lines + [""]


def card_text(folder) -> str:
    """The model card of a checkpoint folder, as Markdown, in the current language. Raises
    CheckpointError if its config.json is unreadable; a missing or broken metrics.json or log
    leaves its section out."""
    folder = Path(folder)
    info = checkpoint.read_config(folder)
    log = checkpoint.read_train_log(folder)
    notes = checkpoint.read_notes(folder)
    lines = [f"# {folder.name}", "", *_model(info), *_data(info, (folder / checkpoint.PIECES).is_file()),
             *_training(folder.name, info, log[0] if log else []),
             *_test_metrics(folder.name, checkpoint.read_metrics(folder))]
    if notes and notes.strip():  # what the numbers alone do not say: how the recipe was chosen
        lines += ["## " + _("Notes"), "", notes.strip(), ""]
    return "\n".join(lines)


def write_card(folder) -> str:
    """Write the folder's README.md from its other files, in English whatever the current
    language; returns the text."""
    with language("en"):
        text = card_text(folder)
    checkpoint.atomic_write(Path(folder) / checkpoint.CARD, text)
    return text
