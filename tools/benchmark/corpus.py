"""The benchmark corpus: realistic 3-5 KB wire stories with a known share of exact duplicates, syndicated
near-duplicates and agency updates, deterministic for a seed.

Why generated and not replayed: the project's samples are a few dozen stories, and a benchmark needs thousands
whose dedup outcome is known in advance. Each story is written into the layout of a sample from data/raw/
(ninjs, NewsML-G2, agency pages, plain text, partner pages with furniture and comments), with text drawn from
the sentences of data/raw/, data/tagging/ and data/dedup/ (so the taggers find real places and people): copies of
the tests' samples that ship with this package (data/README.md), so the benchmark runs without the tests folder.
Distinct stories must stay distinct under MinHash (pipeline/dedupe.py compares word 3-shingles): every sentence
has its figures redrawn and about a third of its longer lower-case words swapped for other words of the samples,
so two stories that happen to draw the same sentence share few shingles. The text is not good prose; it has the
length, vocabulary, names, datelines and markup of wire copy.

Kinds of item, in the order of the outcome dedup should give them:

- `distinct`: a story first seen (outcome `new`);
- `exact`: the same item again, byte for byte, under the same key (a connector redelivery: `redelivery`);
- `syndicated`: the story on another publisher's page: different furniture, comments, captions, the
  partner's house-style rewording and a trimmed last sentence (`duplicate`);
- `update`: the agency's next version: same item id, "UPDATE 1-" headline, a paragraph of new text, half an
  hour later (`update`).

Each copy or update refers to a distinct story that has none other, and comes after it in the stream.
"""

from __future__ import annotations

import html
import json
import random
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

from pipeline.encoding import decode
from pipeline.raw import RawItem, item_key
from pipeline.record import Source, StoryRecord

DATA = Path(__file__).resolve().parent / "data"
RAW_SAMPLES = DATA / "raw"
TAGGING_STORIES = DATA / "tagging" / "stories.jsonl"
DEDUP_DATA = DATA / "dedup"

STORY_BYTES = (3000, 5000)  # story text (headline excluded), not the item, which markup makes larger
MAX_BYTES = 2_000_000
KINDS = ("distinct", "exact", "syndicated", "update")
EXPECTED_OUTCOME = {"distinct": "new", "exact": "redelivery", "syndicated": "duplicate", "update": "update"}
SWAP_SHARE = 0.33  # of lower-case words of five letters or more, in every generated sentence
_CONTENT_TYPES = {".json": "application/json", ".xml": "application/xml", ".html": "text/html", ".txt": "text/plain"}
_FORMATS = {"application/json": "ninjs", "application/xml": "newsml", "text/html": "html", "text/plain": "text"}
_SENTENCE_END = re.compile(r"(?<=[.!?\u201d\"])\s+(?=[A-Z\u201c\"])")
_SWAPPABLE = re.compile(r"\b[a-z]{5,}\b")
_DIGIT = re.compile(r"\d")
_NAMED = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][a-z]+")  # a capitalised word not opening a sentence: a name
_ISO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d)?(?:Z|[+-]\d\d:?\d\d)?")
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


@dataclass(frozen=True, slots=True)
class Shares:
    """Shares of the items that repeat a story; the rest are distinct stories."""

    exact: float = 0.10
    syndicated: float = 0.15
    update: float = 0.10

    def counts(self, total: int) -> dict[str, int]:
        """Items of each kind for a corpus of `total` items (rounded; distinct takes the remainder)."""
        repeats = {kind: round(total * getattr(self, kind)) for kind in ("exact", "syndicated", "update")}
        if any(share < 0 for share in (self.exact, self.syndicated, self.update)):
            raise ValueError("shares are between 0 and 1")
        distinct = total - sum(repeats.values())
        if distinct < sum(repeats.values()):
            raise ValueError("each repeat needs its own distinct story: keep the repeat shares at 50% or less")
        return {"distinct": distinct, **repeats}


NO_REPEATS = Shares(0.0, 0.0, 0.0)


@dataclass(frozen=True, slots=True)
class Template:
    """A sample story's layout: its bytes as text, its charset, and what the parser read from it."""

    name: str
    content_type: str
    text: str
    charset: str
    record: StoryRecord
    partner: bool

    @property
    def format(self) -> str:
        return _FORMATS[self.content_type]

    @property
    def publisher(self) -> str:
        """Who sends items in this layout: the partner site, or the agency credited in the copy."""
        site = re.search(r'og:site_name" content="([^"]+)"', self.text)
        name = site.group(1) if self.partner and site else self.record.source.agency or "bench"
        return _slug(name)


