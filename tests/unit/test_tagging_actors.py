"""Actor tagging rules, one at a time, on short stories written for them."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from pipeline.config_dir import config_path
from pipeline.record import Dateline, Source, StoryRecord
from pipeline.tagging import actors
from pipeline.tagging.actor_gazetteer import load, surname
from pipeline.tagging.actors import slug, tag_actors
from pipeline.tagging.organisations import find_organisations
from pipeline.tagging.people import find_people
from pipeline.tagging.storytext import story_text

CURATED = config_path("gazetteers", "actors.toml")


def story(*body: str, headline: str = "Talks go on", place: str | None = None, **fields) -> StoryRecord:
    return StoryRecord(
        story_id="s1",
        source=Source(agency=fields.pop("agency", "Meridian Wire"), publisher="meridian", connector="feed"),
        headline=headline,
        body=list(body),
        published_at="2026-11-20T09:00:00Z",
        ingested_at="2026-11-20T09:00:01Z",
        dateline=Dateline(place=place),
        **fields,
    )


def tags(record: StoryRecord) -> dict[str, actors.ActorTag]:
    return {tag.id: tag for tag in tag_actors(record)}


def test_spelling_variants_resolve_to_one_actor():
    found = tags(
        story(
            "President Volodymyr Zelenskyy said the strikes would go on.",
            "“Russia must feel it,” Zelensky said.",
            captions=["Ukraine's President Volodymyr Zelenskiy speaks in Kyiv."],
        )
    )
    assert set(found) == {"volodymyr-zelenskyy"}
    zelenskyy = found["volodymyr-zelenskyy"]
    assert zelenskyy.aliases_seen == ("Volodymyr Zelenskyy", "Zelensky", "Volodymyr Zelenskiy")
    assert zelenskyy.evidence.count == 3
    assert (zelenskyy.country, zelenskyy.role, zelenskyy.kind) == ("UA", "head_of_state", "person")


def test_full_name_then_surname_is_one_person():
    found = tags(story("U.S. State Department spokesperson Tammy Bruce spoke.", "Bruce told reporters more."))
    assert set(found) == {"us-state-department", "tammy-bruce"}
    assert found["tammy-bruce"].aliases_seen == ("Tammy Bruce", "Bruce")
    assert found["tammy-bruce"].evidence.kinds == ("name", "short")


def test_a_surname_alone_never_introduces_an_actor():
    assert tags(story("Bruce told reporters the deal was done.")) == {}


def test_a_surname_in_the_headline_refers_forward_to_the_named_person():
    found = tags(story("House Speaker Mike Johnson struck a deal.", headline="Johnson strikes deal"))
    assert found["mike-johnson"].evidence.in_headline


def test_a_title_before_a_listed_name_adds_no_second_actor():
    found = tags(story("Russian President Vladimir Putin met Belgian Prime Minister Bart De Wever."))
    assert set(found) == {"vladimir-putin", "bart-de-wever"}


@pytest.mark.parametrize(
    ("text", "actor_id", "country", "role"),
    [
        (
            "Kenyan Interior Minister Kipchumba Murkomen said 12 people died.",
            "unlisted:kipchumba-murkomen",
            "KE",
            "government",
        ),
        (
            "“We are ready,” said Kipchumba Murkomen, Kenya's interior minister.",
            "unlisted:kipchumba-murkomen",
            "KE",
            "government",
        ),
        (
            "Said the spokesperson for the ministry, Olga Petrova, on Monday.",
            "unlisted:olga-petrova",
            None,
            "spokesperson",
        ),
        (
            "The regional governor of Kursk, Alexander Khinshtein, said.",
            "unlisted:alexander-khinshtein",
            "RU",
            "government",
        ),
        ("Saudi Finance Minister Mohammed al-Jadaan spoke.", "unlisted:mohammed-al-jadaan", "SA", "government"),
        ("Lebanese President Karim Haddad welcomed him.", "unlisted:karim-haddad", "LB", "head_of_state"),
        ("Venezuela's Foreign Minister Yvan Gil said.", "unlisted:yvan-gil", "VE", "foreign_minister"),
        ("Houthi military spokesman Yahya Saree said.", "unlisted:yahya-saree", "YE", "spokesperson"),
        ("finance minister Rachel Reeves spoke.", "unlisted:rachel-reeves", None, "government"),
        ("Attorney General Pam Bondi said.", "unlisted:pam-bondi", None, "government"),
    ],
)
def test_people_introduced_by_a_title_are_tagged_with_its_country_and_role(text, actor_id, country, role):
    found = tags(story(text))
    assert actor_id in found
    assert (found[actor_id].country, found[actor_id].role, found[actor_id].kind) == (country, role, "person")


def test_words_after_a_title_that_are_not_a_name_are_not_a_person():
    assert tags(story("Ukraine's General Staff said on Monday.", "The president said nothing.")) == {}


def test_later_mentions_of_a_titled_person_count_for_them():
    found = tags(
        story("Kenyan Interior Minister Kipchumba Murkomen spoke.", "Murkomen said more.", "Kipchumba Murkomen left.")
    )
    assert found["unlisted:kipchumba-murkomen"].evidence.count == 3
    assert found["unlisted:kipchumba-murkomen"].evidence.kinds == ("title", "short", "name")


def test_same_surname_different_people_stay_apart():
    found = tags(
        story(
            "House Speaker Mike Johnson struck a deal.",
            "Senator Ron Johnson, a Wisconsin Republican, said he would vote no. Johnson said it cost too much.",
            "North Korean leader Kim Jong Un inspected troops. South Korean Prime Minister Kim Min-seok responded.",
            "Kim said Seoul would act.",
        )
    )
    assert set(found) == {"mike-johnson", "unlisted:ron-johnson", "kim-jong-un", "kim-min-seok"}
    assert found["unlisted:ron-johnson"].aliases_seen == ("Ron Johnson", "Johnson")
    assert found["mike-johnson"].evidence.count == 1
    assert found["kim-min-seok"].aliases_seen == ("Kim Min-seok", "Kim")
    assert found["kim-jong-un"].evidence.count == 1


def test_ministries_named_with_their_country():
    found = tags(
        story(
            "Russia's Defence Ministry said drones were downed.",
            "The Chinese Foreign Ministry objected.",
            "The U.S. Department of Agriculture said prices fell.",
            "The Defense Department said nothing.",
            "The Interior Ministry said 31 people were held.",
            place="TBILISI",
        )
    )
    assert set(found) == {
        "unlisted:ru-ministry-defence",
        "unlisted:cn-ministry-foreign",
        "unlisted:us-ministry-agriculture",
        "us-defense-department",
        "unlisted:ge-ministry-interior",
    }
    ministry = found["unlisted:ru-ministry-defence"]
    assert (ministry.name, ministry.kind, ministry.country, ministry.role) == (
        "Ministry of Defence (Russia)",
        "organisation",
        "RU",
        "ministry",
    )
    assert found["unlisted:cn-ministry-foreign"].name == "Ministry of Foreign Affairs (China)"


def test_a_ministry_of_no_named_country_is_an_organisation_as_written_without_a_country():
    found = tags(story("The Immigration Department said 31 people were held. The Interior Ministry agreed."))
    assert set(found) == {"unlisted:immigration-department", "unlisted:interior-ministry"}
    department = found["unlisted:immigration-department"]
    assert (department.name, department.kind, department.country) == ("Immigration Department", "organisation", None)


def test_a_ministry_keeps_the_words_that_say_whose_it_is_as_written():
    found = tags(
        story(
            "The Israeli Defence Ministry said the depot was hit.",
            "A Western Australian Health Department spokesman said John Howard's Treasury Department was told.",
        )
    )
    assert found["unlisted:il-ministry-defence"].aliases_seen == ("Israeli Defence Ministry",)
    assert found["unlisted:au-ministry-health"].aliases_seen == ("Western Australian Health Department",)
    assert "Treasury Department" in {surface for tag in found.values() for surface in tag.aliases_seen}


def test_an_acronym_is_the_listed_organisation_it_stands_for():
    found = tags(story("The Centre for Countering Disinformation said on Monday the CCD had traced the posts."))
    assert set(found) == {"ua-ccd"} and found["ua-ccd"].aliases_seen == ("Centre for Countering Disinformation", "CCD")


def test_bylines_photo_credits_comments_and_the_credited_agency_are_not_actors():
    record = story(
        "By Karoline Leavitt",
        "TASS reported that Prime Minister Donald Tusk visited the border.",
        "Reporting by Maria Zakharova in Warsaw; editing by Mark Rutte",
        captions=["Soldiers near Kuznica. Photo: Dmitry Peskov/Reuters", "Donald Tusk in Warsaw. REUTERS/Kaja Kallas"],
        comments=["Putin and Trump are to blame", "Zelensky too"],
        authors=["Scott Bessent"],
        agency="TASS",
    )
    assert set(tags(record)) == {"donald-tusk"}


def test_organisations_and_metonym_actors():
    found = tags(story("The Kremlin said NATO and the U.N. Security Council had been told, as had the IAEA."))
    assert set(found) == {"ru-kremlin", "nato", "un-security-council", "iaea"}
    assert found["nato"].country is None and found["nato"].role == "international_organisation"


def test_a_story_about_an_actor_scores_above_a_passing_mention():
    record = story(
        "President Vladimir Putin said on Tuesday Russia was ready for talks.",
        "Putin spoke after meeting officials. Putin added that sanctions had failed.",
        "NATO declined to comment.",
        headline="Putin says ready for talks",
    )
    found = tag_actors(record)
    assert [tag.id for tag in found] == ["vladimir-putin", "nato"]
    assert found[0].score > 0.75 and found[1].score < 0.1


def test_tags_serialise_to_json():
    (tag,) = tag_actors(story("Kenyan Interior Minister Kipchumba Murkomen spoke."))
    assert json.loads(json.dumps(tag.to_dict())) == {
        "id": "unlisted:kipchumba-murkomen",
        "name": "Kipchumba Murkomen",
        "kind": "person",
        "country": "KE",
        "role": "government",
        "score": tag.score,
        "aliases_seen": ["Kipchumba Murkomen"],
        "evidence": {
            "surfaces": ["Kipchumba Murkomen"],
            "count": 1,
            "first": len("Talks go on\n\nKenyan Interior Minister "),
            "in_headline": False,
            "in_dateline": False,
            "kinds": ["title"],
        },
    }


def test_unlisted_ids_are_stable_slugs():
    assert slug("Wladyslaw Kosiniak-Kamysz") == "wladyslaw-kosiniak-kamysz"
    assert slug("Sébastien Lecornu") == "sebastien-lecornu"
    assert surname("Ferdinand Marcos Jr") == "Marcos"


def test_the_gazetteer_is_built_once_per_process():
    tag_actors(story("Putin spoke."))
    before = actors.gazetteer.cache_info()
    for _ in range(3):
        tag_actors(story("Xi spoke."))
    assert actors.gazetteer.cache_info().misses == before.misses


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    path = tmp_path / "actors.toml"
    text = CURATED.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('role = "head_of_state", aliases = ["Putin"]', 'role = "tsar", aliases = ["Putin"]', "tsar"),
        ('country = "RU", role = "head_of_state"', 'country = "XX", role = "head_of_state"', "XX"),
        ('aliases = ["Sergey Lavrov", "Lavrov"]', 'aliases = ["Sergey Lavrov", "Putin"]', "Putin"),
        ('id = "mikhail-mishustin"', 'id = "vladimir-putin"', "twice"),
    ],
)
def test_gazetteer_errors_are_refused(tmp_path: Path, old: str, new: str, message: str):
    with pytest.raises(ValueError, match=message):
        load(_broken(tmp_path, old, new))


def test_a_new_gazetteer_line_is_all_it_takes_to_add_an_actor(tmp_path: Path):
    line = (
        '  { id = "ana-pop", name = "Ana Pop", kind = "person", country = "RO", role = "government", aliases = [] },\n'
    )
    path = _broken(tmp_path, "  # Russia\n", "  # Russia\n" + line)
    loaded = load(path)
    record = story("Ana Pop met the press.", "Pop said the plan would pass.")
    found = loaded.matcher.find(story_text(record).text)
    assert [(match.surface, match.value.__class__.__name__) for match in found] == [
        ("Ana Pop", "Named"),
        ("Pop", "Short"),
    ]


def organisations(text: str) -> list[str]:
    return [organisation.name for organisation in find_organisations(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Regional carrier Skyvane cut fares, and logistics firm Brantel Freight said it would follow.",
            ["Skyvane", "Brantel Freight"],
        ),
        ("It will be alleged the company, Korvo Systems, ignored the warnings.", ["Korvo Systems"]),
        ("Investors bought shares in Delmont after the report.", ["Delmont"]),
        ("Accountancy firm Lund and Berg on Friday filed its report.", ["Lund and Berg"]),
        ("Vantrel shares fell 4 per cent.", ["Vantrel"]),
        ("Analysts said Vantrel's chief executive would stay.", ["Vantrel"]),
        ("He told the Halden news agency he would resign.", ["Halden"]),
        ("The former Tarvex subsidiary closed its stores.", ["Tarvex"]),
        ("Brisa Chief Executive Tom Hale said the talks had failed.", ["Brisa"]),
        ("Fortune magazine named her chief executive of the year.", ["Fortune magazine"]),
        ("Corvex's Maria Lopez says the figures are sound.", ["Corvex"]),
        ("Dunmore finance information officer Peter Walsh says the offices will open.", ["Dunmore"]),
        ("The national director of Kinderwatch, Mary Kent, says the study is the first.", ["Kinderwatch"]),
        ("A spokesman for Jetwing said flights would resume.", ["Jetwing"]),
        ("The relief agency Muslim Hands said six men were treated.", ["Muslim Hands"]),
        ("Workers voted to reject Tarnair's proposed wage freeze.", ["Tarnair"]),
        ("Rivals want to break Qarvos' dominance of the market.", ["Qarvos"]),
    ],
)
def test_a_cue_next_to_an_unknown_name_makes_it_a_company_or_outlet(text: str, expected: list[str]):
    assert organisations(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Its shares fell sharply. Mining shares fell too.",
        "European shares rose on Monday.",
        "It was the company Tuesday said it would sell.",
        "The company John Smith founded is for sale.",
        "They fought Osama bin Laden's Al Qaeda fighters near the border.",
        "It was carried by the Paris-based Malian newspaper on Monday.",
        "Emergency Services Minister Anne Coyle praised the crews.",
        "Palestinian security official Jibril Rajoub said the talks failed.",
        "Sydney finance officer Tom Hale said the offices will open.",
        "Aboriginal community officer Tom Hale said the offices will open.",
        "Tasmanian director Tom Hale said so.",
        "Western Australian coach Tom Hale said so.",
        "Test captain Steve Waugh said the team was ready.",
        "The spokesman for Afghanistan said so.",
        "Dunmore finance officer Ellis says the offices will open.",
        "Sydney's harbour and Australia's coast were closed.",  # a city's, a country's
        "Virgin's fares fell.",  # an everyday word first
        "Smith's lawyer and Muslim's rights were argued.",  # a surname we know, a people
        "Critics attacked the Rohingya's treatment and praised the Uyghurs' resilience.",  # peoples
    ],
)
def test_a_cue_does_not_make_an_everyday_word_a_person_or_a_place_a_company(text: str):
    assert organisations(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Senator Jane Roe of the Armed Services Committee called for calm.", ["Armed Services Committee"]),
        ("A meeting in Oslo of the Arctic Fisheries Council ended.", ["Arctic Fisheries Council"]),
        ("Senior forecaster with the Hobart Weather Bureau Ian Marsh says rain is due.", ["Hobart Weather Bureau"]),
        ("He spoke for the Pacific Confederation of Rowing.", ["Pacific Confederation of Rowing"]),
        ("She is from the People's Alliance Against Whaling.", ["People's Alliance Against Whaling"]),
        ("He works at the Women's and Children's Hospital in Perth.", ["Women's and Children's Hospital"]),
        ("He told Radio Meridian and Channel Eleven he was sorry.", ["Radio Meridian", "Channel Eleven"]),
        ("We fund the Southern Commission for Refugees' budget.", ["Southern Commission for Refugees"]),
        ("The Palestinian Authority condemned the attack in the West Bank.", ["Palestinian Authority"]),
        ("The Federal Cabinet met as the Federal Government waited.", ["Federal Cabinet"]),
        ("About 200 US Marines landed at the Nordvik Ski Resort.", ["US Marines", "Nordvik Ski Resort"]),
        ("They served in the 3rd Battalion, 5th Special Forces Group, at the base.", ["5th Special Forces Group"]),
        ("The 16th Communist Party Congress opened.", ["Communist Party Congress"]),  # an ordinal opens units only
    ],
)
def test_organisation_names_by_their_head_opener_or_prefix(text: str, expected: list[str]):
    assert organisations(text) == expected


def test_a_name_that_ends_a_longer_one_is_that_organisation():
    found = find_organisations(
        "The United States Federal Reserve cut rates. The Federal Reserve said more cuts may come."
    )
    assert [(o.name, o.start) for o in found] == [
        ("United States Federal Reserve", 4),
        ("United States Federal Reserve", 49),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Tourists crowded the World Trade Centre and the Reef Marine Park.",
        "She was made a member of the Norwegian Order of Merit.",
    ],
)
def test_places_and_honours_are_not_organisations(text: str):
    assert organisations(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nutrition Australia dietitian Rachael Bradford says the results are sound.", ["Nutrition Australia"]),
        ("He sailed twice with Team New Zealand. Mr Blake was a winner.", ["Team New Zealand"]),
        ("Cricket Australia's chief executive said so.", ["Cricket Australia"]),
        ("Geo-science Australia says the epicentre was near Burakin.", ["Geo-science Australia"]),
    ],
)
def test_a_national_body_is_named_by_what_it_does_and_its_country(text: str, expected: list[str]):
    assert organisations(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Life in Outback Australia is hard, and they moved to Western Australia.",
        "Communist China and Modern Britain differ. With Argentina out, Brazil won.",
        "The match between England and Australia ended. Prime Minister John Howard Australia.",
        "He went back to Rural Australia. South Africa won.",
    ],
)
def test_a_country_qualified_as_a_place_or_a_time_is_no_national_body(text: str):
    assert organisations(text) == []


def test_a_cued_company_is_an_actor_of_the_story():
    found = tags(story("Travel company Traveloka Plus has gone into administration.", "Ferrin shares were suspended."))
    assert {tag.id for tag in found.values() if tag.kind == "organisation"} == {
        "unlisted:traveloka-plus",
        "unlisted:ferrin",
    }


def test_an_organisation_a_country_owns_is_that_countrys():
    found = tags(
        story(
            "A member of Ukraine's National Security and Defense Council spoke.",
            "South Korea's Fair Trade Commission fined the firm. Putin's Valdai Discussion Club met.",
            "Michael Jordan's Charitable Foundation gave.",
        )
    )
    assert found["unlisted:charitable-foundation"].country is None
    assert found["unlisted:national-security-and-defense-council"].country == "UA"
    assert found["unlisted:fair-trade-commission"].country == "KR"
    assert found["unlisted:valdai-discussion-club"].country is None


def test_a_company_named_like_a_person_of_the_story_stays_a_company():
    found = tags(story("Founder Michael Dell said Dell shares rose.", "Dell's chief executive spoke."))
    assert "unlisted:dell" in found and found["unlisted:dell"].kind == "organisation"


def test_a_person_the_story_names_owns_things_as_a_person_not_as_an_organisation():
    found = tags(
        story(
            "Doctors said former president Harto Kessel was stable. Kessel's condition had improved.",
            "Mr Varnak said he would appeal. Varnak's lawyers filed papers. Tarnair's shares fell.",
        )
    )
    assert {tag.id for tag in found.values() if tag.kind == "organisation"} == {"unlisted:tarnair"}
    assert {"unlisted:harto-kessel", "unlisted:varnak"} <= set(found)


def test_a_listed_actor_is_named_in_its_own_spelling_whichever_spelling_the_story_uses():
    found = tags(story("Prime Minister Pedro Sanchez met Jean-Noël Barrot and Recep Tayyip Erdogan in Madrid."))
    assert found["pedro-sanchez"].name == "Pedro Sánchez" and found["pedro-sanchez"].aliases_seen == ("Pedro Sanchez",)
    assert found["jean-noel-barrot"].name == "Jean-Noël Barrot"
    assert found["recep-tayyip-erdogan"].name == "Recep Tayyip Erdoğan"


def test_office_holders_carry_the_role_of_the_story_date():
    gazetteer = actors.gazetteer()
    obama = gazetteer.actors["barack-obama"]
    assert obama.role_on("2016-05-01T10:00:00+00:00") == "head_of_state"
    assert obama.role_on("2020-05-01") == "" and obama.role_on(None) == "head_of_state"
    record = story("Obama met the press in Washington.")
    dated = dataclasses.replace(record, published_at="2015-03-02T09:00:00+00:00")
    assert tags(dated)["barack-obama"].role == "head_of_state"
    assert tags(dataclasses.replace(record, published_at="2024-03-02T09:00:00+00:00"))["barack-obama"].role == ""


def test_a_listed_surname_in_someone_elses_name_is_that_other_person():
    found = tags(story("Melania Trump spoke after Donald Trump. Warren Truss said Truss would stay."))
    assert "unlisted:melania-trump" in found and found["donald-trump"].aliases_seen == ("Donald Trump",)
    assert "unlisted:warren-truss" in found and "liz-truss" not in found
    assert found["unlisted:warren-truss"].aliases_seen == ("Warren Truss", "Truss")


def test_a_listed_name_inside_a_place_name_is_no_actor():
    assert "queen-elizabeth-ii" not in tags(story("She was moved to the Queen Elizabeth Hospital in Adelaide."))


def test_a_listed_surname_after_a_courtesy_title_is_a_person_even_unintroduced():
    found = tags(story("Mrs Clinton has a hawkish reputation, her critics say."))
    assert found["unlisted:clinton"].kind == "person"


def test_a_bare_listed_surname_is_whoever_held_office_on_the_story_date():
    record = story("Bush said the talks with the US Congress would go on.")
    on = {
        date: tags(dataclasses.replace(record, published_at=date))
        for date in ("2003-04-01", "1991-04-01", "2026-04-01")
    }
    people = {date: {key for key, tag in found.items() if tag.kind == "person"} for date, found in on.items()}
    assert people["2003-04-01"] == {"george-w-bush"} and people["1991-04-01"] == {"george-h-w-bush"}
    assert not any(tag.kind == "person" for tag in on["2026-04-01"].values())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Stumps came with openers Tavish Brenk and Gary Holt back in the pavilion.", ["Tavish Brenk", "Gary Holt"]),
        ("The bowlers Gary Holt and Tavish Brenk opened.", ["Gary Holt", "Tavish Brenk"]),
        ("Gary Holt and Tavish Brenk opened.", ["Gary Holt"]),  # no plural noun says the list is one of people
        ("John Smith and Goldman Sachs met.", ["John Smith"]),
        (
            "He was helped by the batsmen, Oluwole Ngata and Tendai Varis, who held on.",
            ["Oluwole Ngata", "Tendai Varis"],
        ),
        ("Gary Holt and Alice Springs residents met.", ["Gary Holt"]),
        ("Gary Holt, Black Mountain and the Lake District were named.", ["Gary Holt"]),
        ("Tavish Brenk and Ortel Varis opened.", []),
    ],
)
def test_rare_names_listed_beside_a_person_or_after_a_plural_title_are_people(text: str, expected: list[str]):
    assert [person.name for person in find_people(text)] == expected


def test_an_unlisted_persons_full_name_counts_once_where_it_stands() -> None:
    record = story(
        "Shares fell, and analyst Tarlo Wendrick said the fall would go on. Wendrick added that banks were weak."
    )
    (tag,) = [tag for tag in tag_actors(record) if tag.id == "unlisted:tarlo-wendrick"]
    assert tag.evidence.count == 2  # the full name once, then the surname
