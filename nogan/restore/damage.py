"""Finding damage (scratches, dust, cracks, stains) in a grey photo with DamageNet.

The network runs at full resolution in overlapping tiles, so one-pixel dust on a 4000-px scan is
seen as sharply as on a small photo while memory stays bounded by the tile size. On big scans a
second pass over a copy reduced to `coarse_side` px finds damage too wide for a tile's context
(broad scratches, stains); the two probability maps are combined by their maximum. Each map is
the mean of the network's answers for the picture and its mirror images (`views`): the network is
not mirror-symmetric, and where its answers disagree (an outline it half takes for a scratch, a
faint hair) the mean is less sure, so fewer guesses pass the threshold while what both views see
stays.

`detect_damage` keeps only what classical evidence confirms (`outliers`): the network's map is
soft around thin defects and it also fires on outlines, and filling an outline harms a photo.
A pixel is damage where it stands out from both sides beyond the grain and the texture around it
and the network thinks it at least half as likely as its threshold; each such region needs one
pixel the network is sure of (hysteresis), and takes in the sure pixels next to it (the inside of
a stain, too wide for the evidence to see). Pieces of evidence at most 2 * `LINK_REACH` px apart
count as one region: a scratch over a patch of its own tone shows evidence in pieces, and one sure
pixel confirms all of them. Isolated dust specks are added on classical evidence alone, which
finds the dark dust in skies the network misses. A scan's black film frame is left alone (its
lettering is thin and bright on black, like a scratch).
"""
from __future__ import annotations

import contextlib
import functools

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from ..device import PRECISIONS, resolve_device, resolve_precision
from .damage_net import DamageNet, DamageNetConfig, load_damage_net, save_damage_net
from .denoise import grain_level
from .outliers import film_frame, isolated_specks, outliers
from .tiles import tile_starts

__all__ = ["DamageNet", "DamageNetConfig", "damage_probability", "detect_damage", "load_damage_net",
           "save_damage_net"]

TILE = 768
OVERLAP = 48  # context each tile sees beyond the part of it that is kept
GROW_FACTOR = 0.5  # a confirmed region grows over pixels of at least this times the threshold
# ...and up to this many px over the pixels the network is sure of: the evidence sees defects at
# most 2 * max(DEFECT_REACH) px wide, so the inside of a stain shows no contrast
SURE_REACH = 4
LINK_REACH = 1  # px: evidence up to twice this apart is one defect (the repair closes such gaps too)
MIRRORS = ((), (1,), (0,), (0, 1))  # axes flipped for each view: as is, left-right, upside down, both
VIEWS = 2  # views averaged by default: with 4 a little better still, at twice the cost


def _autocast(device: torch.device, precision: str) -> contextlib.AbstractContextManager:
    if precision == "fp32":
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=PRECISIONS[precision])


@torch.no_grad()
def _probability_tiled(net: DamageNet, gray: np.ndarray, device: torch.device, precision: str,
                       tile: int, overlap: int) -> np.ndarray:
    h, w = gray.shape
    stride = net.config.stride
    out = np.empty((h, w), np.float32)
    core = tile - 2 * overlap  # the part of each tile that is kept
    ys, xs = tile_starts(h, core, align=stride), tile_starts(w, core, align=stride)
    for ky0, ky1 in zip(ys, [*ys[1:], h]):
        for kx0, kx1 in zip(xs, [*xs[1:], w]):
            y0, x0 = max(0, ky0 - overlap), max(0, kx0 - overlap)
            y1, x1 = min(h, ky1 + overlap), min(w, kx1 + overlap)
            x = torch.from_numpy(np.ascontiguousarray(gray[y0:y1, x0:x1])).to(device).float().div_(255)
            x = F.pad(x[None, None], (0, -x.shape[1] % stride, 0, -x.shape[0] % stride), mode="replicate")
            with _autocast(device, precision):
                logits = net(x)
            prob = torch.sigmoid(logits.float())[0, 0, ky0 - y0:ky1 - y0, kx0 - x0:kx1 - x0]
            out[ky0:ky1, kx0:kx1] = prob.cpu().numpy()
    return out


def _mean_over_views(probability, gray: np.ndarray, views: int) -> np.ndarray:
    """The mean of `probability` ((H, W) uint8 -> (H, W) float32) over the first `views` mirror
    images of `gray`, each flipped back."""
    total = probability(gray)
    for axes in MIRRORS[1:views]:
        total += np.flip(probability(np.ascontiguousarray(np.flip(gray, axes))), axes)
    total /= views
    return total