@dataclass(frozen=True, slots=True)
class CorpusItem:
    """One item of the stream: the raw item, its kind, and the distinct story (index) it carries."""

    item: RawItem
    kind: str
    story: int
    format: str

    @property
    def expected_outcome(self) -> str:
        return EXPECTED_OUTCOME[self.kind]


@dataclass(slots=True)
class _Story:
    headline: str
    sentences: list[str]
    update: list[str]
    place: str
    published: datetime
    template: Template
    item_id: str  # uri / guid for ninjs and NewsML, page URL for pages and text
    items: list[RawItem] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Topic:
    """One sample story: its headline, dateline place and sentences, the event a generated story is about."""

    headline: str
    place: str
    sentences: tuple[str, ...]


class TextSource:
    """Topics (the sample stories) and filler sentences that name few people or places, varied on every draw.

    A generated story is one topic's sentences in order (its people and places, like a real story about one
    event) with filler sentences inserted until it reaches its size: the entity density of wire copy, where
    sentences drawn from everywhere would name twenty countries a story and overstate the taggers' cost."""

    def __init__(self, topics: list[Topic], fillers: list[str], vocabulary: list[str]) -> None:
        self.topics = topics
        self.fillers = fillers
        self.vocabulary = vocabulary

    def vary(self, text: str, rng: random.Random) -> str:
        """New figures, and a third of the longer lower-case words swapped: the same source sentence in two
        stories then shares few word 3-shingles."""
        text = _DIGIT.sub(lambda _: str(rng.randint(0, 9)), text)
        return _SWAPPABLE.sub(lambda m: rng.choice(self.vocabulary) if rng.random() < SWAP_SHARE else m[0], text)

    def filler(self, rng: random.Random) -> str:
        return self.vary(rng.choice(self.fillers), rng)

    def story(self, rng: random.Random, size: int) -> tuple[Topic, str, list[str]]:
        """A topic, a headline and sentences holding `size` bytes: the topic's, then fillers placed among them
        (never before the lead)."""
        topic = rng.choice(self.topics)
        sentences = [self.vary(sentence, rng) for sentence in topic.sentences]
        length = sum(len(sentence.encode()) + 1 for sentence in sentences)
        while length < size:
            filler = self.filler(rng)
            sentences.insert(rng.randint(1, len(sentences)), filler)
            length += len(filler.encode()) + 1
        return topic, self.vary(topic.headline, rng), sentences


def generate(
    count: int,
    *,
    seed: int = 20261127,
    shares: Shares | None = None,
    base_time: datetime | None = None,
    first_story: int = 0,
) -> list[CorpusItem]:
    """`count` items in stream order. The same seed, base time and `first_story` give the same bytes.

    Stories are published a second apart from `base_time` (default: three hours ago, on the minute, so dedup's
    72-hour window and the worker's eviction keep them all). `first_story` numbers the stories, so two corpora
    of one seed (the throughput run and the latency runs) never share an item id."""
    counts = (shares or Shares()).counts(count)
    base = base_time or (datetime.now(UTC) - timedelta(hours=3)).replace(second=0, microsecond=0)
    rng = random.Random(seed * 1_000_003 + first_story)
    templates = load_templates()
    partners = [t for t in templates if t.partner]
    text = text_source()
    distinct = counts["distinct"]
    order = list(templates)
    rng.shuffle(order)
    stories = [_new_story(first_story + n, order[n % len(order)], text, base, rng) for n in range(distinct)]
    repeats = [kind for kind in ("exact", "syndicated", "update") for _ in range(counts[kind])]
    rng.shuffle(repeats)
    chosen = rng.sample(range(distinct), len(repeats))
    # the stream position of each item: a story at its rank, a repeat 5 to 100 items after its story
    keyed: list[tuple[float, int, CorpusItem]] = []
    for n, story in enumerate(stories):
        item = _original(story)
        keyed.append(
            (n * count / max(1, distinct), len(keyed), CorpusItem(item, "distinct", first_story + n, _fmt(story)))
        )
    for kind, n in zip(repeats, chosen, strict=True):
        story = stories[n]
        if kind == "exact":
            item, form = story.items[0], _fmt(story)
        elif kind == "syndicated":
            partner = rng.choice([p for p in partners if p.publisher != story.template.publisher])
            item, form = _syndicated(story, partner), "partner-html"
        else:
            item, form = _update(story), _fmt(story)
        position = n * count / max(1, distinct) + rng.uniform(5, 100)
        keyed.append((position, len(keyed), CorpusItem(item, kind, first_story + n, form)))
    return [entry for _, _, entry in sorted(keyed, key=lambda k: (k[0], k[1]))]


