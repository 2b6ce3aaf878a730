"""The page's own name where a browser tab, a search engine or a shared link shows it.

Gradio's page template starts with fixed social metadata ("Gradio", "Click to try out the app!",
Gradio's header picture) and leaves the tab title to its script; link previews read the first
tags they find. This ASGI middleware rewrites that one page (`/`) as it is sent: our title and
description in the `og:`/`twitter:` tags, a `<title>` in the HTML itself; Gradio's picture, account
and address dropped.
"""
from __future__ import annotations

import html
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]]

_TITLE = re.compile(r'(<meta\s+(?:property="og:title"|name="twitter:title")\s+content=")(?:Gradio)?(")')
_DESCRIPTION = re.compile(r'(<meta\s+(?:property="og:description"|name="twitter:description")\s+content=")'
                          r'(?:Click to try out the app!)?(")')
# Gradio's picture, its Twitter account, and og:url tags that say "{url}" or gradio.app
_GRADIO_ONLY = re.compile(r'<meta\s+(?:property="og:url"|name="twitter:creator"|(?:property="og:image"|'
                          r'name="twitter:image")\s+content="(?:https://raw\.githubusercontent\.com/gradio-app/)?'
                          r'[^"]*")[^>]*>\s*')


def brand_page(page: str, title: str, description: str) -> str:
    """`page` (Gradio's HTML) with our title and description in place of Gradio's."""
    title, description = html.escape(title), html.escape(description)
    page = _TITLE.sub(rf"\g<1>{title}\g<2>", page)
    page = _DESCRIPTION.sub(rf"\g<1>{description}\g<2>", page)
    page = _GRADIO_ONLY.sub("", page)
    return page.replace("<head>", f"<head>\n<title>{title}</title>", 1)


class BrandedPage:
    """ASGI middleware applying `brand_page` to the HTML of `/`; every other response passes as is."""

    def __init__(self, app: ASGIApp, title: str, description: str):
        self.app, self.title, self.description = app, title, description

    async def __call__(self, scope: Scope, receive: Callable[[], Awaitable[Message]],
                       send: Callable[[Message], Awaitable[None]]) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"] != "/":
            return await self.app(scope, receive, send)
        start: Message = {}
        body = bytearray()

        async def rewrite(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            body.extend(message.get("body", b""))
            if message.get("more_body"):
                return
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            content = bytes(body)
            if any(k.lower() == b"content-type" and v.startswith(b"text/html") for k, v in headers):
                content = brand_page(content.decode(), self.title, self.description).encode()
            await send({**start, "headers": [*headers, (b"content-length", str(len(content)).encode())]})
            await send({"type": "http.response.body", "body": content})

        await self.app(scope, receive, rewrite)
