"""People in Arabic stories: a name is read right after a reporting verb or a title, and ends where a common word,
a function word or punctuation does."""

from __future__ import annotations

import pytest

from pipeline.tagging.arabic_people import find_arabic_people


def names(text: str) -> list[str]:
    return [name for name, _, _ in find_arabic_people(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("قال جو ستيرنليب، رئيس المنطقة، إن المشروع سينجح.", ["جو ستيرنليب"]),
        ("وقالت ميليس خلال مقابلة يوم الخميس إن الألم خف.", ["ميليس"]),
        ("وقع السيد أوزبورن عقداً مع وكالة استشارية.", ["أوزبورن"]),
        ("التقى الرئيس الأمريكي باراك أوباما بالوفد.", ["باراك أوباما"]),
        ("وقالت السيدة كلينتون معروفة بطبيعتها الحذرة.", ["كلينتون"]),
    ],
)
def test_a_name_after_a_reporting_verb_or_a_title_is_read(text: str, expected: list[str]):
    assert names(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "قالت الشرطة إن التحقيق مستمر.",  # the subject has the article: a common noun
        "قال رئيس الوزراء إن الحكومة ستستقيل.",  # an everyday word after the verb
        "قال: سنعود غداً.",  # punctuation right after the verb
        "قال إنه سيعود.",  # a function word
    ],
)
def test_no_name_where_the_verb_or_title_takes_a_common_word(text: str):
    assert names(text) == []
