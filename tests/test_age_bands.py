"""/mydata's age band reads as a person says it, in every language: the plural follows the
band's last number ("1–3 года" but "4–8 лет" in Russian) and the oldest band is "and older"."""

from __future__ import annotations

import pytest

from bot.core.i18n import use_locale
from bot.ui import texts


@pytest.mark.parametrize(("locale", "band", "words"), [
    ("en", "1-3", "1–3 years"),
    ("en", "31-50", "31–50 years"),
    ("en", "51+", "51 years and older"),
    ("ru", "1-3", "1–3 года"),
    ("ru", "4-8", "4–8 лет"),
    ("ru", "14-18", "14–18 лет"),
    ("ru", "31-50", "31–50 лет"),
    ("ru", "51+", "51 год и старше"),
    ("es", "1-3", "1–3 años"),
    ("es", "51+", "51 años o más"),
    ("pt-BR", "9-13", "9–13 anos"),
    ("pt-BR", "51+", "51 anos ou mais"),
])
def test_an_age_band_in_words(locale, band, words):
    with use_locale(locale):
        assert texts.age_band_words(band) == words


def test_mydata_names_the_band_with_the_sex():
    with use_locale("ru"):
        assert texts.need_profile_words("1-3:female:none").startswith("1–3 года, ")
