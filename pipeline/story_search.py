"""The query a search runs over indexed stories: the words in headlines and bodies, read with the analyser of the
story's own language (`body_<lang>`: "Regierung" finds "Regierungen") and with accents folded ("Orban" finds
"Orbán"), optionally limited to stories about given countries and actors (the `about` keywords)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

# Headlines weigh three times. Each body field is one reading of the same text, so each reading is scored on its own
# and a story by the reading that matches it best (best_fields, dis_max), not by their sum.
ANALYSED_FIELDS = ("headline^3", "body", "body_*")
FOLDED_FIELDS = ("headline.folded^3", "body.folded")
# The folded fields keep every word, so the words of a query are read there with Elasticsearch's built-in `stop`
# analyser: lowercased, English stop words dropped ("the", "and" find nothing on their own). Stop words of other
# languages still match there ("le", "die").
FOLDED_QUERY_ANALYZER = "stop"


def story_query(words: str, *, countries: Sequence[str] = (), actors: Sequence[str] = ()) -> dict[str, Any]:
    """An Elasticsearch query for stories holding `words` and about every one of `countries` (ISO codes) and
    `actors` (ids)."""
    analysed = {"multi_match": {"query": words, "fields": list(ANALYSED_FIELDS), "type": "best_fields"}}
    folded = {
        "multi_match": {
            "query": words,
            "fields": list(FOLDED_FIELDS),
            "type": "best_fields",
            "analyzer": FOLDED_QUERY_ANALYZER,
        }
    }
    about = [{"term": {"about.countries": code.upper()}} for code in countries]
    about += [{"term": {"about.actors": actor}} for actor in actors]
    return {"bool": {"must": [{"dis_max": {"queries": [analysed, folded]}}], "filter": about}}
