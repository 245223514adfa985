"""The bundle of services and reference data the handlers reach through bot_data.

Built once at start-up so handlers stay thin: they parse, call one of these, reply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.broadcasts import BroadcastService
from bot.clock import Clock
from bot.config import Settings
from bot.feedback import FeedbackService
from bot.storage import Storage
from bot.subscriptions import SubscriptionService
from bot.tipfeed import TipFeed
from tips.foods import FoodTable
from tips.reference import Causes, RdaTable

if TYPE_CHECKING:
    from telegram.ext import ContextTypes

BOT_DATA_KEY = "services"


@dataclass(slots=True)
class Services:
    settings: Settings
    clock: Clock
    storage: Storage
    subscriptions: SubscriptionService
    feed: TipFeed
    foods: FoodTable
    causes: Causes
    rda: RdaTable
    feedback: FeedbackService
    sources: list[str] = field(default_factory=list)
    broadcasts: BroadcastService | None = None

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.settings.admin_ids


def get_services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    services = context.bot_data[BOT_DATA_KEY]
    assert isinstance(services, Services)
    return services
