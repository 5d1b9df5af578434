"""Stored text is plain text: markup in any field of any format, escaped or not, never reaches the record."""

from __future__ import annotations

import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.parse import parse
from pipeline.plaintext import plain_text, safe_url
from pipeline.raw import RawItem

# What an HTML parser would open a tag on, or a script URL.
MARKUP = re.compile(r"<[A-Za-z/!?]|javascript:|onerror|alert", re.IGNORECASE)


def record_texts(item: RawItem) -> str:
    record = parse(item, max_bytes=1_000_000).to_dict()
    return json.dumps(record, ensure_ascii=False)


def item(value: str, content_type: str, url: str | None = None) -> RawItem:
    return RawItem(key="k", value=value.encode(), source="test", content_type=content_type, connector="t", url=url)


def test_tags_and_code_go_and_the_words_stay() -> None:
    assert plain_text("<script>alert(1)</script>Big <b>news</b>") == "Big news"
    assert plain_text("One &lt;script&gt;alert(1)&lt;/script&gt; two") == "One two"
    assert plain_text("&amp;lt;img src=x onerror=alert(1)&amp;gt;Text") == "Text"
    assert plain_text("AT&amp;T profits rise") == "AT&T profits rise"
    assert plain_text("Rates: 3 < 4 > 2") == "Rates: 3 < 4 > 2"
    assert plain_text("<!-- hidden -->Shown <style>p{}</style>") == "Shown"
    assert plain_text("unclosed <img src=x onerror=alert(1)") == "unclosed < img src=x onerror=alert(1)"
    assert plain_text("  plain story text  ") == "plain story text"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>/!?&;#ltgamp scriptSCRIPT=\"'x1")), max_size=60))
def test_no_output_can_open_a_tag(text: str) -> None:
    assert not re.search(r"<[A-Za-z/!?]", plain_text(text))


def test_only_web_links_are_kept() -> None:
    assert safe_url("https://example.com/story?id=1") == "https://example.com/story?id=1"
    for bad in ("javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<script>", "http://x/<script>", "//x"):
        assert safe_url(bad) is None


def test_ninjs_with_script_in_headline_and_body_is_stored_as_plain_text() -> None:
    story = {
        "uri": "urn:xss:1",
        "headline": "<script>alert('h')</script>Minister <b>resigns</b>",
        "body_text": "The minister <img src=x onerror=alert(1)>resigned on Monday.\n"
        "&lt;script&gt;alert(2)&lt;/script&gt;",
        "byline": "<a href='javascript:alert(3)'>Jane Doe</a>",
        "located": "<i>PARIS</i>",
        "url": "javascript:alert(4)",
        "versioncreated": "2026-11-20T09:00:00Z",
    }
    text = record_texts(item(json.dumps(story), "application/json"))
    assert not MARKUP.search(text), text
    record = parse(item(json.dumps(story), "application/json"), max_bytes=1_000_000)
    assert record.headline == "Minister resigns"
    assert record.body == ["The minister resigned on Monday."]
    assert record.url is None


def test_ninjs_html_body_with_escaped_script_is_stored_as_plain_text() -> None:
    story = {
        "uri": "urn:xss:2",
        "headline": "Budget agreed",
        "body_html": "<p>The deal &lt;script&gt;alert(1)&lt;/script&gt; was signed.</p><script>alert(2)</script>"
        "<p onclick='alert(3)'>Unions objected.</p>",
    }
    record = parse(item(json.dumps(story), "application/json"), max_bytes=1_000_000)
    assert record.body == ["The deal was signed.", "Unions objected."]


def test_text_newsml_and_html_pages_with_markup_in_text() -> None:
    text_story = "Storm <script>alert(1)</script>hits coast\n\nThe storm &lt;b onmouseover=alert(2)&gt;hit the coast."
    newsml = (
        '<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="urn:xss:3"><contentMeta>'
        "<headline>&lt;script&gt;alert(1)&lt;/script&gt;Floods</headline></contentMeta><contentSet>"
        '<inlineXML contenttype="application/xhtml+xml"><html xmlns="http://www.w3.org/1999/xhtml"><body>'
        "<p>Rivers rose &lt;img src=x onerror=alert(2)&gt; overnight.</p></body></html></inlineXML>"
        "</contentSet></newsItem>"
    )
    page = (
        "<html><head><title>Quake &lt;script&gt;alert(1)&lt;/script&gt;</title></head><body><article>"
        "<h1>Quake &lt;script&gt;alert(1)&lt;/script&gt; strikes</h1>"
        "<p>An earthquake &lt;iframe src=javascript:alert(2)&gt; struck the region on Tuesday, officials said, "
        "and rescue teams were sent to the worst hit villages in the mountains.</p>"
        "<p>There were no immediate reports of casualties, the regional governor told reporters.</p>"
        "<script>alert(3)</script></article></body></html>"
    )
    for value, content_type in ((text_story, "text/plain"), (newsml, "application/xml"), (page, "text/html")):
        text = record_texts(item(value, content_type, url="javascript:alert(9)"))
        assert not MARKUP.search(text), (content_type, text)
