"""Countries and people in French, German, Spanish, Italian and Portuguese stories: the story's detected language
picks the country forms (CLDR and pycountry names, config/gazetteers/countries.<lang>.toml) and the words around
names (config/gazetteers/names.<lang>.toml)."""

from __future__ import annotations

import pytest

from pipeline.process import process
from pipeline.raw import RawItem
from pipeline.record import StoryRecord
from pipeline.tagging.countries import story_gazetteer


def _story(text: str) -> StoryRecord:
    item = RawItem(key="k", value=text.encode(), source="wire", content_type="text/plain", connector="test")
    return process(item, max_bytes=1_000_000)


def _codes(record: StoryRecord) -> set[str]:
    return {tag["code"] for tag in record.countries}


def _people(record: StoryRecord) -> set[str]:
    return {tag["name"] for tag in record.actors if tag["kind"] == "person"}


def test_a_german_afp_story_names_its_countries_and_people():
    record = _story(
        "Macron und Merz beraten in Berlin\n\n"
        "BERLIN (AFP) - Der französische Präsident Emmanuel Macron und Bundeskanzler Friedrich Merz haben am Montag "
        "über die Ukraine, China, Israel und den Libanon beraten. Auch Österreich, die Schweiz und Italien wollen "
        "sich beteiligen, hieß es aus Moskau."
    )
    assert record.language == "de" and record.dateline.country == "DE" and record.source.agency == "AFP"
    assert {"DE", "FR", "UA", "CN", "IL", "LB", "AT", "CH", "IT", "RU"} <= _codes(record)
    assert {"Emmanuel Macron", "Friedrich Merz"} <= _people(record)


@pytest.mark.parametrize(
    ("text", "language", "codes"),
    [
        (
            "Acuerdo comercial\n\nMADRID (EFE) - El presidente brasileño y el Gobierno de Estados Unidos firmaron "
            "ayer un acuerdo comercial en Washington, informaron fuentes oficiales en la capital española.",
            "es",
            {"BR", "US", "ES"},
        ),
        (
            "Diagnóstico\n\nMADRID (EFE) - Una embarazada de Plano, Tejas, supo en una ecografía rutinaria que su hijo "
            "padecía una enfermedad rara, informaron los médicos del hospital infantil de la ciudad.",
            "es",
            {"US", "ES"},
        ),
        (
            "Cooperação reforçada\n\nLUANDA (Lusa) - O Presidente angolano recebeu hoje em Luanda o ministro dos "
            "Negócios Estrangeiros de Moçambique, para discutir a cooperação regional e as relações com a China.",
            "pt",
            {"AO", "MZ", "CN"},
        ),
        (
            "Vertice a Roma\n\nROMA (ANSA) - Il governo italiano ha discusso oggi con la Turchia e con la Francia "
            "delle rotte dei migranti nel Mediterraneo, ha riferito una fonte diplomatica a Roma.",
            "it",
            {"IT", "TR", "FR"},
        ),
        (
            "Visite officielle\n\nPARIS (AFP) - Les dirigeants français et allemands se sont entretenus mardi avec "
            "les autorités britanniques sur l'aide à l'Ukraine, a indiqué l'Élysée dans un communiqué.",
            "fr",
            {"FR", "DE", "GB", "UA"},
        ),
    ],
)
def test_names_and_demonyms_in_the_story_language(text, language, codes):
    record = _story(text)
    assert record.language == language
    assert codes <= _codes(record)


def test_a_country_that_is_a_surname_is_the_person_not_the_country():
    english = _story(
        "Portugal keeps its government\n\nLISBON (Reuters) - Portugal's Prime Minister Luís Montenegro said on "
        "Monday that his government would stay in office despite the crisis in parliament."
    )
    portuguese = _story(
        "Governo continua\n\nLISBOA (Lusa) - O primeiro-ministro Luís Montenegro disse hoje que o Governo vai "
        "continuar em funções, apesar da crise política. Montenegro falou aos jornalistas em Lisboa."
    )
    for record in (english, portuguese):
        assert "ME" not in _codes(record) and "PT" in _codes(record)
        assert {"Luís Montenegro", "Luis Montenegro"} & _people(record)  # listed, or found by the title
    assert "ME" in _codes(
        _story("Talks in the Balkans\n\nPODGORICA (Reuters) - Montenegro said on Monday it would join.")
    )


