"""Bars of nights with cramps per week: as Unicode text and as a PNG drawn with Pillow.

Contracts:
- Both drawings and the caption (texts_draft.chart_caption) take the same `Series`, so
  the picture, the text and the caption cannot disagree about a number.
- The PNG is 960 × 600: wide enough to stay sharp on a phone, where Telegram shows it
  across the screen, with labels in Pillow's bundled font at sizes readable there. The
  y axis starts at zero and goes to at least 7 (a week has seven nights), so bar heights
  compare honestly across charts.
- Words on the chart (title, axis names) are passed in by the caller from the texts
  module; this module only draws.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from PIL import Image, ImageDraw, ImageFont

from bot.diary.weekly import DAYS_PER_WEEK, WeekStats

WIDTH, HEIGHT = 960, 600
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 100, 40, 90, 110
BACKGROUND = (255, 255, 255)
INK = (33, 33, 33)
GRID = (224, 224, 224)
BAR_COLOR = (46, 125, 107)
FULL, EMPTY = "█", "░"


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


def week_label(start: date) -> str:
    """'3 Mar': the Monday a week starts on, short enough for a bar's label."""
    return f"{start.day} {start.strftime('%b')}"


def text_bars(series: Series, label: Callable[[date], str] = week_label) -> str:
    """One line per week: label, a bar of full and empty blocks, the number.

    Meant for a <code> block, where the blocks line up; the scale is one block per night,
    so a full bar is a week with cramps every night.
    """
    scale = max(DAYS_PER_WEEK, *series.values)
    labels = [label(start) for start in series.starts]
    width = max(len(text) for text in labels)
    return "\n".join(
        f"{text.rjust(width)} {FULL * value}{EMPTY * (scale - value)} {value}"
        for text, value in zip(labels, series.values, strict=True)
    )


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def png(series: Series, *, title: str, y_axis: str, x_axis: str) -> bytes:
    """The bar chart as PNG bytes, ready to send as a photo."""
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
    for index, (start, value) in enumerate(zip(series.starts, series.values, strict=True)):
        centre = round(left + slot * (index + 0.5))
        x0, x1 = centre - bar_width // 2, centre + bar_width // 2
        if value:
            draw.rectangle([(x0, round(bottom - value * per_unit)), (x1, bottom - 1)],
                           fill=BAR_COLOR)
        draw.text((centre, round(bottom - value * per_unit) - 6), str(value), font=small,
                  fill=INK, anchor="mb")
        draw.text((centre, bottom + 12), week_label(start), font=small, fill=INK, anchor="mt")
    draw.line([(left, bottom), (right, bottom)], fill=INK, width=2)
    draw.line([(left, top), (left, bottom)], fill=INK, width=2)
    draw.text((WIDTH // 2, HEIGHT - 20), x_axis, font=small, fill=INK, anchor="mb")

    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
