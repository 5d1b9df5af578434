"""Dead-letter records: what could not be processed, why, and at which stage, with the original bytes."""

from __future__ import annotations

from datetime import UTC, datetime

HEADER_REASON = "dlq-reason"
HEADER_DETAIL = "dlq-detail"
HEADER_STAGE = "dlq-stage"
HEADER_AT = "dlq-at"


def dead_letter_headers(
    original: list[tuple[str, bytes]], *, stage: str, reason: str, detail: str
) -> list[tuple[str, bytes]]:
    """The original headers plus why the item was dead-lettered; detail is capped so a header stays small."""
    return [
        *original,
        (HEADER_STAGE, stage.encode()),
        (HEADER_REASON, reason.encode()),
        (HEADER_DETAIL, detail[:2000].encode("utf-8", errors="replace")),
        (HEADER_AT, datetime.now(UTC).isoformat(timespec="milliseconds").encode()),
    ]
