"""The query a search runs over indexed stories: the words in headlines and bodies, read with the analyser of the
story's own language (`body_<lang>`: "Regierung" finds "Regierungen") and with accents folded ("Orban" finds
"Orbán", "Erdoğan" finds "Erdogan"), optionally limited to stories about given countries and actors (the `about`
keywords)."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any

from pipeline.config_dir import config_path

# Headlines weigh three times. Each body field is one reading of the same text, so each reading is scored on its own
# and a story by the reading that matches it best (best_fields, dis_max), not by their sum.
ANALYSED_FIELDS = ("headline^3", "body", "body_*")
FOLDED_FIELDS = ("headline.folded^3", "body.folded")
_WORD = re.compile(r"\w+")


def story_query(words: str, *, countries: Sequence[str] = (), actors: Sequence[str] = ()) -> dict[str, Any]:
    """An Elasticsearch query for stories holding `words` and about every one of `countries` (ISO codes) and
    `actors` (ids)."""
    readings = [{"multi_match": {"query": words, "fields": list(ANALYSED_FIELDS), "type": "best_fields"}}]
    # The folded fields keep every word: English stop words are left out of the words matched there
    if kept := " ".join(word for word in _WORD.findall(words) if word.lower() not in _stop_words()):
        readings.append({"multi_match": {"query": kept, "fields": list(FOLDED_FIELDS), "type": "best_fields"}})
    about = [{"term": {"about.countries": code.upper()}} for code in countries]
    about += [{"term": {"about.actors": actor}} for actor in actors]
    return {"bool": {"must": [{"dis_max": {"queries": readings}}], "filter": about}}


@functools.cache
def _stop_words() -> frozenset[str]:
    """The English stop words of query-stopwords.txt, beside the index templates."""
    lines = config_path("elasticsearch", "query-stopwords.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))
