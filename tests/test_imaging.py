"""Inputs a user may bring: every image mode, EXIF rotation, arrays, and broken files."""
from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from nogan import ImageTooLargeError, InvalidImageError
from nogan.imaging import load_image


def _gradient(mode: str = "L", size=(64, 48)) -> Image.Image:
    a = np.tile(np.linspace(0, 255, size[0], dtype=np.uint8), (size[1], 1))
    return Image.fromarray(a).convert(mode)


@pytest.mark.parametrize("mode", ["L", "RGB", "CMYK", "P"])
def test_plain_modes_become_rgb(mode):
    assert load_image(_gradient(mode)).mode == "RGB"


@pytest.mark.parametrize("mode", ["LA", "RGBA"])
def test_alpha_is_kept(mode):
    image = _gradient(mode)
    image.putalpha(Image.new("L", image.size, 77))
    loaded = load_image(image)
    assert loaded.mode == "RGBA" and loaded.getchannel("A").getextrema() == (77, 77)


def test_palette_with_transparency_keeps_it():
    image = _gradient("P")
    image.info["transparency"] = 0
    assert load_image(image).mode == "RGBA"


def test_16_bit_greyscale_scan_is_scaled_not_clipped(tmp_path):
    """PIL's own convert('RGB') clips 16-bit values to white; a mid-grey scan must stay mid-grey."""
    a = np.full((32, 32), 32768, dtype=np.uint16)
    path = tmp_path / "scan16.png"
    Image.fromarray(a).save(path)
    assert Image.open(path).mode in ("I;16", "I")
    rgb = np.asarray(load_image(path))
    assert np.all(rgb == 128)


def test_32_bit_integer_image_with_16_bit_values():
    image = Image.fromarray(np.full((8, 8), 65535, dtype=np.int32))
    assert np.all(np.asarray(load_image(image)) == 255)


def test_exif_orientation_is_applied(tmp_path):
    image = _gradient("RGB", size=(60, 20))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise on display
    path = tmp_path / "rotated.jpg"
    image.save(path, exif=exif)
    assert load_image(path).size == (20, 60)


@pytest.mark.parametrize("array,expected", [
    (np.zeros((10, 12), np.uint8), (12, 10)),
    (np.zeros((10, 12, 3), np.uint8), (12, 10)),
    (np.zeros((10, 12, 1), np.uint16), (12, 10)),
    (np.full((10, 12, 3), 0.5, np.float32), (12, 10)),
])
def test_numpy_arrays(array, expected):
    assert load_image(array).size == expected


def test_bad_arrays_are_refused():
    with pytest.raises(InvalidImageError, match="shape"):
        load_image(np.zeros((4, 4, 2), np.uint8))
    with pytest.raises(InvalidImageError, match="dtype"):
        load_image(np.zeros((4, 4), np.int64))


def test_decompression_bomb_is_refused_before_decoding(tmp_path):
    path = tmp_path / "bomb.png"
    Image.new("L", (12000, 12000)).save(path)  # a few KB on disk, 144 megapixels decoded
    assert path.stat().st_size < 1_000_000
    with pytest.raises(ImageTooLargeError, match="12000x12000"):
        load_image(path)
    with pytest.raises(ImageTooLargeError):
        load_image(_gradient(), max_pixels=100)


def test_corrupt_and_non_image_files(tmp_path):
    buffer = io.BytesIO()
    _gradient("RGB", (256, 256)).save(buffer, format="JPEG")
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes(buffer.getvalue()[:300])
    text = tmp_path / "notes.jpg"
    text.write_text("this is not a picture")
    for path in (truncated, text):
        with pytest.raises(InvalidImageError, match=path.name):
            load_image(path)
    with pytest.raises(InvalidImageError, match="no such image file"):
        load_image(tmp_path / "missing.png")
    with pytest.raises(InvalidImageError, match="not int"):
        load_image(42)


def test_beyond_pils_own_bomb_limit_is_still_too_large_not_invalid(tmp_path):
    """Over ~179 megapixels PIL itself refuses to open the file: that is still 'too large'."""
    path = tmp_path / "huge.png"
    Image.new("1", (14000, 13000)).save(path)
    with pytest.raises(ImageTooLargeError):
        load_image(path, max_pixels=10**9)
