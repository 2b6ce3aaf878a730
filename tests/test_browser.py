"""The app in a real browser: Debian's headless Chromium driven by Playwright.

Set SAVE_SCREENSHOTS=1 to write `assets/screenshot-photo.png` and `assets/screenshot-video.png`.
Without Chromium these tests skip, except under CI (CI=true), where they fail.
"""
from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect, sync_playwright

from app import TITLE
from test_app_server import EXAMPLES, REPO

pytest_plugins = ["test_app_server"]

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SAVE_SCREENSHOTS = os.environ.get("SAVE_SCREENSHOTS") == "1"
RUN_TIMEOUT_MS = 120_000
# Each character drawn on a canvas in the heading's font: without a CJK font, every one of them is the
# same empty box (tofu), the one a private-use character gets.
GLYPHS_JS = """font => ['时', '光', '\\uE000'].map(ch => {
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = 64;
    const context = canvas.getContext('2d');
    context.font = font;
    context.fillText(ch, 4, 48);
    return Array.from(context.getImageData(0, 0, 64, 64).data).join();
})"""


@pytest.fixture(scope="module")
def browser(chromium) -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def open_app(browser: Browser, app_url: str, locale: str = "en-US") -> Page:
    page = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900}).new_page()
    page.goto(app_url)
    return page


def choose_model(page: Page, label: str) -> None:
    """Pick `label` in the visible tab's model dropdown."""
    page.get_by_role("combobox", name="Model").locator("visible=true").click()
    page.get_by_role("option", name=label).click()


def colorize_and_download(page: Page, photo: Path) -> bytes:
    """Upload `photo` on the One photo tab, press Colorize, and fetch the full-resolution result."""
    page.locator("#photo-input input[type=file]").set_input_files(photo)
    expect(page.locator("#photo-input img")).to_be_visible()
    page.get_by_role("button", name="Colorize", exact=True).click()
    expect(page.locator("#before-after img")).to_have_count(2, timeout=RUN_TIMEOUT_MS)
    link = page.locator(f"#photo-download a[href$='/{photo.stem}_colorized.png']")
    expect(link).to_be_visible()
    return page.request.get(link.get_attribute("href")).body()


def chroma(png: bytes) -> float:
    a = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.float32)
    return float(np.abs(a - a.mean(axis=2, keepdims=True)).mean())


def test_the_logo_needs_no_font():
    """Its lettering is drawn as paths (assets/render_lettering.py), so it shows on machines without CJK fonts."""
    logo = (REPO / "assets" / "logo.svg").read_text(encoding="utf-8")
    assert "<text" not in logo and 'aria-label="时光重塑"' in logo


def test_the_page_is_up_before_any_model_is_downloaded(browser, app_url):
    page = open_app(browser, app_url)
    choose_model(page, "Stable")
    expect(page.get_by_text("Model Stable loads on first use (874 MB, downloaded once).")).to_be_visible()
    page.context.close()


def test_colorize_a_photo(browser, app_url):
    """With the bundled Lite model: the README's screenshot shows a real colorization."""
    page = open_app(browser, app_url)
    choose_model(page, "Lite")
    result = colorize_and_download(page, EXAMPLES / "chelsea.jpg")
    assert Image.open(io.BytesIO(result)).size == (451, 300) and chroma(result) > 10
    expect(page.get_by_text("is loaded and ready")).to_be_visible()  # the model status followed
    expect(page.locator("#damage-view")).to_be_hidden()  # nothing was repaired
    page.context.close()


def test_repair_and_upscale_an_old_photo_and_see_the_damage_found(browser, app_url):
    """Real damage on a real old photo, the bundled damage model, ×2 super-resolution, Lite's colours."""
    page = open_app(browser, app_url)
    choose_model(page, "Lite")
    page.get_by_label("Repair scratches and dust").check()
    page.locator("#photo-upscale").get_by_label("×2").check()
    result = colorize_and_download(page, EXAMPLES / "old_porch.jpg")
    assert Image.open(io.BytesIO(result)).size == (1280, 1034) and chroma(result) > 10
    damage = page.locator("#damage-view img")
    expect(damage).to_be_visible()
    view = np.asarray(Image.open(io.BytesIO(page.request.get(damage.get_attribute("src")).body())).convert("RGB"))
    red = (view[:, :, 0] > 200) & (view[:, :, 1] < 100) & (view[:, :, 2] < 100)
    assert view.shape == (517, 640, 3) and 0 < red.mean() < 0.2  # the scratches are marked, not the whole print
    if SAVE_SCREENSHOTS:
        bottom = page.locator("#damage-view").evaluate("e => e.getBoundingClientRect().bottom + window.scrollY")
        shot = Image.open(io.BytesIO(page.screenshot(full_page=True,  # down to the damage view
                                                     clip={"x": 0, "y": 0, "width": 1280, "height": bottom + 16})))
        small = shot.convert("RGB").resize((960, round(shot.height * 960 / shot.width)), Image.LANCZOS)
        small.save(REPO / "assets" / "screenshot-photo.png", optimize=True)  # small enough for the repository
    page.locator("#photo-input input[type=file]").set_input_files(EXAMPLES / "chelsea.jpg")
    expect(page.locator("#damage-view")).to_be_hidden()  # that damage was the other photo's
    page.get_by_label("Colorize", exact=True).uncheck()  # restore only: the button says so
    expect(page.get_by_role("button", name="Restore", exact=True)).to_be_visible()
    page.get_by_role("tab", name="Video").click()
    page.locator("#video-colorize").get_by_label("Colorize", exact=True).uncheck()
    expect(page.get_by_role("button", name="Restore video")).to_be_visible()
    page.context.close()