def test_a_title_in_the_story_language_introduces_a_surname():
    record = _story(
        "Déclaration\n\nPARIS (AFP) - Le juge Vallaud a rejeté mardi la demande des syndicats, qui ont demandé "
        "au tribunal de suspendre la réforme des retraites."
    )
    assert "Vallaud" in _people(record)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # surnames and given names that wordfreq counts as frequent words: still the name after an office
        ("MADRID (EFE) - El presidente Sánchez dijo el lunes que no habrá elecciones anticipadas este año en el país.",
         "Sánchez"),
        ("MADRID (EFE) - Los mercados son de fácil acceso si se sabe cómo buscar, añade el doctor García en Madrid.",
         "García"),
        ("ROMA (AFP) - Ce matin, le pape François a reçu au Vatican les dirigeants de plusieurs pays africains.",
         "François"),
        # a lowercase courtesy title with its full stop
        ("WASHINGTON (EFE) - Apenas se ha comentado nada de la carta del sr. Comey, enviada al Congreso el viernes.",
         "Comey"),
    ],
)  # fmt: skip
def test_a_known_name_or_a_surname_after_an_office_or_a_lowercase_courtesy_title(text, name):
    assert name in _people(_story("Noticia\n\n" + text))


@pytest.mark.parametrize(
    "text",
    [
        "HONG KONG (AFP) - Deux ans plus tard, Jutting, maintenant 31 ans, est jugé à la Haute Cour de Hong Kong.",
        "HONG KONG (EFE) - Dos años más tarde, Jutting, que ahora tiene 31 años, está siendo juzgado en Hong Kong.",
        "HONG KONG (ANSA) - Due anni dopo, Jutting, che adesso ha 31 anni, è sotto processo presso l'Alta Corte.",
        "HONG KONG (Lusa) - Dois anos depois, Jutting, agora com 31 anos, está em julgamento no Tribunal Superior.",
        "HONGKONG (dpa) - Zwei Jahre später steht Jutting, mittlerweile 31, vor dem High Court von Hongkong.",
        "HONGKONG (dpa) - Zwei Jahre später steht Jutting (31) vor dem High Court von Hongkong, angeklagt wegen Mord.",
    ],
)
def test_a_name_with_an_age_in_apposition_is_a_person(text):
    assert "Jutting" in _people(_story("Prozess\n\n" + text))


@pytest.mark.parametrize(
    "text",
    [
        "TOULOUSE (AFP) - Les habitants de Colomiers (31) et de Blagnac (31) ont voté dimanche contre le projet.",
        "PARIS (AFP) - Au classement, Lens (31), Brest (29) et Rennes (27) se suivent avant la dernière journée.",
    ],
)
def test_a_number_without_the_word_for_years_is_no_age_outside_german(text):
    assert not _people(_story("Vote\n\n" + text)) & {"Colomiers", "Blagnac", "Lens", "Brest", "Rennes"}


def test_a_decimal_number_after_a_comma_is_no_age():
    record = _story(
        "Benzinpreise\n\nBERLIN (dpa) - Der Preis stieg auf 1,335 Euro pro Liter, im Gegensatz zum Durchschnitt in "
        "der Eurozone, der 1,165 Euro beträgt. Die Kosten sind damit deutlich höher als im Vorjahr."
    )
    assert record.language == "de" and "Eurozone" not in _people(record)


