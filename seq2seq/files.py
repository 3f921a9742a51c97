"""Files and folders written so that a kill at any moment leaves the old version or the new
one, never half of either: a file through a temporary `.part` file and a rename, a whole folder
through a new folder beside it and an atomic exchange. seq2seq.checkpoint writes with these.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import tempfile
from pathlib import Path

PART = ".part"  # a file being written (then renamed); one left by a killed process is an orphan


def atomic_save(path, write):
    """Write a temporary file beside `path` with `write(tmp)`, then rename it: never half-written."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=PART)
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def atomic_write(path, data: bytes | str):
    """Write bytes, or text as UTF-8, so that `path` is never half-written."""
    atomic_save(path, lambda tmp: Path(tmp).write_bytes(data.encode("utf-8") if isinstance(data, str) else data))


def write_json(path, obj):
    atomic_write(path, json.dumps(obj, indent=2, ensure_ascii=False) + "\n")


_RENAME_EXCHANGE = 2  # renameat2 flag: swap two paths atomically (Linux 3.15+)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one atomic step where the kernel and file system can; False otherwise."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.renameat2(-100, os.fsencode(a), -100, os.fsencode(b), _RENAME_EXCHANGE) == 0  # -100: AT_FDCWD
    except (AttributeError, OSError):
        return False


def clean_orphans(out) -> None:
    """Remove what a killed write left beside or in the folder `out`: temporary folders of a
    rewrite, and `.part` files. A folder missing because a kill fell between the two renames of
    a rewrite (where the kernel cannot swap atomically) is put back from its `.old-` copy."""
    out = Path(out)
    parent = out.parent
    if not parent.is_dir():
        return
    olds = sorted(parent.glob(f".{out.name}.old-*"), key=lambda p: p.stat().st_mtime)
    if olds and not out.exists():
        olds.pop().rename(out)
    for junk in [*olds, *parent.glob(f".{out.name}.new-*")]:
        shutil.rmtree(junk, ignore_errors=True)
    if out.is_dir():
        for part in out.glob(f".*{PART}"):
            part.unlink(missing_ok=True)


def rewrite(out, write, keep=()) -> Path:
    """Write the folder `out` as a whole: `write(tmp)` fills a new folder beside it (with `keep`
    copied from the old one), which then takes the old one's place. A kill at any point leaves
    the old folder or the new one, never a mix of the two."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    clean_orphans(out)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.new-"))
    try:
        for name in keep if out.is_dir() else ():
            src = out / name
            if src.is_dir():
                shutil.copytree(src, tmp / name, copy_function=os.link)  # hard links: instant, no space
            elif src.is_file():
                shutil.copy2(src, tmp / name)
        write(tmp)
        tmp.chmod(0o755)
        if not out.exists():
            tmp.rename(out)
        elif not _exchange(tmp, out):  # two renames; clean_orphans mends a kill between them
            old = out.parent / f".{out.name}.old-{tmp.name.rsplit('-', 1)[-1]}"
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # after a swap: the old folder
    return out
