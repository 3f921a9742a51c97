"""Shared fixtures: tiny models built from configs, and tiny checkpoint folders.

Tests live in one folder per kind, and each folder is a marker (`pytest -m unit`):

    unit/     the library and the app's pure helpers: fast, no Streamlit runtime
    app/      Streamlit's AppTest drives each page headlessly, on tiny checkpoints
    browser/  the real server in Debian's Chromium (skip with a reason without it)
    shipped/  the nine checkpoints in checkpoints/ (BLEU with the corpus in ../shared/data)
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
import torch

import seq2seq
from seq2seq.data import TOKENIZERS, Example, generate_dates, generate_reverse
from seq2seq.models import REGISTRY, build_model
from seq2seq.tokenize import Tokenizer

ARCHS = sorted(REGISTRY)
ATTN_ARCHS = [a for a in ARCHS if REGISTRY[a][0].has_cross_attention]  # all but the plain LSTM
# Options of an architecture that change how it computes, each covered by the contract tests like an
# architecture of its own: (architecture, config fields). lstm-bahdanau: the article's arrangement.
VARIANTS = {"lstm-bahdanau": ("lstm-attn", {"query": "prev"})}
TINY = {
    "lstm": dict(emb=16, hidden=32),
    "lstm-attn": dict(emb=16, hidden=32, attn_dim=16),
    "transformer": dict(d_model=32, heads=4, enc_layers=2, dec_layers=2, d_ff=64),
}
REPO = Path(__file__).resolve().parent.parent
CORPUS = seq2seq.data.find_corpus()


NAMES = ["Tom", "Mary", "Kubernetes", "ChatGPT", "Olga", "Spotify", "Lukas", "Zoom"]
THINGS = [("tea", "茶"), ("coffee", "咖啡"), ("music", "音乐"), ("books", "书"), ("dogs", "狗"), ("rain", "雨")]


def tiny_en_zh() -> list[Example]:
    """A tiny made-up English -> Chinese corpus (names copied, as the real corpus does now and then)."""
    return [Example(f"{n} likes {en}.", f"{n}喜欢{zh}。") for n in NAMES for en, zh in THINGS] + \
           [Example(f"I do not like {en}.", f"我不喜欢{zh}。") for en, zh in THINGS] + \
           [Example("It is powerful.", "它很强大。"), Example("Where is the station?", "车站在哪里？")]


def tiny_tokenizers(task: str):
    """The task's real tokenizer kinds, built on a small sample (en-zh: tiny_en_zh, 300 pieces)."""
    if task == "en-zh":
        examples = tiny_en_zh()
        src_tok = Tokenizer.build((e.src for e in examples), kind="subword", vocab_size=300)
        return src_tok, Tokenizer.build((e.tgt for e in examples), kind="zh", model=src_tok.model)
    examples = generate_dates(300, seed=11) if task == "dates" else generate_reverse(300, seed=11)
    src_args, tgt_args = TOKENIZERS[task]
    return (Tokenizer.build((e.src for e in examples), **src_args),
            Tokenizer.build((e.tgt for e in examples), **tgt_args))


def tiny_model(arch: str, task: str = "dates", seed: int = 0, **overrides):
    """An untrained tiny model of `arch` with the task's real tokenizers, in eval mode."""
    src_tok, tgt_tok = tiny_tokenizers(task)
    torch.manual_seed(seed)
    base, options = VARIANTS.get(arch, (arch, {}))
    model = build_model(base, **{**TINY[base], **options, **overrides}, src_vocab=len(src_tok),
                        tgt_vocab=len(tgt_tok))
    model.src_tok, model.tgt_tok, model.task, model.name = src_tok, tgt_tok, task, f"{task}-{arch}"
    return model.eval()


def make_tiny_checkpoints(root: Path, tasks=("dates", "reverse")) -> Path:
    """Write tiny checkpoint folders <task>-<arch> under root (what the app tests load)."""
    for task in tasks:
        for arch in ARCHS:
            seq2seq.save(tiny_model(arch, task), root / f"{task}-{arch}", task=task, data=f"generated ({task})")
    return root


def assert_beam_is_forced_replay(model, trace):
    """Each beam hypothesis has the tokens, attention and log-probability of a forced replay of it."""
    import numpy as np

    for h in trace.beam:
        alone = seq2seq.decode(model, trace.text, prefix=h.tokens, max_len=len(h.tokens))
        assert alone.tgt_tokens == h.tokens
        np.testing.assert_allclose(h.cross_weights, alone.cross_weights, atol=1e-5)
        assert h.logprob == pytest.approx(alone.logprob, abs=1e-4)


def arch_of(kind: str) -> str:
    """The registry's architecture of a fixture's kind ("lstm-bahdanau" -> "lstm-attn")."""
    return VARIANTS.get(kind, (kind,))[0]


@pytest.fixture(params=ARCHS + sorted(VARIANTS))
def arch(request):
    return request.param


@pytest.fixture(params=ATTN_ARCHS + sorted(VARIANTS))
def attn_arch(request):
    """An architecture whose decoder attends to the source."""
    return request.param


