"""Bars of nights with cramps per week: as Unicode text and as a PNG drawn with Pillow;
and the week's days side by side as a second PNG (`days_png`, 960 × 540, the same font).

Contracts:
- Both drawings and the caption (texts_draft.chart_caption) take the same `Series`, so
  the picture, the text and the caption cannot disagree about a number.
- The PNG is 960 × 600: wide enough to stay sharp on a phone, where Telegram shows it
  across the screen, with labels at sizes readable there, in Noto Sans (a subset
  shipped in fonts/ with its OFL licence: Latin with accents and Cyrillic; Pillow's own
  font has neither, and draws a Russian or Portuguese label as boxes). The
  y axis starts at zero and goes to at least 7 (a week has seven nights), so bar heights
  compare honestly across charts.
- Words on the chart (title, axis names, each week's label) are passed in by the caller
  from the texts module, in the reader's language; this module only draws.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from bot.diary.days import WeekDays
from bot.diary.weekly import DAYS_PER_WEEK, WeekStats

WIDTH, HEIGHT = 960, 600
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 100, 40, 90, 110
BACKGROUND = (255, 255, 255)
INK = (33, 33, 33)
GRID = (224, 224, 224)
BAR_COLOR = (46, 125, 107)
FULL, EMPTY = "█", "░"
FONT_PATH = Path(__file__).resolve().parent / "fonts" / "NotoSans-Regular.ttf"
_NOT_A_CHARACTER = "\U0010fffd"  # private use: no font maps it, so it draws the .notdef box


@dataclass(frozen=True, slots=True)
class Series:
    """One number per week, oldest first, with the Monday each week starts on."""

    starts: tuple[date, ...]
    values: tuple[int, ...]

    def __post_init__(self) -> None:
        if len(self.starts) != len(self.values) or not self.values:
            raise ValueError("one value per week, at least one week")
        if any(value < 0 for value in self.values):
            raise ValueError("counts are never negative")


def nights_series(weeks: Sequence[WeekStats]) -> Series:
    """Nights with cramps per week, the diary's main measure."""
    return Series(tuple(w.start for w in weeks), tuple(w.nights_with_cramps for w in weeks))


def _one_per_week(series: Series, labels: Sequence[str]) -> None:
    if len(labels) != len(series.values):
        raise ValueError("one label per week")


def text_bars(series: Series, labels: Sequence[str]) -> str:
    """One line per week: its label, a bar of full and empty blocks, the number.

    Meant for a <code> block, where the blocks line up; the scale is one block per night,
    so a full bar is a week with cramps every night.
    """
    _one_per_week(series, labels)
    scale = max(DAYS_PER_WEEK, *series.values)
    width = max(len(label) for label in labels)
    return "\n".join(
        f"{text.rjust(width)} {FULL * value}{EMPTY * (scale - value)} {value}"
        for text, value in zip(labels, series.values, strict=True)
    )


@cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_PATH), size)


def missing_glyphs(text: str, font: ImageFont.FreeTypeFont | None = None) -> str:
    """The characters of `text` that `font` (the chart's unless told) would draw as its
    .notdef box rather than a glyph of their own; whitespace is not checked."""
    font = font or _font(24)

    def bitmap(character: str) -> tuple[tuple[int, int], bytes]:
        mask = font.getmask(character)
        return mask.size, bytes(mask)

    box = bitmap(_NOT_A_CHARACTER)
    return "".join(c for c in text if not c.isspace() and bitmap(c) == box)


