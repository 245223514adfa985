"""Assembles the bot: python-telegram-bot Application, storage, services, tick and sender.

`build_application` gives the same Application whether it talks to Telegram, to the
loopback HTTP stand-in (via TELEGRAM_API_BASE_URL) or to the in-process stand-in (console
mode and fast tests pass `request=`). `attach_runtime` opens the database and wires the
services; PTB calls it from post_init, tests call it directly.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from telegram import Bot, BotCommand, BotCommandScopeChat, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, ApplicationBuilder, ChatMemberHandler, ContextTypes
from telegram.request import BaseRequest

from bot import admin_handlers, handlers, keyboards, texts
from bot.broadcasts import BroadcastService, Progress, run_progress_loop
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.delivery import BotTransport, Renderer, Sender, Transport
from bot.fast_request import AiohttpRequest
from bot.feedback import FeedbackService
from bot.pacer import Pacer
from bot.scheduler import DailyScheduler
from bot.services import BOT_DATA_KEY, Services
from bot.storage import Broadcast, PendingDelivery, Storage
from bot.subscriptions import Defaults, SubscriptionService
from bot.tipfeed import TipFeed
from tips.catalog import Tip, load_catalog
from tips.foods import load_foods
from tips.reference import load_causes, load_rda

log = logging.getLogger(__name__)

# PTB needs a token-shaped string even when no Telegram is involved (console, stand-in).
OFFLINE_TOKEN = "123456789:offline-standin-token-not-a-real-one"
RUNTIME_KEY = "runtime"


@dataclass(slots=True)
class Runtime:
    """What attach_runtime started, so detach_runtime can stop exactly that."""

    services: Services
    scheduler: DailyScheduler
    sender: Sender
    sender_task: asyncio.Task[None] | None = None
    progress_task: asyncio.Task[None] | None = None
    stopping: asyncio.Event = field(default_factory=asyncio.Event)


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    updates_request: BaseRequest | None = None,
    clock: Clock | None = None,
    catalog: list[Tip] | None = None,
    background: bool = True,
    transport: Transport | None = None,
    pacer: Pacer | None = None,
) -> Application:  # type: ignore[type-arg]
    """The Application with every handler registered; services attach in post_init."""
    builder = ApplicationBuilder().token(settings.token or OFFLINE_TOKEN)
    if request is not None:
        builder = builder.request(request).get_updates_request(updates_request or request)
    else:
        # aiohttp instead of PTB's default httpx: about half the CPU per request, which
        # is what lets one core send well over 1,000 messages a second (bench/).
        builder = (builder.base_url(settings.api_base_url)
                   .request(AiohttpRequest(connection_pool_size=16, read_timeout=15,
                                           write_timeout=15))
                   .get_updates_request(AiohttpRequest(connection_pool_size=1,
                                                       read_timeout=15)))

    async def post_init(application: Application) -> None:  # type: ignore[type-arg]
        await attach_runtime(application, settings, clock=clock, catalog=catalog,
                             background=background, transport=transport, pacer=pacer)

    async def post_shutdown(application: Application) -> None:  # type: ignore[type-arg]
        await detach_runtime(application)

    application = builder.post_init(post_init).post_shutdown(post_shutdown).build()
    handlers.register(application)
    application.add_handler(ChatMemberHandler(on_my_chat_member,
                                              ChatMemberHandler.MY_CHAT_MEMBER))
    return application


def make_renderer(feed: TipFeed) -> Renderer:
    """How an outbox row looks on Telegram: a tip with its reaction buttons, or a broadcast."""

    def render(row: PendingDelivery) -> tuple[str, InlineKeyboardMarkup | None]:
        if row.kind == "broadcast":
            return row.text, None
        tip = feed.tip(row.tip_id or "")
        if tip is None:
            return row.text, None
        return texts.tip_message(tip), keyboards.tip_actions(tip.id)

    return render


async def attach_runtime(
    application: Application,  # type: ignore[type-arg]
    settings: Settings,
    *,
    clock: Clock | None = None,
    catalog: list[Tip] | None = None,
    background: bool = True,
    transport: Transport | None = None,
    pacer: Pacer | None = None,
) -> Runtime:
    """Open storage, seed tips, build services; with `background`, start tick and sender."""
    clock = clock or SystemClock()
    storage = await Storage.open(settings.database_path)
    try:
        tips = catalog if catalog is not None else load_catalog()
        changed = await storage.sync_catalog(tips, clock.now())
        log.info("catalogue synced tips=%d changed=%d", len(tips), changed)
        feed = TipFeed(storage, clock)
        await feed.refresh()
        defaults = Defaults(settings.default_timezone, settings.default_send_time)
        foods = load_foods()
        services = Services(
            settings=settings, clock=clock, storage=storage,
            subscriptions=SubscriptionService(storage, clock, defaults),
            feed=feed, foods=foods, causes=load_causes(), rda=load_rda(),
            feedback=FeedbackService(storage, feed, clock),
            sources=sorted({tip.source for tip in tips} | {foods.source}),
        )
    except BaseException:
        await storage.close()
        raise
    application.bot_data[BOT_DATA_KEY] = services
    transport = transport or BotTransport(application.bot,
                                          paid_broadcast=settings.allow_paid_broadcast)
    sender = Sender(storage, transport,
                    make_renderer(feed), clock,
                    pacer or Pacer(settings.send_rate_per_second))
    scheduler = DailyScheduler(storage, feed, clock,
                               grace=timedelta(hours=settings.missed_grace_hours),
                               on_batch=sender.wake)
    services.broadcasts = BroadcastService(storage, clock,
                                           rate_per_second=settings.send_rate_per_second,
                                           on_queued=sender.wake)
    runtime = Runtime(services, scheduler, sender)
    application.bot_data[RUNTIME_KEY] = runtime
    await _publish_commands(application, settings)
    if background:
        runtime.sender_task = asyncio.create_task(sender.run(), name="outbox-sender")
        runtime.progress_task = asyncio.create_task(
            run_progress_loop(services.broadcasts, ProgressMessages(application.bot).edit,
                              runtime.stopping),
            name="broadcast-progress")
        if application.job_queue is not None:
            application.job_queue.run_repeating(
                tick_job, interval=settings.tick_seconds, first=0.5, name="daily-tick",
                job_kwargs={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            )
    return runtime


async def detach_runtime(application: Application) -> None:  # type: ignore[type-arg]
    runtime = application.bot_data.pop(RUNTIME_KEY, None)
    if not isinstance(runtime, Runtime):
        return
    runtime.sender.stop()
    runtime.stopping.set()
    for task in (runtime.sender_task, runtime.progress_task):
        if task is None:
            continue
        try:
            await asyncio.wait_for(task, 10)
        except (TimeoutError, asyncio.CancelledError):
            task.cancel()
    await runtime.services.storage.close()


def get_runtime(application: Application) -> Runtime:  # type: ignore[type-arg]
    runtime = application.bot_data[RUNTIME_KEY]
    assert isinstance(runtime, Runtime)
    return runtime


async def tick_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """APScheduler's periodic job: queue due tips (the scheduler wakes the sender per batch)."""
    try:
        await get_runtime(context.application).scheduler.tick()
    except Exception:
        log.exception("daily tick failed; next tick retries")


