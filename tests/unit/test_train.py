"""Training smoke test: two short epochs of the reverse task per architecture, then a resume;
what the config records (recipe, data, machine); the command line."""

from __future__ import annotations

import json
import os
import platform
from types import SimpleNamespace

import pytest
import torch
from conftest import ARCHS, TINY

import seq2seq
from seq2seq.train import TrainConfig, lr_at, main, train

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def log_lines(out):
    return (out / "train_log.jsonl").read_text().splitlines()


@pytest.fixture(scope="module", params=ARCHS)
def trained(request, tmp_path_factory):
    """Train `arch` for 2 epochs, then call again with epochs=3 (a resume); keep both logs."""
    arch, out = request.param, tmp_path_factory.mktemp("train") / f"reverse-{request.param}"
    threads = torch.get_num_threads()
    # Dropout 0 makes the loss a deterministic function of the weights, so "it falls" is not noise.
    kw = dict(task="reverse", arch=arch, out=out, train_size=300, quiet=True, threads=1, lr=3e-3, warmup=10,
              model={**TINY[arch], "dropout": 0.0})
    try:
        train(TrainConfig(epochs=2, **kw))
        after_two = log_lines(out)
        train(TrainConfig(epochs=3, resume=True, **kw))
    finally:
        torch.set_num_threads(threads)
    return SimpleNamespace(arch=arch, out=out, after_two=after_two, after_three=log_lines(out))


def test_training_loss_falls(trained):
    first, second = (json.loads(line) for line in trained.after_two)
    assert (first["epoch"], second["epoch"]) == (1, 2)
    assert second["train_loss"] < first["train_loss"]


def test_trained_folder_loads_and_decodes(trained):
    model = seq2seq.load(trained.out, device="cpu")
    assert (model.arch, model.task) == (trained.arch, "reverse")
    assert model.config.dropout == 0.0
    for field, value in TINY[trained.arch].items():
        assert getattr(model.config, field) == value
    trace = seq2seq.decode(model, "abc", max_len=5)
    assert 1 <= trace.steps <= 5


def test_second_call_resumes_and_keeps_the_first_epochs(trained):
    assert len(trained.after_three) == 3
    assert trained.after_three[:2] == trained.after_two
    assert json.loads(trained.after_three[2])["epoch"] == 3


def test_config_records_the_training_run(trained):
    info = seq2seq.read_config(trained.out)
    assert info["task"] == "reverse" and info["arch"] == trained.arch
    assert info["train"]["epochs_run"] == 3
    assert info["data"] == "generated (reverse)"


def test_config_records_the_recipe_and_the_generated_data(trained):
    train = seq2seq.read_config(trained.out)["train"]
    assert (train["lr"], train["warmup"], train["batch"]) == (3e-3, 10, 128)  # batch: the task's default
    assert train["generated"] == {"size": 300, "repeat": 0.1, "patterns": 0.0}
    assert train["train_pairs"] == 300


def test_config_records_the_machine_it_ran_on(trained):
    machine = seq2seq.read_config(trained.out)["train"]["machine"]
    assert machine["device"] == "cpu" and machine["threads"] == 1
    assert machine["cores"] == os.cpu_count() and machine["cpu"]
    assert (machine["python"], machine["torch"]) == (platform.python_version(), torch.__version__)


def test_recipe_is_the_defaults_unless_given():
    assert TrainConfig("dates", "transformer", "x").recipe() == {"lr": 1e-3, "batch": 128, "warmup": 300}
    assert TrainConfig("dates", "transformer", "x", lr=5e-4, batch=32).recipe() == {"lr": 5e-4, "batch": 32,
                                                                                  "warmup": 300}


def test_learning_rate_warms_up_linearly_then_decays_as_one_over_sqrt_step():
    assert lr_at(50, 1e-3, 100) == pytest.approx(5e-4)
    assert lr_at(100, 1e-3, 100) == pytest.approx(1e-3)
    assert lr_at(400, 1e-3, 100) == pytest.approx(5e-4)


def test_command_line_trains_and_records_its_command(tmp_path, capsys):
    out = tmp_path / "reverse-lstm"
    args = ["--task", "reverse", "--arch", "lstm", "--out", str(out), "--epochs", "1", "--train-size", "200",
            "--threads", "1", "--batch", "64", "--config", json.dumps({"emb": 8, "hidden": 16})]
    threads = torch.get_num_threads()
    try:
        main(args)
    finally:
        torch.set_num_threads(threads)
    info = seq2seq.read_config(out)
    assert info["train"]["command"] == "python -m seq2seq.train " + " ".join(args)
    assert (info["config"]["hidden"], info["train"]["batch"], info["train"]["epochs_run"]) == (16, 64, 1)
    assert json.loads(log_lines(out)[0])["epoch"] == 1


@pytest.mark.parametrize("config", ['{"wings": 2}', "[1, 2]"], ids=["unknown-field", "not-an-object"])
def test_command_line_bad_model_config_is_a_one_line_error(tmp_path, capsys, config):
    with pytest.raises(SystemExit) as exit_:
        main(["--task", "reverse", "--arch", "lstm", "--out", str(tmp_path / "m"), "--train-size", "50",
              "--config", config])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.startswith("error: bad model config")


