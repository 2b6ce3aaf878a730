"""Make the demo's examples from public-domain / CC0 pictures bundled in the scikit-image and
matplotlib wheels: greyscale JPEG photos and one short black-and-white clip with a soundtrack.

    python examples/make_examples.py

Everything is seeded, so running it again gives the same pictures (see CREDITS.md for sources).
"""
from __future__ import annotations

import subprocess
from pathlib import Path

import cv2
import imageio_ffmpeg
import matplotlib.cbook
import numpy as np
import skimage.data
from PIL import Image, ImageOps

HERE = Path(__file__).resolve().parent
MAX_SIDE = 800
JPEG_QUALITY = 85
CLIP_SIZE = (320, 240)
CLIP_FPS = 24
SHOT_SECONDS = 2.0
SEED = 1906  # the year of the first feature film: any fixed number keeps the grain reproducible

PHOTOS = {
    "astronaut": skimage.data.astronaut,
    "camera": skimage.data.camera,
    "coffee": skimage.data.coffee,
    "chelsea": skimage.data.chelsea,
    "rocket": skimage.data.rocket,
    "grace_hopper": lambda: np.asarray(Image.open(matplotlib.cbook.get_sample_data("grace_hopper.jpg"))),
}


def greyscale(array: np.ndarray) -> Image.Image:
    """An old-photo look needs only the luminance; autocontrast gives faded sources back their range."""
    image = ImageOps.autocontrast(Image.fromarray(array).convert("L"), cutoff=0.5)
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.LANCZOS)
    return image


def ken_burns(image: Image.Image, frames: int, zoom: tuple[float, float],
              centre: tuple[tuple[float, float], tuple[float, float]]) -> list[np.ndarray]:
    """A slow zoom and pan: each frame crops a window that eases from one framing to the other."""
    grey = np.asarray(image, dtype=np.float32)
    height, width = grey.shape
    out_w, out_h = CLIP_SIZE
    result = []
    for i in range(frames):
        t = 0.5 - 0.5 * np.cos(np.pi * i / max(frames - 1, 1))  # ease in and out
        scale = zoom[0] + (zoom[1] - zoom[0]) * t
        cx = (centre[0][0] + (centre[1][0] - centre[0][0]) * t) * width
        cy = (centre[0][1] + (centre[1][1] - centre[0][1]) * t) * height
        # the largest window of the clip's aspect ratio that fits, shrunk by the zoom
        win_w = min(width, height * out_w / out_h) / scale
        k = out_w / win_w
        matrix = np.float32([[k, 0, out_w / 2 - k * cx], [0, k, out_h / 2 - k * cy]])
        result.append(cv2.warpAffine(grey, matrix, CLIP_SIZE, flags=cv2.INTER_CUBIC,
                                     borderMode=cv2.BORDER_REFLECT))
    return result


def film_look(frames: list[np.ndarray], rng: np.random.Generator) -> list[np.ndarray]:
    """Grain, a flickering exposure and a soft vignette, as on a worn print."""
    out_w, out_h = CLIP_SIZE
    yy, xx = np.mgrid[0:out_h, 0:out_w].astype(np.float32)
    vignette = 1.0 - 0.35 * (((xx - out_w / 2) / out_w) ** 2 + ((yy - out_h / 2) / out_h) ** 2) * 2
    result = []
    for frame in frames:
        grain = cv2.GaussianBlur(rng.normal(0, 9, frame.shape).astype(np.float32), (0, 0), 0.7)
        flicker = 1.0 + rng.normal(0, 0.025)
        result.append(np.clip(frame * vignette * flicker + grain, 0, 255).astype(np.uint8))
    return result


def write_clip(frames: list[np.ndarray], path: Path) -> None:
    """H.264 video of the grey frames with a gentle A-major chord (AAC) that fades in and out."""
    seconds = len(frames) / CLIP_FPS
    chord = "0.12*sin(2*PI*220*t)+0.08*sin(2*PI*277.18*t)+0.08*sin(2*PI*329.63*t)"
    command = [
        imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error",
        "-f", "rawvideo", "-pix_fmt", "gray", "-s", "%dx%d" % CLIP_SIZE, "-r", str(CLIP_FPS), "-i", "-",
        "-f", "lavfi", "-i", f"aevalsrc={chord}:s=44100:d={seconds}",
        "-af", f"afade=t=in:d=0.5,afade=t=out:st={seconds - 0.7}:d=0.7",
        "-c:v", "libx264", "-preset", "slow", "-crf", "26", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "64k", "-shortest", "-movflags", "+faststart",
        "-map_metadata", "-1", "-fflags", "+bitexact", str(path),
    ]
    subprocess.run(command, input=b"".join(f.tobytes() for f in frames), check=True)


def main() -> None:
    photos = {}
    for name, load in PHOTOS.items():
        photos[name] = greyscale(load())
        photos[name].save(HERE / f"{name}.jpg", quality=JPEG_QUALITY, optimize=True)
    shot = round(SHOT_SECONDS * CLIP_FPS)
    frames = (ken_burns(photos["chelsea"], shot, (1.0, 1.35), ((0.5, 0.5), (0.42, 0.42)))
              + ken_burns(photos["coffee"], shot, (1.25, 1.0), ((0.62, 0.45), (0.5, 0.5))))
    write_clip(film_look(frames, np.random.default_rng(SEED)), HERE / "old_film.mp4")
    total = sum(p.stat().st_size for p in HERE.iterdir() if p.suffix in (".jpg", ".mp4"))
    print(f"wrote {len(photos)} photos and old_film.mp4 to {HERE} ({total / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
