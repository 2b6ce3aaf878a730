"""Classical evidence of damage: how far a pixel stands out from the picture on both sides of it.

Dust, scratches, hairs and cracks lie on top of the photo, so a damaged pixel differs from its
surroundings on *both* sides of the defect. A real edge is a step: one side of it matches it. For
each pixel and each of four directions we compare it with the (3x3 median) picture a few
pixels away on either side and keep the smaller of the two differences; the largest over
directions and distances is its contrast. Step edges score about zero, any structure narrower
than twice the reach scores its full contrast. Contrast is measured against the photo's grain,
so film grain alone never counts.

`outliers` keeps the pixels whose contrast stands clear of the grain and of the texture around
them: evidence that something lies on the picture, which the damage model then has to call
damage (the model, which sees the whole neighbourhood, tells a scratch across leaves from a
twig among them). `isolated_specks` is a detector on its own for dust: small, compact specks
that stand alone (a speck among many, as in a dotted dress, gravel or foliage, is texture).
`film_frame` finds the black frame of a scanned negative and the numbers printed on it: thin,
bright and on black, they look like scratches to every test here, and they are not the photo.
"""
from __future__ import annotations

import cv2
import numpy as np

DIRECTIONS = ((0, 1), (1, 0), (1, 1), (1, -1))  # (dy, dx): across rows, columns and both diagonals
DEFECT_REACH = (2, 3, 5)  # px either side: defects up to 2 * 5 = 10 px wide
MIN_CONTRAST = 16.0  # grey levels a defect must at least stand out by...
GRAIN_FACTOR = 3.0  # ...and this many times the grain's standard deviation...
TEXTURE_FACTOR = 1.0  # ...and this many times the median contrast around it...
TEXTURE_WINDOW = 15  # ...in a square of this side (px)
FRAME_BAND = 0.1  # share of the short side along each edge where a scan's black film frame may lie
FRAME_DARK = 40  # grey levels: the frame is darker than this...
FRAME_LETTERING = 9  # ...once strokes up to this many px wide (edge numbers, captions) are closed over
SPECK_MIN_CONTRAST = 30.0  # dust found without the model: at least these grey levels...
SPECK_GRAIN_FACTOR = 4.0  # ...and this many times the grain
SPECK_REACH = (2, 3)  # px: specks up to about 5 px across
SPECK_AREA = 25  # px: the most a dust speck covers
SPECK_NEIGHBOURHOOD = 31  # px: side of the square in which a speck must be the only one...
SPECK_NEIGHBOURS = 2  # ...apart from at most this many others


def contrast(gray: np.ndarray, reach: tuple[int, ...] = DEFECT_REACH) -> np.ndarray:
    """Signed both-sides contrast of every pixel of `gray` ((H, W) uint8), float32 grey levels:
    > 0 where a pixel is brighter than the picture on both sides of it (in some direction, at some
    distance in `reach`), < 0 where darker, 0 on flat areas and step edges."""
    if not isinstance(gray, np.ndarray) or gray.ndim != 2 or gray.dtype != np.uint8:
        got = f"{gray.shape} {gray.dtype}" if isinstance(gray, np.ndarray) else type(gray).__name__
        raise ValueError(f"gray must be an (H, W) uint8 array, got {got}")
    if not reach or min(reach) < 1:
        raise ValueError(f"reach={reach} must be distances of at least 1 px")
    centre = gray.astype(np.float32)
    # the sides are smoothed so grain on them does not pass for contrast; a median keeps steps sharp
    side = cv2.medianBlur(gray, 3).astype(np.float32)
    r = max(reach)
    padded = cv2.copyMakeBorder(side, r, r, r, r, cv2.BORDER_REFLECT)
    h, w = gray.shape
    brighter = np.zeros((h, w), np.float32)
    darker = np.zeros((h, w), np.float32)
    for d in reach:
        for dy, dx in DIRECTIONS:
            before = padded[r - d * dy:r - d * dy + h, r - d * dx:r - d * dx + w]
            after = padded[r + d * dy:r + d * dy + h, r + d * dx:r + d * dx + w]
            np.maximum(brighter, centre - np.maximum(before, after), out=brighter)
            np.maximum(darker, np.minimum(before, after) - centre, out=darker)
    return np.where(brighter >= darker, brighter, -darker)


