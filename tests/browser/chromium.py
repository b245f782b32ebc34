"""How Pulse drives a browser: Debian's Chromium (never a downloaded build), its flags and two screens.

Shared by the browser tests (tests/browser/conftest.py) and `make screenshots` (docs/screenshots.py).
"""

import shutil

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