def png(series: Series, *, labels: Sequence[str], title: str, y_axis: str,
        x_axis: str) -> bytes:
    """The bar chart as PNG bytes, ready to send as a photo; `labels` name the weeks."""
    _one_per_week(series, labels)
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    big, small = _font(32), _font(24)
    left, right = MARGIN_LEFT, WIDTH - MARGIN_RIGHT
    top, bottom = MARGIN_TOP, HEIGHT - MARGIN_BOTTOM
    scale = max(DAYS_PER_WEEK, *series.values)
    per_unit = (bottom - top) / scale

    draw.text((WIDTH // 2, 24), title, font=big, fill=INK, anchor="mt")
    for tick in range(scale + 1):  # a line and a number for every night
        y = round(bottom - tick * per_unit)
        draw.line([(left, y), (right, y)], fill=GRID, width=1)
        draw.text((left - 12, y), str(tick), font=small, fill=INK, anchor="rm")
    axis_name = Image.new("RGB", (bottom - top, 32), BACKGROUND)
    ImageDraw.Draw(axis_name).text(((bottom - top) // 2, 16), y_axis, font=small, fill=INK,
                                   anchor="mm")
    image.paste(axis_name.rotate(90, expand=True), (8, top))

    slot = (right - left) / len(series.values)
    bar_width = max(4, round(slot * 0.6))
    for index, (label, value) in enumerate(zip(labels, series.values, strict=True)):
        centre = round(left + slot * (index + 0.5))
        x0, x1 = centre - bar_width // 2, centre + bar_width // 2
        if value:
            draw.rectangle([(x0, round(bottom - value * per_unit)), (x1, bottom - 1)],
                           fill=BAR_COLOR)
        draw.text((centre, round(bottom - value * per_unit) - 6), str(value), font=small,
                  fill=INK, anchor="mb")
        draw.text((centre, bottom + 12), label, font=small, fill=INK, anchor="mt")
    draw.line([(left, bottom), (right, bottom)], fill=INK, width=2)
    draw.line([(left, top), (left, bottom)], fill=INK, width=2)
    draw.text((WIDTH // 2, HEIGHT - 20), x_axis, font=small, fill=INK, anchor="mb")

    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


# ------------------------------------------------------------------ the week side by side

DAYS_WIDTH, DAYS_HEIGHT = 960, 540
LABEL_COLUMN = 250
NIGHT_SHADE = (220, 236, 232)
EMPTY_CELL = "—"


def _fitted(draw: ImageDraw.ImageDraw, text: str, width: float, size: int
            ) -> ImageFont.FreeTypeFont:
    """The chart font at `size`, or smaller until `text` fits in `width` (a long row name
    in Russian or Portuguese shrinks rather than running into the next column)."""
    while size > 14 and draw.textlength(text, font=_font(size)) > width:
        size -= 2
    return _font(size)


def _tick(draw: ImageDraw.ImageDraw, centre: tuple[int, int]) -> None:
    """A drawn check mark: the font subset has no ✓, and a shape needs no language."""
    x, y = centre
    draw.line([(x - 14, y), (x - 4, y + 10), (x + 16, y - 12)], fill=BAR_COLOR, width=5)


def days_png(week: WeekDays, *, title: str, day_labels: Sequence[str],
             row_labels: Sequence[str], total_label: str, note: str,
             number: Callable[[int], str] = str) -> bytes:
    """The week's days side by side as a PNG: one column per day (and the week's counts),
    one row each for night cramps, glasses, magnesium in mg and the stretch; a cell with
    nothing recorded shows "—". `row_labels` name the four rows, `day_labels` the days
    that have happened, `note` (under the table) says what the magnesium row is and what
    "—" means, `number` writes a number the reader's way."""
    if len(row_labels) != 4 or len(day_labels) != len(week.days):
        raise ValueError("four row labels and one label per day")
    image = Image.new("RGB", (DAYS_WIDTH, DAYS_HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.text((DAYS_WIDTH // 2, 24), title, font=_fitted(draw, title, DAYS_WIDTH - 40, 32),
              fill=INK, anchor="mt")
    top, row_height = 110, 90
    slot = (DAYS_WIDTH - 20 - LABEL_COLUMN) / (DAYS_PER_WEEK + 1)

    def centre(column: int, row: int) -> tuple[int, int]:
        return (round(LABEL_COLUMN + slot * (column + 0.5)),
                round(top + row_height * (row + 0.5)))

    def text(value: int | None) -> str:
        return EMPTY_CELL if value is None else number(value)

    headers = {**dict(enumerate(day_labels)), DAYS_PER_WEEK: total_label}
    for column, label in headers.items():
        draw.text((centre(column, 0)[0], top - 14), label,
                  font=_fitted(draw, label, slot - 6, 22), fill=INK, anchor="mb")
    rows: list[tuple[list[str | bool], str]] = [
        ([text(d.night_cramps) for d in week.days], number(week.cramp_nights)),
        ([text(d.glasses) for d in week.days], text(week.glasses)),
        ([text(d.mg) for d in week.days], text(week.mg)),
        ([d.stretched or EMPTY_CELL for d in week.days], number(week.stretch_days))]
    for row, (name, (values, total)) in enumerate(zip(row_labels, rows, strict=True)):
        y0 = top + row * row_height
        draw.line([(20, y0), (DAYS_WIDTH - 20, y0)], fill=GRID, width=1)
        draw.text((24, y0 + row_height // 2), name,
                  font=_fitted(draw, name, LABEL_COLUMN - 32, 24), fill=INK, anchor="lm")
        for column, (value, day) in enumerate(zip(values, week.days, strict=True)):
            x, y = centre(column, row)
            if row == 0 and day.night_cramps:  # a night with cramps stands out
                draw.rectangle([(round(x - slot / 2 + 3), y0 + 3),
                                (round(x + slot / 2 - 3), y0 + row_height - 3)],
                               fill=NIGHT_SHADE)
            if value is True:
                _tick(draw, (x, y))
            else:
                draw.text((x, y), str(value), font=_fitted(draw, str(value), slot - 6, 28),
                          fill=INK, anchor="mm")
        draw.text(centre(DAYS_PER_WEEK, row), total,
                  font=_fitted(draw, total, slot - 6, 28), fill=INK, anchor="mm")
    bottom = top + 4 * row_height
    draw.line([(20, bottom), (DAYS_WIDTH - 20, bottom)], fill=INK, width=2)
    split = round(LABEL_COLUMN + slot * DAYS_PER_WEEK)
    draw.line([(split, top - 40), (split, bottom)], fill=INK, width=2)
    draw.text((24, bottom + 16), note, font=_fitted(draw, note, DAYS_WIDTH - 48, 22),
              fill=INK, anchor="lt")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
