"""The source item id a connector gives an item it does not parse, so Kafka keys stay stable on resend."""

from __future__ import annotations

import hashlib
import json


def story_id(value: bytes) -> str:
    """The ninjs `uri` (or `guid`) when the bytes are a JSON object that has one, else a digest of the bytes."""
    try:
        doc = json.loads(value)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        doc = None  # unreadable items still go to Kafka; the parser dead-letters them with a reason
    if isinstance(doc, dict):
        for field in ("uri", "guid"):
            if isinstance(doc.get(field), str) and doc[field]:
                return doc[field]
    return hashlib.sha1(value).hexdigest()
