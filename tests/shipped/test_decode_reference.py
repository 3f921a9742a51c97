"""Decoding made faster decodes the same: every shipped model's greedy and beam-4 traces of
fixed inputs match tests/shipped/decode_reference.npz (written by scripts/decode_reference.py
before the speed work of issue 14): the same tokens, probabilities and attention to 1e-5."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))

import decode_reference as ref  # noqa: E402

SAVED = np.load(ref.OUT)
RUNS = sorted({k.rsplit("|", 1)[0] for k in SAVED.files})


@pytest.fixture(scope="module")
def now():
    return ref.references()


@pytest.mark.parametrize("run", RUNS)
def test_decoding_matches_the_reference(run, now):
    keys = [k for k in SAVED.files if k.startswith(run + "|")]
    assert keys and all(k in now for k in keys), f"{run}: fields differ from the reference"
    assert list(now[f"{run}|tokens"]) == list(SAVED[f"{run}|tokens"]), run
    for k in keys:
        if not k.endswith("|tokens"):
            np.testing.assert_allclose(now[k], SAVED[k], rtol=0, atol=1e-5, err_msg=k)


def test_the_reference_covers_every_model_and_strategy():
    models = {r.split("|")[0] for r in RUNS}
    assert len(models) == 11 and {r.split("|")[1] for r in RUNS} == {"greedy", "beam"}