async def on_my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Notice a block (or a kick from a group) before the next send fails on it."""
    change = update.my_chat_member
    if change is None:
        return
    status = change.new_chat_member.status
    if status in ("kicked", "left"):
        runtime = get_runtime(context.application)
        reason = "blocked by the user" if change.chat.type == "private" else f"bot {status}"
        await runtime.services.storage.mark_chat_blocked(
            change.chat.id, reason, runtime.services.clock.now())
        log.info("chat_id=%s marked inactive: %s", change.chat.id, reason)


async def _publish_commands(application: Application,  # type: ignore[type-arg]
                            settings: Settings) -> None:
    """Set the command menus: everyone's, and per admin chat one with the admin tools.

    Admin commands are published only in each admin's own chat scope, so nobody else
    even sees that they exist. A failure here must not stop the bot from answering.
    """
    public = [BotCommand(name, description) for name, description in texts.COMMANDS]
    admin = public + [BotCommand(n, d) for n, d in texts.ADMIN_COMMANDS]
    try:
        await application.bot.set_my_commands(public)
        for admin_id in sorted(settings.admin_ids):
            await application.bot.set_my_commands(admin, scope=BotCommandScopeChat(admin_id))
    except TelegramError as exc:
        log.warning("could not set the command menu: %s", type(exc).__name__)


class ProgressMessages:
    """Edits each broadcast's status message in the admin's chat, only when it changed."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot
        self._shown: dict[int, str] = {}

    async def edit(self, broadcast: Broadcast, progress: Progress) -> None:
        if broadcast.progress_chat_id is None or broadcast.progress_message_id is None:
            return
        text = admin_handlers.progress_text(broadcast, progress)
        if self._shown.get(broadcast.id) == text:
            return
        try:
            await self._bot.edit_message_text(
                text, chat_id=broadcast.progress_chat_id,
                message_id=broadcast.progress_message_id, parse_mode=ParseMode.HTML,
                reply_markup=admin_handlers.progress_markup(broadcast))
        except BadRequest as exc:
            if "not modified" not in exc.message.lower():
                raise
        self._shown[broadcast.id] = text
