"""The matcher (one automaton pass, boundary and case checks, leftmost-longest) and the story text it reads."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pipeline.record import Dateline, Source, StoryRecord
from pipeline.tagging.matching import Joint, Matcher, fold, writings
from pipeline.tagging.storytext import blank_credits, story_text


@given(st.text())
def test_fold_keeps_every_character_at_its_offset(text):
    assert len(fold(text)) == len(text)


def test_fold_straightens_apostrophes():
    assert fold("Côte d\u2019Ivoire") == "côte d'ivoire"


def test_case_rules():
    assert writings("US") == {"US"} and writings("the Kremlin") == {"the Kremlin", "The Kremlin", "THE KREMLIN"}
    assert writings("Kyiv") == {"Kyiv", "KYIV"} and writings("Côte d\u2019Ivoire") >= {"CÔTE D'IVOIRE"}
    matcher = Matcher([("US", "US"), ("Turkey", "TR"), ("Chad", "TD")])
    assert [m.value for m in matcher.find("us, turkey, chad; Us and US, TURKEY, CHAD")] == ["US", "TR", "TD"]


def test_leftmost_longest_non_overlapping_word_bounded_matches():
    matcher = Matcher([("Korea", "KR"), ("South Korea", "KR-S"), ("Oman", "OM"), ("New York", "NY"), ("York", "Y")])
    found = matcher.find("South Korea and Romania met in New York, not York.")
    assert [(m.surface, m.value) for m in found] == [("South Korea", "KR-S"), ("New York", "NY"), ("York", "Y")]
    assert [m.start for m in found] == [0, 31, 45]


def test_a_match_rejected_by_case_does_not_hide_a_shorter_one():
    matcher = Matcher([("The Gambia", "GM"), ("Gambia", "GM2")])
    assert [m.value for m in matcher.find("the gambia river and Gambia")] == ["GM2"]


_PLACES = [("Korea", "KR"), ("South Korea", "KR-S"), ("US", "US"), ("Georgia", "GE"), ("New York", "NY")]
_PEOPLE = [("Georgia Smith", "p1"), ("Kim", "p2"), ("South", "p3"), ("us", "lower")]
_WORDS = ["South", "Korea", "US", "us", "Georgia", "Smith", "Kim", "New", "York", "said", "of", "bus", ",", "."]


@given(st.lists(st.sampled_from(_WORDS), max_size=30))
def test_joined_matchers_find_what_each_finds_alone(words):
    """One automaton for several gazetteers changes nothing a gazetteer finds, even where their forms overlap."""
    places, people = Matcher(_PLACES), Matcher(_PEOPLE)
    text = " ".join(words)
    alone = {places: places.find(text), people: people.find(text)}
    Joint(places, people)
    assert places.find_joint(text) == alone
    assert people.find_joint(text) == alone


def test_a_story_reads_joined_matchers_once():
    places, people = Matcher(_PLACES), Matcher(_PEOPLE)
    Joint(places, people)
    record = StoryRecord(
        story_id="s",
        source=Source(agency="A", publisher="p", connector="c"),
        headline="Georgia Smith said",
        body=["Georgia Smith met Kim in South Korea."],
        published_at="",
        ingested_at="",
    )
    story = story_text(record)
    first = story.matches(places)
    assert [m.value for m in first] == ["GE", "GE", "KR-S"]
    assert [m.value for m in story.matches(people)] == ["p1", "p1", "p2", "p3"]
    assert story.matches(places) is first


def test_an_empty_matcher_finds_nothing():
    assert Matcher([]).find("anything") == []


def test_story_text_joins_headline_dateline_body_and_captions_but_not_comments_or_authors():
    record = StoryRecord(
        story_id="s",
        source=Source(agency="A", publisher="p", connector="c"),
        headline="Head",
        body=["One.", "Two."],
        published_at="",
        ingested_at="",
        authors=["Anna Kowalska"],
        dateline=Dateline(place="KYIV"),
        captions=["Cap."],
        comments=["Comment."],
    )
    story = story_text(record)
    assert story.text == "Head\n\nKYIV\n\nOne.\n\nTwo.\n\nCap."
    assert [(s.kind, story.text[s.start : s.end]) for s in story.segments] == [
        ("headline", "Head"),
        ("dateline", "KYIV"),
        ("body", "One."),
        ("body", "Two."),
        ("caption", "Cap."),
    ]
    assert story.segment_at(story.text.index("Two")).kind == "body"


def test_credit_lines_are_blanked_in_place():
    for line, kept in [
        ("By Anna Kowalska", ""),
        ("Reporting by Tom Baker in London; editing by Sarah White", ""),
        ("(Additional reporting by Tom Baker in London)", ""),
        ("Soldiers near Kuznica, Poland. Photo: John Smith/Reuters", "Soldiers near Kuznica, Poland."),
        ("Tusk in Warsaw. REUTERS/Kacper Pempel", "Tusk in Warsaw."),
        ("Biden in Kyiv. (AP Photo/Evan Vucci)", "Biden in Kyiv."),
        ("Oil produced by Russia rose.", "Oil produced by Russia rose."),
        ("By the end of the year Poland will be ready.", "By the end of the year Poland will be ready."),
    ]:
        blanked = blank_credits(line)
        assert len(blanked) == len(line) and blanked.rstrip() == kept, line