def test_a_foreign_word_is_no_country_in_english_and_a_region_no_country_in_spanish():
    english = _story(
        "Rain\n\nSYDNEY (Reuters) - Heavy rain fell across the city on Monday, the weather bureau said, warning "
        "drivers to stay off the roads near the harbour."
    )
    assert _codes(english) == {"AU"}
    spanish = _story(
        "Lluvias\n\nBOGOTÁ (EFE) - Las lluvias afectaron el norte del país y la región Norte de Santander, "
        "informaron las autoridades colombianas este lunes."
    )
    assert "GW" not in _codes(spanish) and "CO" in _codes(spanish)


def test_a_lone_name_is_a_person_beside_a_reporting_verb_or_when_known():
    record = _story(
        "Le produit aide\n\n"
        "Les médecins hésitent encore, a déclaré Tarlo depuis le siège de la société à Denver. Pendant ce temps, "
        "Clinton et ses alliés tentent de maintenir l'attention sur le dossier. Ceci est une autre affaire, et le "
        "marché reste calme selon les analystes, qui attendent la suite du dossier pour la fin du mois prochain."
    )
    assert record.language == "fr"
    people = _people(record)
    assert {"Tarlo", "Clinton"} <= people  # beside "a déclaré"; a known surname
    assert not {"Denver", "Ceci", "Pendant"} & people  # a town after "à"; everyday words at a sentence's start


def test_a_capitalised_german_noun_beside_a_reporting_verb_is_no_person():
    record = _story(
        "Märkte unruhig\n\n"
        "Die Lage an den Märkten bleibt angespannt, sagten Investoren am Montag in Frankfurt. Die Preise steigen "
        "weiter, sagt Barratt, der das Geschäft seit Jahren beobachtet und keine schnelle Besserung erwartet."
    )
    assert record.language == "de"
    assert "Barratt" in _people(record) and "Investoren" not in _people(record)


def test_a_german_courtesy_title_after_capitalised_nouns_opens_the_name():
    record = _story(
        "Brief ohne Folgen\n\n"
        "Anders als der vom 28. Oktober war der Brief von Herrn Tarwick kaum kommentiert worden. Die Behörde "
        "äußerte sich am Mittwoch nicht dazu, und auch im Kongress blieb es in dieser Woche auffallend still."
    )
    assert record.language == "de"
    assert "Tarwick" in _people(record)
    assert not {"Brief", "Brief von Herrn Tarwick"} & _people(record)


def test_german_lone_names_at_a_sentence_end_in_the_genitive_and_after_kin():
    record = _story(
        "Neue Vorwürfe\n\n"
        "Die Arbeit wird fortgesetzt, sagt Tarlo. Die Behörden prüfen den Fall. Obamas Sonderberaterin hat am Montag "
        "geschrieben, Hillary Clintons Team schweigt, und Johnson und seine Verbündeten warten ab. Ihre Tochter Angela "
        "hat den Brief gelesen. Die Partei hat gewonnen, sagte Wilders am Abend vor Anhängern in Den Haag."
    )
    assert record.language == "de"
    people = _people(record)
    # cut at a full stop; a known name's genitive, without its -s; a name the world writes alone; after kin
    assert {"Tarlo", "Obama", "Hillary Clinton", "Johnson", "Angela", "Wilders"} <= people
    assert not {"Obamas", "Hillary Clintons", "Tochter Angela", "Wilder"} & people


def test_a_genitive_is_the_person_the_story_named_not_a_second_one():
    record = _story(
        "Streit in Brüssel\n\n"
        "BUDAPEST (dpa) - Ungarns Regierungschef Viktor Orbán hat die Europäische Kommission am Montag scharf "
        "kritisiert. Orbáns Sprecher sprach von einem Diktat aus Brüssel. Orbán selbst schwieg zunächst dazu."
    )
    people = [tag for tag in record.actors if tag["kind"] == "person"]
    assert [tag["id"] for tag in people] == ["viktor-orban"]
    assert people[0]["evidence"]["count"] == 3


