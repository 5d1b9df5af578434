"""Enrichment of a parsed story: the dateline's country, then country and actor tags (pipeline/tagging).

Pure, like parsing: the worker and `wirestream process` both call it through `pipeline.process`, so offline
output matches what the worker indexes.
"""

from __future__ import annotations

import dataclasses

from pipeline.record import StoryRecord
from pipeline.tagging import resolve_place, tag_actors, tag_countries
from pipeline.tagging.storytext import story_text


def enrich(record: StoryRecord) -> StoryRecord:
    """The record with `dateline.country`, `countries` and `actors` filled in (comments are never tagged)."""
    if record.dateline.place and not record.dateline.country:
        country = resolve_place(record.dateline.place, record.language, record.source.agency)
        record = dataclasses.replace(record, dateline=dataclasses.replace(record.dateline, country=country))
    story = story_text(record)  # one text for both taggers
    return dataclasses.replace(
        record,
        countries=[tag.to_dict() for tag in tag_countries(record, story)],
        actors=[tag.to_dict() for tag in tag_actors(record, story)],
    )
