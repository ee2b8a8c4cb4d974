"""Knowledge capture: a draft article proposed from a resolution that no article helped with.

Rules: a resolution proposes a draft when it has a note of at least :data:`MIN_NOTE_WORDS`
words and no article was marked as having helped. The draft's title is the item's subject (or
the note's first line), its body states the problem and the resolution, so that a reviewer can
edit and publish it.
"""

from __future__ import annotations

from dataclasses import dataclass

from kpo.knowledge.text import words

__all__ = ["MIN_NOTE_WORDS", "DraftProposal", "propose_draft"]

MIN_NOTE_WORDS = 5
_TITLE_CHARS = 120


@dataclass(frozen=True, slots=True)
class DraftProposal:
    article_id: str
    title: str
    body: str
    tags: tuple[str, ...]


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut + "…"


def propose_draft(
    *,
    item_id: str,
    subject: str,
    description: str,
    note: str,
    helped: tuple[str, ...],
) -> DraftProposal | None:
    """The draft to propose for a resolved item, or ``None`` when none is due."""
    if helped or len(words(note)) < MIN_NOTE_WORDS:
        return None
    first_line = next((line for line in note.splitlines() if line.strip()), note)
    title = _shorten(subject or first_line, _TITLE_CHARS)
    parts = []
    if description.strip():
        parts.append("## Problem\n\n" + description.strip())
    parts.append("## Resolution\n\n" + note.strip())
    parts.append(f"_Captured from work item {item_id}._")
    return DraftProposal(f"draft-{item_id}", title, "\n\n".join(parts), ("captured",))