def damage_probability(net: DamageNet, gray: np.ndarray, *, device=None, precision: str | None = None,
                       tile: int = TILE, overlap: int = OVERLAP,
                       coarse_side: int | None = 1024, views: int = VIEWS) -> np.ndarray:
    """(H, W) uint8 grey -> (H, W) float32 damage probability in [0, 1].

    `tile`: side of the square the network sees at once (a multiple of the network's stride,
    more than 2 * `overlap`). `coarse_side`: images whose long side exceeds twice this also get
    a pass at this long side; None turns it off. `views`: 1 (the picture as is), 2 (and mirrored
    left-right) or 4 (and upside down, and both): the probability is the mean over them.
    """
    if not isinstance(gray, np.ndarray) or gray.ndim != 2 or gray.dtype != np.uint8:
        got = f"{gray.shape} {gray.dtype}" if isinstance(gray, np.ndarray) else type(gray).__name__
        raise ValueError(f"gray must be an (H, W) uint8 array, got {got}")
    stride = net.config.stride
    # tiles on the network's stride grid give the same result as one pass over the whole image
    if tile % stride or overlap % stride or tile <= 2 * overlap:
        raise ValueError(f"tile={tile} and overlap={overlap} must be multiples of {stride}, "
                         f"tile more than 2 * overlap")
    if isinstance(views, bool) or views not in (1, 2, 4):
        raise ValueError(f"views={views!r} must be 1, 2 or 4")
    device = resolve_device(device if device is not None else next(net.parameters()).device)
    precision = resolve_precision(precision, device)
    net = net.to(device).eval()
    probability = functools.partial(_probability_tiled, net, device=device, precision=precision, tile=tile,
                                    overlap=overlap)
    prob = _mean_over_views(probability, gray, views)
    h, w = gray.shape
    if coarse_side is not None and max(h, w) > 2 * coarse_side:
        scale = coarse_side / max(h, w)
        small = cv2.resize(gray, (max(1, round(w * scale)), max(1, round(h * scale))),
                           interpolation=cv2.INTER_AREA)
        coarse = _mean_over_views(probability, small, views)
        np.maximum(prob, cv2.resize(coarse, (w, h), interpolation=cv2.INTER_LINEAR), out=prob)
    return prob


def detect_damage(net: DamageNet, gray: np.ndarray, *, threshold: float | None = None, device=None,
                  precision: str | None = None, tile: int = TILE, overlap: int = OVERLAP,
                  coarse_side: int | None = 1024, views: int = VIEWS, confirm: bool = True,
                  grain: float | None = None) -> np.ndarray:
    """gray: (H, W) uint8. Returns (H, W) bool, True where damage.

    `threshold` on the damage probability; None: the model's own (`net.threshold`, from its
    config.json) or 0.5. `confirm`: keep only damage the classical evidence confirms and add
    isolated dust (see the module's notes); False gives the network's map alone. Device and
    precision as for `Colorizer` (None: CUDA, MPS, then CPU; fp16 on CUDA, bf16 on CPUs with
    native bf16, else fp32). Tiling and `views` as in `damage_probability`. `grain`: the picture's
    noise level (grey levels) where the caller has measured it; None: measured here.
    """
    threshold = getattr(net, "threshold", 0.5) if threshold is None else threshold
    if not 0 < threshold < 1:
        raise ValueError(f"threshold={threshold} must be between 0 and 1")
    prob = damage_probability(net, gray, device=device, precision=precision, tile=tile, overlap=overlap,
                              coarse_side=coarse_side, views=views)
    if not confirm:
        return prob >= threshold
    grain = grain_level(gray) if grain is None else grain
    confirmed = outliers(gray, grain) & (prob >= GROW_FACTOR * threshold)
    certain = prob >= threshold
    linked = cv2.dilate(confirmed.astype(np.uint8), np.ones((2 * LINK_REACH + 1,) * 2, np.uint8))
    count, labels = cv2.connectedComponents(linked, connectivity=8)
    sure = np.zeros(count, bool)
    sure[labels[confirmed & certain]] = True
    sure[0] = False
    found = sure[labels] & confirmed
    found |= _grown_over(found, certain, SURE_REACH)
    return (found | isolated_specks(gray, grain)) & ~film_frame(gray)


def _grown_over(regions: np.ndarray, allowed: np.ndarray, reach: int) -> np.ndarray:
    """The pixels of `allowed` (bool) within `reach` px of `regions` (bool) that connect to them."""
    near = cv2.dilate(regions.astype(np.uint8), np.ones((2 * reach + 1,) * 2, np.uint8)) & allowed
    count, labels = cv2.connectedComponents(near.astype(np.uint8), connectivity=8)
    touching = np.zeros(count, bool)
    touching[labels[regions]] = True
    touching[0] = False
    return touching[labels]
