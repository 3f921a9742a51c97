"""The model card: a checkpoint folder's README.md, written from its other files.

config.json says what the model is, how it was trained and on what machine; train_log.jsonl
gives the epochs, metrics.json the test scores, NOTES.md (by hand) what the numbers alone
do not say. `python -m seq2seq.evaluate` calls `write_card` after writing metrics.json.
"""

from __future__ import annotations

from pathlib import Path

from . import checkpoint
from .tasks import TITLES, data_credit

DESCRIBE = {"lstm": "plain LSTM encoder-decoder (no attention: the decoder sees one context vector)",
            "lstm-attn": "LSTM encoder-decoder with {score} attention",
            "transformer": "encoder-decoder Transformer (pre-norm, sinusoidal positions)"}
# metrics.json's metrics as the card's columns, in this order
COLUMNS = {"bleu": "BLEU", "chrf": "chrF", "exact": "exact %", "token_acc": "token acc %",
           "align_acc": "attention argmax in true span %"}
EN_ZH_DATA = ("the fixed split of `shared/data/README.md` (by a SHA-1 of the English sentence), Chinese converted "
              "to Simplified with OpenCC (t2s), one token per character; English split into words and punctuation, "
              "lower-cased.")
EN_ZH_PIECES = ("the fixed split of `shared/data/README.md` (by a SHA-1 of the English sentence), Chinese converted "
                "to Simplified with OpenCC (t2s). English is cut into SentencePiece pieces (unigram, "
                "{src:,} pieces, cased, byte fallback: no input is ever unknown; trained on the training split "
                "alone, stored as `{file}`); Chinese is one token per character, its runs of Latin letters cut "
                "into the same pieces, so a name can be copied piece by piece ({tgt:,} target tokens). Names pass "
                "through: training adds copies of the pairs whose Chinese keeps a Latin name, and of a share of "
                "the pairs that write Tom, Mary, John… in Chinese, with the name swapped for an invented one on both "
                "sides (`seq2seq.names`, seed {seed}); dev and test are never touched.")


