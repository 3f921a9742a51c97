"""`python -m seq2seq.translate` on a tiny checkpoint, its errors, and the library's
independence from Streamlit."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import REPO, tiny_model

import seq2seq
from seq2seq.translate import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TEXT = "Tuesday, 9 May 2018"


def run(*args):
    """Run a Python command in the repository root; return the CompletedProcess."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)


def translate(*args):
    return run("-m", "seq2seq.translate", *args)


@pytest.fixture(scope="module")
def checkpoint_dir(tmp_path_factory):
    """A tiny dates Transformer checkpoint written by the test."""
    return seq2seq.save(tiny_model("transformer"), tmp_path_factory.mktemp("cli") / "dates-transformer", task="dates")


def assert_one_line_error(proc):
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert proc.stdout == ""


def test_cli_json_prints_a_trace_with_the_documented_shapes(checkpoint_dir):
    proc = translate("--model", str(checkpoint_dir), "--max-len", "6", "--json", TEXT)
    assert proc.returncode == 0, proc.stderr
    d = json.loads(proc.stdout)
    T, S = len(d["tgt_tokens"]), len(d["src_tokens"])
    cfg = json.loads((checkpoint_dir / "config.json").read_text())["config"]
    L, H = cfg["dec_layers"], cfg["heads"]
    assert (d["text"], d["arch"], d["device"]) == (TEXT, "transformer", "cpu")
    assert d["src_tokens"][-1] == "</s>" and T >= 1
    assert np.array(d["cross_weights"], dtype=float).shape == (T, L, H, S)
    assert np.array(d["enc_self_weights"], dtype=float).shape == (cfg["enc_layers"], H, S, S)
    assert np.array(d["dec_self_weights"], dtype=float).shape == (L, H, T, T)
    assert np.array(d["causal_mask"]).shape == (T, T)
    assert np.array(d["probs"], dtype=float).shape == (T,)


def test_cli_without_json_prints_the_output(checkpoint_dir, capsys):
    assert main(["--model", str(checkpoint_dir), "--max-len", "6", TEXT]) == 0
    expected = seq2seq.decode(seq2seq.load(checkpoint_dir, device="cpu"), TEXT, max_len=6).output
    assert capsys.readouterr().out == expected + "\n"


def test_cli_bad_model_path_is_a_one_line_error(tmp_path):
    assert_one_line_error(translate("--model", str(tmp_path / "no-such-model"), TEXT))


def test_cli_empty_text_is_a_one_line_error(checkpoint_dir):
    assert_one_line_error(translate("--model", str(checkpoint_dir), ""))


def test_cli_main_prints_a_trace_for_every_arch(arch, tmp_path, capsys):
    folder = seq2seq.save(tiny_model(arch), tmp_path / f"dates-{arch}", task="dates")
    assert main(["--model", str(folder), "--strategy", "beam", "--beam", "2", "--max-len", "4", "--json", TEXT]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["arch"] == arch and d["strategy"] == "beam" and len(d["beam"]) == 2
    assert (d["cross_weights"] is None) == (arch == "lstm")


def test_cli_says_when_the_decode_stopped_at_the_length_limit(checkpoint_dir, capsys):
    assert main(["--model", str(checkpoint_dir), "--strategy", "forced", "--target", "2018-05-09", "--max-len", "20",
                 TEXT]) == 0
    assert "length limit" not in capsys.readouterr().err  # a forced target ends with </s>
    assert main(["--model", str(checkpoint_dir), "--max-len", "1", TEXT]) == 0
    out = capsys.readouterr()
    assert out.err.strip() == "note: stopped at the length limit without finishing (1 steps)" or out.out == "\n"


BAD_OPTIONS = {
    "cuda-without-gpu": ["--device", "cuda"],
    "forced-without-target": ["--strategy", "forced"],
    "beam-0": ["--strategy", "beam", "--beam", "0"],
}


@pytest.mark.parametrize("args", BAD_OPTIONS.values(), ids=BAD_OPTIONS.keys())
def test_cli_main_bad_options_are_one_line_errors(checkpoint_dir, capsys, monkeypatch, args):
    monkeypatch.setattr("torch.cuda.is_available", lambda: False)
    assert main(["--model", str(checkpoint_dir), *args, TEXT]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1


def test_cli_truncated_weights_is_a_one_line_error(tmp_path, capsys):
    folder = seq2seq.save(tiny_model("lstm"), tmp_path / "m", task="dates")
    weights = folder / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])
    assert main(["--model", str(folder), TEXT]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "model.safetensors" in err and err.count("\n") == 1


def test_importing_seq2seq_does_not_import_streamlit():
    proc = run("-c", "import seq2seq, sys; assert 'streamlit' not in sys.modules, 'streamlit was imported'")
    assert proc.returncode == 0, proc.stderr