def test_average_keeps_the_last_epochs_and_the_better_weights(tmp_path, capsys):
    out = tmp_path / "reverse-lstm-attn"
    threads = torch.get_num_threads()
    try:
        meta = train(TrainConfig(task="reverse", arch="lstm-attn", out=out, train_size=300, quiet=True, threads=1,
                                 lr=3e-3, warmup=10, model={**TINY["lstm-attn"], "dropout": 0.0}, epochs=4,
                                 average=3))
    finally:
        torch.set_num_threads(threads)
    kept = sorted(f.name for f in (out / ".resume").glob("epoch-*.safetensors"))
    assert kept == ["epoch-2.safetensors", "epoch-3.safetensors", "epoch-4.safetensors"]
    report = json.loads(next(line for line in capsys.readouterr().err.splitlines() if "averaged_epochs" in line))
    assert report["averaged_epochs"] == [2, 3, 4]
    info = seq2seq.read_config(out)
    if report["dev"] > report["best_single"]:  # the average was kept, and the config says so
        assert info["train"]["averaged_epochs"] == [2, 3, 4] and meta["best"] == pytest.approx(report["dev"], abs=0.01)
    else:
        assert "averaged_epochs" not in info["train"]


# --- nothing destroys a model by accident (issue 13) ------------------------------------------

def tiny_run(out, arch="lstm", **kw):
    threads = torch.get_num_threads()
    try:
        return train(TrainConfig(task="reverse", arch=arch, out=out, train_size=60, quiet=True, threads=1, epochs=1,
                                 model=TINY[arch], **kw))
    finally:
        torch.set_num_threads(threads)


def snapshot(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_train_refuses_an_existing_checkpoint_folder_and_leaves_it_as_it_was(tmp_path, capsys):
    out = tmp_path / "reverse-lstm"
    tiny_run(out)
    (out / "metrics.json").write_text("{}")
    before = snapshot(out)
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_:
        main(["--task", "reverse", "--arch", "lstm-attn", "--out", str(out), "--train-size", "50", "--epochs", "1"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--resume" in err[0] and "--overwrite" in err[0]
    assert snapshot(out) == before


def test_resume_refuses_another_arch_or_config(tmp_path):
    out = tmp_path / "reverse-lstm"
    tiny_run(out)
    with pytest.raises(ValueError, match="arch"):
        tiny_run(out, arch="lstm-attn", resume=True)
    with pytest.raises(ValueError, match="config"):
        train(TrainConfig(task="reverse", arch="lstm", out=out, train_size=60, quiet=True, threads=1, epochs=2,
                          resume=True, model={**TINY["lstm"], "hidden": 64}))


def test_resume_without_a_state_is_refused(tmp_path):
    with pytest.raises(ValueError, match="no training state"):
        tiny_run(tmp_path / "new", resume=True)


def test_overwrite_replaces_the_model_and_drops_its_old_metrics_and_card(tmp_path):
    out = tmp_path / "reverse-lstm"
    tiny_run(out)
    (out / "metrics.json").write_text("{}")
    (out / "README.md").write_text("# old card")
    tiny_run(out, arch="lstm-attn", overwrite=True)
    assert seq2seq.read_config(out)["arch"] == "lstm-attn"
    assert not (out / "metrics.json").exists() and not (out / "README.md").exists()
    assert [json.loads(line)["epoch"] for line in log_lines(out)] == [1]  # the log of this run only


def test_a_save_killed_midway_leaves_the_old_model(tmp_path, monkeypatch):
    from conftest import tiny_model

    out = seq2seq.save(tiny_model("lstm", "reverse"), tmp_path / "m", task="reverse")
    before = snapshot(out)

    def killed(model, folder, task, dtype, meta):
        seq2seq.checkpoint._write_weights({"x": torch.zeros(3)}, folder / "model.safetensors")
        raise KeyboardInterrupt  # between the weights and the config

    monkeypatch.setattr(seq2seq.checkpoint, "_write_model", killed)
    with pytest.raises(KeyboardInterrupt):
        seq2seq.save(tiny_model("transformer", "reverse"), out, task="reverse")
    assert snapshot(out) == before and seq2seq.load(out, device="cpu").arch == "lstm"
    assert [p.name for p in tmp_path.iterdir()] == ["m"]  # nothing left beside it


def test_orphans_of_a_kill_are_cleaned_and_a_half_swapped_folder_is_put_back(tmp_path):
    from conftest import tiny_model

    out = seq2seq.save(tiny_model("lstm", "reverse"), tmp_path / "m", task="reverse")
    (out / ".metrics.json.abc.part").write_text("half")
    (tmp_path / ".m.new-xyz").mkdir()
    out.rename(tmp_path / ".m.old-xyz")  # a kill between the two renames of a rewrite
    seq2seq.checkpoint.clean_orphans(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]
    assert not list(out.glob("*.part")) and seq2seq.load(out, device="cpu").arch == "lstm"
    assert seq2seq.checkpoint.available(tmp_path) == ["m"]
