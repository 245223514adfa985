"""The PNG is a real picture of the numbers, and the caption and text bars say the same."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

from PIL import Image

from bot.diary.chart import Series, nights_series, png, text_bars
from bot.diary.weekly import weekly_picture
from bot.ui import texts as texts_draft
from tests.diary.helpers import night_cramp

SUNDAY = date(2026, 3, 8)
FIRST_MONDAY = date(2026, 1, 12)


def eight_weeks(values):
    entries = [night_cramp(FIRST_MONDAY + timedelta(weeks=w, days=d))
               for w, count in enumerate(values) for d in range(count)]
    return weekly_picture(entries, [], SUNDAY).history


def draw(series):
    return png(series, title=texts_draft.chart_title(), y_axis=texts_draft.chart_y_axis(),
               x_axis=texts_draft.chart_x_axis())


def bar_heights(image: Image.Image) -> list[int]:
    """Heights of the bars, left to right, found by their colour (the commonest non-white)."""
    pixels = image.load()
    width, height = image.size
    colours = sorted(image.getcolors(maxcolors=width * height), reverse=True)
    bar = next(c for _, c in colours if c != (255, 255, 255))
    columns = [sum(1 for y in range(height) if pixels[x, y] == bar) for x in range(width)]
    runs, current = [], []
    for x, count in enumerate(columns):
        if count:
            current.append(x)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return [columns[run[len(run) // 2]] for run in runs]


def test_png_is_valid_phone_sized_and_draws_each_week():
    values = (1, 2, 3, 4, 5, 6, 7, 3)
    history = eight_weeks(values)
    series = nights_series(history)
    assert series.values == values
    data = draw(series)
    image = Image.open(io.BytesIO(data))
    image.verify()
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    assert image.size == (960, 600)
    heights = bar_heights(image.convert("RGB"))
    assert len(heights) == 8
    unit = heights[0]
    assert unit > 20  # a one-night bar is clearly visible
    for height, value in zip(heights, values, strict=True):
        assert abs(height - value * unit) <= 2


def test_a_zero_week_draws_no_bar():
    heights = bar_heights(Image.open(io.BytesIO(draw(nights_series(
        eight_weeks((0, 2, 0, 0, 0, 0, 0, 1)))))).convert("RGB"))
    assert len(heights) == 2
    assert abs(heights[0] - 2 * heights[1]) <= 2


def test_caption_numbers_equal_the_data_and_the_text_bars():
    values = (0, 3, 1, 7, 2, 0, 4, 5)
    series = nights_series(eight_weeks(values))
    caption = texts_draft.chart_caption(series)
    numbers = [int(n) for n in caption.rsplit(":", 1)[1].split("·")]
    assert numbers == list(values)
    assert "8 weeks" in caption and "12 Jan" in caption and "2 Mar" in caption
    lines = text_bars(series).splitlines()
    assert [int(line.rsplit(" ", 1)[1]) for line in lines] == list(values)
    assert [line.count("█") for line in lines] == list(values)
    assert all(line.count("█") + line.count("░") == 7 for line in lines)


def test_text_bars_line_up():
    series = Series((date(2026, 3, 2), date(2026, 3, 9)), (2, 7))
    assert text_bars(series) == "2 Mar ██░░░░░ 2\n9 Mar ███████ 7"
    long_labels = Series((date(2026, 2, 23), date(2026, 3, 2)), (1, 0))
    assert text_bars(long_labels) == "23 Feb █░░░░░░ 1\n 2 Mar ░░░░░░░ 0"
    assert re.fullmatch(r"[ \w█░\n]+", text_bars(long_labels))
