"""Reading the times stories carry: one reading for the parser (what a source sent) and for dedup (what a record
holds), so a story's time means the same thing at every stage."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


def parse_time(text: object) -> datetime | None:
    """An ISO 8601 or RFC 2822 (RSS) time in UTC; a time without a zone is taken as UTC. None for a missing or
    unreadable time, or for anything but a string (a record read back from JSON may hold any type)."""
    if not isinstance(text, str) or not text:
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (ValueError, TypeError, IndexError):
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # year 1 or 9999 pushed out of range by its offset
        return None
