"""Recall's published API schemas (data, MIT; see LICENSE-recall-sdk-schemas.txt): the OpenAPI document and
the webhook event catalog. Conformance tests validate the region's responses and webhooks against them."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["openapi", "webhooks"]


@cache
def openapi() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(resources.files(__name__).joinpath("recall-openapi.json").read_text())
    return data


@cache
def webhooks() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(resources.files(__name__).joinpath("recall-webhooks.json").read_text())
    return data
