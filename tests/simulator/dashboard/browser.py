"""Debian's Chromium, driven headless by Playwright (never a browser Playwright downloads), and where the
dashboard tests put their screenshots."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from recall_sim.scenarios.programs import require_program

__all__ = ["SCREENSHOTS_ENV", "chromium_page", "screenshot"]

#: set to a folder (e.g. docs/screenshots) to write the README's screenshots there
SCREENSHOTS_ENV = "RECALL_SIM_SCREENSHOTS"

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def chromium_page() -> Iterator[Page]:
    """A page of a fresh headless Chromium (its own empty profile), closed after the block."""
    executable = require_program("chromium", "chromium")
    with tempfile.TemporaryDirectory(prefix="recall-sim-chromium-") as profile, sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            profile,
            executable_path=executable,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1280, "height": 860},
        )
        try:
            page = context.pages[0] if context.pages else context.new_page()
            page.set_default_timeout(15_000)
            yield page
        finally:
            context.close()


def screenshot(page: Page, name: str, fallback: Path, *, full_page: bool = True) -> Path:
    """Save the page as `<name>.png` under $RECALL_SIM_SCREENSHOTS, or under `fallback` (a test's
    temporary folder) when it is not set."""
    folder = Path(os.environ.get(SCREENSHOTS_ENV) or fallback)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
