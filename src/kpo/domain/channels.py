"""Channels: how work arrives, which decides capacity use and the kind of SLA."""

from __future__ import annotations

from enum import StrEnum

from kpo.domain.errors import ValidationError

__all__ = ["Channel", "parse_channel"]


class Channel(StrEnum):
    CALL = "call"
    CHAT = "chat"
    TICKET = "ticket"
    BACK_OFFICE = "back_office"
    PROJECT = "project"

    @property
    def is_realtime(self) -> bool:
        """Calls and chats wait live in a queue: answered in seconds, abandoned if not."""
        return self in (Channel.CALL, Channel.CHAT)


def parse_channel(text: str, *, field: str | None = None) -> Channel:
    try:
        return Channel(text.strip().lower())
    except ValueError:
        choices = ", ".join(c.value for c in Channel)
        raise ValidationError(
            f"unknown channel {text!r}: use one of {choices}", field=field
        ) from None
