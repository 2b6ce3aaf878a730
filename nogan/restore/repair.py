"""Filling damaged pixels (scratches, dust, cracks, stains) from their surroundings.

Thin defects are filled by Telea's fast-marching inpainting, which is exact enough a few pixels
from known ones. Across wide defects it smears the border inward, so the regions with pixels more
than `THIN_RADIUS` from the defect's edge are filled again by frequency-selective reconstruction
(`cv2.xphoto`, FSR), which continues texture and edges from around the hole, each wide region in
its own crop; a learned fill (`FillNet`), when one is given, then corrects FSR's fill there, in
windows around the regions (`fill.learned_fill`). Either way the cost follows the damage, not the
picture. FSR comes with opencv-contrib; where another OpenCV wheel shadows it, wide defects keep
Telea's fill (with a warning), which a FillNet was not trained to correct.

`with_halos` grows the pixels to fill over a defect's blurred rim: a real dust speck is softened
by the print and the scan beyond what is found of it, and filling the speck alone leaves a faint
ring.
"""
from __future__ import annotations

import functools
import warnings

import cv2
import numpy as np

from .fill import learned_fill
from .fill_net import FillNet

THIN_RADIUS = 3  # px; defects at most 2 * THIN_RADIUS + 1 wide count as thin
TELEA_RADIUS = 3  # px of known neighbourhood Telea weighs for each filled pixel
FSR_MARGIN = 24  # px of context around a wide region handed to FSR with it
HALO = 2  # px: the most a dust speck's rim is grown over...
HALO_AREA = 50  # ...a speck being a hole of at most this many px (along a scratch, the rim is an edge)
HALO_WINDOW = 15  # px: side of the square whose median is a pixel's background
HALO_CONTRAST = 4.0  # grey levels a rim pixel differs from its background by, the way its defect does...
HALO_GRAIN = 3.0  # ...and at least this many times the grain...
HALO_TEXTURE = 3.0  # ...and this many times the median difference around it: on texture a ring
# does not show, and filling it would blur the texture


def inpaint(image: np.ndarray, mask: np.ndarray, fill_net: FillNet | None = None) -> np.ndarray:
    """Fill the pixels where `mask` is true from the pixels around them.

    `image`: (H, W) or (H, W, 3) uint8; `mask`: (H, W) bool (or 0/non-zero). `fill_net`: fills the
    wide regions' FSR fill (None: FSR's fill stays). Returns a new array like `image`; every pixel outside the mask
    is unchanged.
    """
    image = np.asarray(image)
    if image.dtype != np.uint8 or not (image.ndim == 2 or (image.ndim == 3 and image.shape[2] == 3)):
        raise ValueError(f"image of shape {image.shape} and dtype {image.dtype} must be (H, W) or "
                         "(H, W, 3) uint8")
    mask = np.asarray(mask)
    if mask.shape != image.shape[:2]:
        raise ValueError(f"mask of shape {mask.shape} must have the image's height and width {image.shape[:2]}")
    holes = (mask != 0).astype(np.uint8)
    if not holes.any():
        return image.copy()
    filled = cv2.inpaint(image, holes, TELEA_RADIUS, cv2.INPAINT_TELEA)
    _refill_wide(filled, holes, fill_net)
    return np.where(holes[..., None] if image.ndim == 3 else holes, filled, image)


def with_halos(holes: np.ndarray, grey: np.ndarray, grain: float) -> np.ndarray:
    """`holes` (uint8 0/1) with the specks among them (at most HALO_AREA px) grown, up to HALO px,
    over the pixels beside them that differ from their background the same way (darker or
    brighter) by HALO_CONTRAST, HALO_GRAIN times `grain` (grey levels) and HALO_TEXTURE times the
    median difference around them. `grey`: (H, W) uint8, the picture the holes are in. uint8 0/1."""
    _, labels, stats, _ = cv2.connectedComponentsWithStats(holes, connectivity=8)
    small = stats[:, cv2.CC_STAT_AREA] <= HALO_AREA
    small[0] = False
    specks = small[labels]
    if not specks.any():
        return holes
    background = cv2.medianBlur(grey, HALO_WINDOW)
    difference = grey.astype(np.int16) - background
    texture = cv2.medianBlur(np.minimum(np.abs(difference), 255).astype(np.uint8), HALO_WINDOW)
    least = np.maximum(max(HALO_CONTRAST, HALO_GRAIN * grain), HALO_TEXTURE * texture.astype(np.float32))
    # beside an edge the background steps, and the side of it the speck is on is no halo
    flat = cv2.morphologyEx(background, cv2.MORPH_GRADIENT, np.ones((5, 5), np.uint8)) < least
    grown = holes.astype(bool)
    for sign in (1, -1):
        rim = specks & (sign * difference > 0)
        allowed = (sign * difference >= least) & flat
        for _ in range(HALO):
            rim |= cv2.dilate(rim.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool) & allowed
        grown |= rim
    return grown.astype(np.uint8)


def wide_part(holes: np.ndarray) -> np.ndarray:
    """The pixels of `holes` (uint8 0/1) farther than THIN_RADIUS from every known pixel."""
    inner = cv2.distanceTransform(holes, cv2.DIST_L2, 3) > THIN_RADIUS
    return inner.astype(np.uint8)


def wide_regions(holes: np.ndarray) -> np.ndarray:
    """The pixels of `holes` (uint8 0/1) filled again after Telea, uint8 0/1: the wide part and the
    rim of the thin fill around it, where Telea's smear starts."""
    rim = cv2.dilate(wide_part(holes), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * THIN_RADIUS + 1,) * 2))
    return rim & holes


def _refill_wide(filled: np.ndarray, holes: np.ndarray, fill_net: FillNet | None) -> None:
    """Fill the wide regions of `holes` in `filled` (in place) again by FSR, then correct them by `fill_net`."""
    regions = wide_regions(holes)
    if not regions.any():
        return
    if _have_fsr():
        _fsr_fill(filled, regions)
    if fill_net is not None:
        filled[:] = learned_fill(fill_net, filled, regions.astype(bool))


def _fsr_fill(filled: np.ndarray, regions: np.ndarray) -> None:
    """Fill each connected region of `regions` (uint8 0/1) in `filled` (in place) by FSR, in its own crop."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(regions, connectivity=8)
    height, width = regions.shape
    for label in range(1, count):
        x, y, w, h = stats[label, :4]
        x0, y0 = max(0, x - FSR_MARGIN), max(0, y - FSR_MARGIN)
        x1, y1 = min(width, x + w + FSR_MARGIN), min(height, y + h + FSR_MARGIN)
        crop = filled[y0:y1, x0:x1]
        missing = labels[y0:y1, x0:x1] == label
        known = np.where(missing, 0, 255).astype(np.uint8)  # FSR's mask marks the known pixels
        out = np.zeros_like(crop)
        cv2.xphoto.inpaint(np.ascontiguousarray(crop), known, out, cv2.xphoto.INPAINT_FSR_FAST)
        crop[missing] = out[missing]


@functools.cache
def _have_fsr() -> bool:
    if hasattr(getattr(cv2, "xphoto", None), "inpaint"):
        return True
    warnings.warn("cv2.xphoto.inpaint is missing (another OpenCV wheel shadows opencv-contrib-python-headless): "
                  "wide damage is filled by Telea only, which smears; reinstall "
                  "opencv-contrib-python-headless to fix this", RuntimeWarning, stacklevel=3)
    return False
