#!/usr/bin/env bash
# Install what the test suite needs (Python packages, Debian's Chromium for the browser tests)
# and run it. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install -q -r requirements-dev.txt
if ! command -v chromium >/dev/null 2>&1; then
    # Playwright's own browser download does not work offline; Debian's Chromium does
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi
python -m pytest "$@"
