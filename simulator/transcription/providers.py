"""The async transcription providers a recording can be transcribed with, and how each one behaves.

Each provider names the spoken language its own way, labels speakers only when asked (its "machine
diarization"), and may mask profanity or apply custom spellings. The simulated engine hears every word
perfectly (it reads the speech track), so what differs between providers is exactly these switches and
the raw output they return (provider_data.py).

Languages: where a provider's schema enumerates its language codes (Recall.ai, Deepgram, Gladia), a code
outside the list is a 400 at request time. AssemblyAI, Rev and Speechmatics take any string and reject
an unsupported language while transcribing, so the transcript fails instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from recall_sim.simulator.transcription.options import enum_values, provider_schema

__all__ = ["ASYNC_PROVIDERS", "DETECTED_LANGUAGE", "AsyncProvider", "Spelling"]

#: the language automatic detection finds: the simulated meetings' words are English
DETECTED_LANGUAGE = "en"

#: (words to find, lower-cased; the replacement)
Spelling = tuple[frozenset[str], str]

Options = dict[str, Any]

# Speechmatics' and Rev's published language codes (their schemas take any string).
_SPEECHMATICS_LANGUAGES = frozenset({
    "ar", "ba", "eu", "be", "bn", "bg", "yue", "ca", "hr", "cs", "da", "nl", "en", "eo", "et", "fi",
    "fr", "gl", "de", "el", "he", "hi", "hu", "id", "ia", "ga", "it", "ja", "ko", "lv", "lt", "ms", "mt",
    "cmn", "mr", "mn", "no", "fa", "pl", "pt", "ro", "ru", "sk", "sl", "es", "sw", "sv", "ta", "th",
    "tr", "uk", "ur", "ug", "vi", "cy", "auto",
})  # fmt: skip
_REV_LANGUAGES = frozenset({
    "af", "sq", "am", "ar", "hy", "az", "ba", "eu", "be", "bn", "bs", "br", "bg", "my", "ca", "cs",
    "cmn", "hr", "da", "nl", "en", "et", "fo", "fi", "fr", "gl", "ka", "de", "el", "gu", "ht", "ha",
    "haw", "he", "hi", "hu", "is", "id", "it", "ja", "jv", "kn", "kk", "km", "ko", "lo", "la", "lv",
    "ln", "lt", "lb", "mk", "mg", "ms", "ml", "mt", "mi", "mr", "mn", "ne", "no", "nn", "oc", "pa", "ps",
    "fa", "pl", "pt", "ro", "ru", "sa", "sr", "sn", "sd", "si", "sk", "sl", "so", "es", "su", "sw", "sv",
    "tl", "tg", "ta", "tt", "te", "th", "bo", "tr", "tk", "uk", "ur", "uz", "vi", "cy", "yi", "yo",
    "auto",
})  # fmt: skip


def _no_spelling(_: Options) -> list[Spelling]:
    return []


def _recallai_spelling(options: Options) -> list[Spelling]:
    return [
        (frozenset(f.lower() for f in entry.get("find", [])), str(entry.get("replace", "")))
        for entry in options.get("spelling") or []
    ]


def _assembly_spelling(options: Options) -> list[Spelling]:
    return [
        (frozenset(f.lower() for f in entry.get("from", [])), str(entry.get("to", "")))
        for entry in options.get("custom_spelling") or []
    ]


def _never(_: Options) -> bool:
    return False


@dataclass(frozen=True)
class AsyncProvider:
    """One async provider: how it reads its language, labels speakers, and rewrites words."""

    name: str
    #: the language option, as a path into the options, and the provider's default
    language_path: tuple[str, ...]
    default_language: str
    #: whether the options ask the provider to detect the language
    detects_language: Callable[[Options], bool]
    #: whether the provider returns its own speaker labels (machine diarization)
    speaker_labels: Callable[[Options], bool]
    #: the provider's generic label for the n-th distinct voice (0-based)
    label: Callable[[int], str]
    #: whether asking for speaker labels makes Recall attribute words by them; Rev labels speakers
    #: unless told not to, so its labels are used only when the diarization priority names `machine`
    labels_on_request: bool = True
    #: the boolean option that masks profanity, if the provider has one
    profanity_option: str | None = None
    spelling: Callable[[Options], list[Spelling]] = _no_spelling
    #: the codes it transcribes; None: the codes its schema lists for the language option
    listed_languages: frozenset[str] | None = field(default=None)

    def language(self, options: Options) -> str | None:
        """The requested language code, or None when the provider is to detect it."""
        if self.detects_language(options):
            return None
        value: Any = options
        for key in self.language_path:
            value = value.get(key) if isinstance(value, dict) else None
        code = str(value) if value is not None else self.default_language
        return None if code == "auto" else code

    @cached_property
    def languages(self) -> frozenset[str]:
        if self.listed_languages is not None:
            return self.listed_languages
        schema = provider_schema(self.name) or {}
        return frozenset(enum_values(schema.get("properties", {}).get(self.language_path[0], {})))

    def supports(self, code: str) -> bool:
        return code in self.languages

    def masks_profanity(self, options: Options) -> bool:
        return self.profanity_option is not None and options.get(self.profanity_option) is True


def _letters(n: int) -> str:
    label = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        label = chr(ord("A") + rest) + label
    return label


def _assembly(name: str) -> AsyncProvider:
    return AsyncProvider(
        name=name,
        language_path=("language_code",),
        default_language="en_us",
        detects_language=lambda o: o.get("language_detection") is True,
        speaker_labels=lambda o: o.get("speaker_labels") is True,
        label=_letters,
        profanity_option="filter_profanity",
        spelling=_assembly_spelling,
    )


def _speechmatics_config(options: Options) -> dict[str, Any]:
    config = options.get("transcription_config")
    return config if isinstance(config, dict) else {}


_PROVIDERS = (
    _assembly("assembly_ai_async"),
    _assembly("assembly_ai_async_chunked"),
    AsyncProvider(
        name="recallai_async",
        language_path=("language_code",),
        default_language="auto",
        detects_language=_never,
        speaker_labels=_never,
        label=str,
        profanity_option="filter_profanity",
        spelling=_recallai_spelling,
    ),
    AsyncProvider(
        name="deepgram_async",
        language_path=("language",),
        default_language="en",
        detects_language=lambda o: bool(o.get("detect_language")),
        speaker_labels=lambda o: o.get("diarize") is True,
        label=str,
        profanity_option="profanity_filter",
    ),
    AsyncProvider(
        name="gladia_v2_async",
        language_path=("language",),
        default_language="auto",
        detects_language=lambda o: "language" not in o and o.get("detect_language", True) is True,
        speaker_labels=lambda o: o.get("diarization") is True,
        label=str,
    ),
    AsyncProvider(
        name="speechmatics_async",
        language_path=("transcription_config", "language"),
        default_language="en",
        detects_language=_never,
        speaker_labels=lambda o: _speechmatics_config(o).get("diarization") == "speaker",
        label=lambda n: f"S{n + 1}",
        listed_languages=_SPEECHMATICS_LANGUAGES,
    ),
    AsyncProvider(
        name="rev_async",
        language_path=("language",),
        default_language="en",
        detects_language=_never,
        speaker_labels=lambda o: o.get("skip_diarization") is not True,
        label=str,
        labels_on_request=False,
        profanity_option="filter_profanity",
        listed_languages=_REV_LANGUAGES,
    ),
)

#: every async provider `create_transcript` accepts, by name
ASYNC_PROVIDERS: dict[str, AsyncProvider] = {p.name: p for p in _PROVIDERS}
