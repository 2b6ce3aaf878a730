"""Render `logo.svg` to `thumbnail.png` (1200x630: the Space's card and the README's banner).

    python assets/render_thumbnail.py

Uses headless Chromium through Playwright, so the PNG shows the SVG exactly as browsers draw it;
the Chinese lines need a CJK serif font (Debian: fonts-noto-cjk).
"""
from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SIZE = {"width": 1200, "height": 630}
PAGE = """<!doctype html><html><body style="margin:0;width:1200px;height:630px;display:flex;
align-items:center;justify-content:center;
background:radial-gradient(circle at 50% 45%, #ffffff 0%, #f3f7fc 55%, #dfe9f5 100%)">
<div style="width:760px">{svg}</div></body></html>"""


def main() -> None:
    svg = (HERE / "logo.svg").read_text(encoding="utf-8")
    svg = svg.replace('width="640" height="480"', 'width="100%"', 1)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=SIZE)
        page.set_content(PAGE.format(svg=svg))
        page.evaluate("document.fonts.ready")
        page.screenshot(path=HERE / "thumbnail.png")
        browser.close()
    print(f"wrote {HERE / 'thumbnail.png'}")


if __name__ == "__main__":
    main()