def _plural(n, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def machine_words(train: dict) -> str:
    """Where a model was trained, from config.json's training record: 'cpu (1 thread of a
    2-core AMD EPYC; Python 3.11.7, torch 2.13.0+cpu)'. A record without a machine (the
    checkpoints trained before it was recorded) gives the device, threads and torch alone."""
    machine, threads = train.get("machine"), train.get("threads", "?")
    if not machine:
        return (f"{train.get('device', 'cpu')} ({_plural(threads, 'thread')}, torch {train.get('torch', '?')}; "
                "the machine was not recorded)")
    device = machine.get("device", train.get("device", "cpu"))
    cores = f"{machine['cores']}-core " if machine.get("cores") else ""
    cpu = f"{_plural(machine.get('threads', threads), 'thread')} of a {cores}{machine.get('cpu') or 'CPU'}"
    software = f"Python {machine.get('python', '?')}, torch {machine.get('torch', train.get('torch', '?'))}"
    if device.startswith("cuda:"):
        return f"{device[5:]} (CUDA; {cpu.replace('thread', 'CPU thread', 1)}; {software})"
    return f"{device} ({cpu}; {software})"


def _model(info: dict) -> list[str]:
    arch, dtype = info["arch"], info.get("weights_dtype", "float32")
    describe = DESCRIBE.get(arch, f"`{arch}` model").format(score=info["config"].get("score", ""))
    article = "An" if describe[0] in "aeiouL" else "A"  # "an LSTM": said "el-es-tee-em"
    task = TITLES.get(info.get("task"), f"the {info.get('task')} task")
    return [f"{article} {describe} for {task}, trained by Attention Lab.", "", "## Model", "",
            f"- architecture: `{arch}`; parameters: {info.get('parameters', 0):,}; weights stored as {dtype}"
            + (" (one scale per row; cast to float32 at load)" if dtype == "int8" else ""),
            "- config: " + ", ".join(f"`{k}={v}`" for k, v in info["config"].items()), ""]


def _data(info: dict, pieces: bool = False) -> list[str]:
    task, tr = info.get("task"), info.get("train", {})
    if task == "en-zh":
        gen, cfg = tr.get("generated") or {}, info.get("config", {})
        how = (EN_ZH_PIECES.format(src=cfg.get("src_vocab", 0), tgt=cfg.get("tgt_vocab", 0),
                                   seed=gen.get("names_seed", "?"), file=checkpoint.PIECES) if pieces else EN_ZH_DATA)
        return ["## Data", "", f"Tatoeba English–Chinese pairs, {how}", "", "Data credit: " + data_credit(info), ""]
    gen = tr.get("generated") or {}
    n = gen.get("size") or tr.get("train_pairs")
    size = f"{n:,} training pairs" if n else "the training pairs"
    harder = ([f"each letter repeats the one before with probability {gen['repeat']}"] if gen.get("repeat")
              else []) + ([f"{100 * gen['patterns']:g} % of the sequences repeat a short unit (`abcabc`, "
                           "`aaaa`, `defgdefg`)"] if gen.get("patterns") else [])
    runs = (f"; in training {' and '.join(harder)}, where a model cannot find its place by the letter it "
            "just wrote and must count positions, while dev and test letters are uniform" if harder else "")
    return ["## Data", "", f"Generated by `seq2seq.data` (`{task}`): {size} from seed 1, dev (1,000) from seed 2, "
            f"test (2,000) from seed 3, test and dev sources excluded from train{runs}. The true alignment of every "
            "output character is known.", ""]


def _training(name: str, info: dict, log: list[dict]) -> list[str]:
    task, arch, tr = info.get("task"), info["arch"], info.get("train", {})
    command = tr.get("command") or (f"python -m seq2seq.train --task {task} --arch {arch} --out checkpoints/{name}"
                                    f" --threads {tr.get('threads', 1)}"
                                    + (" --data ../shared/data/cmn-eng.tsv" if task == "en-zh" else ""))
    recipe = ", ".join(f"{k} {tr[k]}" for k in ("batch", "lr", "warmup") if k in tr)
    lines = ["## Training", "",
             f"- command: `{command}` (or `scripts/train_all.sh`)"
             + (f"; {recipe} (peak learning rate, then inverse square-root decay)" if recipe else ""),
             f"- {tr.get('epochs_run', '?')} epochs in {tr.get('minutes', '?')} min on {machine_words(tr)}; best dev "
             f"epoch {tr.get('epochs', '?')} (dev {'BLEU' if task == 'en-zh' else 'exact match'} "
             f"{tr.get('best_dev', '?')}); seed {tr.get('seed', '?')}"]
    avg = tr.get("averaged_epochs")
    if avg:  # the best dev score is then the average's
        lines[-1] = lines[-1].replace(f"best dev epoch {tr.get('epochs', '?')}",
                                      f"weights averaged over epochs {avg[0]}–{avg[-1]}")
    if info.get("weights_dtype") == "int8":
        lines.append(f"- then stored as int8: `python -m seq2seq.compress {name} --dtype int8`")
    lines.append("")
    key = next((k for r in log for k in r if k.startswith("dev_")), None)
    if key:
        lines += ["| epoch | train loss | " + key.replace("_", " ") + " | seconds |", "|---|---|---|---|"]
        lines += [f"| {r.get('epoch', '')} | {r.get('train_loss', '')} | {r.get(key, '')} | {r.get('seconds', '')} |"
                  for r in log]
        lines.append("")
    return lines


def _test_metrics(name: str, metrics: dict | None) -> list[str]:
    lines = ["## Test metrics", ""]
    if not metrics or "metrics" not in metrics:
        return lines + [f"Not evaluated yet: run `python -m seq2seq.evaluate --model {name}`.", ""]
    m = metrics["metrics"]
    lines += [f"Split `{metrics.get('split', '?')}` ({m.get('n', '?')} pairs), greedy decoding. Command: "
              f"`{metrics.get('command', '?')}`", ""]
    cols = [k for k in COLUMNS if k in m]
    lines += ["| bucket | n | " + " | ".join(COLUMNS[c] for c in cols) + " |", "|---" * (len(cols) + 2) + "|"]
    lines += [f"| all | {m.get('n', '')} | " + " | ".join(str(m[c]) for c in cols) + " |"]
    for r in metrics.get("by_length", []):
        lines += [f"| {r['bucket']} | {r.get('n', '')} | " + " | ".join(str(r.get(c, '')) for c in cols) + " |"]
    d = metrics.get("decode")
    if d and {"sentences_per_s", "trace_ms_median", "device"} <= set(d):
        lines += ["", f"Decoding: {d['sentences_per_s']} sentences/s batched; one full trace (what the app "
                      f"computes) {d['trace_ms_median']} ms median, on {d['device']}."]
    return lines + [""]


def card_text(folder) -> str:
    """The model card of a checkpoint folder, as Markdown. Raises CheckpointError if its
    config.json is unreadable; a missing or broken metrics.json or log leaves its section out."""
    folder = Path(folder)
    info = checkpoint.read_config(folder)
    log = checkpoint.read_train_log(folder)
    notes = checkpoint.read_notes(folder)
    lines = [f"# {folder.name}", "", *_model(info), *_data(info, (folder / checkpoint.PIECES).is_file()),
             *_training(folder.name, info, log[0] if log else []),
             *_test_metrics(folder.name, checkpoint.read_metrics(folder))]
    if notes and notes.strip():  # what the numbers alone do not say: how the recipe was chosen
        lines += ["## Notes", "", notes.strip(), ""]
    return "\n".join(lines)


def write_card(folder) -> str:
    """Write the folder's README.md from its other files; returns the text."""
    text = card_text(folder)
    checkpoint.atomic_write(Path(folder) / checkpoint.CARD, text)
    return text
