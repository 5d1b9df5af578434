"""Web pages: an agency's own story page, or a partner site that republished the story between its own
furniture (section word, related headlines, captions, share buttons, copyright lines) and reader comments.

Structure first, then the extraction library: reader comments are taken out whole (`comments.py`),
captions and bylines are read from their elements and removed, page furniture is cut by the class names
and tags sites use for it; trafilatura then picks the main text out of what is left, and the paragraph
filters of `furniture.py` catch what it kept. A paragraph that repeats a reader comment never reaches the
body, whatever the layout.
"""

from __future__ import annotations

import re

import lxml.html
import trafilatura
from lxml import etree
from trafilatura.settings import Extractor

from pipeline.formats import ParsedStory, Rejected
from pipeline.formats.comments import take_comments
from pipeline.formats.dateline import split_dateline
from pipeline.formats.furniture import copyright_holder, is_caption
from pipeline.formats.markup import blocks, folded, local_name, named, text_of
from pipeline.formats.story import assemble
from pipeline.formats.text import parse_text
from pipeline.plaintext import safe_url

_PARSER = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True)
_EXTRACTOR = Extractor(output_format="python", fast=True, comments=False, tables=False, dedup=False)

_META = etree.XPath("//meta[@property=$key or @name=$key or @itemprop=$key]/@content")
_TITLE = etree.XPath("string(//title)")
_H1 = etree.XPath("//h1")
_LANG = etree.XPath("string(/html/@lang)")
_CANONICAL = etree.XPath("//link[@rel='canonical']/@href")
_JSON_LD = etree.XPath("//script[@type='application/ld+json']/text()")
_JSON_LD_PUBLISHED = re.compile(r'"datePublished"\s*:\s*"([^"]+)"')
_TIMES = etree.XPath("//time[@itemprop='datePublished']/@datetime | //time[@datetime]/@datetime")
_PUBLISHED_META = ("article:published_time", "datePublished", "og:published_time", "date", "pubdate", "publishdate")
_PUBLISHED_META += ("dc.date", "dcterms.created", "parsely-pub-date", "sailthru.date")
# contains() is the cheap native test; `copyright_holder` then reads the few lines it lets through.
_COPYRIGHT_TEXTS = etree.XPath(
    "//text()[contains(., '\u00a9') or contains(., 'opyright') or contains(., 'OPYRIGHT') or contains(., '(c)')"
    " or contains(., '(C)')]"
)
_CAPTION_ELEMENTS = etree.XPath(
    "//figcaption | //*[contains(translate(@class, 'CAPTION', 'caption'), 'caption')]"
    " | //p[contains(substring(normalize-space(.), 1, 24), ':')]"
)
_BYLINE_ELEMENTS = etree.XPath(
    "//*[@rel='author' or @itemprop='author' or (@class and (contains(@class, 'byline') or contains(@class, 'Byline')"
    " or contains(@class, 'author') or contains(@class, 'Author')))]"
)
_FURNITURE_TAGS = etree.XPath(
    "//aside | //nav | //form | //noscript | //iframe | //button | //footer | //header | //script | //style"
)
_FURNITURE_NAMES = re.compile(
    r"(^|[\s_-])(related|share|sharing|sharedaddy|social|newsletter|promo|advert|ads|sponsor|sponsored|breadcrumbs?"
    r"|tags|kicker|section-label|categor(y|ies)|also-read|read-also|more-stories|most-read|trending|sidebar|widget"
    r"|rail|subscribe|paywall|masthead|topbar|menu|byline|post-meta|story-meta|article-info|meta-wrapper"
    r"|comment-count|comments-link|timestamp)([\s_-]|$)",
    re.IGNORECASE,
)
# A dateline element: inside a paragraph ("<span class=dateline>KYIV</span> (Reuters) - ...") it stays for the
# paragraph's dateline to be read; standing on its own it gives the place and leaves the page.
_DATELINE_NAMES = re.compile(r"(^|[\s_-])dateline([\s_-]|$)", re.IGNORECASE)
_DATELINE_MAX_CHARS = 60
# An element holding several long paragraphs is the story's container, whatever its class says.
_HOLDS_STORY = etree.XPath("count(.//p[string-length(normalize-space(.)) > 120]) > 1 or boolean(.//h1)")
_BODY_BLOCKS = frozenset({"p", "quote", "item"})
_STRUCTURED_PARAGRAPHS = 2
_TEXT_BLOCKS = frozenset({"p", "div", "td", "tr", "table", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6"})
_TEXT_BLOCKS |= frozenset({"section", "article", "header", "footer", "blockquote", "figcaption", "figure"})
_INLINE = frozenset({"span", "strong", "b", "em", "i", "a", "small"})
_HEADLINE_MIN_WORDS = 3
_OVERLAP_CHARS = 40  # shorter texts ("Thank you.") may be in a story and a comment alike
_TITLE_SEPARATORS = re.compile(r"\s+[|\u2013\u2014-]\s+")


def parse_html(text: str) -> ParsedStory:
    try:
        root = lxml.html.document_fromstring(text.encode("utf-8"), parser=_PARSER)
    except (etree.ParserError, ValueError) as exc:
        raise Rejected("missing_fields", f"no HTML document in the content ({exc})") from exc
    site_name = _meta(root, "og:site_name", "application-name")
    headline = _headline(root)
    credits = list(dict.fromkeys(h for t in _COPYRIGHT_TEXTS(root) if (h := copyright_holder(_line_of(t)))))
    comments = take_comments(root)
    published = _published(root)
    captions = [text_of(element) for element in _take(_captions(root))]
    bylines = [text_of(element) for element in _take(_BYLINE_ELEMENTS(root))] or [_meta(root, "author")]
    place = _standalone_dateline(root)
    _take([*_FURNITURE_TAGS(root), *named(root, _FURNITURE_NAMES)])
    paragraphs = _without_comments(_main_text(root), comments)
    if len(paragraphs) < _STRUCTURED_PARAGRAPHS:  # no paragraph markup (a table layout, <br> breaks): read as text
        return _as_text(text, title=_TITLE(root), site_name=site_name, published=published, url=_url(root))
    return assemble(
        headline=headline,
        paragraphs=paragraphs,
        captions=captions,
        bylines=[byline for byline in bylines if byline and not byline.startswith("http")],
        credits=credits,
        site_name=site_name or None,
        place=place,
        published=published,
        language=_LANG(root).strip() or _meta(root, "content-language", "og:locale") or None,
        url=_url(root),
        comments=comments,
        page=True,
    )


def _as_text(text: str, *, title: str, site_name: str, published: str | None, url: str | None) -> ParsedStory:
    """The page rendered as the text a reader sees, line breaks kept, parsed as a plain-text page."""
    root = lxml.html.document_fromstring(text.encode("utf-8"), parser=_PARSER)
    for element in _FURNITURE_TAGS(root):
        if local_name(element) in ("script", "style", "noscript"):
            element.drop_tree()
    for element in root.iter():
        name = local_name(element)
        if name == "br" or name in _TEXT_BLOCKS:
            element.tail = ("\n" if name == "br" else "\n\n") + (element.tail or "")
    body = root.find("body")
    story = parse_text((body if body is not None else root).text_content(), title=" ".join(title.split()))
    story.published, story.url = story.published or published, story.url or safe_url(url)
    if site_name and story.agency and site_name.casefold() in story.agency.casefold():
        story.agency = None
    return story


def _url(root: etree._Element) -> str | None:
    return next(iter(_CANONICAL(root)), None) or _meta(root, "og:url") or None


def _meta(root: etree._Element, *keys: str) -> str:
    for key in keys:
        for content in _META(root, key=key):
            if content.strip():
                return content.strip()
    return ""


def _headline(root: etree._Element) -> str:
    for h1 in _H1(root):
        if len((text := text_of(h1)).split()) >= _HEADLINE_MIN_WORDS:
            return text
    if title := _meta(root, "og:title", "twitter:title", "headline"):
        return title
    parts = _TITLE_SEPARATORS.split(" ".join(_TITLE(root).split()))
    return max(parts, key=len)


def _standalone_dateline(root: etree._Element) -> str | None:
    """The place of a dateline element that stands apart from the story text (cut out of the page)."""
    for element in named(root, _DATELINE_NAMES):
        parent = element.getparent()
        if local_name(element) in _INLINE and parent is not None and text_of(parent) != text_of(element):
            continue  # inside a paragraph: the paragraph's own dateline
        text = text_of(element).strip(" -\u2013\u2014")
        element.drop_tree()
        if len(text) <= _DATELINE_MAX_CHARS and (found := split_dateline(f"{text} - .")):
            return found.place  # "KYIV" or "KYIV, Nov 20 (Reuters)": the place alone, never a date
    return None


def _published(root: etree._Element) -> str | None:
    if found := _meta(root, *_PUBLISHED_META):
        return found
    for script in _JSON_LD(root):
        if match := _JSON_LD_PUBLISHED.search(script):
            return match.group(1)
    return next((time.strip() for time in _TIMES(root) if time.strip()), None)


def _line_of(text: etree._ElementUnicodeResult) -> str:
    """The whole line a text node starts: its parent's text ("Copyright <b>©</b> 2026 Partner Daily")."""
    parent = text.getparent()
    return text_of(parent) if parent is not None and text.is_text else str(text)


def _captions(root: etree._Element) -> list[etree._Element]:
    return [
        element
        for element in _CAPTION_ELEMENTS(root)
        if element.tag != "p" or "caption" in (element.get("class") or "").lower() or is_caption(text_of(element))
    ]


def _take(elements: list[etree._Element]) -> list[etree._Element]:
    """The outermost of `elements` that do not hold the story, cut out of the page (their tail text stays)."""
    found = _outermost([element for element in elements if not _HOLDS_STORY(element)])
    for element in found:
        element.drop_tree()
    return found


def _outermost(elements: list[etree._Element]) -> list[etree._Element]:
    chosen = dict.fromkeys(elements)  # each once, in order
    return [element for element in chosen if not any(up in chosen for up in element.iterancestors())]


def _main_text(root: etree._Element) -> list[str]:
    document = trafilatura.bare_extraction(root, options=_EXTRACTOR)
    body = getattr(document, "body", None)
    if body is not None:
        paragraphs = [text for element in body.iter(*_BODY_BLOCKS) if (text := text_of(element))]
        if paragraphs:
            return paragraphs
    return blocks(root)[0]  # a page too small or too odd for the extractor: every paragraph left on it


def _without_comments(paragraphs: list[str], comments: list[str]) -> list[str]:
    """Paragraphs that are not a reader comment (or a piece of one) that escaped its section."""
    keys = [folded(comment) for comment in comments]
    kept = []
    for paragraph in paragraphs:
        text = folded(paragraph)
        if not any(_overlaps(text, key) for key in keys):
            kept.append(paragraph)
    return kept


def _overlaps(paragraph: str, comment: str) -> bool:
    if paragraph == comment:
        return True
    return (len(paragraph) >= _OVERLAP_CHARS and paragraph in comment) or (
        len(comment) >= _OVERLAP_CHARS and comment in paragraph
    )
