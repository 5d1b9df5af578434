"""The query a search runs over indexed stories: the words in headlines and bodies, read with accents folded
("Orban" finds "Orbán") and with the analyser of the story's own language (`body_<lang>`: "Regierungen" finds
"Regierung"), optionally limited to stories about given countries and actors (the `about` keywords)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

# Headlines weigh three times; each body field is one reading of the same text, so best_fields scores a story by
# the reading that matches it best rather than adding them up.
SEARCH_FIELDS = ("headline^3", "headline.folded^3", "body", "body.folded", "body_*")


def story_query(words: str, *, countries: Sequence[str] = (), actors: Sequence[str] = ()) -> dict[str, Any]:
    """An Elasticsearch query for stories holding `words` and about every one of `countries` (ISO codes) and
    `actors` (ids)."""
    about = [{"term": {"about.countries": code.upper()}} for code in countries]
    about += [{"term": {"about.actors": actor}} for actor in actors]
    match = {"multi_match": {"query": words, "fields": list(SEARCH_FIELDS), "type": "best_fields"}}
    return {"bool": {"must": [match], "filter": about}}
