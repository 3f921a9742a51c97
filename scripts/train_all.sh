#!/usr/bin/env bash
# Retrain all nine shipped models, then evaluate them and write their model cards.
# Usage: scripts/train_all.sh [PATH/cmn-eng.tsv]   (default ../shared/data/cmn-eng.tsv)
# Two lanes run side by side, one CPU thread each; every run resumes if killed.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-../shared/data/cmn-eng.tsv}
run() { python -m seq2seq.train --task "$1" --arch "$2" --out "checkpoints/$1-$2" --threads 1 \
          --minutes "$3" --data "$DATA"; }
(
  run en-zh transformer 40
  run en-zh lstm 15
) &
(
  run dates lstm-attn 6; run dates transformer 6; run dates lstm 6
  run reverse lstm-attn 8; run reverse transformer 8; run reverse lstm 8
  run en-zh lstm-attn 45
) &
wait
for m in checkpoints/*/; do python -m seq2seq.evaluate --model "$m" --data "$DATA"; done
