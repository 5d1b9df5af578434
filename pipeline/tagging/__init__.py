"""Country and actor tagging of story records: pure functions over a `StoryRecord`, no Kafka or Faust.

`tag_countries(record)` and `tag_actors(record)` return tags sorted by relevance (highest first), each a frozen
dataclass with `to_dict()`; `resolve_place(place)` gives the country of a dateline place. The gazetteers under
config/gazetteers/ are compiled into Aho-Corasick automata on first use, once per process.
"""

from pipeline.tagging.actors import ActorTag, tag_actors
from pipeline.tagging.countries import CountryTag, resolve_place, tag_countries
from pipeline.tagging.evidence import Evidence

__all__ = ["ActorTag", "CountryTag", "Evidence", "resolve_place", "tag_actors", "tag_countries"]