def test_a_monarchs_number_is_part_of_the_name_and_no_organisation():
    record = _story(
        "Udienza\n\nCITTA' DEL VATICANO (ANSA) - Papa Leone XIV ha ricevuto in udienza il presidente della "
        "Repubblica Sergio Mattarella, ha riferito la sala stampa vaticana in una nota diffusa nel pomeriggio."
    )
    assert record.language == "it"
    assert {(tag["id"], tag["kind"]) for tag in record.actors} == {
        ("pope-leo-xiv", "person"),
        ("sergio-mattarella", "person"),
    }
    spanish = _story(
        "Visita\n\nRABAT (EFE) - El presidente del Gobierno se reunió con el rey Mohamed VI en Rabat para hablar de "
        "migración, informaron fuentes oficiales tras el encuentro."
    )
    assert [tag["id"] for tag in spanish.actors] == ["king-mohammed-vi"]
    untitled = _story(  # a number after no title is no monarch's: neither a person nor an organisation
        "Moon\n\nHOUSTON (AP) - The Apollo XI landing was recalled on Monday at a ceremony, and the film Rocky II was "
        "shown to the crowd, organisers said."
    )
    assert untitled.language == "en" and not untitled.actors


def test_an_article_spelt_like_a_given_name_opens_no_name():
    record = _story(
        "Paris regrette\n\n"
        "Le Quai d'Orsay a dit « regretter profondément » la décision de Bamako. Marine Le Pen a dénoncé un échec, "
        "tandis que le gouvernement appelait au calme lors d'une conférence de presse à Paris."
    )
    assert record.language == "fr"
    people = _people(record)
    assert "Marine Le Pen" in people and not any(name.startswith("Le ") for name in people)
    # given names that are frequent words of the language stay given names: only the articles are listed
    italian = _story(
        "Musica\n\nROMA (ANSA) - Ed Sheeran ha annunciato un concerto a Roma. Il manager svedese Per-Olof Svensson "
        "ha confermato la data. Al Sharpton e Chi Onwurah erano in sala, ha riferito la stampa locale."
    )
    assert italian.language == "it"
    assert {"Ed Sheeran", "Per-Olof Svensson", "Al Sharpton", "Chi Onwurah"} <= _people(italian)
    opened = _story(  # a frequent word before a full name opens the sentence, though a given name is spelt so
        "Sindacati\n\nMILANO (ANSA) - L'azienda ha nominato lunedì Marco Bellandi. Ora Marco Bellandi deve "
        "convincere i sindacati, che chiedono garanzie sull'occupazione entro la fine del mese."
    )
    assert opened.language == "it" and _people(opened) == {"Marco Bellandi"}


def test_german_nouns_places_and_abbreviations_are_no_lone_names():
    record = _story(
        "Ein neuer Roman\n\n"
        "Er hat einen neuen Roman geschrieben, der in einem Tal spielt, und lag danach auf dem Gras. Im Winter "
        "bleibt die Lage schwierig. Der Flug nach Buenos Aires wurde gestrichen. Die Summe lag bei 20 Mio. Euro laut "
        "Bericht. Das Tief Xavier und das Hoch Alice ziehen über das Land, sagen Kenner in Monte Carlo."
    )
    assert record.language == "de"
    # German nouns that are surnames too (frequent in German, rare elsewhere), a place's word read as a genitive,
    # an abbreviation after a number, names after nouns that are not kin, a place after "in"
    assert not {"Roman", "Tal", "Gras", "Winter", "Bueno", "Mio", "Xavier", "Alice", "Carlo"} & _people(record)


def test_titles_are_read_without_their_full_stop_and_offices_are_no_names():
    record = _story(
        "Encontro\n\n"
        "A Senhora Tarlo tem uma reputação de firmeza. O Sr. Osborne inscreveu-se na agência americana de "
        "organização de eventos. O deputado perguntou à Senhora Ministra da Saúde quando o hospital abre, segundo "
        "os documentos a que a imprensa teve acesso nesta semana em Lisboa."
    )
    assert record.language == "pt"
    people = _people(record)
    assert {"Tarlo", "Osborne"} <= people and "Ministra da Saúde" not in people