def kind_counts(items: Sequence[CorpusItem]) -> dict[str, int]:
    return {kind: sum(1 for item in items if item.kind == kind) for kind in KINDS}


@cache
def load_templates(samples: Path = RAW_SAMPLES) -> tuple[Template, ...]:
    """The English samples that parse: agency layouts and partner pages."""
    from pipeline.parse import parse

    templates = []
    for path in sorted(samples.glob("*.*")):
        content_type = _CONTENT_TYPES.get(path.suffix)
        if content_type is None:
            continue
        value = path.read_bytes()
        item = RawItem(key=path.name, value=value, source="bench", content_type=content_type, connector="bench")
        try:
            record = parse(item, max_bytes=MAX_BYTES)
        except Exception:  # the bad samples are there to be refused; they make no template
            continue
        if record.language != "en":  # the text pools are English
            continue
        decoded = decode(value, content_type)
        templates.append(
            Template(path.name, content_type, decoded.text, decoded.charset, record, path.name.startswith("partner-"))
        )
    if not templates:
        raise SystemExit(f"no sample story parses in {samples}")
    return tuple(templates)


@cache
def text_source() -> TextSource:
    """Topics from every English sample story, filler sentences, and the words to swap in."""
    topics: list[Topic] = []
    for line in TAGGING_STORIES.read_text(encoding="utf-8").splitlines()[1:]:
        if line.strip():
            story = json.loads(line)
            topics.append(_topic(story["headline"], story["dateline"], story["body"]))
    for line in (DEDUP_DATA / "stories.jsonl").read_text(encoding="utf-8").splitlines()[1:]:
        if line.strip():
            story = json.loads(line)
            topics.append(_topic(story["headline"], story["dateline"], story["body"]))
            topics.append(_topic(story["update_headline"], story["dateline"], [story["update"], *story["body"][:2]]))
    for template in load_templates():
        record = template.record
        topics.append(_topic(record.headline, record.dateline.place or "", record.body))
    sentences = sorted({sentence for topic in topics for sentence in topic.sentences})
    fillers = [
        sentence for sentence in sentences if len(_NAMED.findall(sentence)) <= 1 and not _names_country(sentence)
    ]
    vocabulary = sorted({word for sentence in sentences for word in _SWAPPABLE.findall(sentence)})
    return TextSource([topic for topic in topics if topic.place], fillers, vocabulary)


def _names_country(sentence: str) -> bool:
    from pipeline.tagging import tag_countries

    record = StoryRecord(
        story_id="filler",
        source=Source(None, None, "bench"),
        headline="",
        body=[sentence],
        published_at="",
        ingested_at="",
    )
    return bool(tag_countries(record))


def _topic(headline: str, dateline: str, paragraphs: list[str]) -> Topic:
    place = dateline.split(",")[0].strip()
    sentences = [s.strip() for p in paragraphs for s in _SENTENCE_END.split(p) if len(s.split()) >= 6]
    return Topic(headline, place, tuple(sentences))


def _new_story(number: int, template: Template, text: TextSource, base: datetime, rng: random.Random) -> _Story:
    publisher = template.publisher
    item_id = (
        f"urn:{publisher}:bench:{number}"
        if template.format in ("ninjs", "newsml")
        else f"https://{publisher}.example/bench/{number}"
    )
    topic, headline, sentences = text.story(rng, rng.randint(*STORY_BYTES))
    return _Story(
        headline=headline,
        sentences=sentences,
        update=[text.filler(rng) for _ in range(3)],
        place=topic.place,
        published=base + timedelta(seconds=number),
        template=template,
        item_id=item_id,
    )


def _fmt(story: _Story) -> str:
    template = story.template
    return f"partner-{template.format}" if template.partner else template.format


def _original(story: _Story) -> RawItem:
    item = _item(story.template, story.headline, story.sentences, story, story.published)
    story.items.append(item)
    return item


def _update(story: _Story) -> RawItem:
    """The agency's next version: same item id and key, new headline, a paragraph of new text inserted."""
    at = min(2, len(story.sentences))
    sentences = [*story.sentences[:at], *story.update, *story.sentences[at:]]
    return _item(
        story.template, f"UPDATE 1-{story.headline}", sentences, story, story.published + timedelta(minutes=30)
    )


