"""Translated text: validation, fallback and display."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from orbit.core.fields import TranslatedText, clean_translations
from orbit.core.i18n import CONTENT_LANGUAGES, FALLBACK_ORDER, normalise_language, pick


def test_clean_normalises_codes_and_drops_blanks():
    assert clean_translations({"EN": " Bureau ", "zh-CN": "局", "fr": ""}) == {"en": "Bureau", "zh-hans": "局"}


@pytest.mark.parametrize(
    "value,message",
    [
        ({"xx": "?"}, "Unknown language 'xx'"),
        ({"en": 3}, "must be a string"),
        ({}, "at least one language"),
        (["en"], "Expected an object"),
    ],
)
def test_clean_names_the_problem(value, message):
    with pytest.raises(ValidationError) as info:
        clean_translations(value)
    assert message in " ".join(info.value.messages)


def test_display_follows_active_language_then_fallback():
    text = TranslatedText({"fr": "Bureau", "zh-hans": "局"})
    with translation.override("zh-hans"):
        assert str(text) == "局"
    with translation.override("ar"):
        assert str(text) == "Bureau"  # no Arabic, no English: French comes next in the fallback order


@given(
    st.dictionaries(st.sampled_from(CONTENT_LANGUAGES), st.text(min_size=1).filter(str.strip), min_size=1),
    st.sampled_from(CONTENT_LANGUAGES),
)
def test_pick_returns_requested_text_or_first_in_fallback_order(values, language):
    chosen = pick(values, language)
    if values.get(language):
        assert chosen == values[language]
    else:
        first = next(code for code in FALLBACK_ORDER if values.get(code))
        assert chosen == values[first]


@pytest.mark.parametrize("tag,expected", [("fr-CH", "fr"), ("zh-Hans", "zh-hans"), ("zh_CN", "zh-hans"), ("de", None)])
def test_normalise_language(tag, expected):
    assert normalise_language(tag) == expected