def test_english_titles_keep_their_own_reading():
    record = _story(
        "Talks\n\nPHNOM PENH (Reuters) - Cambodian Prime Minister Hun Sen said on Monday that the talks would go "
        "ahead next week as planned, officials said."
    )
    assert record.language == "en" and "Hun Sen" in _people(record)


def test_english_stories_keep_lone_names_to_those_a_title_introduced():
    record = _story(
        "Markets calm\n\n"
        "Clinton and her allies tried to keep attention on the case on Monday, while markets stayed calm and "
        "analysts said they expected little change before the end of the month in the region."
    )
    assert record.language == "en" and "Clinton" not in _people(record)


def test_russian_country_names_count_in_every_case():
    record = _story(
        "Путин и Си Цзиньпин\n\n"
        "МОСКВА (ТАСС) - Президент России Владимир Путин провел переговоры с председателем КНР. Стороны обсудили "
        "ситуацию на Украине и в Иране, а также отношения с США и Германией. Французская сторона выразила "
        "обеспокоенность, сообщили в Кремле."
    )
    assert record.language == "ru" and record.dateline.country == "RU"
    assert _codes(record) == {"RU", "CN", "UA", "IR", "US", "DE", "FR"}


def test_arabic_country_names_count_with_their_attached_prefixes():
    record = _story(
        "محادثات في بغداد\n\n"
        "قال الرئيس الأمريكي إن الولايات المتحدة ستواصل دعم العراق، فيما رحبت السعودية وإيران بالمحادثات التي "
        "جرت بحضور مسؤولين روس وفرنسيين. وأكد البيت الأبيض أنه لا يعرف كيف ستنتهي المحادثات."
    )
    assert record.language == "ar"
    assert _codes(record) == {"US", "IQ", "SA", "IR", "RU", "FR"}  # "كيف" ("how") is no Kyiv


# Held-out halves of the PUD news documents (tests/evaluation/languages.py), scored after the language data was built
# on the dev halves. Countries P/R: fr 0.945/0.929, de 0.961/0.961, es 0.962/0.943, it 0.978/0.900, pt 0.980/0.889;
# persons P/R: fr 0.800/0.716, de 0.759/0.638, es 0.758/0.681, it 0.810/0.739, pt 0.820/0.725 (before known names
# after an office and ages in apposition: de 0.772/0.638, es 0.750/0.652, the others the same; before sentence-end,
# genitive and after-noun lone names: fr 0.804/0.672, de 0.717/0.551, es 0.754/0.623, it 0.831/0.710, pt 0.821/0.667).
# Lone names (a known given name or surname, or any name beside a reporting verb) traded persons precision for recall:
# before them fr 0.895/0.507, de 0.732/0.435, es 0.795/0.449, it 0.872/0.493, pt 0.889/0.464 (F1 up in every
# language). Before the language data (English forms only): countries recall 0.21-0.47, persons recall 0.28-0.44.
# Russian and Arabic country forms are generated by tools/gazetteers/inflect.py: ru 0.926/0.893, ar 0.900/0.818.
# Persons (pipeline/tagging/russian_people.py and arabic_people.py, built on the dev halves): ru 0.833/0.662, ar
# 0.667/0.176. Floors sit about 0.03 below.
HELDOUT_FLOORS = {
    "ru": {"countries": (0.89, 0.86), "persons": (0.80, 0.63)},
    "ar": {"countries": (0.87, 0.78), "persons": (0.63, 0.14)},
    "fr": {"countries": (0.91, 0.89), "persons": (0.77, 0.68)},
    "de": {"countries": (0.93, 0.93), "persons": (0.74, 0.60)},
    "es": {"countries": (0.93, 0.91), "persons": (0.70, 0.62)},
    "it": {"countries": (0.94, 0.87), "persons": (0.76, 0.70)},
    "pt": {"countries": (0.95, 0.85), "persons": (0.79, 0.69)},
}


