"""Mistakes a user can make, told apart from faults in the app: the first are one log line and a
message in the browser; the second keep their traceback in the log."""
from __future__ import annotations

import logging

import gradio as gr

log = logging.getLogger("webui")


def user_error(message: str) -> gr.Error:
    """A `gr.Error` to raise for a user's mistake: logged as one line, without a traceback."""
    log.info("user error: %s", message)
    return gr.Error(message, print_exception=False)
