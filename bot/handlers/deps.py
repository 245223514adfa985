"""Deps: the services and reference data a handler may use, built completely at start-up.

Handlers reach this bundle through `get_deps(context)` and stay thin: parse, call one of
these, reply. Storage is deliberately not in it: every read and write goes through a
service, so SQL never leaks into the Telegram layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from telegram.ext import ContextTypes

from bot.core.clock import Clock
from bot.core.config import Settings
from bot.core.telegram_app import TelegramApp
from bot.delivery.outage import Outage
from bot.services.broadcasts import BroadcastService
from bot.services.content import ContentLibrary
from bot.services.diary import DiaryService
from bot.services.feedback import FeedbackService
from bot.services.food import FoodLogService
from bot.services.languages import LanguageService
from bot.services.later import LaterService
from bot.services.needs import NeedService
from bot.services.privacy import PrivacyService
from bot.services.subscriptions import SubscriptionService
from bot.services.tip_admin import TipAdmin
from bot.services.tipfeed import TipFeed
from bot.services.water import WaterService
from tips.foods import FoodTable
from tips.reference import Causes, RdaTable

BOT_DATA_KEY = "deps"


@dataclass(frozen=True, slots=True)
class Deps:
    settings: Settings
    clock: Clock
    subscriptions: SubscriptionService
    feed: TipFeed
    feedback: FeedbackService
    needs: NeedService
    privacy: PrivacyService
    broadcasts: BroadcastService
    tip_admin: TipAdmin
    content: ContentLibrary
    languages: LanguageService
    sources: tuple[str, ...]
    diary: DiaryService
    water: WaterService
    food_log: FoodLogService
    later: LaterService
    outage: Outage = field(default_factory=Outage)  # shared with the sender

    # The reference data in the language of the update being answered (set by the gate).
    @property
    def foods(self) -> FoodTable:
        return self.content.current().foods

    @property
    def causes(self) -> Causes:
        return self.content.current().causes

    @property
    def rda(self) -> RdaTable:
        return self.content.current().rda

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.settings.admin_ids


def install_deps(application: TelegramApp, deps: Deps) -> None:
    """Hand the handlers their services: the wiring calls this once the services exist."""
    application.bot_data[BOT_DATA_KEY] = deps


def get_deps(context: ContextTypes.DEFAULT_TYPE) -> Deps:
    deps = context.bot_data[BOT_DATA_KEY]
    assert isinstance(deps, Deps)
    return deps
