"""People in Arabic stories: a name is read right after a reporting verb or a title, and ends where a common word,
a function word or punctuation does."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


_PIECES = st.sampled_from(
    ["قال", "وقالت", "السيد", "الرئيس", "الأمريكي", "جو", "ستيرنليب", "عقداً", "الشرطة", "إن", "في", "بالكاد",
     "كلينتون", "معروفة", ",", ":", ".", "،", "\u064b", "ـ", "\n"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=25).map(" ".join))
def test_any_mix_of_cues_words_and_punctuation_reads_without_error(text: str):
    for name, start, end in find_arabic_people(text):
        assert name.strip() and 0 <= start < end <= len(text) and text[start:end] == name
