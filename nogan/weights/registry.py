"""Named models and where their weights come from."""
from __future__ import annotations

from dataclasses import dataclass

from ..models import GeneratorConfig

DEOLDIFY_REPO = "spensercai/DeOldify"
DEOLDIFY_REVISION = "448956a51080c3e5fb29a4e0f3e09457afd94eb0"


@dataclass(frozen=True)
class HubCheckpoint:
    """One published DeOldify checkpoint: a plain state dict in the original layout."""

    name: str
    filename: str
    size: int
    sha256: str
    config: GeneratorConfig
    photo_render_factor: int
    video_render_factor: int
    description: str
    repo_id: str = DEOLDIFY_REPO
    revision: str = DEOLDIFY_REVISION


_DEEP = GeneratorConfig("resnet34", "deep", 1.5)
_WIDE = GeneratorConfig("resnet101", "wide", 2.0)

MODELS: dict[str, HubCheckpoint] = {m.name: m for m in (
    HubCheckpoint("artistic", "ColorizeArtistic_gen.pth", 255_144_681,
                  "3f750246fa220529323b85a8905f9b49c0e5d427099185334d048fb5b5e22477", _DEEP, 35, 35,
                  "DeOldify Artistic: vivid colours, resnet34, may vary between frames"),
    HubCheckpoint("stable", "ColorizeStable_gen.pth", 874_066_230,
                  "ca9cd7f43fb8b222c9a70f7b292e305a000694b0ff9d2ae4a6747b1a2e1ee5af", _WIDE, 35, 21,
                  "DeOldify Stable: natural colours, best for portraits and landscapes, resnet101"),
    HubCheckpoint("video", "ColorizeVideo_gen.pth", 874_066_230,
                  "e3d98bb6a222354c79f95485c2f078a89dc724e9183662506d9e0f5aafac83ad", _WIDE, 35, 21,
                  "DeOldify Video: stable colours across frames, resnet101"),
)}
