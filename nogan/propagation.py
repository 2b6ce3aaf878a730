"""Edge-aware chroma propagation: spread a few known colours over a picture along its luminance.

Two classical steps, both on a working copy of at most `work_side` pixels on the longer side
(chroma is smooth; the model's own chroma is coarser still), then brought back to full size by a
fast guided filter (He & Sun 2015) guided by the full-size luminance, so colour stops at edges:

1. Colour: Levin, Lischinski & Weiss, "Colorization using Optimization" (SIGGRAPH 2004).
   Neighbouring pixels of similar luminance should have similar chroma: minimise
   sum_rs w_rs (u_r - u_s)^2 + mu sum_r c_r (u_r - h_r)^2 + eps sum_r (u_r - p_r)^2,
   with affinities w_rs = exp(-(Y_r - Y_s)^2 / 2 sigma^2), hint confidence c, hint chroma h and the
   prior p as a vanishing tie-breaker for parts no hint reaches: one sparse SPD system per chroma
   channel, solved coarse to fine (SciPy's sparse LU on the smallest copy, conjugate gradients above).
2. Reach: the geodesic distance from the hints (skimage's minimum-cost paths), where crossing a
   luminance edge costs `edge_cost` per grey level on top of the path's length (Yatziv & Sapiro's
   chrominance blending uses the same distance). The result is the prior blended towards the
   propagated colour by 1 / (1 + (distance / reach)^4), so colour fills the region it was put in
   and the rest, far away or behind strong edges, keeps the prior.

Chroma is OpenCV's YUV U, V on the 0-255 scale (as in `nogan.imaging.keep_luminance`).
"""
from __future__ import annotations

import cv2
import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from skimage.graph import MCP_Geometric
from threadpoolctl import threadpool_limits

WORK_SIDE = 256  # longer side of the working copy, in pixels
SIGMA = 6.0  # luminance difference (grey levels) at which neighbours stop sharing colour
# Distances are shares of the picture's longer side.
REACH = 0.75  # where a hint's colour is half strength in open, flat regions
EDGE_COST = 0.04  # extra distance for each grey level of edge crossed: a 50-level edge is 2.5 reaches
EDGE_FLOOR = 3.0  # grey levels per pixel of gradient that are shading, not an edge: free to cross
_SMOOTHING = 1.0  # pixels of the working copy: Gaussian blur of the luminance that edges are found on
_HINT_WEIGHT = 100.0  # mu: hints are near-hard constraints
_PRIOR_WEIGHT = 1e-5  # eps: only decides parts that no hint reaches through the affinities
_DIRECT_SIDE = 64  # copies this small are solved directly
_CG_STEPS = 40  # conjugate gradient steps per level
_GUIDED_EPS = 2.0 ** 2  # guided filter regularisation, in grey levels squared


def propagate_chroma(luma: np.ndarray, prior: np.ndarray, confidence: np.ndarray, target: np.ndarray, *,
                     work_side: int = WORK_SIDE, sigma: float = SIGMA, reach: float = REACH,
                     edge_cost: float = EDGE_COST) -> tuple[np.ndarray, np.ndarray]:
    """Spread the `target` chroma from where `confidence` > 0 over `luma`, on top of `prior`.

    luma: H x W float32 grey levels (0-255); prior, target: H x W x 2 float32 chroma;
    confidence: H x W float32 in [0, 1] (0: no hint at that pixel).
    Returns the chroma (H x W x 2 float32) and the blend weight towards the hints (H x W, 0-1).
    """
    height, width = luma.shape
    if not (confidence > 0).any():
        return prior.copy(), np.zeros((height, width), np.float32)
    scale = min(1.0, work_side / max(height, width))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small_luma = _shrink(luma, size)
    small_conf, small_target = _shrink_hints(confidence, target, size)
    smooth = cv2.GaussianBlur(small_luma, (0, 0), _SMOOTHING)  # grain and fine texture are not edges
    colour = _levin(smooth, _shrink(prior, size), small_conf, small_target, sigma)
    distance = _geodesic_distance(smooth, small_conf > 0, edge_cost * max(size))
    # full strength near the hints, half at `reach`, nothing a few reaches away (or past strong edges)
    blend = 1.0 / (1.0 + (distance / (reach * max(size))) ** 4)
    if scale < 1.0:
        full = _guided_upsample(small_luma, np.dstack([colour, blend]), luma)
        colour, blend = full[:, :, :2], full[:, :, 2]
    blend = np.clip(blend, 0.0, 1.0)
    return prior + blend[..., None] * (colour - prior), blend