@pytest.mark.parametrize("language", sorted(HELDOUT_FLOORS))
def test_heldout_figures_per_language_hold(language):
    from tests.evaluation.languages import evaluate

    report = evaluate(language, "heldout")
    assert report.documents == 107 and report.detected.get(language, 0) >= 105
    for category, (precision, recall) in HELDOUT_FLOORS[language].items():
        counts = report.counts[category]
        assert counts.precision >= precision and counts.recall >= recall, (category, counts)


def test_every_document_is_annotated_in_every_language():
    from tests.evaluation.languages import LANGUAGES, load

    ids = [doc for doc, _, _ in load(LANGUAGES[0])]
    for language in LANGUAGES:
        rows = load(language)
        assert [doc for doc, _, _ in rows] == ids and len(rows) == 215
        assert all(len(code) == 2 and code.isupper() for _, _, gold in rows for code in gold["countries"])


@pytest.mark.parametrize(("cue", "tagged"), [("perto de", True), ("em", True), ("de", False)])
def test_a_town_tags_its_country_after_a_cue_of_one_word_or_two(cue, tagged):
    """ "perto de Essen" names a place; "de Essen" alone may be anything ("a família de Essen")."""
    record = _story(
        "Aposentado morre\n\n"
        f"A polícia investiga quatro pessoas que assistiram enquanto um aposentado morria num banco {cue} Essen, "
        "disse um porta-voz na segunda-feira. Os investigadores ainda não eliminaram a possibilidade de que outras "
        "pessoas também venham a ser ouvidas nas próximas semanas."
    )
    assert record.language == "pt"
    assert ("DE" in _codes(record)) is tagged


@pytest.mark.parametrize(
    ("text", "language", "country", "language_country"),
    [
        (
            "Os países de língua portuguesa reúnem-se em Luanda, disse o ministro angolano nesta semana",
            "pt",
            "AO",
            "PT",
        ),
        (
            "Les pays de langue française se réunissent à Dakar, a indiqué le ministre sénégalais lundi",
            "fr",
            "SN",
            "FR",
        ),
        (
            "Die deutsche Sprache verliert an Bedeutung, sagte ein Sprecher am Montag in Wien vor Journalisten",
            "de",
            "AT",
            "DE",
        ),
        (
            "A Comunidade dos Países de Língua Portuguesa reuniu-se em Luanda; o texto saiu em português",
            "pt",
            "AO",
            "PT",
        ),
        (
            "Das Buch erscheint in deutscher Sprache und auf Englisch, sagte der Verlag am Montag in Wien",
            "de",
            "AT",
            "GB",
        ),
        (
            "Leaders of Portuguese-speaking countries met in Luanda on Monday to discuss the Portuguese language",
            "en",
            "AO",
            "PT",
        ),
    ],
)
def test_a_language_is_no_country(text, language, country, language_country):
    record = _story(f"Cimeira\n\n{text}.")
    assert record.language == language
    assert country in _codes(record) and language_country not in _codes(record)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("A polícia de Essen investiga quatro pessoas que assistiram enquanto um aposentado morria num banco", "pt"),
        ("La policía de Essen investiga a cuatro personas que miraron mientras un jubilado moría en un banco", "es"),
        ("La polizia di Essen sta indagando su quattro persone che guardavano un pensionato morire in banca", "it"),
        ("La police de Essen enquête sur quatre personnes qui ont regardé un retraité mourir dans une banque", "fr"),
    ],
)
def test_a_towns_police_names_the_town(text, language):
    record = _story(f"Essen\n\n{text}.")
    assert record.language == language and "DE" in _codes(record)


@pytest.mark.parametrize(
    ("text", "follows"),
    [
        ("perto de Essen", True),
        ("morreu perto de Essen", True),
        ("em Essen", True),
        ("de Essen", False),
        ("Essen", False),
        ("perto\nde Essen", False),  # a cue does not run over a line break
        ("ver perto-de Essen", False),
    ],
)
def test_a_town_cue_is_the_one_or_two_words_right_before_it(text, follows):
    places = story_gazetteer("pt")
    assert places.after_town_cue(text, text.index("Essen")) is follows
