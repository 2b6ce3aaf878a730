"""Colour hints in a real browser: colour a photo, paint, clear, paint a stroke with a chosen colour, apply it.

Set SAVE_SCREENSHOTS=1 to write `assets/screenshot-hints.png`. Like test_browser.py, these tests skip
without Chromium, except under CI.
"""
from __future__ import annotations

import io
import os
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect

from test_app_server import REPO
from test_browser import RUN_TIMEOUT_MS, browser, open_app  # noqa: F401 (browser: the shared fixture)

pytest_plugins = ["test_app_server"]

GREEN, BLUE = "rgb(62, 142, 65)", "rgb(47, 111, 181)"  # two of the brush's colours (webui.hints.BRUSH_COLOURS)


@pytest.fixture
def ball(tmp_path) -> Path:
    """A dark disc in the middle of a light picture: a stroke at the centre must colour the disc only."""
    image = Image.new("L", (480, 320), 200)
    ImageDraw.Draw(image).ellipse([160, 80, 320, 240], fill=60)
    path = tmp_path / "ball.png"
    image.save(path)
    return path


def chroma_uv(image: Image.Image, box: tuple[int, int, int, int]) -> np.ndarray:
    """Mean (U, V) over `box` (pixels), 0 for grey."""
    yuv = cv2.cvtColor(np.asarray(image.convert("RGB")), cv2.COLOR_RGB2YUV).astype(np.float32)
    x0, y0, x1, y1 = box
    return yuv[y0:y1, x0:x1, 1:].reshape(-1, 2).mean(axis=0) - 128


def download(page: Page, name: str) -> Image.Image:
    link = page.locator(f"#photo-download a[href$='/{name}']")
    expect(link).to_be_visible()
    return Image.open(io.BytesIO(page.request.get(link.get_attribute("href")).body()))


def on_top(page: Page, selector: str, fx: float, fy: float) -> str:
    """The tag of what the user sees at (fx, fy) (fractions) of the element `selector`."""
    page.locator(selector).scroll_into_view_if_needed()
    return page.evaluate("""([selector, fx, fy]) => {
        const r = document.querySelector(selector).getBoundingClientRect();
        return document.elementFromPoint(r.x + r.width * fx, r.y + r.height * fy)?.tagName ?? "";
    }""", [selector, fx, fy])


def choose_colour(page: Page, rgb: str) -> None:
    editor = page.locator("#hints-editor")
    editor.get_by_role("button", name="Color").click()
    editor.locator(f"menu button.color[style*='{rgb}']").click()


def paint_stroke(page: Page, dx: float = 0, length: float = 40) -> None:
    """A short horizontal stroke `dx` pixels right of the middle of the editor's canvas, where the
    picture is centred."""
    canvas = page.locator("#hints-editor canvas").last
    box = canvas.bounding_box()
    x, y = box["x"] + box["width"] / 2 + dx, box["y"] + box["height"] / 2
    page.mouse.move(x - length / 2, y)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(x - length / 2 + length * step / 10, y)
    page.mouse.up()


def test_paint_a_colour_and_apply_it(browser, app_url, ball):
    page = open_app(browser, app_url)
    page.locator("#photo-input input[type=file]").set_input_files(ball)
    expect(page.locator("#photo-input img")).to_be_visible()
    page.get_by_role("button", name="Colorize", exact=True).click()
    expect(page.locator("#before-after img")).to_have_count(2, timeout=RUN_TIMEOUT_MS)
    coloured = download(page, "ball_colorized.png")
    editor = page.locator("#hints-editor")
    expect(editor.locator("canvas").last).to_be_visible()
    page.get_by_role("button", name="Apply colours").click()  # nothing painted yet
    expect(page.get_by_text("Please paint some colours on the picture")).to_be_visible()
    assert on_top(page, "#before-after", 0.25, 0.6) == "IMG"  # the result stays in view, no "Error" badge over it
    page.wait_for_timeout(500)  # the editor draws its background after the canvas appears

    choose_colour(page, GREEN)  # not the first colour: choosing the selected one leaves the menu open
    paint_stroke(page, dx=150)  # on the light ground right of the disc (the colour menu opens on the left)
    editor.get_by_role("button", name="Clear canvas").click()  # clears the strokes; the picture comes back
    page.wait_for_timeout(1000)
    choose_colour(page, BLUE)
    paint_stroke(page)
    first_link = page.locator("#photo-download a").get_attribute("href")
    page.get_by_role("button", name="Apply colours").click()
    expect(page.locator("#photo-download a")).not_to_have_attribute("href", first_link, timeout=RUN_TIMEOUT_MS)

    result = download(page, "ball_colorized.png")
    assert result.size == coloured.size == (480, 320)
    u, v = chroma_uv(result, (200, 120, 280, 200))  # inside the disc
    assert u > 15 and v < -5, f"the disc is not blue: U={u:.1f}, V={v:.1f}"
    ground = (370, 130, 440, 190)  # right of the disc, where the cleared green stroke was
    assert np.abs(chroma_uv(result, ground) - chroma_uv(coloured, ground)).max() < 4  # the model's colours stay
    expect(page.locator("#before-after img")).to_have_count(2)
    if os.environ.get("SAVE_SCREENSHOTS") == "1":
        page.screenshot(path=REPO / "assets" / "screenshot-hints.png", full_page=True)
    page.context.close()


def test_apply_before_colouring_is_explained_in_chinese(browser, app_url):
    page = open_app(browser, app_url, locale="zh-CN")
    page.get_by_role("button", name="应用颜色").click()
    expect(page.get_by_text("请先为照片上色，再在结果上涂色。")).to_be_visible()
    page.context.close()
