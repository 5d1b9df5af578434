"""IPTC NewsML-G2 news items (alone or the first one in a newsMessage), with the story in `inlineXML`
XHTML (or `inlineData` text).

Parsed safely: entities are not expanded, no DTD or network resource is loaded, huge trees are refused
(lxml's libxml2 also stops entity amplification).
"""

from __future__ import annotations

from lxml import etree

from pipeline.formats import ParsedStory, Rejected
from pipeline.formats.markup import blocks, local_name, text_of
from pipeline.formats.story import assemble

_PARSER = etree.XMLParser(
    encoding="utf-8",  # the text arrives decoded (pipeline.encoding); the declaration in it is not re-read
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
)
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def parse_newsml(text: str) -> ParsedStory:
    try:
        root = etree.fromstring(text.encode("utf-8"), _PARSER)
    except etree.XMLSyntaxError as exc:
        raise Rejected("malformed_xml", str(exc.msg)) from exc
    item = root if local_name(root) == "newsitem" else next(root.iter("{*}newsItem"), None)
    if item is None:
        raise Rejected("missing_fields", f"no NewsML-G2 newsItem in this <{local_name(root)}> document")
    meta = item.find("{*}contentMeta")
    paragraphs, captions = _content(item)
    if not paragraphs:
        raise Rejected("missing_fields", "the newsItem has no inlineXML or inlineData story text")
    holder = _first_text(item, "{*}rightsInfo/{*}copyrightHolder")
    return assemble(
        headline=_first_text(meta, "{*}headline"),
        paragraphs=paragraphs,
        captions=captions,
        bylines=_bylines(meta),
        credits=[holder] if holder else [],
        agency=holder or None,
        place=_first_text(meta, "{*}located") or None,
        item_id=item.get("guid"),
        published=_first_text(item, "{*}itemMeta/{*}versionCreated")
        or _first_text(item, "{*}itemMeta/{*}firstCreated")
        or _first_text(meta, "{*}contentCreated")
        or None,
        language=_language(item, meta),
    )


def _content(item: etree._Element) -> tuple[list[str], list[str]]:
    for inline in item.iterfind("{*}contentSet/{*}inlineXML"):
        body = next(inline.iter("{*}body"), None)
        paragraphs, captions = blocks(body if body is not None else inline)
        if paragraphs:
            return paragraphs, captions
    for inline in item.iterfind("{*}contentSet/{*}inlineData"):
        lines = [line.strip() for line in "".join(inline.itertext()).splitlines() if line.strip()]
        if lines:
            return lines, []
    return [], []


def _bylines(meta: etree._Element | None) -> list[str]:
    if meta is None:
        return []
    names = [_name(creator) for creator in meta.iterfind("{*}creator")]
    found = [name for name in names if name]
    return found or [text for by in meta.iterfind("{*}by") if (text := text_of(by))]


def _language(item: etree._Element, meta: etree._Element | None) -> str | None:
    language = meta.find("{*}language") if meta is not None else None
    return (language.get("tag") if language is not None else None) or item.get(_XML_LANG)


def _first_text(parent: etree._Element | None, path: str) -> str:
    element = parent.find(path) if parent is not None else None
    return _name(element) if element is not None else ""


def _name(element: etree._Element) -> str:
    """A G2 concept's name: its `name` child, its `literal`, or its own text."""
    name = element.find("{*}name")
    return text_of(name) if name is not None else element.get("literal") or text_of(element)
