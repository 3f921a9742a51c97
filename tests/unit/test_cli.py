"""`python -m seq2seq.translate` on a tiny checkpoint, its errors, and the library's
independence from Streamlit."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import REPO, arch_of, tiny_model

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
    assert d["arch"] == arch_of(arch) and d["strategy"] == "beam" and len(d["beam"]) == 2
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
    "beam-past-the-budget": ["--strategy", "beam", "--beam", "10000"],
    "max-len-0": ["--max-len", "0"],
    "max-len-negative": ["--max-len", "-5"],
    "temperature-nan": ["--strategy", "sample", "--temperature", "nan"],
    "temperature-inf": ["--strategy", "sample", "--temperature", "inf"],
    "temperature-tiny": ["--strategy", "sample", "--temperature", "1e-300"],
    "top-k-negative": ["--strategy", "sample", "--top-k", "-5"],
    "forced-target-too-long": ["--strategy", "forced", "--target", "1" * 400],
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


# --- every command line: exit 2 and one line for bad input, UTF-8, quiet on a closed pipe (issue 13)

def test_cli_input_that_is_not_utf8_is_a_one_line_error(checkpoint_dir):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    for extra in ([], ["--json"]):
        proc = subprocess.run([sys.executable, "-m", "seq2seq.translate", "--model", str(checkpoint_dir), *extra,
                               b"9 May \xff\xfe 2018"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
        assert_one_line_error(proc)
        assert "UTF-8" in proc.stderr


def test_cli_output_into_a_closed_pipe_is_quiet(checkpoint_dir):
    cmd = (f"{sys.executable} -m seq2seq.translate --model {checkpoint_dir} --max-len 60 --json "
           f"'{TEXT}' | head -c 20")
    proc = subprocess.run(["bash", "-c", cmd], cwd=REPO, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert proc.stdout.startswith("{") and len(proc.stdout) == 20
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr, proc.stderr


def test_cli_a_hostile_checkpoint_is_a_one_line_error(tmp_path):
    from conftest import plant_hostile

    planted = plant_hostile(tmp_path, seq2seq.save(tiny_model("transformer"), tmp_path / "source", task="dates"))
    for name in ("hostile-heads-zero", "hostile-max-len-negative", "hostile-tokenizer-link-to-dev-zero"):
        proc = translate("--model", str(tmp_path / name), TEXT)
        assert_one_line_error(proc)
        assert planted[name][0] in proc.stderr


@pytest.mark.parametrize("target", ["no-such-model", "a-folder-without-a-checkpoint"])
def test_compress_of_what_is_not_a_checkpoint_is_a_one_line_error(tmp_path, target):
    (tmp_path / "a-folder-without-a-checkpoint").mkdir()
    arg = target if target.startswith("no-") else str(tmp_path / target)
    assert_one_line_error(run("-m", "seq2seq.compress", arg, "--dtype", "int8"))


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_compress_into_a_read_only_folder_is_a_one_line_error(tmp_path, checkpoint_dir):
    import shutil

    folder = tmp_path / "ro" / "m"
    shutil.copytree(checkpoint_dir, folder)
    folder.parent.chmod(0o555)
    try:
        assert_one_line_error(run("-m", "seq2seq.compress", str(folder), "--dtype", "int8"))
    finally:
        folder.parent.chmod(0o755)


def test_compress_keeps_the_folder_whole(tmp_path, checkpoint_dir):
    import shutil

    folder = tmp_path / "m"
    shutil.copytree(checkpoint_dir, folder)
    (folder / "NOTES.md").write_text("kept")
    proc = run("-m", "seq2seq.compress", str(folder), "--dtype", "float16")
    assert proc.returncode == 0, proc.stderr
    assert (folder / "NOTES.md").read_text() == "kept" and seq2seq.read_config(folder)["weights_dtype"] == "float16"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]


@pytest.mark.parametrize("args", [["--epochs", "0"], ["--lr", "nan"], ["--config", '{"heads": 0}'],
                                  ["--config", '{"d_ff": -1}'], ["--threads", "0"]],
                         ids=["epochs-0", "lr-nan", "heads-0", "d-ff-negative", "threads-0"])
def test_train_bad_settings_are_one_line_errors_before_any_work(tmp_path, args):
    out = tmp_path / "m"
    proc = run("-m", "seq2seq.train", "--task", "dates", "--arch", "transformer", "--out", str(out), *args)
    assert_one_line_error(proc)
    assert not out.exists()


def test_evaluate_of_a_hostile_checkpoint_is_a_one_line_error(tmp_path):
    from conftest import plant_hostile

    plant_hostile(tmp_path, seq2seq.save(tiny_model("transformer"), tmp_path / "source", task="dates"))
    assert_one_line_error(run("-m", "seq2seq.evaluate", "--model", str(tmp_path / "hostile-nan-weights")))
