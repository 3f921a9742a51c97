"""What every command line of the library shares (`python -m seq2seq.translate` and the rest):
its exit codes and its output streams.

    0    done
    1    its output pipe was closed (`... | head`): it stops quietly
    2    bad input (an option, a file, a checkpoint): one line "error: ..." on stderr
    130  interrupted (Ctrl-C): one line on stderr

Output is UTF-8 whatever the locale; text that is not valid UTF-8 (bytes in argv) is refused.
"""

from __future__ import annotations

import os
import sys

from .checkpoint import CheckpointError

BAD_INPUT = (CheckpointError, ValueError, OSError)  # FileNotFoundError, PermissionError ... are OSErrors


def fail(message) -> int:
    """Print one line "error: ..." on stderr; the exit code for bad input."""
    print("error: " + " ".join(str(message).split()), file=sys.stderr)
    return 2


def utf8(text: str, what: str = "the input") -> str:
    """`text` if it is valid Unicode; ValueError for bytes from argv that were not UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{what} is not valid UTF-8") from None
    return text


def run(main, argv=None):
    """Run `main(argv)` (returns an exit code) as a command: exits with its code, quiet on a
    closed pipe and on Ctrl-C, never a traceback for bad input."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="backslashreplace")
    try:
        code = main(argv)
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # Python's docs: no error at exit
        code = 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        code = 130
    except BAD_INPUT as e:
        code = fail(e)
    sys.exit(code)