def _shrink(a: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    a = np.ascontiguousarray(a, dtype=np.float32)
    return a if a.shape[1::-1] == size else cv2.resize(a, size, interpolation=cv2.INTER_AREA)


def _shrink_hints(confidence: np.ndarray, target: np.ndarray,
                  size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Hint confidence and chroma at `size`: the chroma averaged over the hint pixels of each new pixel."""
    share = size[0] / confidence.shape[1] * size[1] / confidence.shape[0]
    small = _shrink(confidence, size)
    small_target = _shrink(target * confidence[..., None], size) / np.maximum(small, 1e-12)[..., None]
    # a hint pixel counts in full even when it covers only part of a smaller pixel
    return np.minimum(small / share, 1.0), small_target


def _levin(luma: np.ndarray, prior: np.ndarray, confidence: np.ndarray, target: np.ndarray,
           sigma: float) -> np.ndarray:
    """Solve the Levin et al. system (with hint and prior terms) for both chroma channels.

    Cascadic multigrid: the solution on a half-size copy, enlarged, starts conjugate gradients
    here, which then only have the fine detail left to do; the smallest copy is solved directly.
    """
    height, width = luma.shape
    system, rhs = _system(luma, prior, confidence, target, sigma)
    if max(height, width) <= _DIRECT_SIDE:
        lu = spla.splu(system.tocsc(), permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0,
                       options={"SymmetricMode": True})  # SPD: symmetric ordering, no pivoting
        return lu.solve(rhs).reshape(height, width, 2).astype(np.float32)
    half = (max(1, width // 2), max(1, height // 2))
    coarse = _levin(_shrink(luma, half), _shrink(prior, half), *_shrink_hints(confidence, target, half), sigma)
    start = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_LINEAR).reshape(-1, 2)
    jacobi = sp.diags(1.0 / system.diagonal())
    # vectors this short gain nothing from BLAS threads, and on a busy machine their spinning costs seconds
    with threadpool_limits(limits=1, user_api="blas"):
        solution = [spla.cg(system, rhs[:, c], x0=start[:, c], M=jacobi, rtol=1e-4, maxiter=_CG_STEPS)[0]
                    for c in range(2)]
    return np.stack(solution, axis=1).reshape(height, width, 2).astype(np.float32)


def _system(luma: np.ndarray, prior: np.ndarray, confidence: np.ndarray, target: np.ndarray,
            sigma: float) -> tuple[sp.csr_matrix, np.ndarray]:
    """The matrix (graph Laplacian of the affinities plus the data terms) and right-hand sides."""
    height, width = luma.shape
    n = height * width
    index = np.arange(n).reshape(height, width)
    first = np.concatenate([index[:, :-1].ravel(), index[:-1, :].ravel()])  # right and down neighbours
    second = np.concatenate([index[:, 1:].ravel(), index[1:, :].ravel()])
    flat = luma.ravel().astype(np.float64)
    weights = np.exp(-(flat[first] - flat[second]) ** 2 / (2 * sigma ** 2))
    affinity = sp.coo_matrix((weights, (first, second)), shape=(n, n)).tocsr()
    affinity = affinity + affinity.T
    data = _HINT_WEIGHT * confidence.ravel().astype(np.float64)
    diagonal = np.asarray(affinity.sum(axis=1)).ravel() + data + _PRIOR_WEIGHT
    rhs = data[:, None] * target.reshape(n, 2) + _PRIOR_WEIGHT * prior.reshape(n, 2)
    return (sp.diags(diagonal) - affinity).tocsr(), rhs


def _geodesic_distance(luma: np.ndarray, sources: np.ndarray, edge_cost: float) -> np.ndarray:
    """Shortest path length (pixels) from any source pixel, a pixel costing 1 + edge_cost * its edge strength.

    Edge strength is the luminance gradient (grey levels per pixel) above EDGE_FLOOR, so a step of
    d levels costs about edge_cost * d pixels to cross while smooth shading costs nothing extra.
    """
    gradient = np.hypot(cv2.Sobel(luma, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(luma, cv2.CV_32F, 0, 1, ksize=3)) / 8
    costs = 1.0 + edge_cost * np.maximum(gradient - EDGE_FLOOR, 0.0)
    distance, _ = MCP_Geometric(costs.astype(np.float64), fully_connected=True).find_costs(np.argwhere(sources))
    # a path pays for the edge pixels it enters, so a texture ridge inside a region would be a line
    # of lower reach: a pixel takes its nearest neighbour's distance (a strong edge still costs half)
    return cv2.erode(distance.astype(np.float32), np.ones((3, 3), np.uint8))


def _guided_upsample(small_guide: np.ndarray, small: np.ndarray, guide: np.ndarray) -> np.ndarray:
    """Fast guided filter: fit `small` as a local linear function of `small_guide`, apply it to `guide`."""
    radius = 2
    box = lambda a: cv2.blur(a, (2 * radius + 1, 2 * radius + 1), borderType=cv2.BORDER_REFLECT)  # noqa: E731
    g = small_guide[..., None]
    mean_g, mean_p = box(small_guide)[..., None], box(small).reshape(small.shape)
    cov = box(small * g).reshape(small.shape) - mean_g * mean_p
    var = box(small_guide * small_guide)[..., None] - mean_g ** 2
    slope = cov / (var + _GUIDED_EPS)
    offset = mean_p - slope * mean_g
    size = guide.shape[1::-1]
    slope = cv2.resize(box(slope).reshape(small.shape), size, interpolation=cv2.INTER_LINEAR)
    offset = cv2.resize(box(offset).reshape(small.shape), size, interpolation=cv2.INTER_LINEAR)
    return slope * guide[..., None] + offset
