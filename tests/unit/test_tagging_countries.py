"""Country tagging rules, one at a time, on short stories written for them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.config_dir import config_path
from pipeline.record import Dateline, Source, StoryRecord
from pipeline.tagging import countries
from pipeline.tagging.countries import resolve_place, tag_countries
from pipeline.tagging.country_forms import load, plural
from pipeline.tagging.storytext import story_text

CURATED = config_path("gazetteers", "countries.toml")


def story(*body: str, headline: str = "Talks go on", place: str | None = None, **fields) -> StoryRecord:
    return StoryRecord(
        story_id="s1",
        source=Source(agency="Meridian Wire", publisher="meridian", connector="feed"),
        headline=headline,
        body=list(body),
        published_at="2026-11-20T09:00:00Z",
        ingested_at="2026-11-20T09:00:01Z",
        dateline=Dateline(place=place),
        **fields,
    )


def codes(record: StoryRecord) -> set[str]:
    return {tag.code for tag in tag_countries(record)}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Officials in Kiev said so.", "UA"),
        ("Officials in Kyiv said so.", "UA"),
        ("The junta rules Burma.", "MM"),
        ("Cocoa from Côte d\u2019Ivoire rose.", "CI"),
        ("Cocoa from Ivory Coast rose.", "CI"),
        ("Czechia signed the deal.", "CZ"),
        ("The Czech Republic signed the deal.", "CZ"),
        ("Türkiye signed the deal.", "TR"),
        ("Turkiye signed the deal.", "TR"),
        ("Chinese nationals were evacuated.", "CN"),
        ("Ukrainians queued for water.", "UA"),
        ("The Kremlin said no date was set.", "RU"),
        ("The White House said no date was set.", "US"),
        ("Downing Street said no date was set.", "GB"),
        ("Pyongyang said no date was set.", "KP"),
        ("Taipei said no date was set.", "TW"),
        ("Drones hit Kursk overnight.", "RU"),
        ("Shelling hit Donetsk overnight.", "UA"),
        ("Aid reached Gaza overnight.", "PS"),
        ("The Jordan Valley and Amman, Jordan, were quiet.", "JO"),
    ],
)
def test_names_variants_demonyms_capitals_metonyms_and_places(text, code):
    assert codes(story(text)) == {code}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("North Korean troops fired shells.", {"KP"}),
        ("South Korean troops fired shells.", {"KR"}),
        ("South Sudanese refugees arrived.", {"SS"}),
        ("Sudanese refugees arrived.", {"SD"}),
        ("A wildfire spread in New Mexico.", {"US"}),
        ("Papua New Guinea sent aid.", {"PG"}),
        ("Guinea-Bissau sent aid.", {"GW"}),
        ("The Democratic Republic of Congo sent aid.", {"CD"}),
        ("The Republic of Congo sent aid.", {"CG"}),
        ("Nigerian and Nigerien troops met.", {"NG", "NE"}),
        ("Oil from the Niger Delta rose.", {"NG"}),
        ("Ships crossed the South China Sea and the Indian Ocean.", set()),
        ("Latin American and Central American leaders met.", set()),
        ("The Washington Post and the New York Times reported it.", set()),
        ("Talks on Kashmir and the Golan Heights stalled.", set()),
    ],
)
def test_longest_match_wins(text, expected):
    assert codes(story(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Let us know, said the US envoy.", {"US"}),
        ("Let us know what you think.", set()),
        ("They roasted a turkey and bought fine china.", set()),
        ("Turkey and China objected.", {"TR", "CN"}),
        ("ISRAEL AND IRAN TRADE FIRE", {"IL", "IR"}),
        ("Romanian officials met.", {"RO"}),  # Oman is inside the word, not a mention
    ],
)
def test_case_and_word_boundaries(text, expected):
    assert codes(story(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jordan Bardella leads the polls. Bardella spoke.", set()),
        ("Jordan's King Abdullah met officials in Amman.", {"JO"}),
        ("Jordan Peterson spoke in Jordan.", {"JO"}),
        ("A jersey of Michael Jordan sold. Jordan, who won six titles, did not comment.", set()),
        ("Defence Minister Israel Katz said Israel would respond.", {"IL"}),
        ("Chad Smith played. Chad President Mahamat Deby spoke.", {"TD"}),
        ("Fighting spread in Chad. Chad's army said.", {"TD"}),
        ("George Washington crossed the river.", set()),
        ("Paris Hilton was in Paris.", {"FR"}),
    ],
)
def test_forms_that_are_also_person_names(text, expected):
    assert codes(story(text)) == expected


def test_ambiguous_forms_follow_the_cues_of_the_story():
    assert codes(story("Georgia's parliament passed the law in Tbilisi.")) == {"GE"}
    assert codes(story("Georgia certified the result in Atlanta.")) == {"US"}
    assert codes(story("Georgia certified the result.")) == {"GE"}
    assert codes(story("Congolese soldiers entered Goma.")) == {"CD"}
    assert codes(story("Congolese voters queued in Brazzaville.")) == {"CG"}
    assert codes(story("Dominican officials deported migrants.")) == {"DO"}
    assert codes(story("A Dominican official in Roseau spoke.")) == {"DM"}


def test_brussels_is_belgium_only_with_a_belgian_cue_or_as_the_dateline():
    assert codes(story("Brussels approved new sanctions on Russia.")) == {"RU"}
    assert codes(story("Brussels approved the budget, Belgian officials said.")) == {"BE"}
    assert codes(story("EU ministers met.", place="BRUSSELS")) == {"BE"}


@pytest.mark.parametrize(
    ("place", "code"),
    [
        ("KYIV", "UA"),
        ("GENEVA", "CH"),
        ("BRUSSELS", "BE"),
        ("WASHINGTON", "US"),
        ("ATLANTA, Georgia", "US"),
        ("TBILISI, Georgia", "GE"),
        ("SAN JUAN, Puerto Rico", "PR"),
        ("SANTA FE, New Mexico", "US"),
        ("GOMA, Congo", "CD"),
        ("SPRINGFIELD, Illinois", "US"),
        ("MALATYA, Turkey", "TR"),
    ],
)
def test_resolve_place(place, code):
    assert resolve_place(place) == code


def test_resolve_place_gives_none_for_an_unknown_place():
    assert resolve_place("Qwertyville") is None


def test_comments_bylines_and_credit_lines_are_not_read():
    record = story(
        "Poland will build an air defence line, officials said.",
        "Reporting by Tom Baker in London; editing by Sarah White",
        captions=["Soldiers stand guard near Kuznica. Photo: John Smith in Berlin/Reuters"],
        comments=["France and Italy should pay for it", "Moscow will not like this"],
        authors=["Anna Kowalska in Vienna"],
    )
    assert codes(record) == {"PL"}


def test_evidence_points_into_the_concatenated_story_text():
    record = story(
        "Russia's Defence Ministry said the Kremlin had no comment.",
        "Moscow denied it.",
        headline="Russia says drones downed",
        place="KYIV",
        captions=["A Russian drone in Kyiv."],
    )
    text = story_text(record).text
    assert text.startswith("Russia says drones downed\n\nKYIV\n\nRussia's Defence")
    tags = {tag.code: tag for tag in tag_countries(record)}
    russia = tags["RU"].evidence
    assert russia.surfaces == ("Russia", "the Kremlin", "Moscow", "Russian")
    assert russia.count == 5 and russia.first == 0 and russia.in_headline and not russia.in_dateline
    assert russia.kinds == ("name", "metonym", "capital", "demonym")
    ukraine = tags["UA"].evidence
    assert ukraine.in_dateline and not ukraine.in_headline and ukraine.kinds == ("dateline", "capital")
    assert text[ukraine.first : ukraine.first + len("KYIV")] == "KYIV"
    for tag in tags.values():
        assert text[tag.evidence.first :].startswith(tag.evidence.surfaces[0])


def test_dateline_country_set_by_the_parser_is_used():
    record = story("Talks went on.", place="SPRINGFIELD")
    record.dateline.country = "GB"
    assert codes(record) == {"GB"}


def test_a_story_about_a_country_scores_far_above_a_passing_mention():
    record = story(
        "Ukraine said on Tuesday its forces had retaken two villages.",
        "Ukrainian officials said the front line was stable.",
        "Kyiv has asked allies for more air defence.",
        "Hungary has blocked the package.",
        headline="Ukraine retakes villages",
        place="KYIV",
    )
    tags = tag_countries(record)
    assert [tag.code for tag in tags] == ["UA", "HU"]
    assert tags[0].score > 0.85 and tags[1].score < 0.15
    assert all(0 <= tag.score <= 1 for tag in tags)


def test_tags_serialise_to_json():
    tag = tag_countries(story("Kenya's president spoke.", place="NAIROBI"))[0]
    assert json.loads(json.dumps(tag.to_dict())) == {
        "code": "KE",
        "name": "Kenya",
        "score": tag.score,
        "evidence": {
            "surfaces": ["NAIROBI", "Kenya"],
            "count": 2,
            "first": len("Talks go on\n\n"),
            "in_headline": False,
            "in_dateline": True,
            "kinds": ["dateline", "name"],
        },
    }


def test_the_automaton_is_built_once_per_process():
    tag_countries(story("Kenya's president spoke."))
    before = countries.gazetteer.cache_info()
    for _ in range(3):
        tag_countries(story("Uganda's president spoke."))
        resolve_place("KAMPALA")
    after = countries.gazetteer.cache_info()
    assert after.misses == before.misses and after.hits > before.hits


def test_a_curated_form_given_to_two_countries_is_refused(tmp_path: Path):
    broken = tmp_path / "countries.toml"
    text = CURATED.read_text(encoding="utf-8").replace('SD = ["Sudanese"]', 'SD = ["Sudanese", "South Sudanese"]')
    broken.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="South Sudanese"):
        load(broken)


def test_a_curated_entry_needs_a_real_country_code(tmp_path: Path):
    broken = tmp_path / "countries.toml"
    broken.write_text(CURATED.read_text(encoding="utf-8").replace("[places]\n", '[places]\nXX = ["Atlantis"]\n'))
    with pytest.raises(ValueError, match="XX"):
        load(broken)


@pytest.mark.parametrize(
    ("demonym", "expected"),
    [("Ukrainian", "Ukrainians"), ("Israeli", "Israelis"), ("Chinese", None), ("Swiss", None), ("Dutch", None)],
)
def test_plural_demonyms(demonym, expected):
    assert plural(demonym) == expected


@pytest.mark.parametrize(
    ("place", "language", "agency", "code"),
    [
        ("TOLEDO", "es", "EFE", "ES"),  # Toledo, Ohio is larger: a Spanish agency files from Spain's
        ("TOLEDO", "es", None, "US"),
        ("VALENCIA", "es", "EFE", "ES"),
        ("VALENCIA", "es", "Reuters", "VE"),  # no home: the most populous namesake
        ("BIRMINGHAM", "en", "Reuters", "GB"),
        ("SANTIAGO", "es", "EFE", "CL"),  # a capital's name is the capital's, whoever files
        ("TOLEDO", "es", "efe", "ES"),  # agencies matched without case
        ("TOLEDO", "es", "Agencia EFE", "ES"),
        ("MÉRIDA", "es", "EFE", "ES"),  # a twentieth of Mérida, Mexico: still the home one
        ("CAMPO GRANDE", "pt", "Lusa", "BR"),  # sixty times larger in Brazil: not the home one
        ("SAINT-DENIS", "fr", "AFP", "FR"),  # the Paris suburb, not Réunion's capital: AFP names that one in full
        ("ROTTERDAM", "en", "AP", "NL"),  # AP names the state of a domestic town: no home
    ],
)
def test_a_dateline_town_of_several_countries_is_the_agencys_home_one(place, language, agency, code):
    assert resolve_place(place, language, agency) == code
