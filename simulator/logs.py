"""Keeping credentials out of the server's logs.

uvicorn logs each request's path with its query string (the access log, and WebSocket handshakes on
`uvicorn.error` at info level), and at trace level whole ASGI scopes, headers included. Download links
carry their signature in `?token=`, the real-time channel may carry the upload token there, and headers
carry API keys and upload tokens; a log is often pasted into a bug report, so none of it may be there.
The filter rewrites each record's message with those values replaced before any handler sees it.
"""

from __future__ import annotations

import logging
import re

__all__ = ["REDACTED", "UVICORN_LOGGERS", "RedactCredentials", "install_redaction", "redact"]

REDACTED = "[redacted]"

_PATTERNS = (
    # token=... in a logged path (?token=, &token=) or a logged scope's query_string (b'token=...')
    (re.compile(r"(?i)((?:^|[?&'\"])token=)[^&\s\"']+"), rf"\g<1>{REDACTED}"),
    # Authorization values: `Token <key>`, `UploadToken <token>`, `Bearer <x>`
    # (case-sensitive: "Upload token has expired." is a message, not a credential)
    (re.compile(r"\b(Token|UploadToken|Bearer)( +)[^\s\"',)\]]+"), rf"\g<1>\g<2>{REDACTED}"),
    # a header pair in a logged ASGI scope: (b'authorization', b'<anything>')
    (re.compile(r"(?i)(b?['\"]authorization['\"],\s*b?['\"])[^'\"]*"), rf"\g<1>{REDACTED}"),
    # webhook secrets
    (re.compile(r"whsec_[A-Za-z0-9+/=]+"), f"whsec_{REDACTED}"),
)


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _redact_arg(value: object) -> object:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, int | float | bool) or value is None:
        return value
    text = str(value)  # a scope or a message dict, as uvicorn's trace logs pass them
    cleaned = redact(text)
    return value if cleaned == text else cleaned


class RedactCredentials(logging.Filter):
    """Each argument redacted in place, so formatters that read `record.args` themselves (uvicorn's
    access formatter unpacks them) still find them where they expect."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redact_arg(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _redact_arg(v) for k, v in record.args.items()}
        return True


#: the loggers uvicorn writes request lines and ASGI traces to
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi")


def install_redaction(names: tuple[str, ...] = UVICORN_LOGGERS) -> None:
    """Add the filter to each named logger once (logger filters see only records logged on that
    logger itself, so each of uvicorn's gets its own)."""
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactCredentials) for f in logger.filters):
            logger.addFilter(RedactCredentials())