@pytest.fixture(scope="session")
def tiny_root(tmp_path_factory):
    """A checkpoints/ folder of tiny models, written once per run (nothing global changed)."""
    return make_tiny_checkpoints(tmp_path_factory.mktemp("checkpoints"))


@pytest.fixture
def tiny_checkpoints(tiny_root, monkeypatch):
    """The tiny checkpoints as the library's and the app's model folder, for this test only."""
    monkeypatch.setattr(seq2seq.checkpoint, "CHECKPOINTS", tiny_root)
    monkeypatch.setenv("ATTENTION_LAB_CHECKPOINTS", str(tiny_root))
    return tiny_root


@pytest.fixture
def own_checkpoints(tiny_root, tmp_path, monkeypatch):
    """A private copy of the tiny checkpoints that a test may break, change or add metrics to."""
    root = tmp_path / "checkpoints"
    shutil.copytree(tiny_root, root)
    monkeypatch.setattr(seq2seq.checkpoint, "CHECKPOINTS", root)
    monkeypatch.setenv("ATTENTION_LAB_CHECKPOINTS", str(root))
    return root


@pytest.fixture
def one_torch_thread():
    """Run a test on one torch thread: tiny models run ~30x faster that way on a busy 2-core machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


KINDS = ("unit", "app", "browser", "shipped")


def pytest_collection_modifyitems(config, items):
    """Mark every test with the kind of its folder."""
    for item in items:
        kind = Path(str(item.fspath)).parent.name
        if kind in KINDS:
            item.add_marker(getattr(pytest.mark, kind))


@pytest.fixture(autouse=True)
def fresh_trace_store():
    """Every test starts with empty process-wide trace and figure stores (ui.session): a decode
    or figure another test made is not found, and counting decodes counts this test's own."""
    session = sys.modules.get("ui.session")
    if session is not None:
        session.trace_store.clear()
        session.figure_store.clear()
    yield


# --- hostile checkpoint folders (issue 13): each is a copy of a tiny dates Transformer with one
# thing wrong; the value is (the file the error must name, a word of the problem it must say).

def _config_change(**changes):
    def plant(folder: Path):
        path = folder / "config.json"
        info = json.loads(path.read_text())
        for key, value in changes.items():
            if key in info["config"]:
                info["config"][key] = value
            else:
                info[key] = value
        path.write_text(json.dumps(info))
    return plant


def _link(name: str, target: str):
    def plant(folder: Path):
        (folder / name).unlink()
        (folder / name).symlink_to(target)
    return plant


def _nan_weights(folder: Path):
    from safetensors.torch import load_file, save_file

    tensors = load_file(folder / "model.safetensors")
    first = sorted(k for k, v in tensors.items() if v.is_floating_point())[0]
    tensors[first][0] = float("nan")
    save_file(tensors, folder / "model.safetensors")


def _pickle_only(folder: Path):
    (folder / "model.safetensors").unlink()
    torch.save({"planted": torch.zeros(2)}, folder / "model.bin")


HOSTILE = {
    "arch-is-a-list": (_config_change(arch=["transformer"]), "config.json", "arch"),
    "task-is-a-list": (_config_change(task=["dates"]), "config.json", "task"),
    "task-unknown": (_config_change(task="poetry"), "config.json", "task"),
    "deep-json": (lambda f: (f / "config.json").write_text("[" * 200_000 + "]" * 200_000), "config.json", "JSON"),
    "tokenizer-absolute-path": (_config_change(src_tokenizer="/dev/zero"), "config.json", "src_tokenizer"),
    "tokenizer-link-to-dev-zero": (_link("src_vocab.json", "/dev/zero"), "src_vocab.json", "outside"),
    "tokenizer-link-to-passwd": (_link("tgt_vocab.json", "/etc/passwd"), "tgt_vocab.json", "outside"),
    "weights-link-to-passwd": (_link("model.safetensors", "/etc/passwd"), "model.safetensors", "outside"),
    "d-model-huge": (_config_change(d_model=10**9), "config.json", "d_model"),
    "vocab-huge": (_config_change(src_vocab=2_000_000), "config.json", "src_vocab"),
    "heads-zero": (_config_change(heads=0), "config.json", "heads"),
    "heads-do-not-divide": (_config_change(heads=3), "config.json", "heads"),
    "max-len-negative": (_config_change(max_len=-5), "config.json", "max_len"),
    "d-ff-negative": (_config_change(d_ff=-1), "config.json", "d_ff"),
    "dropout-text": (_config_change(dropout="high"), "config.json", "dropout"),
    "nan-weights": (_nan_weights, "model.safetensors", "NaN"),
    "pickle-only": (_pickle_only, "model.safetensors", "missing"),
}


def plant_hostile(root: Path, source: Path) -> dict[str, tuple[str, str]]:
    """Copy `source` (a checkpoint folder) once per HOSTILE case into root/hostile-<case> and break
    each copy its own way; return {folder name: (file named, word in the problem)}."""
    out = {}
    for case, (plant, file, word) in HOSTILE.items():
        folder = root / f"hostile-{case}"
        shutil.copytree(source, folder)
        plant(folder)
        out[folder.name] = (file, word)
    return out
