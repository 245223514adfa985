"""Handlers for personal features: /need, /mydata, /forget (filled in by issue 5 work)."""

from __future__ import annotations

from telegram.ext import Application


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Attach the personal-data handlers; called before the generic catch-alls."""
