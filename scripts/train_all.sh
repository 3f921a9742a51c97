#!/usr/bin/env bash
# Retrain all eleven shipped models, then evaluate them and write their model cards.
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
run() {  # task arch minutes patience threads [name [more options]]
  local name=${6:-$1-$2}
  python -m seq2seq.train --task "$1" --arch "$2" --out "checkpoints/$name" --resume --overwrite \
    --minutes "$3" --patience "$4" \
    --threads "$5" --data "$DATA" "${@:7}" >> "logs/$name.log" 2>&1
}
timeline() {  # task arch epochs: the shipped epochs again, recording the model's training timeline (/training)
  python -m seq2seq.train --task "$1" --arch "$2" --out "checkpoints/$1-$2" --resume --overwrite \
    --epochs "$3" --patience 10 --threads 1 --timeline >> "logs/$1-$2.log" 2>&1
}
BAHDANAU='{"query": "prev"}'  # LSTM + attention in the article's (Bahdanau's) arrangement
(
  run en-zh lstm-attn 43 5 1
  timeline dates lstm-attn 2; run dates lstm 6 5 1; run reverse lstm 10 5 1
  run dates lstm-attn 6 5 1 dates-lstm-bahdanau --config "$BAHDANAU"
) &
(
  run en-zh lstm 30 5 1; timeline dates transformer 6
  timeline reverse lstm-attn 5; timeline reverse transformer 10
  run en-zh lstm-attn 46 5 1 en-zh-lstm-bahdanau --config "$BAHDANAU" --average 3
) &
wait
run en-zh transformer 43 5 2
for m in en-zh-lstm en-zh-lstm-attn en-zh-transformer en-zh-lstm-bahdanau; do python -m seq2seq.compress "$m" --dtype int8; done
python -m seq2seq.compress dates-lstm-bahdanau --dtype float16
for m in checkpoints/*/; do python -m seq2seq.evaluate --model "$m" --data "$DATA"; done
python scripts/models_table.py
