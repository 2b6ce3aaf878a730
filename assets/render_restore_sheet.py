"""Render `restore-contact-sheet.jpg`: real old photos through restoration and colour.

    python assets/render_restore_sheet.py [--cell 480]

One row per `examples/old_*.jpg` (public-domain FSA/OWI photographs, see examples/CREDITS.md);
columns: the input, the damage found (red over the dimmed photo), the restored photo, and the
restored photo coloured by the bundled `lite` model (`Remaster`, the whole job in one call).
Each row ends with a 2x zoom of the part of the photo where the most damage was found.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from nogan import Colorizer  # noqa: E402
from nogan.remaster import Remaster  # noqa: E402
from nogan.restore import Restorer  # noqa: E402

COLUMNS = ("input", "damage found", "restored", "restored + coloured", "zoom: input | restored")
LABEL_HEIGHT = 28
GAP = 6


def mask_overlay(photo: Image.Image, mask: Image.Image) -> Image.Image:
    grey = np.asarray(photo.convert("L"), np.float32) * 0.6
    rgb = np.dstack([grey] * 3)
    rgb[np.asarray(mask) > 0] = (255, 40, 40)
    return Image.fromarray(rgb.astype(np.uint8))


def worst_window(mask: Image.Image, side: int) -> tuple[int, int, int, int]:
    """The `side`-px square holding the most damage (integral image over the mask)."""
    m = (np.asarray(mask) > 0).astype(np.int64)
    side = min(side, *m.shape)
    integral = np.pad(m.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    sums = integral[side:, side:] - integral[:-side, side:] - integral[side:, :-side] + integral[:-side, :-side]
    y, x = np.unravel_index(np.argmax(sums), sums.shape)
    return int(x), int(y), int(x) + side, int(y) + side


def fit(image: Image.Image, width: int) -> Image.Image:
    return image.convert("RGB").resize((width, round(image.height * width / image.width)), Image.LANCZOS)


def row(path: Path, remaster: Remaster, cell: int) -> list[Image.Image]:
    photo = Image.open(path).convert("L")
    mask = remaster.restorer.damage_mask(photo)
    restored = remaster.restorer.restore(photo)
    coloured = remaster(photo)
    box = worst_window(mask, photo.width // 4)
    half = (box[2] - box[0]) * 2
    zoom = Image.new("RGB", (2 * half + GAP, half), "white")
    zoom.paste(photo.crop(box).resize((half, half), Image.NEAREST).convert("RGB"), (0, 0))
    zoom.paste(restored.crop(box).resize((half, half), Image.NEAREST).convert("RGB"), (half + GAP, 0))
    return [fit(photo, cell), fit(mask_overlay(photo, mask), cell), fit(restored, cell), fit(coloured, cell),
            fit(zoom, cell)]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--cell", type=int, default=400, help="width of one picture in the sheet")
    p.add_argument("--out", type=Path, default=ROOT / "assets" / "restore-contact-sheet.jpg")
    p.add_argument("--model", default="restore", help="restoration model name or folder")
    args = p.parse_args()

    photos = sorted((ROOT / "examples").glob("old_*.jpg"))
    if not photos:
        sys.exit("no examples/old_*.jpg to show")
    remaster = Remaster(Restorer.from_pretrained(args.model), Colorizer.from_pretrained("lite"))
    rows = [row(path, remaster, args.cell) for path in photos]
    heights = [max(im.height for im in r) for r in rows]
    width = len(COLUMNS) * (args.cell + GAP) - GAP
    sheet = Image.new("RGB", (width, LABEL_HEIGHT + sum(heights) + GAP * len(rows)), "white")
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default(size=18)
    for i, label in enumerate(COLUMNS):
        draw.text((i * (args.cell + GAP) + 4, 4), label, fill="black", font=font)
    y = LABEL_HEIGHT
    for r, height in zip(rows, heights):
        for i, image in enumerate(r):
            sheet.paste(image, (i * (args.cell + GAP), y))
        y += height + GAP
    sheet.save(args.out, quality=85, optimize=True)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
