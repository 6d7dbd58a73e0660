"""`/_simulator/docs` works without internet: the page and every asset it names come from the region."""

from __future__ import annotations

import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from recall_sim.scenarios.programs import require_program
from recall_sim.simulator import Settings
from recall_sim.simulator.serve import served

pytestmark = pytest.mark.served


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.links.append(value)


def test_the_docs_and_every_asset_they_reference_are_served_by_the_region() -> None:
    with served(Settings(seed=3)) as region, httpx.Client(base_url=region.base_url) as client:
        page = client.get("/_simulator/docs")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        # No other host anywhere in the page: no CDN, no online validator.
        assert not re.search(r"(https?:)?//(?!127\.0\.0\.1)[a-z0-9.-]+\.[a-z]{2,}", page.text), page.text
        parser = _Links()
        parser.feed(page.text)
        openapi = re.search(r"url: '([^']+)'", page.text)
        assert openapi is not None
        references = [*parser.links, openapi.group(1)]
        assert len(references) == 4, references  # stylesheet, icon, script, the document
        for reference in references:
            url = urljoin(f"{region.base_url}/_simulator/docs", reference)
            assert urlsplit(url).netloc == urlsplit(region.base_url).netloc, reference
            asset = client.get(url)
            assert asset.status_code == 200, reference
            assert len(asset.content) > 1000, reference
        script = client.get(parser.links[-1]).text
        assert "SwaggerUIBundle" in script
        css = client.get(parser.links[0])
        assert css.headers["content-type"].startswith("text/css")
        # The stylesheet's own references are inline data, not fetched from anywhere.
        for target in re.findall(r"url\(([^)]*)\)", css.text):
            assert target.strip("'\"").startswith("data:"), target
        assert client.get("/_simulator/openapi.json").json()["paths"]
        assert client.get("/_simulator/docs/assets/index.html").status_code == 404


def test_chromium_renders_the_docs_with_every_other_host_unreachable(tmp_path: Path) -> None:
    chromium = require_program("chromium", "chromium")
    with served(Settings(seed=3)) as region:
        # Every request to another host goes to a proxy that is not there; loopback is reached directly.
        command = [
            chromium, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path}",
            "--proxy-server=http://127.0.0.1:9", "--virtual-time-budget=20000", "--dump-dom",
            f"{region.base_url}/_simulator/docs",
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    # Swagger UI ran (from the region's own assets) and rendered the document's operations.
    assert 'class="title">recall-sim' in done.stdout, done.stdout[:2000]
    assert 'data-path="/_simulator/webhooks/trigger"' in done.stdout
    assert 'data-path="/api/v1/sdk_upload/"' in done.stdout
