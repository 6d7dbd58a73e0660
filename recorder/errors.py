"""Errors the SDK raises for misuse, one type per rule of the contract (section 7).

RecallSdkError
 ├── NotInitialisedError         a call before `init` (or after `shutdown`)
 ├── InvalidApiUrlError          `init` with a URL that is not a Recall region
 ├── UnknownWindowError          a window id the SDK has not detected (or that closed)
 ├── WindowAlreadyRecordedError  a window that has already been recorded
 ├── NotRecordingError           stop/pause/resume/upload for a window that is not in that state
 ├── UploadTokenReusedError      an upload token already used for another recording
 ├── PermissionMissingError      recording without a permission it needs
 ├── ShutdownWhileRecordingError `shutdown` while a recording is in progress
 ├── InvalidArgumentError        an argument the real SDK refuses (an empty chat message, an unknown device)
 └── UploadFailedError           the region refused an upload for good
"""

from __future__ import annotations

__all__ = [
    "InvalidApiUrlError",
    "InvalidArgumentError",
    "InvalidUploadTokenError",
    "NotInitialisedError",
    "NotRecordingError",
    "PermissionMissingError",
    "RecallSdkError",
    "ShutdownWhileRecordingError",
    "UnknownWindowError",
    "UploadFailedError",
    "UploadTokenReusedError",
    "WindowAlreadyRecordedError",
]


class RecallSdkError(Exception):
    """Base of every error the SDK raises; `code` is a stable machine-readable name."""

    code = "sdk_error"


class NotInitialisedError(RecallSdkError):
    code = "not_initialised"

    def __init__(self) -> None:
        super().__init__("The SDK is not initialised: call init() first.")


class InvalidApiUrlError(RecallSdkError):
    code = "invalid_api_url"


class UnknownWindowError(RecallSdkError):
    code = "unknown_window"

    def __init__(self, window_id: str) -> None:
        super().__init__(f"No meeting window {window_id!r} is open.")
        self.window_id = window_id


class WindowAlreadyRecordedError(RecallSdkError):
    code = "window_already_recorded"

    def __init__(self, window_id: str) -> None:
        super().__init__(f"Window {window_id!r} has already been recorded.")
        self.window_id = window_id


class NotRecordingError(RecallSdkError):
    code = "not_recording"


class UploadTokenReusedError(RecallSdkError):
    code = "upload_token_reused"

    def __init__(self) -> None:
        super().__init__("This upload token was already used for a recording; create a new sdk upload.")


class PermissionMissingError(RecallSdkError):
    code = "permission_missing"

    def __init__(self, permission: str) -> None:
        super().__init__(f"Recording needs the {permission!r} permission; request it first.")
        self.permission = permission


class ShutdownWhileRecordingError(RecallSdkError):
    code = "shutdown_while_recording"

    def __init__(self, window_id: str) -> None:
        super().__init__(f"Window {window_id!r} is still recording; stop it before shutdown().")
        self.window_id = window_id


class InvalidUploadTokenError(RecallSdkError):
    code = "invalid_upload_token"

    def __init__(self, detail: str) -> None:
        super().__init__(f"The region refused the upload token: {detail}")


class UploadFailedError(RecallSdkError):
    code = "upload_failed"


class InvalidArgumentError(RecallSdkError):
    code = "invalid_argument"
