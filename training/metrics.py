"""Image quality metrics on uint8 RGB arrays (H, W, 3): PSNR, SSIM, colourfulness and colour cast."""
from __future__ import annotations

import numpy as np
from PIL import Image
from skimage.color import rgb2lab
from skimage.metrics import peak_signal_noise_ratio, structural_similarity


def as_array(img: Image.Image | np.ndarray) -> np.ndarray:
    return np.asarray(img.convert("RGB") if isinstance(img, Image.Image) else img, dtype=np.uint8)


def psnr(output: np.ndarray, truth: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB over all channels (inf for identical images)."""
    return float(peak_signal_noise_ratio(truth, output, data_range=255))


def ssim(output: np.ndarray, truth: np.ndarray) -> float:
    """Structural similarity (Wang et al. 2004), averaged over the RGB channels."""
    return float(structural_similarity(truth, output, channel_axis=2, data_range=255))


def colourfulness(img: np.ndarray) -> float:
    """Hasler & Suesstrunk (2003): sigma_rgyb + 0.3 * mu_rgyb over opponent channels
    rg = R - G and yb = (R + G) / 2 - B. 0 for grey; about 15 "slightly", 33 "moderately",
    59 "quite", 82+ "highly" colourful."""
    r, g, b = (img[..., i].astype(np.float64) for i in range(3))
    rg, yb = r - g, (r + g) / 2 - b
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))


def mean_ab(img: np.ndarray) -> tuple[float, float]:
    """Mean CIELAB a* (green- to red+) and b* (blue- to yellow+) of an image: its overall tint."""
    lab = rgb2lab(img)
    return float(lab[..., 1].mean()), float(lab[..., 2].mean())


def compare(output: Image.Image, truth: Image.Image) -> dict[str, float]:
    """Metrics of one colouring against its ground truth (same size)."""
    out, ref = as_array(output), as_array(truth)
    if out.shape != ref.shape:
        raise ValueError(f"output {out.shape} and ground truth {ref.shape} differ in size")
    (a_out, b_out), (a_ref, b_ref) = mean_ab(out), mean_ab(ref)
    return {"psnr": psnr(out, ref), "ssim": ssim(out, ref), "colourfulness": colourfulness(out),
            "colourfulness_truth": colourfulness(ref), "cast_a": a_out - a_ref, "cast_b": b_out - b_ref}


def mean_metrics(rows: list[dict[str, float]]) -> dict[str, float]:
    """Per-key means of `compare` rows, plus the colourfulness gap (output minus ground truth) and
    the length of the mean colour cast (cast_a, cast_b): a tint common to the outputs."""
    if not rows:
        raise ValueError("no images to average metrics over")
    means = {k: float(np.mean([r[k] for r in rows])) for k in rows[0]}
    means["colourfulness_gap"] = means["colourfulness"] - means["colourfulness_truth"]
    means["cast"] = float(np.hypot(means["cast_a"], means["cast_b"]))
    return means
