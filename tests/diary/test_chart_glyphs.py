"""The PNG chart draws Russian, Spanish and Portuguese labels with real glyphs, never tofu.

A font without a character draws its .notdef box instead; `missing_glyphs` tells the two
apart by comparing each character's bitmap with the box's. It is checked against Pillow's
built-in font, which has no Cyrillic and no accents, so a pass below means something.
"""

from __future__ import annotations

import fnmatch
import io
import tomllib
from datetime import date
from pathlib import Path

import pytest
from PIL import Image, ImageFont

from bot.core.i18n import use_locale
from bot.diary import chart
from bot.diary.chart import Series, missing_glyphs, png, text_bars
from bot.ui import texts

ROOT = Path(__file__).resolve().parents[2]

LABELS = {
    "ru": ["Пн Вт Ср Чт Пт Сб Вс", "Ночи с судорогами, по неделям", "ночи",
           "неделя с", "2 мар.", "12 янв.", "Ёж, щука, «ъ»"],
    "es": ["Noches con calambres, semana a semana", "noches", "semana del", "2 mar",
           "ção ñ", "¿Año? ¡Sí! Ü á é í ó ú"],
    "pt-BR": ["Noites com cãibras, semana a semana", "noites", "semana de", "2 de mar.",
              "ção ã õ â ê ô à ç É Ç"],
}


def test_the_check_sees_tofu_in_a_font_without_cyrillic_or_accents():
    builtin = ImageFont.load_default(size=24)
    assert missing_glyphs("Пн ção ñ Mar", builtin) == "Пнçãñ"


@pytest.mark.parametrize("language", sorted(LABELS))
def test_every_label_character_has_a_real_glyph_in_the_chart_font(language):
    for label in LABELS[language]:
        assert missing_glyphs(label) == "", label


def test_the_chart_font_ships_with_its_licence_and_as_package_data():
    font_dir = ROOT / "bot" / "diary" / "fonts"
    fonts = sorted(font_dir.glob("*.ttf"))
    assert fonts, "no font vendored"
    licence = (font_dir / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence
    assert all(font.stat().st_size < 100_000 for font in fonts)  # a subset, kept small
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
        "tool"]["setuptools"]["package-data"]["bot"]
    for path in [*fonts, font_dir / "OFL.txt"]:
        relative = path.relative_to(ROOT / "bot").as_posix()
        assert any(fnmatch.fnmatch(relative, pattern) for pattern in package_data), relative


def _label_strip(data: bytes) -> Image.Image:
    """The band under the x axis where the week labels are drawn."""
    image = Image.open(io.BytesIO(data)).convert("L")
    bottom = chart.HEIGHT - chart.MARGIN_BOTTOM
    return image.crop((chart.MARGIN_LEFT, bottom + 8, chart.WIDTH - chart.MARGIN_RIGHT,
                       bottom + 48))


def test_the_png_draws_the_labels_it_is_given():
    series = Series((date(2026, 3, 2), date(2026, 3, 9)), (2, 7))
    common = {"title": "Ночи с судорогами", "y_axis": "ночи", "x_axis": "неделя с"}
    russian = png(series, labels=("2 мар.", "9 мар."), **common)
    english = png(series, labels=("2 Mar", "9 Mar"), **common)
    assert _label_strip(russian).tobytes() != _label_strip(english).tobytes()
    assert _label_strip(russian).getextrema()[0] < 128  # ink under the bars


def test_text_bars_take_the_labels_and_line_them_up():
    series = Series((date(2026, 3, 2), date(2026, 3, 9)), (2, 7))
    assert text_bars(series, ("2 мар.", "19 мар.")) == " 2 мар. ██░░░░░ 2\n19 мар. ███████ 7"
    with pytest.raises(ValueError):
        text_bars(series, ("2 мар.",))


def test_week_labels_come_from_the_text_layer_in_the_readers_language():
    series = Series((date(2026, 1, 12), date(2026, 3, 2)), (0, 1))
    assert texts.week_labels(series) == ("12 Jan", "2 Mar")
    with use_locale("ru"):
        assert texts.week_labels(series) == ("12 янв.", "2 мар.")
    with use_locale("es"):
        assert texts.week_labels(series) == ("12 ene", "2 mar")
    with use_locale("pt-BR"):
        assert texts.week_labels(series) == ("12 de jan.", "2 de mar.")
