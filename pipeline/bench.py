"""`wirestream bench parse`: per-story pipeline throughput on one core, on stories made from the samples.

Each generated story keeps a sample's layout (page furniture, comments, metadata) and gets a new headline
and new 3-5 KB of story text, drawn from the samples' paragraphs in the same language with the
digits changed, so no two stories are the same. Generation is not timed; `process` is, story by story,
after a warm-up pass, pinned to one CPU where the platform allows.
"""

from __future__ import annotations

import html
import json
import random
import re
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipeline.benchmark.stats import one_cpu
from pipeline.encoding import decode
from pipeline.process import items_from_paths, process
from pipeline.raw import RawItem
from pipeline.record import StoryRecord

SAMPLES = Path(__file__).resolve().parent.parent / "tests" / "data" / "raw"
STORY_BYTES = (3000, 5000)
MAX_BYTES = 2_000_000
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True, slots=True)
class Template:
    """A sample that parsed, with what it was parsed into and the charset to write variants back in."""

    item: RawItem
    text: str
    charset: str
    record: StoryRecord

    @property
    def format(self) -> str:
        return {"application/json": "ninjs", "application/xml": "newsml", "text/html": "html"}.get(
            self.item.content_type, "text"
        )


def bench_parse(count: int, samples: Path = SAMPLES, seed: int = 20261120) -> dict[str, object]:
    """Stories per second and microseconds per story, per format and overall."""
    templates = _templates(samples)
    pools: dict[str | None, list[str]] = defaultdict(list)
    headlines: dict[str | None, list[str]] = defaultdict(list)
    for template in templates:
        pools[template.record.language].extend(template.record.body)
        headlines[template.record.language].append(template.record.headline)
    rng = random.Random(seed)
    stories = [_variant(templates[n % len(templates)], pools, headlines, rng) for n in range(count)]
    for template in templates:  # warm-up: detector models, lxml and trafilatura caches
        process(template.item, max_bytes=MAX_BYTES)
    spent: dict[str, float] = defaultdict(float)
    counted: dict[str, int] = defaultdict(int)
    sizes: dict[str, int] = defaultdict(int)
    story_sizes: dict[str, int] = defaultdict(int)
    rejected = 0
    with one_cpu():
        for form, item in stories:
            started = time.perf_counter()
            try:
                record = process(item, max_bytes=MAX_BYTES)
            except Exception:  # a failure is counted, the benchmark goes on
                rejected += 1
                continue
            finally:
                spent[form] += time.perf_counter() - started
                counted[form] += 1
                sizes[form] += len(item.value)
            story_sizes[form] += len("\n".join(record.body).encode())
    total = sum(spent.values())
    return {
        "stories": count,
        "rejected": rejected,
        "seconds": round(total, 3),
        "stories_per_second": round(count / total, 1) if total else None,
        "us_per_story": round(total / count * 1e6, 1) if count else None,
        "formats": {
            form: {
                "stories": counted[form],
                "stories_per_second": round(counted[form] / spent[form], 1),
                "us_per_story": round(spent[form] / counted[form] * 1e6, 1),
                "mean_item_bytes": sizes[form] // counted[form],
                "mean_story_bytes": story_sizes[form] // counted[form],
            }
            for form in sorted(counted)
        },
    }


def _templates(samples: Path) -> list[Template]:
    templates = []
    for _, item in items_from_paths([samples], source="bench"):
        try:
            record = process(item, max_bytes=MAX_BYTES)
        except Exception:  # bad samples are there to be refused; they make no template
            continue
        decoded = decode(item.value, item.content_type)
        templates.append(Template(item, decoded.text, decoded.charset, record))
    if not templates:
        raise SystemExit(f"no sample story parses in {samples}")
    return templates


def _variant(
    template: Template,
    pools: dict[str | None, list[str]],
    headlines: dict[str | None, list[str]],
    rng: random.Random,
) -> tuple[str, RawItem]:
    """The template with a new headline and new story text of 3-5 KB, written as the template writes text."""
    record = template.record
    pool = pools[record.language]
    share = rng.randint(*STORY_BYTES) // len(record.body)
    headline = _DIGIT.sub(_digit(rng), rng.choice(headlines[record.language]))
    body = [_paragraph(pool, share, rng) for _ in record.body]
    if template.format == "text":
        text = "\n\n".join([headline, *body]) + "\n"
    else:  # mark every old text first, so that a new paragraph holding an old one is not replaced again
        text = template.text
        marks: list[tuple[str, str, Callable[[str], str]]] = []
        for number, (old, new) in enumerate(zip([record.headline, *record.body], [headline, *body], strict=True)):
            for escape in _ESCAPES[template.format]:
                if escape(old) in text:
                    mark = f"\ue000{number}\ue001"
                    text = text.replace(escape(old), mark)
                    marks.append((mark, new, escape))
                    break
        for mark, new, escape in marks:
            text = text.replace(mark, escape(new))
    value = text.encode(template.charset, errors="xmlcharrefreplace")
    item = RawItem(
        key=f"bench-{rng.getrandbits(64):x}",
        value=value,
        source="bench",
        content_type=template.item.content_type,
        connector="bench",
    )
    return template.format, item


def _paragraph(pool: list[str], size: int, rng: random.Random) -> str:
    text = ""
    while len(text) < size:
        text = f"{text} {_DIGIT.sub(_digit(rng), rng.choice(pool))}".strip()
    return text


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


def _digit(rng: random.Random) -> Callable[[re.Match[str]], str]:
    return lambda _: str(rng.randint(0, 9))
