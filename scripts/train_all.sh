#!/usr/bin/env bash
# Retrain all nine shipped models, then evaluate them and write their model cards.
#   scripts/train_all.sh [PATH/cmn-eng.tsv]      (default ../shared/data/cmn-eng.tsv)
# Two lanes run side by side on a 2-core machine, one CPU thread each; the numbers
# after --minutes are the training-time budgets the shipped models had (each model
# card gives its exact command). Every run resumes from its last completed epoch if
# killed: run the script again.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-../shared/data/cmn-eng.tsv}
mkdir -p logs
run() { python -m seq2seq.train --task "$1" --arch "$2" --out "checkpoints/$1-$2" --threads 1 --minutes "$3" \
          --patience "$4" --data "$DATA" >> "logs/$1-$2.log" 2>&1; }
(
  run en-zh transformer 60 5
  run en-zh lstm 12 5
) &
(
  run dates lstm-attn 6 5; run dates lstm 6 5; run dates transformer 8 5
  run reverse lstm-attn 16 10; run reverse transformer 41 10; run reverse lstm 10 5
  run en-zh lstm-attn 50 5
) &
wait
for m in checkpoints/*/; do python -m seq2seq.evaluate --model "$m" --data "$DATA"; done
python scripts/models_table.py
