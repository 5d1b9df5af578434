"""The last step every format shares: furniture out of the paragraphs, the dateline off the first one, an agency
sign-off off the last one, author names out of the bylines, the agency settled, a headline derived from the lede
when the item has none, and a refusal when no story text is left."""

from __future__ import annotations

import re
from collections.abc import Iterable

from pipeline.formats import ParsedStory, Rejected
from pipeline.formats.byline import authors
from pipeline.formats.dateline import split_dateline
from pipeline.formats.furniture import ends_sentence, separate, split_sign_off
from pipeline.plaintext import plain_text, plain_texts, safe_url

_DERIVED_MIN_WORDS = 4  # "U.S." or "Mr." early in a lede does not end its first sentence
_DERIVED_MAX_WORDS = 16
_NAME_MAX_WORDS = 3  # words of a name a cut may take back ("Benoît", "Jean-Claude Juncker")
_INITIAL = re.compile(r"[^\W\d_]\.")  # "Z." in "Adnan Z. Amin": no sentence ends there


def assemble(
    *,
    headline: str,
    paragraphs: Iterable[str],
    captions: Iterable[str] = (),
    bylines: Iterable[str] = (),
    credits: Iterable[str] = (),
    agency: str | None = None,
    place: str | None = None,
    site_name: str | None = None,
    item_id: str | None = None,
    published: str | None = None,
    language: str | None = None,
    url: str | None = None,
    comments: Iterable[str] = (),
    page: bool = False,
) -> ParsedStory:
    """A `ParsedStory` from one format's pieces; `agency` and `place` given by metadata win over the dateline's.
    `page` says the paragraphs come from a web page (see `furniture.separate`). Every text is made plain here,
    whatever the format: markup that arrived as text never reaches the record (`pipeline.plaintext`)."""
    headline = " ".join(plain_text(headline).split())
    paragraphs, captions = plain_texts(list(paragraphs)), plain_texts(list(captions))
    comments, bylines, credits = plain_texts(list(comments)), plain_texts(list(bylines)), plain_texts(list(credits))
    agency, place, site_name = (plain_text(value) or None if value else None for value in (agency, place, site_name))
    url = safe_url(url)
    separated = separate(paragraphs, page=page)
    body = [paragraph for paragraph in separated.body if paragraph != headline]
    if not any(char.isalnum() for paragraph in body for char in paragraph):
        raise Rejected("empty", "no story text found" + (" under the headline" if headline else ""))
    dateline = split_dateline(body[0])
    if dateline is not None:
        body[0] = dateline.rest
    credit_names = [*credits, *separated.copyright_holders]
    if (signed := split_sign_off(body[-1])) is not None:
        body[-1], agencies = signed
        credit_names += agencies
        agency = agency or agencies[0]
    if dateline is not None and dateline.agency:
        credit_names.append(dateline.agency)
    if site_name:
        credit_names.append(site_name)
    return ParsedStory(
        headline=headline or derived_headline(body[0]),
        headline_derived=not headline,
        body=body,
        item_id=item_id,
        authors=authors([*bylines, *separated.bylines], credit_names),
        place=place or (dateline.place if dateline else None),
        agency=agency or (dateline.agency if dateline else None) or _agency_credit(credit_names, site_name),
        published=published,
        language=language,
        url=url,
        captions=_distinct([*captions, *separated.captions]),
        comments=list(comments),
    )


def derived_headline(lede: str) -> str:
    """A headline for a story that came without one: the lede's first sentence, or its opening words and an
    ellipsis when that sentence is long. Neither ends inside a name ("Adnan Z. Amin", "contra Benoît Paire"): the
    headline is tagged too, and a name cut in two would be a second, wrong actor."""
    words = lede.split()
    for count, word in enumerate(words[:_DERIVED_MAX_WORDS], start=1):
        if count >= _DERIVED_MIN_WORDS and ends_sentence(word) and not _INITIAL.fullmatch(word):
            return " ".join(words[:count]).rstrip(".")
    cut = words[:_DERIVED_MAX_WORDS]
    if len(words) > len(cut) and _capitalised(words[len(cut)]):
        name = len(cut) - next((i for i, word in enumerate(reversed(cut)) if not _capitalised(word)), len(cut))
        if len(cut) - name <= _NAME_MAX_WORDS:  # a name runs past the cut and goes whole; not a lede in capitals
            cut = cut[: max(name, _DERIVED_MIN_WORDS)]
    return (" ".join(cut).rstrip(",;:") or lede) + ("\u2026" if len(words) > len(cut) else "")


def _capitalised(word: str) -> bool:
    return word[:1].isupper()


def _agency_credit(credit_names: list[str], site_name: str | None) -> str | None:
    """The first copyright holder that is not the site carrying the story."""
    site = (site_name or "").casefold()
    for name in credit_names:
        if name and (not site or (site not in name.casefold() and name.casefold() not in site)):
            return name
    return None


def _distinct(texts: list[str]) -> list[str]:
    return list(dict.fromkeys(text for text in texts if text))