def outliers(gray: np.ndarray, grain: float) -> np.ndarray:
    """(H, W) bool: pixels of `gray` ((H, W) uint8) whose both-sides contrast is at least
    MIN_CONTRAST, GRAIN_FACTOR times `grain` (noise standard deviation, grey levels) and
    TEXTURE_FACTOR times the median contrast in the TEXTURE_WINDOW square around them."""
    strength = np.abs(contrast(gray))
    # a median, so a scratch (a minority of the square) does not count as texture around itself
    texture = cv2.medianBlur(np.minimum(strength, 255).astype(np.uint8), TEXTURE_WINDOW)
    return strength >= np.maximum(max(MIN_CONTRAST, GRAIN_FACTOR * grain), TEXTURE_FACTOR * texture)


def isolated_specks(gray: np.ndarray, grain: float) -> np.ndarray:
    """Dust: (H, W) bool of the specks of `gray` that stand out by at least SPECK_MIN_CONTRAST and
    SPECK_GRAIN_FACTOR times `grain` (noise standard deviation, grey levels), cover at most
    SPECK_AREA px and about 5 px across, and have at most SPECK_NEIGHBOURS other outliers (of 0.7
    times that contrast, any size) within the SPECK_NEIGHBOURHOOD square around them."""
    threshold = max(SPECK_MIN_CONTRAST, SPECK_GRAIN_FACTOR * grain)
    strength = np.abs(contrast(gray, SPECK_REACH))
    _, labels, stats, _ = cv2.connectedComponentsWithStats((strength >= threshold).astype(np.uint8),
                                                           connectivity=8)
    small = ((stats[:, cv2.CC_STAT_AREA] <= SPECK_AREA) & (stats[:, cv2.CC_STAT_WIDTH] <= 6)
             & (stats[:, cv2.CC_STAT_HEIGHT] <= 6))
    small[0] = False
    # neighbours: every outlier of 0.7 times the contrast (grain that barely misses, lines, texture)
    _, _, neighbours, _ = cv2.connectedComponentsWithStats((strength >= 0.7 * threshold).astype(np.uint8),
                                                           connectivity=8)
    centres = np.zeros(gray.shape, np.float32)
    nx, ny = _centres(neighbours[1:])
    centres[ny, nx] = 1
    square = (SPECK_NEIGHBOURHOOD,) * 2
    crowd = cv2.boxFilter(centres, -1, square, normalize=False, borderType=cv2.BORDER_CONSTANT)
    cover = cv2.boxFilter((strength >= 0.7 * threshold).astype(np.float32), -1, square, normalize=False,
                          borderType=cv2.BORDER_CONSTANT)
    xs, ys = _centres(stats)
    alone = ((crowd[ys, xs] <= 1 + SPECK_NEIGHBOURS + 0.5)  # itself and its neighbours, of any size
             & (cover[ys, xs] <= 2 * stats[:, cv2.CC_STAT_AREA] + SPECK_NEIGHBOURS * SPECK_AREA / 2))
    return (small & alone)[labels]


def _centres(stats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) of the centres of the bounding boxes in cv2 component `stats`."""
    return (stats[:, cv2.CC_STAT_LEFT] + stats[:, cv2.CC_STAT_WIDTH] // 2,
            stats[:, cv2.CC_STAT_TOP] + stats[:, cv2.CC_STAT_HEIGHT] // 2)


def film_frame(gray: np.ndarray) -> np.ndarray:
    """(H, W) bool: the black frame along the edges of a scanned negative or print, with the
    lettering on it. Dark areas within FRAME_BAND of an edge that reach the edge; a dark photo
    touching its edge there counts too, so nothing is repaired in such a strip."""
    h, w = gray.shape
    band = max(1, round(FRAME_BAND * min(h, w)))
    dark = (cv2.medianBlur(gray, 5) < FRAME_DARK).astype(np.uint8)
    dark = cv2.morphologyEx(dark, cv2.MORPH_CLOSE, np.ones((FRAME_LETTERING,) * 2, np.uint8))
    dark[band:h - band, band:w - band] = 0
    _, labels = cv2.connectedComponents(dark, connectivity=8)
    edge = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    return np.isin(labels, edge[edge > 0])
