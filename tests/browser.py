"""Headless Chromium for end-to-end tests, driven by Playwright with Debian's browser.

Playwright's own browser download does not work here, so tests launch ``/usr/bin/chromium``.
Where that browser or the Playwright package is missing the browser tests are skipped with this
reason; ``.ci/run`` sets ``REQUIRE_BROWSER=1`` so they fail instead of skipping.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("REQUIRE_BROWSER") == "1"

# Flags from the machine notes: without the background-networking ones, Chromium keeps trying
# hosts that a closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def _status() -> tuple[bool, str]:
    if importlib.util.find_spec("playwright") is None:
        return False, "SKIPPED: the playwright package is not installed (pip install -e '.[dev]')"
    if not (Path(CHROMIUM_PATH).exists() or shutil.which(CHROMIUM_PATH)):
        return False, (
            f"SKIPPED: no Chromium at {CHROMIUM_PATH} "
            "(install Debian's chromium package: apt-get install chromium)"
        )
    return True, f"running with {CHROMIUM_PATH}"


BROWSER_AVAILABLE, BROWSER_STATUS = _status()
