"""`export`: a generator checkpoint -> a nogan model folder (model.safetensors, config.json via
`nogan.weights.pretrained.save_pretrained`) plus a model card README.md."""
from __future__ import annotations

import json
from pathlib import Path

import torch

from nogan.models import GeneratorConfig
from nogan.weights.pretrained import save_pretrained

from .checkpoint import generator_from, load_checkpoint
from .config import ExportConfig

DTYPES = {"float16": torch.float16, "bfloat16": torch.bfloat16, "float32": torch.float32}


def model_card(name: str, config: GeneratorConfig, ckpt: dict, metrics: dict | None) -> str:
    """Markdown model card: what the model is, how to use it, how it was trained, how it scores."""
    lines = [
        "---", "library_name: pytorch", "pipeline_tag: image-to-image",
        "tags: [colorization, deoldify, nogan]", "---", "",
        f"# {name}", "",
        "A black-and-white photo colorization generator trained with DeOldify's NoGAN method "
        "(perceptual-loss pretraining, critic pretraining, a short GAN phase).", "",
        "## Usage", "", "```python", "from nogan import Colorizer", "",
        f'colorizer = Colorizer.from_pretrained("path/to/{name}")',
        'colorizer.colorize("old_photo.jpg").save("coloured.jpg")', "```", "",
        "## Architecture", "", "```json", json.dumps(config.to_dict(), indent=2), "```", "",
        "## Training", "",
        f"Exported from a `{ckpt['phase']}` checkpoint at step {ckpt['step']}. "
        "Commands that produced it (the `training` package of this repository), in order:", "",
        "```bash", *ckpt["history"], "```", ""]
    if metrics:
        lines += ["## Evaluation", "", "```json", json.dumps(metrics, indent=2), "```", ""]
    lines += ["## Limitations", "",
              "Colours are plausible guesses, not historical facts. Training photos were "
              "ImageNet-derived; the model inherits that data's biases.", ""]
    return "\n".join(lines)


def run(cfg: ExportConfig) -> Path:
    """Export; returns the output folder."""
    if not cfg.checkpoint or not cfg.out:
        raise ValueError("export needs --checkpoint and --out")
    if cfg.dtype not in DTYPES:
        raise ValueError(f"dtype={cfg.dtype!r} must be one of {', '.join(DTYPES)}")
    ckpt = load_checkpoint(cfg.checkpoint, ("pretrain-gen", "gan"))
    metrics = json.loads(Path(cfg.metrics).read_text()) if cfg.metrics else None
    out = Path(cfg.out)
    name = cfg.name or out.resolve().name
    model = generator_from(ckpt)
    save_pretrained(model, out, name, photo_render_factor=cfg.photo_render_factor,
                    video_render_factor=cfg.video_render_factor, dtype=DTYPES[cfg.dtype])
    (out / "README.md").write_text(model_card(name, model.config, ckpt, metrics))
    return out
