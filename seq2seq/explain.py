"""Transitional: the old home of rollout and `inside`, now in seq2seq.attention under the
same names. Only ui.py and tests/app/test_app_teaching.py still import them from here;
delete this file when they import from seq2seq.attention.
"""

from .attention import Inside, inside, rollout

__all__ = ["Inside", "inside", "rollout"]
