"""`app.py` running in a subprocess with the tiny model, shared by the end-to-end and browser tests.

Loaded by those modules with `pytest_plugins = ["test_app_server"]`, so that one app (started once
per session, on a free port, configured by environment variables only) serves every test.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from gradio_client import Client

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
STARTUP_TIMEOUT_S = 120


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_serving(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"app.py exited with code {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"app.py did not serve {url} within {STARTUP_TIMEOUT_S} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def app_url(tiny_model_dir, tmp_path_factory) -> Iterator[str]:
    """Started from another folder, so that examples and assets must be found beside `app.py`."""
    work = tmp_path_factory.mktemp("app")
    port = free_port()
    env = {**os.environ, "NOGAN_MODELS": str(tiny_model_dir), "NOGAN_DEFAULT_MODEL": str(tiny_model_dir),
           "GRADIO_SERVER_NAME": "127.0.0.1", "GRADIO_SERVER_PORT": str(port), "GRADIO_ANALYTICS_ENABLED": "False",
           "GRADIO_TEMP_DIR": str(work / "gradio"), "HF_HUB_OFFLINE": "1"}
    log = work / "app.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, str(REPO / "app.py")], cwd=work, env=env, stdout=out,
                                   stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}/"
            wait_until_serving(url, process, log)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="session")
def client(app_url, tmp_path_factory) -> Client:
    return Client(app_url, verbose=False, download_files=str(tmp_path_factory.mktemp("downloads")))
