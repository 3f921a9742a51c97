"""Checkpoint folders: save / load round trip (fp32 and fp16), every broken-folder case
raising CheckpointError that names the file (hostile config.json included), listing, no
pickle, device choice, and the readers of the other files, which read a broken file as None."""

from __future__ import annotations

import json
import pickle
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import make_tiny_checkpoints, tiny_model
from safetensors import safe_open

import seq2seq
from seq2seq import checkpoint
from seq2seq.tokenize import Tokenizer

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TEXT = "Tuesday, 9 May 2018"
PACKAGE = Path(seq2seq.__file__).resolve().parent


@pytest.fixture
def model(arch):
    return tiny_model(arch)


@pytest.fixture
def folder(tmp_path):
    """A valid checkpoint folder of a tiny Transformer."""
    return seq2seq.save(tiny_model("transformer"), tmp_path / "dates-transformer", task="dates")


def load_error(folder) -> seq2seq.CheckpointError:
    with pytest.raises(seq2seq.CheckpointError) as info:
        seq2seq.load(folder, device="cpu")
    return info.value


def edit_config(folder, **changes):
    config = json.loads((folder / "config.json").read_text())
    config.update(changes)
    (folder / "config.json").write_text(json.dumps(config))


# --- round trip ------------------------------------------------------------------------

def test_save_writes_the_documented_files(model, tmp_path):
    out = seq2seq.save(model, tmp_path / "m", task="dates", data="generated (dates)")
    assert sorted(p.name for p in out.iterdir()) == ["config.json", "model.safetensors", "src_vocab.json",
                                                     "tgt_vocab.json"]
    config = seq2seq.read_config(out)
    assert (config["arch"], config["task"], config["data"]) == (model.arch, "dates", "generated (dates)")
    assert config["weights_dtype"] == "float32"
    assert config["parameters"] == model.num_parameters()


def test_save_then_load_gives_identical_decode_output(model, tmp_path):
    seq2seq.save(model, tmp_path / "m", task="dates")
    loaded = seq2seq.load(tmp_path / "m", device="cpu")
    before = seq2seq.decode(model, TEXT, "beam", beam=2, max_len=8)
    after = seq2seq.decode(loaded, TEXT, "beam", beam=2, max_len=8)
    assert after.tgt_tokens == before.tgt_tokens
    np.testing.assert_array_equal(after.probs, before.probs)
    if before.cross_weights is not None:
        np.testing.assert_array_equal(after.cross_weights, before.cross_weights)


def test_load_restores_tokenizers_and_metadata(model, tmp_path):
    seq2seq.save(model, tmp_path / "my-model", task="dates")
    loaded = seq2seq.load(tmp_path / "my-model", device="cpu")
    assert loaded.src_tok == model.src_tok and loaded.tgt_tok == model.tgt_tok
    assert (loaded.arch, loaded.task, loaded.name) == (model.arch, "dates", "my-model")
    assert loaded.info["arch"] == model.arch
    assert not loaded.training


def test_half_precision_checkpoint_is_float16_on_disk(model, tmp_path):
    seq2seq.save(model, tmp_path / "m", task="dates", half=True)
    with safe_open(tmp_path / "m" / "model.safetensors", "pt") as f:
        assert {f.get_tensor(k).dtype for k in f.keys()} == {torch.float16}
    assert seq2seq.read_config(tmp_path / "m")["weights_dtype"] == "float16"


def test_half_precision_checkpoint_decodes_within_tolerance(model, tmp_path):
    seq2seq.save(model, tmp_path / "m", task="dates", half=True)
    loaded = seq2seq.load(tmp_path / "m", device="cpu")
    assert next(loaded.parameters()).dtype == torch.float32  # cast up at load
    target = model.tgt_tok.detokenize(seq2seq.decode(model, TEXT, max_len=8).tgt_tokens)
    before = seq2seq.decode(model, TEXT, "forced", target=target)
    after = seq2seq.decode(loaded, TEXT, "forced", target=target)
    assert after.tgt_tokens == before.tgt_tokens
    np.testing.assert_allclose(after.probs, before.probs, atol=1e-2)
    if before.cross_weights is not None:
        np.testing.assert_allclose(after.cross_weights, before.cross_weights, atol=1e-2)


