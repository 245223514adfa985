"""Admin tools: broadcast, tips, stats (issue 4)."""

from __future__ import annotations

from telegram.ext import Application


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Attach the admin handlers; called before the generic catch-alls."""
