"""A `create_transcript` body checked as Recall checks it: one async provider with valid options, and a
diarization in either generation's form.

- `provider` names exactly one provider of ASYNC_PROVIDERS; its options pass that provider's schema
  (options.py). Errors nest under the provider's name: `{"provider": {"assembly_ai_async": {"foo": [...]}}}`.
- `diarization` is the seed's `{"algorithm_priority": ["speaker_timeline", ...]}` or today's
  `{"use_separate_streams_when_available": bool}` (both may be given). The transcript reports it with
  `use_separate_streams_when_available` always present, as the artifact's schema requires. Separate
  streams are not available for Desktop SDK recordings, so that switch changes nothing here.

Every problem in the body is reported at once, as a DRF serializer does.
"""

from __future__ import annotations

from typing import Any

from simulator.errors import ValidationFailed
from simulator.transcription.diarization import ALGORITHMS
from simulator.transcription.engine import TranscriptionRequest
from simulator.transcription.options import UNKNOWN_OPTION, option_errors
from simulator.transcription.providers import ASYNC_PROVIDERS

__all__ = ["parse_transcript_request"]


def _provider_errors(provider: dict[str, Any]) -> Any:
    if len(provider) != 1:
        return ["Exactly one provider must be specified."]
    ((name, options),) = provider.items()
    if name not in ASYNC_PROVIDERS:
        return [f'"{name}" is not a valid choice.']
    found = option_errors(name, options)
    return {name: found} if found else None


def _diarization_errors(diarization: dict[str, Any]) -> dict[str, Any] | None:
    errors: dict[str, Any] = {}
    for key, value in diarization.items():
        if key == "use_separate_streams_when_available":
            if not isinstance(value, bool):
                errors[key] = ["Must be a valid boolean."]
        elif key == "algorithm_priority":
            if not isinstance(value, list):
                errors[key] = [f'Expected a list of items but got type "{type(value).__name__}".']
                continue
            bad = {
                str(i): [f'"{v}" is not a valid choice.'] for i, v in enumerate(value) if v not in ALGORITHMS
            }
            if bad:
                errors[key] = bad
            elif not value:
                errors[key] = ["This list may not be empty."]
        else:
            errors[key] = [UNKNOWN_OPTION]
    return errors or None


def parse_transcript_request(
    provider: dict[str, Any], diarization: dict[str, Any] | None
) -> TranscriptionRequest:
    errors: dict[str, Any] = {}
    if (found := _provider_errors(provider)) is not None:
        errors["provider"] = found
    if diarization is not None and (found := _diarization_errors(diarization)) is not None:
        errors["diarization"] = found
    if errors:
        raise ValidationFailed(errors)
    ((name, options),) = provider.items()
    normalised: dict[str, Any] = {
        "use_separate_streams_when_available": bool(
            (diarization or {}).get("use_separate_streams_when_available", False)
        )
    }
    if diarization is not None and "algorithm_priority" in diarization:
        normalised["algorithm_priority"] = list(diarization["algorithm_priority"])
    return TranscriptionRequest(provider=name, options=dict(options), diarization=normalised)
