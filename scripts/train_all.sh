#!/usr/bin/env bash
# Retrain all nine shipped models, then evaluate them and write their model cards.
#   scripts/train_all.sh [PATH/cmn-eng.tsv]      (default ../shared/data/cmn-eng.tsv)
# On a 2-core machine: eight models in two lanes side by side, one CPU thread each,
# then the en-zh Transformer alone on both cores. The numbers are the training-time
# budgets (--minutes) and patience the shipped models had; each model card gives its
# exact command. Every run resumes from its last completed epoch if killed (--resume;
# --overwrite replaces the shipped model the first time): run the
# script again. The three en-zh models are then stored as int8 (see the README).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-../shared/data/cmn-eng.tsv}
mkdir -p logs
run() {  # task arch minutes patience threads
  python -m seq2seq.train --task "$1" --arch "$2" --out "checkpoints/$1-$2" --resume --overwrite \
    --minutes "$3" --patience "$4" \
    --threads "$5" --data "$DATA" >> "logs/$1-$2.log" 2>&1
}
(
  run en-zh lstm-attn 43 5 1
  run dates lstm-attn 6 5 1; run dates lstm 6 5 1; run reverse lstm 10 5 1
) &
(
  run en-zh lstm 30 5 1; run dates transformer 8 5 1
  run reverse lstm-attn 16 10 1; run reverse transformer 41 10 1
) &
wait
run en-zh transformer 43 5 2
for m in en-zh-lstm en-zh-lstm-attn en-zh-transformer; do python -m seq2seq.compress "$m" --dtype int8; done
for m in checkpoints/*/; do python -m seq2seq.evaluate --model "$m" --data "$DATA"; done
python scripts/models_table.py
