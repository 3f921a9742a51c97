"""ui/compat.py: the one place that knows Streamlit beyond its documented API."""

from __future__ import annotations

import re
import subprocess

from tests.conftest import REPO
from ui import compat


def test_the_app_has_no_legacy_pages_folder():
    assert compat.legacy_pages_folder(REPO) is None, "page files belong in views/ (see ui/compat.py)"


def test_a_pages_folder_is_found(tmp_path):
    (tmp_path / "pages").mkdir()
    assert compat.legacy_pages_folder(tmp_path) == tmp_path / "pages"


def test_version_note_only_for_another_minor_version():
    assert compat.version_note("1.67.0") is None and compat.version_note("1.67") is None
    assert "1.67" in compat.version_note("1.68.0") and compat.version_note("1.670.0")


def test_requirements_pin_the_checked_minor_version():
    line = next(x for x in (REPO / "requirements.txt").read_text().splitlines() if x.startswith("streamlit"))
    major, minor = (int(x) for x in compat.CHECKED.split("."))
    assert line.split("#")[0].strip() == f"streamlit>={major}.{minor},<{major}.{minor + 1}"


def test_private_streamlit_names_appear_only_in_compat():
    out = subprocess.run(["grep", "-rlE", r"uses_pages_directory|_stcore|scriptrunner", "--include=*.py", "."],
                         cwd=REPO, capture_output=True, text=True)
    files = {re.sub(r"^\./", "", f) for f in out.stdout.split()}
    assert files <= {"ui/compat.py", "tests/unit/test_compat.py"}, files
