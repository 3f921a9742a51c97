"""Hostile checkpoint folders (issue 13): every one fails to load with a CheckpointError that
names the file and the field, before any big allocation, and never reads outside its folder."""

from __future__ import annotations

import resource

import pytest
from conftest import HOSTILE, plant_hostile, tiny_model

import seq2seq


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    source = seq2seq.save(tiny_model("transformer"), root / "source", task="dates")
    return root, plant_hostile(root, source)


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_folder_is_a_checkpoint_error_naming_file_and_field(hostile, case):
    root, planted = hostile
    file, word = planted[f"hostile-{case}"]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(seq2seq.CheckpointError) as info:
        seq2seq.load(root / f"hostile-{case}", device="cpu")
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert info.value.path.name == file, info.value
    assert word.lower() in info.value.problem.lower(), info.value
    assert grown_mb < 200, f"loading allocated {grown_mb:.0f} MB before failing"
