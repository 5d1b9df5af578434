"""IPTC ninjs (News in JSON), versions 1.x (`headline`, `body_text`/`body_html`, `byline`) and 2.x
(`headlines`, `bodies`, `by`). Pictures among the `associations` give the captions."""

from __future__ import annotations

import json
from typing import Any

from pipeline.formats import ParsedStory, Rejected
from pipeline.formats.markup import fragment_blocks
from pipeline.formats.story import assemble


def parse_ninjs(text: str) -> ParsedStory:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        truncated = exc.pos >= len(text.rstrip()) - 1 or exc.msg.startswith("Unterminated string")
        ending = " (the document ends early: truncated?)" if truncated else ""
        raise Rejected("malformed_json", f"{exc.msg} (line {exc.lineno}, column {exc.colno}){ending}") from exc
    except RecursionError as exc:
        raise Rejected("malformed_json", "nested too deeply to be a story") from exc
    if not isinstance(doc, dict):
        raise Rejected("malformed_json", f"a ninjs story is a JSON object, this is a JSON {type(doc).__name__}")
    paragraphs, captions = _body(doc)
    if not paragraphs:
        raise Rejected("missing_fields", "no body_text, body_html, bodies or description_text with text in it")
    copyright_holder = _string(doc.get("copyrightholder"))
    return assemble(
        headline=_string(doc.get("headline")) or _first_value(doc.get("headlines")),
        paragraphs=paragraphs,
        captions=[*captions, *_association_captions(doc.get("associations"))],
        bylines=[byline] if (byline := _string(doc.get("byline")) or _string(doc.get("by"))) else [],
        credits=[copyright_holder] if copyright_holder else [],
        agency=copyright_holder or None,
        place=_string(doc.get("located")) or None,
        item_id=_string(doc.get("uri")) or _string(doc.get("guid")) or None,
        published=_string(doc.get("versioncreated")) or _string(doc.get("firstcreated")) or None,
        language=_string(doc.get("language")) or None,
    )


def _body(doc: dict[str, Any]) -> tuple[list[str], list[str]]:
    if body_text := _string(doc.get("body_text")):
        return _lines(body_text), []
    if body_html := _string(doc.get("body_html")):
        return fragment_blocks(body_html)
    for body in doc.get("bodies") if isinstance(doc.get("bodies"), list) else []:
        if isinstance(body, dict) and (value := _string(body.get("value"))):
            html = "html" in _string(body.get("contenttype")).lower()
            return fragment_blocks(value) if html else (_lines(value), [])
    return _lines(_string(doc.get("description_text"))), []


def _association_captions(associations: object) -> list[str]:
    if isinstance(associations, dict):
        items = list(associations.values())
    elif isinstance(associations, list):
        items = associations
    else:
        return []
    return [
        caption
        for item in items
        if isinstance(item, dict)
        and item.get("type") in ("picture", "graphic")
        and (caption := _string(item.get("description_text")) or _string(item.get("headline")))
    ]


def _first_value(items: object) -> str:
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and (value := _string(item.get("value"))):
            return value
    return ""


def _string(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]
