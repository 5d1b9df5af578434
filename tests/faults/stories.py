"""Stories for the fault suite: distinct good ones (`tools.synthetic`), bad ones of every kind, and the ids
the worker gives them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pipeline.raw import RawItem, item_key
from pipeline.record import story_id as story_id  # the id the worker gives a story, for the fault tests


def months_back(count: int) -> list[datetime]:
    """Publication times in `count` different past months: a batch of them spans `count` monthly indices."""
    now = datetime.now(UTC).replace(day=15, hour=12, minute=0, second=0, microsecond=0)
    return [(now.replace(day=1) - timedelta(days=1 + 31 * n)).replace(day=15) for n in range(1, count + 1)]


@dataclass(frozen=True)
class Poison:
    """A raw item that cannot become a story, sent as a connector would, and the refusal it should get."""

    name: str
    value: bytes
    content_type: str
    reasons: frozenset[str]

    def item(self, source: str) -> RawItem:
        return RawItem(
            key=item_key(source, f"poison:{self.name}"),
            value=self.value,
            source=source,
            content_type=self.content_type,
            connector="faults",
        )


def _poison(name: str, value: bytes, content_type: str, *reasons: str) -> Poison:
    return Poison(name, value, content_type, frozenset(reasons))


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    b"<newsItem><contentMeta><headline>&lol3;</headline></contentMeta></newsItem>"
)
XXE = (
    b'<?xml version="1.0"?><!DOCTYPE n [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/"><contentMeta><headline>&x;</headline></contentMeta>'
    b"</newsItem>"
)

POISONS: tuple[Poison, ...] = (
    _poison("empty", b"", "application/json", "empty"),
    _poison("whitespace", b" \n\t \r\n", "text/plain", "empty"),
    _poison("ninjs-truncated", b'{"uri": "urn:x", "headline": "Cut', "application/json", "malformed_json"),
    _poison("ninjs-array", b'[{"uri": "urn:x"}]', "application/json", "malformed_json"),
    _poison("ninjs-scalar", b"42", "application/json", "malformed_json"),
    _poison("ninjs-deep", b"[" * 20_000, "application/json", "malformed_json"),
    _poison("ninjs-no-body", b'{"uri": "urn:x", "headline": "Only a headline"}', "application/json", "missing_fields"),
    # a story without a headline is a story (its headline is derived from the lede); one without text is not
    _poison("ninjs-no-text", b'{"uri": "urn:x", "body_text": "  "}', "application/json", "missing_fields", "empty"),
    _poison("ninjs-wrong-types", b'{"headline": ["a"], "body_text": {"b": 1}}', "application/json", "missing_fields"),
    _poison("newsml-malformed", b"<newsItem><contentMeta><headline>Open", "application/xml", "malformed_xml"),
    _poison("newsml-billion-laughs", BILLION_LAUGHS, "application/xml", "malformed_xml", "missing_fields"),
    _poison("newsml-xxe", XXE, "application/vnd.iptc.g2.newsitem+xml", "malformed_xml", "missing_fields"),
    _poison("newsml-no-text", b"<newsItem><contentMeta/></newsItem>", "text/xml", "missing_fields"),
    _poison("html-no-text", b"<html><head><title></title></head><body></body></html>", "text/html", "empty"),
    _poison("html-only-script", b"<html><body><script>alert(1)</script></body></html>", "text/html", "empty"),
    _poison("text-one-line", b"Just a headline and nothing else", "text/plain", "empty"),
    _poison("unknown-type", b"%PDF-1.7 not a story", "application/pdf", "unsupported_content_type"),
    _poison("image", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "image/png", "unsupported_content_type"),
    _poison("binary-sniffed", bytes(range(256)) * 8, "application/octet-stream", "binary", "bad_encoding"),
    _poison("binary-as-text", b"\x00\x01\x02\xff\xfe" * 200, "text/plain", "binary", "bad_encoding"),
    _poison("invalid-utf8", bytes(range(128, 256)) * 10, "text/plain; charset=utf-8", "bad_encoding"),
    _poison("invalid-utf8-bom", b"\xff\xfe\xfd\xfc\n\n\xc3\x28\xa0\xa1\x80 \xf8\xa1\xa1", "text/plain", "bad_encoding"),
    _poison("overlong-utf8", b"\xc0\xaf\xe0\x80\xaf" * 100, "text/plain; charset=utf-8", "bad_encoding", "empty"),
    _poison(
        "lone-surrogates",
        "\ud800".encode("utf-8", "surrogatepass") * 300,
        "text/plain",
        "bad_encoding",
        "empty",
    ),
)
