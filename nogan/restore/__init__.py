"""Restoration of old photos: damage repair, grain, fading, softness and super-resolution.

    from nogan import Restorer
    Restorer.from_pretrained().restore("old.jpg", upscale=2).save("old_restored.png")

Each step is its own module: `damage` (finding scratches, dust, cracks), `repair` (filling them),
`denoise` (grain), `tone` (fading), `sharpen` (softness), `upscale` (super-resolution);
`restorer` runs them in that order.
"""
from .repair import inpaint
from .restorer import Restorer, available_restorers

__all__ = ["Restorer", "available_restorers", "inpaint"]
