"""Draw the logo's lettering as SVG paths, so that it looks the same on machines without CJK fonts.

    apt-get install fonts-noto-cjk && pip install fonttools
    python assets/render_lettering.py          # rewrites the <g id="lettering"> group of assets/logo.svg

Glyph outlines come from Noto Sans CJK SC Bold (NOGAN, arched over the hourglass) and Noto Serif
CJK SC Regular (时光重塑 and the subtitle), both under the SIL Open Font License, which allows
embedding outlines in artwork.
"""
from __future__ import annotations

import math
import re
from pathlib import Path

from fontTools.pens.svgPathPen import SVGPathPen
from fontTools.pens.transformPen import TransformPen
from fontTools.ttLib import TTCollection, TTFont

FONTS = Path("/usr/share/fonts/opentype/noto")
LOGO = Path(__file__).resolve().parent / "logo.svg"
SANS_BOLD = (FONTS / "NotoSansCJK-Bold.ttc", "Noto Sans CJK SC")
SERIF = (FONTS / "NotoSerifCJK-Regular.ttc", "Noto Serif CJK SC")


def load_font(path: Path, family: str) -> TTFont:
    for font in TTCollection(str(path)).fonts:
        if font["name"].getDebugName(1) == family:
            return font
    raise LookupError(f"{family} is not in {path}")


def glyph_path(font: TTFont, char: str, matrix: tuple[float, ...]) -> str:
    """The outline of `char` under the affine `matrix` (font units, y up -> SVG, y down)."""
    glyphs = font.getGlyphSet()
    pen = SVGPathPen(glyphs, ntos=lambda n: f"{n:.1f}".rstrip("0").rstrip("."))
    glyphs[font.getBestCmap()[ord(char)]].draw(TransformPen(pen, matrix))
    return pen.getCommands()


def advance(font: TTFont, char: str, size: float) -> float:
    return font["hmtx"][font.getBestCmap()[ord(char)]][0] * size / font["head"].unitsPerEm


def line(font: TTFont, text: str, size: float, spacing: float, centre_x: float, baseline: float) -> list[str]:
    """A centred line of text, `spacing` px after each character as CSS letter-spacing does."""
    scale = size / font["head"].unitsPerEm
    widths = [advance(font, c, size) + spacing for c in text]
    x = centre_x - (sum(widths) - spacing) / 2
    paths = []
    for char, width in zip(text, widths):
        paths.append(glyph_path(font, char, (scale, 0, 0, -scale, x, baseline)))
        x += width
    return paths


def arch(font: TTFont, text: str, size: float, spacing: float, centre: tuple[float, float],
         radius: float) -> list[str]:
    """Text centred on the top of a circle, each glyph upright to it, as SVG's textPath sets it."""
    scale = size / font["head"].unitsPerEm
    widths = [advance(font, c, size) + spacing for c in text]
    along = math.pi * radius / 2 - (sum(widths) - spacing) / 2  # distance from the left end of the half circle
    paths = []
    for char, width in zip(text, widths):
        middle = along + advance(font, char, size) / 2
        angle = math.pi + middle / radius
        cos, sin = math.cos(angle + math.pi / 2), math.sin(angle + math.pi / 2)  # the tangent's direction
        px, py = centre[0] + radius * math.cos(angle), centre[1] + radius * math.sin(angle)
        half = advance(font, char, size) / 2
        # rotate by the tangent, then shift the glyph so its middle sits on the circle
        paths.append(glyph_path(font, char, (cos * scale, sin * scale, sin * scale, -cos * scale,
                                             px - cos * half, py - sin * half)))
        along += width
    return paths


def lettering() -> str:
    sans, serif = load_font(*SANS_BOLD), load_font(*SERIF)
    groups = [("#0b2d6b", "NOGAN", arch(sans, "NOGAN", 46, 10, (320, 255), 160)),
              ("#0b2d6b", "时光重塑", line(serif, "时光重塑", 60, 12, 320, 456)),
              ("#1d4e9e", "基于NoGAN的黑白影像修复大师", line(serif, "基于NoGAN的黑白影像修复大师", 22, 3, 320, 498))]
    body = "\n".join(f'    <path fill="{colour}" aria-label="{text}" d="{" ".join(paths)}"/>'
                     for colour, text, paths in groups)
    note = "<!-- made by assets/render_lettering.py: glyph outlines, no font needed -->"
    return f'<g id="lettering">\n    {note}\n{body}\n  </g>'


if __name__ == "__main__":
    svg = LOGO.read_text(encoding="utf-8")
    svg, count = re.subn(r'<g id="lettering">.*?</g>', lambda _: lettering(), svg, flags=re.S)
    if count != 1:
        raise SystemExit(f'{LOGO} needs exactly one <g id="lettering"></g> to fill, found {count}')
    LOGO.write_text(svg, encoding="utf-8")
    print(f"wrote {LOGO} ({len(svg) / 1024:.0f} KiB)")