def test_a_model_that_cannot_be_downloaded_falls_back_to_lite_with_a_note(browser, app_url):
    page = open_app(browser, app_url)  # the app runs with HF_HUB_OFFLINE=1: no DeOldify weights
    choose_model(page, "Artistic")
    page.locator("#photo-input input[type=file]").set_input_files(EXAMPLES / "grace_hopper.jpg")
    page.get_by_role("button", name="Colorize", exact=True).click()
    expect(page.get_by_text("Model Artistic cannot be downloaded here, so the offline Lite model is used")
           ).to_be_visible(timeout=RUN_TIMEOUT_MS)
    expect(page.locator("#photo-download a[href$='/grace_hopper_colorized.png']")).to_be_visible()
    expect(page.get_by_text("Model Artistic is unavailable offline; Lite is used instead.")).to_be_visible()
    page.context.close()


def test_compare_render_factors_and_pick_one(browser, app_url):
    page = open_app(browser, app_url)
    page.get_by_role("tab", name="Compare render factors").click()
    page.locator("#compare-input input[type=file]").set_input_files(EXAMPLES / "rocket.jpg")
    expect(page.locator("#compare-input img")).to_be_visible()
    page.get_by_role("button", name="Compare", exact=True).click()
    results = page.locator("#compare-results img")
    expect(results).to_have_count(4, timeout=RUN_TIMEOUT_MS)
    last, gallery = results.nth(3).bounding_box(), page.locator("#compare-results").bounding_box()
    assert last["y"] + last["height"] <= gallery["y"] + gallery["height"]  # the second row is whole
    page.locator("#compare-results").get_by_role("button", name="Thumbnail 2 of 4").click()
    expect(page.locator("#photo-factor input[type=number]")).to_have_value("21")
    page.context.close()


def test_colorize_a_video_with_progress(browser, app_url):
    page = open_app(browser, app_url)
    page.get_by_role("tab", name="Video").click()
    choose_model(page, "Lite")
    expect(page.get_by_text("Up to 60 seconds, 200 MB and 1920×1080 pixels per video")).to_be_visible()
    page.locator("#video-input input[type=file]").set_input_files(EXAMPLES / "old_film.mp4")
    expect(page.locator("#video-input video")).to_be_visible()
    page.get_by_role("button", name="Colorize video").click()
    expect(page.locator("#video-output").get_by_text(re.compile(r"\d+/96 frames"))).to_be_visible(
        timeout=RUN_TIMEOUT_MS)
    expect(page.locator("#video-download a[href$='/old_film_colorized.mp4']")).to_be_visible(
        timeout=RUN_TIMEOUT_MS)
    video = page.locator("#video-output video")
    expect(video).to_be_visible()
    page.wait_for_function("v => v.readyState >= 2 && v.duration > 3.9", arg=video.element_handle())
    if SAVE_SCREENSHOTS:
        page.screenshot(path=REPO / "assets" / "screenshot-video.png", full_page=True)
    page.context.close()


def test_cancel_stops_a_running_video(browser, app_url):
    page = open_app(browser, app_url)
    page.get_by_role("tab", name="Video").click()
    # the slider starts at the test model's own render factor (6); at 21 the run lasts long enough to cancel
    expect(page.locator("#video-factor input[type=number]")).to_have_value("6")
    page.locator("#video-factor input[type=number]").fill("21")
    page.locator("#video-factor input[type=number]").press("Enter")
    page.locator("#video-input input[type=file]").set_input_files(EXAMPLES / "old_film.mp4")
    expect(page.locator("#video-input video")).to_be_visible()
    page.get_by_role("button", name="Colorize video").click()
    expect(page.locator("#video-output").get_by_text(re.compile(r"\d+/96 frames"))).to_be_visible(
        timeout=RUN_TIMEOUT_MS)
    page.get_by_role("button", name="Cancel").click()
    # the toast of Cancel, and sometimes also the run's own message, if it ended before Gradio cancelled it
    expect(page.get_by_text("Video colouring cancelled.").first).to_be_visible()
    expect(page.locator("#video-output video")).to_have_count(0)
    page.context.close()


def test_chinese_browsers_get_chinese_labels_and_errors(browser, app_url):
    page = open_app(browser, app_url, locale="zh-CN")
    heading = page.get_by_role("heading", name="时光重塑")
    expect(heading).to_be_visible()
    assert page.title() == TITLE
    font = heading.evaluate("h => getComputedStyle(h).font")
    shi, guang, tofu = page.evaluate(GLYPHS_JS, font)
    assert len({shi, guang, tofu}) == 3, f"the Chinese text renders as empty boxes in {font}: install fonts-noto-cjk"
    expect(page.get_by_text("黑白照片：上传、拖放或粘贴")).to_be_visible()
    page.get_by_role("button", name="上色", exact=True).click()
    expect(page.get_by_text("请先上传一张照片。")).to_be_visible()
    page.get_by_label("修复划痕和污点").check()
    page.get_by_label("上色", exact=True).uncheck()  # labels set while serving are translated too
    expect(page.get_by_role("button", name="修复", exact=True)).to_be_visible()
    page.context.close()
