"""What providers do to the words they hear: custom spellings, then profanity masking.

Both act on whole words, the way the providers document them: a spelling replaces a word that matches
one of its `find`/`from` entries ignoring case; the profanity filter keeps a word's first letter and
stars the rest (AssemblyAI's and Recall.ai's rendering).
"""

from __future__ import annotations

from collections.abc import Iterable

from recall_sim.simulator.transcription.providers import Spelling

__all__ = ["PROFANITY", "mask", "respell"]

#: the words the simulated filters know (a real filter's list is longer; these make it testable)
PROFANITY = frozenset({"damn", "hell", "crap", "shit", "fuck", "bastard"})

_EDGE_PUNCTUATION = ".,!?;:\"'()"


def _core(word: str) -> tuple[str, str, str]:
    """A word split into leading punctuation, the word itself, and trailing punctuation."""
    stripped = word.strip(_EDGE_PUNCTUATION)
    if not stripped:
        return "", word, ""
    start = word.index(stripped)
    return word[:start], stripped, word[start + len(stripped) :]


def respell(word: str, spellings: Iterable[Spelling]) -> str:
    before, core, after = _core(word)
    for finds, replacement in spellings:
        if core.lower() in finds:
            return before + replacement + after
    return word


def mask(word: str) -> str:
    before, core, after = _core(word)
    if core.lower() not in PROFANITY:
        return word
    return before + core[0] + "*" * (len(core) - 1) + after