def _syndicated(story: _Story, partner: Template) -> RawItem:
    """The story on a partner's page: its house style, the last sentence trimmed, its own furniture and URL."""
    sentences = [_reword(sentence) for sentence in story.sentences[:-1]]
    url = f"https://{partner.publisher}.example/world/bench-{story.item_id.rsplit(':', 1)[-1].rsplit('/', 1)[-1]}"
    published = story.published + timedelta(minutes=20)
    value = _render(partner, story.headline, sentences, story, url, published)
    return RawItem(
        key=item_key(partner.publisher, url),
        value=value,
        source=partner.publisher,
        content_type=partner.content_type,
        connector="bench",
        url=url,
        received_at=published.isoformat(timespec="milliseconds"),
    )


def _item(template: Template, headline: str, sentences: list[str], story: _Story, published: datetime) -> RawItem:
    publisher = template.publisher
    page = template.format in ("html", "text")
    return RawItem(
        key=item_key(publisher, story.item_id),
        value=_render(template, headline, sentences, story, story.item_id, published),
        source=publisher,
        content_type=template.content_type,
        connector="bench",
        url=story.item_id if page else None,
        received_at=published.isoformat(timespec="milliseconds"),
    )


def _render(
    template: Template, headline: str, sentences: list[str], story: _Story, item_id: str, published: datetime
) -> bytes:
    """The template with its headline, story paragraphs, dateline place, item id and times replaced."""
    record = template.record
    agency = record.source.agency or "Bench Wire"
    stamp = published.isoformat(timespec="seconds").replace("+00:00", "Z")
    if template.format == "text":
        dateline = f"{story.place}, {_MONTHS[story.published.month - 1]} {story.published.day} ({agency}) - "
        paragraphs = _paragraphs(sentences, len(record.body))
        text = "\n\n".join([headline, dateline + paragraphs[0], *paragraphs[1:]]) + "\n"
        return text.encode(template.charset, errors="replace")
    text = template.text
    # the headline and the story paragraphs as the template writes them (a paragraph with inline markup is not
    # found, and keeps its text); each is marked first, so that new text holding an old one is not replaced again
    found = [(old, escape) for old in record.body if (escape := _escape(template, old))]
    replacements = list(zip(found, _paragraphs(sentences, len(found)), strict=True))
    if escape := _escape(template, record.headline):
        replacements.append(((record.headline, escape), headline))
    for number, ((old, escape), _) in enumerate(replacements):
        text = text.replace(escape(old), f"\ue000{number}\ue001")
    for number, ((_, escape), new) in enumerate(replacements):
        text = text.replace(f"\ue000{number}\ue001", escape(new))
    if place := record.dateline.place:
        text = text.replace(place, story.place)
    if template.format == "ninjs":
        document = json.loads(text)
        document.update(uri=item_id, versioncreated=stamp, firstcreated=stamp)
        text = json.dumps(document, ensure_ascii=False, indent=1)
    else:
        text = _ISO_TIME.sub(stamp, text)
        if template.format == "newsml":
            text = re.sub(r'guid="[^"]*"', f'guid="{html.escape(item_id)}"', text, count=1)
    return text.encode(template.charset, errors="xmlcharrefreplace")


def _escape(template: Template, text: str) -> Callable[[str], str] | None:
    return next((escape for escape in _ESCAPES[template.format] if escape(text) in template.text), None)


def _paragraphs(sentences: list[str], count: int) -> list[str]:
    """The sentences in `count` paragraphs of nearly equal length (the template's paragraph count)."""
    count = max(1, min(count, len(sentences)))
    size, extra = divmod(len(sentences), count)
    paragraphs, start = [], 0
    for n in range(count):
        end = start + size + (1 if n < extra else 0)
        paragraphs.append(" ".join(sentences[start:end]))
        start = end
    return paragraphs


@cache
def _rewording() -> tuple[tuple[str, str], ...]:
    edits = json.loads((DEDUP_DATA / "edits.json").read_text(encoding="utf-8"))
    return tuple((old, new) for old, new in edits["rewording"])


def _reword(sentence: str) -> str:
    for old, new in _rewording():
        sentence = sentence.replace(old, new)
    return sentence


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-") or "bench"


def _html(text: str) -> str:
    return html.escape(text, quote=False)


def _json(text: str) -> str:
    return json.dumps(text)[1:-1]


def _json_html(text: str) -> str:
    return _json(_html(text))


_ESCAPES: dict[str, tuple[Callable[[str], str], ...]] = {
    "ninjs": (_json, _json_html),
    "newsml": (_html,),
    "html": (_html,),
}


def iter_values(items: Sequence[CorpusItem]) -> Iterator[bytes]:
    for entry in items:
        yield entry.item.value
