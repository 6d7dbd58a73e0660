"""The names of the region's stored collections, typed: code names a collection by its constant.

Each collection has one module that writes it and owns its status transitions (the README's Layout
section lists them; `tests/simulator/test_writers.py` checks the list against the code).
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Collection"]


class Collection(StrEnum):
    WORKSPACES = "workspaces"
    API_KEYS = "api_keys"
    SDK_UPLOADS = "sdk_uploads"
    UPLOAD_TOKENS = "upload_tokens"
    RECORDINGS = "recordings"
    ARTIFACTS = "artifacts"
    IDEMPOTENCY = "idempotency"
    INGEST_FILES = "ingest_files"
    JOBS = "jobs"
    EVENTS = "events"
    WEBHOOK_ENDPOINTS = "webhook_endpoints"
    WEBHOOK_MESSAGES = "webhook_messages"
    WEBHOOK_ATTEMPTS = "webhook_attempts"
    WEBHOOK_WORKSPACE_SECRETS = "webhook_workspace_secrets"
    REALTIME_SESSIONS = "realtime_sessions"
    REALTIME_DELIVERIES = "realtime_deliveries"