def test_load_finds_a_name_under_the_checkpoints_folder(tiny_checkpoints):
    model = seq2seq.load("reverse-lstm", device="cpu")
    assert (model.arch, model.task, model.name) == ("lstm", "reverse", "reverse-lstm")


# --- broken folders ----------------------------------------------------------------------

def test_missing_weights_raise_checkpoint_error_naming_the_file(folder):
    (folder / "model.safetensors").unlink()
    err = load_error(folder)
    assert err.path.name == "model.safetensors"
    assert "model.safetensors" in str(err)


def test_truncated_weights_raise_checkpoint_error_naming_the_file(folder):
    weights = folder / "model.safetensors"
    data = weights.read_bytes()
    weights.write_bytes(data[: len(data) // 2])
    err = load_error(folder)
    assert "model.safetensors" in str(err)


def test_weights_that_are_not_safetensors_raise_checkpoint_error(folder):
    (folder / "model.safetensors").write_bytes(pickle.dumps({"not": "weights"}))
    assert "model.safetensors" in str(load_error(folder))


def test_weights_of_another_size_raise_checkpoint_error(folder, tmp_path):
    other = seq2seq.save(tiny_model("transformer", d_model=16), tmp_path / "other", task="dates")
    (folder / "model.safetensors").write_bytes((other / "model.safetensors").read_bytes())
    assert "model.safetensors" in str(load_error(folder))


@pytest.mark.parametrize("name", ["src_vocab.json", "tgt_vocab.json"])
def test_missing_vocabulary_raises_checkpoint_error_naming_the_file(folder, name):
    (folder / name).unlink()
    err = load_error(folder)
    assert err.path.name == name
    assert name in str(err)


@pytest.mark.parametrize("name", ["src_vocab.json", "tgt_vocab.json"])
def test_vocabulary_of_the_wrong_size_raises_checkpoint_error_naming_the_file(folder, name):
    tok = Tokenizer.from_json((folder / name).read_text())
    bigger = Tokenizer(kind=tok.kind, lower=tok.lower, keep_spaces=tok.keep_spaces, itos=tok.itos + ["extra"])
    (folder / name).write_text(bigger.to_json())
    err = load_error(folder)
    assert name in str(err)
    assert re.search(r"\b" + str(len(bigger)) + r"\b", str(err))


@pytest.mark.parametrize("name", ["src_vocab.json", "tgt_vocab.json"])
def test_vocabulary_that_is_not_json_raises_checkpoint_error(folder, name):
    (folder / name).write_text('{"kind": "char", "itos": [')
    assert name in str(load_error(folder))


@pytest.mark.parametrize("text", ['{"arch": "lstm",', "", "not json at all", "[1, 2, 3]", '"a string"', "null"],
                         ids=["cut-off", "empty", "text", "list", "string", "null"])
def test_malformed_config_raises_checkpoint_error_naming_the_file(folder, text):
    (folder / "config.json").write_text(text)
    err = load_error(folder)
    assert "config.json" in str(err)


def test_missing_config_raises_checkpoint_error(folder):
    (folder / "config.json").unlink()
    assert "config.json" in str(load_error(folder))


def test_config_without_model_config_raises_checkpoint_error(folder):
    config = json.loads((folder / "config.json").read_text())
    del config["config"]
    (folder / "config.json").write_text(json.dumps(config))
    assert "config.json" in str(load_error(folder))


def test_config_with_an_unknown_field_raises_checkpoint_error(folder):
    config = json.loads((folder / "config.json").read_text())
    config["config"]["wings"] = 2
    (folder / "config.json").write_text(json.dumps(config))
    assert "config.json" in str(load_error(folder))


def test_unknown_arch_raises_checkpoint_error_naming_the_config(folder):
    edit_config(folder, arch="gru")
    err = load_error(folder)
    assert "config.json" in str(err)
    assert "gru" in str(err)


def test_other_format_version_raises_checkpoint_error(folder):
    edit_config(folder, format_version=99)
    assert "config.json" in str(load_error(folder))


def test_missing_folder_raises_checkpoint_error(tmp_path):
    err = load_error(tmp_path / "no-such-model")
    assert "no-such-model" in str(err)


# --- listing, pickle, devices -------------------------------------------------------------

def test_available_lists_the_checkpoint_folders(tmp_path):
    root = make_tiny_checkpoints(tmp_path, tasks=("reverse",))
    (root / "empty-folder").mkdir()
    (root / "notes.txt").write_text("not a model")
    assert seq2seq.available(root) == ["reverse-lstm", "reverse-lstm-attn", "reverse-transformer"]


def test_available_of_a_missing_folder_is_empty(tmp_path):
    assert seq2seq.available(tmp_path / "nothing") == []


UNPICKLING = re.compile(r"torch\.load\s*\(|^\s*(import|from)\s+(pickle|cPickle|dill|joblib|cloudpickle)\b"
                        r"|\bpickle\.\w+|allow_pickle\s*=\s*True|weights_only\s*=\s*False")


def test_package_source_never_unpickles():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if UNPICKLING.search(line):
                offenders.append(f"{path.relative_to(PACKAGE)}:{n}: {line.strip()}")
    assert offenders == []


def test_load_works_with_unpickling_disabled(folder, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("seq2seq.load unpickled something")

    monkeypatch.setattr(torch, "load", refuse)
    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "Unpickler", refuse)
    model = seq2seq.load(folder, device="cpu")
    assert seq2seq.decode(model, TEXT, max_len=3).steps >= 1


def test_resolve_device_cpu_is_cpu():
    assert seq2seq.resolve_device("cpu") == torch.device("cpu")


def test_resolve_device_auto_is_cpu_without_an_accelerator(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert seq2seq.resolve_device("auto") == torch.device("cpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA GPU")
def test_resolve_device_auto_is_cpu_on_this_machine():
    assert seq2seq.resolve_device("auto").type in ("cpu", "mps")


@pytest.mark.parametrize("name", ["cuda", "cuda:0"])
def test_resolve_device_cuda_without_a_gpu_raises(monkeypatch, name):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError):
        seq2seq.resolve_device(name)


def test_loaded_model_decodes_on_cpu_and_the_trace_says_so(folder):
    model = seq2seq.load(folder, device="cpu")
    assert model.device == torch.device("cpu")
    assert seq2seq.decode(model, TEXT, max_len=3).device == "cpu"


@pytest.mark.parametrize("dtype", ["float16", "int8"])
def test_compressed_weights_load_close_to_float32(tmp_path, dtype):
    import torch
    from conftest import tiny_model

    model = tiny_model("transformer")
    seq2seq.save(model, tmp_path / "m", task="dates", dtype=dtype)
    loaded = seq2seq.load(tmp_path / "m", device="cpu")
    info = seq2seq.read_config(tmp_path / "m")
    assert info["weights_dtype"] == dtype
    for k, v in model.state_dict().items():
        w = loaded.state_dict()[k]
        tol = 1e-3 if dtype == "float16" else v.abs().max().item() / 127 + 1e-6
        assert torch.allclose(w, v, atol=tol), k


def test_int8_checkpoint_is_smaller_and_convert_keeps_it_loadable(tmp_path):
    from conftest import tiny_model

    from seq2seq.checkpoint import convert

    seq2seq.save(tiny_model("lstm-attn"), tmp_path / "m", task="dates")
    before = (tmp_path / "m" / "model.safetensors").stat().st_size
    convert(tmp_path / "m", "int8")
    assert (tmp_path / "m" / "model.safetensors").stat().st_size < before / 2.5
    assert seq2seq.decode(seq2seq.load(tmp_path / "m", device="cpu"), "9 May 2018").steps > 0


# --- hostile config.json: CheckpointError, never TypeError or RecursionError -------------------

DEEP = "[" * 100_000 + "]" * 100_000  # json.loads raises RecursionError on this


def nested(depth: int) -> str:
    return "[" * depth + "1" + "]" * depth


@pytest.mark.parametrize("changes", [
    {"task": ["dates"]}, {"arch": 3}, {"format_version": True}, {"parameters": "many"}, {"config": [1, 2]},
    {"config": {"d_model": [32]}}, {"data": {"file": "x"}}, {"train": "fast"}, {"train": {"threads": "2"}},
    {"train": {"lr": float("nan")}}, {"train": {"machine": {"cores": "two"}}}, {"train": {"generated": {"size": "a"}}},
    {"src_tokenizer": "../../tgt_vocab.json"}, {"tgt_tokenizer": "/etc/passwd"}, {"src_tokenizer": 7},
    {"train": {"note": json.loads(nested(20))}},
], ids=lambda c: json.dumps(c)[:40])
def test_config_with_values_of_the_wrong_type_raises_checkpoint_error(folder, changes):
    edit_config(folder, **changes)
    for read in (seq2seq.read_config, lambda f: seq2seq.load(f, device="cpu")):
        with pytest.raises(seq2seq.CheckpointError) as info:
            read(folder)
        assert info.value.path.name == "config.json"


def test_deeply_nested_config_raises_checkpoint_error(folder):
    (folder / "config.json").write_text(DEEP)
    assert "config.json" in str(load_error(folder))


@pytest.mark.parametrize("size", [2**20, 10**30], ids=["a-trillion-parameters", "overflow"])
def test_config_describing_a_huge_model_raises_without_allocating_it(folder, size):
    config = json.loads((folder / "config.json").read_text())
    config["config"].update(d_model=size, d_ff=size)
    (folder / "config.json").write_text(json.dumps(config))
    err = load_error(folder)  # built on the meta device first: a real build would need terabytes
    assert err.path.name == "config.json"


# --- the other files: a broken one reads as None -------------------------------------------------

METRICS = {"model": "m", "task": "reverse", "split": "test", "metrics": {"n": 2000, "exact": 97.5, "token_acc": 99.1},
           "by_length": [{"bucket": "1-10", "n": 1000, "exact": 99.0}], "examples": [{"src": "ab", "hyp": "ba"}],
           "decode": {"strategy": "greedy", "sentences_per_s": 321.0, "trace_ms_median": 9.5, "device": "cpu"},
           "data_sha256": None}


def test_metrics_round_trip_by_path_and_by_name(own_checkpoints):
    folder = own_checkpoints / "reverse-lstm"
    checkpoint.write_metrics(folder, METRICS)
    assert checkpoint.read_metrics(folder) == METRICS
    assert checkpoint.read_metrics("reverse-lstm") == METRICS
    assert checkpoint.read_metrics("reverse-transformer") is None  # not evaluated
    assert checkpoint.read_metrics({"model": "x"}) is None  # not even a name


BAD_METRICS = {
    "empty": "", "cut-off": '{"metrics": {', "list": "[1, 2]", "text": "hello", "null": "null",
    "deep": DEEP, "nested-20": json.dumps({"metrics": {}, "x": json.loads(nested(20))}),
    "metrics-a-list": json.dumps({"metrics": [97.5]}), "metric-as-text": json.dumps({"metrics": {"bleu": "high"}}),
    "metric-bool": json.dumps({"metrics": {"exact": True}}), "metric-nan": '{"metrics": {"bleu": NaN}}',
    "metric-infinite": '{"metrics": {"bleu": 1e999}}', "metric-huge-int": '{"metrics": {"n": ' + "9" * 400 + "}}",
    "task-a-list": json.dumps({"task": ["dates"], "metrics": {}}), "by-length-text": json.dumps({"by_length": "x"}),
    "row-without-bucket": json.dumps({"by_length": [{"n": 3, "exact": 1.0}]}),
    "row-value-text": json.dumps({"by_length": [{"bucket": "1-10", "exact": "good"}]}),
    "decode-device-number": json.dumps({"decode": {"device": 0}}), "example-number": json.dumps({"examples": [1]}),
}


@pytest.mark.parametrize("text", BAD_METRICS.values(), ids=BAD_METRICS.keys())
def test_broken_metrics_read_as_none(folder, text):
    (folder / "metrics.json").write_text(text)
    assert checkpoint.read_metrics(folder) is None


def test_unreadable_side_files_read_as_none(folder, monkeypatch):
    for name in ("metrics.json", "train_log.jsonl", "README.md", "NOTES.md"):
        (folder / name).write_bytes(b"\xff\xfe not utf-8")
    assert checkpoint.read_metrics(folder) is checkpoint.read_train_log(folder) is None
    assert checkpoint.read_card(folder) is checkpoint.read_notes(folder) is None
    (folder / "metrics.json").unlink()
    (folder / "metrics.json").mkdir()  # a folder where the file should be
    assert checkpoint.read_metrics(folder) is None
    (folder / "README.md").write_text("# card\n" + "x" * 100)
    monkeypatch.setattr(checkpoint, "MAX_BYTES", 50)  # too big to read
    assert checkpoint.read_card(folder) is None


def test_missing_side_files_and_folders_read_as_none(folder, tmp_path):
    for read in (checkpoint.read_metrics, checkpoint.read_train_log, checkpoint.read_card, checkpoint.read_notes):
        assert read(folder) is None
        assert read(tmp_path / "no-such-model") is None


def test_train_log_skips_and_counts_bad_lines(folder):
    rows = [{"epoch": 1, "train_loss": 2.5, "dev_exact": 10.0, "best": True}, {"epoch": 2, "train_loss": 0.9}]
    for row in rows:
        checkpoint.append_train_log(folder, row)
    with open(folder / "train_log.jsonl", "a") as f:
        f.write("\n{broken\n[1, 2]\n" + nested(50) + "\n" + DEEP + "\n")
        f.write('{"epoch": "three"}\n{"epoch": 3, "dev_exact": "high"}\n{"epoch": 4, "best": 1}\n')
    assert checkpoint.read_train_log(folder) == (rows, 7)


def test_card_and_notes_are_read_as_text(folder):
    (folder / "README.md").write_text("# dates-transformer\n\nA card — with “quotes”.\n", encoding="utf-8")
    (folder / "NOTES.md").write_text("Why: a sweep.\n")
    assert checkpoint.read_card(folder) == "# dates-transformer\n\nA card — with “quotes”.\n"
    assert checkpoint.read_notes(folder) == "Why: a sweep.\n"


def test_the_folder_files_are_named_in_one_place():
    names = {checkpoint.CONFIG, checkpoint.WEIGHTS, checkpoint.SRC_VOCAB, checkpoint.TGT_VOCAB, checkpoint.METRICS,
             checkpoint.TRAIN_LOG, checkpoint.CARD, checkpoint.NOTES}
    assert len(names) == 8
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name != "checkpoint.py":
            text = path.read_text(encoding="utf-8")
            offenders += [f"{path.name}: {n}" for n in names if f'"{n}"' in text]
    assert offenders == []


def test_the_package_loads_its_parts_on_first_use():
    """`import seq2seq` imports no torch; its names and submodules load when first used."""
    import subprocess
    import sys

    code = ("import sys, seq2seq\nassert 'torch' not in sys.modules\n"
            "print(seq2seq.checkpoint.CONFIG, seq2seq.viz.__name__, callable(seq2seq.decode))\n"
            "try:\n    seq2seq.no_such_thing\nexcept AttributeError as e:\n    print('AttributeError', e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.returncode == 0, out.stderr[-1500:]
    assert out.stdout.splitlines() == ["config.json seq2seq.viz True",
                                       "AttributeError module 'seq2seq' has no attribute 'no_such_thing'"]
