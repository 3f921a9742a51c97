"""Transitional: the old home of attention views, gold alignment and metric summaries.

They now live in seq2seq.attention, seq2seq.gold and seq2seq.reports, under the same names.
Only ui.py, pages/, seq2seq/viz.py and tests/unit/test_viz.py still import them from here;
delete this file when they import from the new modules.
"""

from .attention import KINDS, attention_stack, clamp_step, cross_matrix, head_matrix
from .gold import Gold, gold_alignment, gold_overlap
from .reports import by_length, metric_summary, training_curves

__all__ = ["KINDS", "Gold", "attention_stack", "by_length", "clamp_step", "cross_matrix", "gold_alignment",
           "gold_overlap", "head_matrix", "metric_summary", "training_curves"]
