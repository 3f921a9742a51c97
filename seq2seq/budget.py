"""The work budget: what one request may ask of a model, so that no input, link or setting
costs minutes of CPU. Enforced by seq2seq.decode; the app shows each limit where it bites.

    limit                 past it
    MAX_SOURCE_TOKENS     the input is cut to this many tokens (trace.truncated)
    MAX_BEAM              ValueError (the app clamps a link's beam and says so)
    MAX_STEPS             ValueError for a larger max_len; the default max_len stays below it
    MAX_TARGET_TOKENS     ValueError: a forced target or what-if prefix this long
    MAX_EDITS             what-if edits in one chain: a longer chain (a link) is cut, visibly
    MAX_WORK              one decode stops here, unfinished: trace.stopped == "budget"
    MAX_CHAIN_WORK        a decode and its what-if edits together: an edit that would pass it
                          is not decoded (the app says the chain was cut)
    MAX_ATTRIBUTION_CELLS seq2seq.attribute: ValueError for a trace of more steps x source
                          tokens (the explain page says so); ATTRIBUTION_FLOATS bounds the
                          logits one batch of integrated gradients holds at once

Work is counted in units of one step: (source tokens + step + 16) x (8 + hypotheses alive),
an upper bound on the CPU time of a step on all three architectures: on one core a unit costs
1-7 us on long inputs, where the budget matters (`python scripts/bench_budget.py`, BENCHMARKS.md
"The work budget"), so a whole chain stays within a few seconds of CPU.
"""

from __future__ import annotations

import math

MAX_SOURCE_TOKENS = 100
MAX_BEAM = 10
MAX_STEPS = 200
MAX_TARGET_TOKENS = 200
MAX_EDITS = 8
MAX_WORK = 400_000
MAX_CHAIN_WORK = 1_000_000
MAX_ATTRIBUTION_CELLS = 3_000  # e.g. 50 steps x 60 source tokens: ~10 s of IG on a 2-core machine
ATTRIBUTION_FLOATS = 4_000_000  # logits in one IG batch (rows x steps x vocabulary): 16 MB, the fastest measured
MIN_TEMPERATURE, MAX_TEMPERATURE = 0.01, 100.0


def step_work(src_len: int, t: int, alive: int) -> int:
    """The work of step t with `alive` hypotheses over a source of src_len tokens."""
    return (src_len + t + 16) * (8 + alive)


def check_settings(*, beam: int, temperature: float, top_k: int, max_len: int | None, k: int) -> None:
    """ValueError (one sentence, naming the setting) for a setting outside the budget."""
    if not isinstance(beam, int) or not 1 <= beam <= MAX_BEAM:
        raise ValueError(f"beam size must be 1 to {MAX_BEAM}, not {beam!r}")
    if not isinstance(temperature, (int, float)) or not math.isfinite(temperature) \
            or not MIN_TEMPERATURE <= temperature <= MAX_TEMPERATURE:
        raise ValueError(f"temperature must be a number from {MIN_TEMPERATURE} to {MAX_TEMPERATURE:g}, "
                         f"not {temperature!r}")
    if not isinstance(top_k, int) or top_k < 0:
        raise ValueError(f"top-k must be 0 (all tokens) or more, not {top_k!r}")
    if max_len is not None and (not isinstance(max_len, int) or not 1 <= max_len <= MAX_STEPS):
        raise ValueError(f"max_len must be 1 to {MAX_STEPS} steps, not {max_len!r}")
    if not isinstance(k, int) or not 1 <= k <= 50:
        raise ValueError(f"k (alternatives kept per step) must be 1 to 50, not {k!r}")
