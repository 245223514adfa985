"""Assembles the bot: python-telegram-bot Application, storage, services, tick and sender.

`build_application` gives the same Application whether it talks to Telegram, to the
loopback HTTP stand-in (via TELEGRAM_API_BASE_URL) or to the in-process stand-in (console
mode and fast tests pass `request=`). Parse mode (HTML) and link previews (off) are set
once here as PTB `Defaults`. `attach_runtime` opens the database and builds `Deps`
completely; PTB calls it from post_init, tests call it directly. This module registers
the handlers through `bot.handlers.register` and imports no handler module itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from telegram import BotCommandScopeChat, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import ApplicationBuilder, ContextTypes
from telegram.ext import Defaults as TelegramDefaults
from telegram.request import BaseRequest

from bot import handlers
from bot.core.clock import Clock, SystemClock
from bot.core.config import Settings
from bot.core.i18n import LOCALES, telegram_code, use_locale
from bot.core.telegram_app import TelegramApp
from bot.delivery.aiohttp_request import AiohttpRequest
from bot.delivery.message_edit import ProgressMessages
from bot.delivery.outage import Outage
from bot.delivery.pacer import Pacer
from bot.delivery.prompt_scheduler import PromptScheduler
from bot.delivery.scheduler import DailyScheduler, write_slice_for
from bot.delivery.sender import BotTransport, Sender, Transport, concurrency_for
from bot.handlers import Deps, install_deps
from bot.runtime.health import UpdatesSeenRequest
from bot.services.broadcasts import BroadcastService, run_progress_loop
from bot.services.content import ContentLibrary
from bot.services.diary import DiaryService
from bot.services.feedback import FeedbackService
from bot.services.food import FoodLogService
from bot.services.languages import LanguageService
from bot.services.later import LaterService
from bot.services.needs import NeedService
from bot.services.privacy import PrivacyService
from bot.services.subscriptions import Defaults, SubscriptionService
from bot.services.tip_admin import TipAdmin
from bot.services.tipfeed import TipFeed
from bot.services.water import WaterService
from bot.storage import Storage
from bot.ui import keyboards, limits, texts
from bot.ui.outbox import OutboxRenderer, broadcast_progress
from tips.catalog import Tip, load_catalog

log = logging.getLogger(__name__)

# PTB needs a token-shaped string even when no Telegram is involved (console, stand-in).
OFFLINE_TOKEN = "123456789:offline-standin-token-not-a-real-one"
RUNTIME_KEY = "runtime"


@dataclass(slots=True)
class Runtime:
    """What attach_runtime started, so detach_runtime can stop exactly that."""

    deps: Deps
    storage: Storage
    scheduler: DailyScheduler
    sender: Sender
    prompts: PromptScheduler
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
    on_poll: Callable[[], None] | None = None,
    epoch: int | None = None,
) -> TelegramApp:
    """The Application with every handler registered; services attach in post_init.

    `on_poll` is called after each completed getUpdates (bot.runtime.health's liveness);
    `epoch` is the PostgreSQL leader's, which the sender claims and settles rows with."""
    builder = (ApplicationBuilder().token(settings.token or OFFLINE_TOKEN)
               .defaults(TelegramDefaults(
                   parse_mode=ParseMode.HTML,
                   link_preview_options=LinkPreviewOptions(is_disabled=True))))
    if request is not None:
        builder = builder.request(request).get_updates_request(updates_request or request)
    else:
        # aiohttp instead of PTB's default httpx: about half the CPU per request, which
        # is what lets one core send well over 1,000 messages a second (bench/). One
        # connection per request the sender keeps under way, and 8 for replies to users.
        pool = concurrency_for(settings.send_rate_per_second) + 8
        builder = (builder.base_url(settings.api_base_url)
                   .request(AiohttpRequest(connection_pool_size=pool, read_timeout=15,
                                           write_timeout=15))
                   .get_updates_request(_polls(AiohttpRequest(connection_pool_size=1,
                                                              read_timeout=15), on_poll)))

    async def post_init(application: TelegramApp) -> None:
        await attach_runtime(application, settings, clock=clock, catalog=catalog,
                             background=background, transport=transport, pacer=pacer,
                             epoch=epoch)

    # The runtime is detached at post_stop, before shutdown closes the HTTP sessions: sends
    # under way finish and their outcomes are written. Closed first, a message Telegram
    # already had was recorded as a network error and sent again after the restart
    # (tests/test_e2e.py, SIGTERM). post_shutdown covers a start that never reached stop();
    # otherwise it finds nothing left to detach.
    application = (builder.post_init(post_init).post_stop(detach_runtime)
                   .post_shutdown(detach_runtime).build())
    handlers.register(application)
    return application


def _polls(request: BaseRequest, on_poll: Callable[[], None] | None) -> BaseRequest:
    return request if on_poll is None else UpdatesSeenRequest(request, on_poll)


async def attach_runtime(
    application: TelegramApp,
    settings: Settings,
    *,
    clock: Clock | None = None,
    catalog: list[Tip] | None = None,
    background: bool = True,
    transport: Transport | None = None,
    pacer: Pacer | None = None,
    epoch: int | None = None,
) -> Runtime:
    """Open storage, seed tips, build Deps; with `background`, start tick and sender."""
    clock = clock or SystemClock()
    storage = await Storage.open(settings.postgres or settings.database_path)
    try:
        tips = catalog if catalog is not None else load_catalog()
        changed = await storage.tips.sync(tips, clock.now())
        log.info("catalogue synced tips=%d changed=%d", len(tips), changed)
        feed = TipFeed(storage, clock, check=limits.tip_problem)
        await feed.refresh()
        defaults = Defaults(settings.default_timezone, settings.default_send_time)
        content = ContentLibrary.load()
        foods = content.english().foods
        food_log = FoodLogService(storage, clock, foods.daily_value_mg)
        diary = DiaryService(storage, clock, food_log)
        transport = transport or BotTransport(
            application.bot, paid_broadcast=settings.allow_paid_broadcast)
        outage = Outage()
        subscriptions = SubscriptionService(storage, clock, defaults)
        sender = Sender(storage, transport, OutboxRenderer(feed, diary, content), clock,
                        pacer or Pacer(settings.send_rate_per_second),
                        concurrency=concurrency_for(settings.send_rate_per_second),
                        outage=outage, on_chat_gone=subscriptions.mark_unreachable,
                        epoch=epoch)
        deps = Deps(
            settings=settings, clock=clock,
            subscriptions=subscriptions,
            feed=feed,
            feedback=FeedbackService(storage, feed, clock),
            needs=NeedService(storage, content),
            privacy=PrivacyService(storage),
            broadcasts=BroadcastService(storage, clock,
                                        rate_per_second=settings.send_rate_per_second,
                                        on_queued=sender.wake),
            tip_admin=TipAdmin(storage, feed, clock, check=limits.tip_problem,
                               paid_broadcast=settings.allow_paid_broadcast),
            content=content,
            languages=LanguageService(storage, clock),
            sources=tuple(sorted({tip.source for tip in tips} | {foods.source})),
            diary=diary,
            water=WaterService(storage, clock),
            food_log=food_log,
            later=LaterService(storage, clock),
            outage=outage,
        )
    except BaseException:
        await storage.close()
        raise
    install_deps(application, deps)
    scheduler = DailyScheduler(storage, feed, clock,
                               grace=timedelta(hours=settings.missed_grace_hours),
                               write_slice=write_slice_for(settings.send_rate_per_second,
                                                           sender.flush_size),
                               on_batch=sender.wake, make_room=sender.make_room)
    prompts = PromptScheduler(storage, diary, clock,
                              grace=timedelta(hours=settings.missed_grace_hours),
                              on_batch=sender.wake)
    runtime = Runtime(deps, storage, scheduler, sender, prompts)
    application.bot_data[RUNTIME_KEY] = runtime
    await _publish_commands(application, settings)
    if background:
        runtime.sender_task = asyncio.create_task(sender.run(), name="outbox-sender")
        runtime.progress_task = asyncio.create_task(
            run_progress_loop(deps.broadcasts,
                              ProgressMessages(application.bot, broadcast_progress).edit,
                              runtime.stopping),
            name="broadcast-progress")
        if application.job_queue is not None:
            application.job_queue.run_repeating(
                tick_job, interval=settings.tick_seconds, first=0.5, name="daily-tick",
                job_kwargs={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            )
    return runtime


async def detach_runtime(application: TelegramApp) -> None:
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
    await runtime.storage.close()


def halt_sending(application: TelegramApp) -> None:
    """Stop the sender and the tick now, synchronously: another instance may lead.

    The sender starts no further send (one already under way finishes, and its outcome is
    written or ignored by the outbox's fence); the tick plans nothing more; the progress
    loop edits nothing more. The rest shuts down as on a stop signal."""
    runtime = application.bot_data.get(RUNTIME_KEY)
    if isinstance(runtime, Runtime):
        runtime.sender.stop()
        runtime.stopping.set()


def get_runtime(application: TelegramApp) -> Runtime:
    runtime = application.bot_data[RUNTIME_KEY]
    assert isinstance(runtime, Runtime)
    return runtime


async def tick_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """APScheduler's periodic job: queue due tips (the scheduler wakes the sender per batch)."""
    runtime = context.application.bot_data.get(RUNTIME_KEY)
    if not isinstance(runtime, Runtime) or runtime.stopping.is_set():
        return  # stopping, or no longer the leader: the tick is another instance's now
    try:
        await runtime.scheduler.tick()
    except Exception:
        log.exception("daily tick failed; next tick retries")
    try:  # after the daily tip, so the three-a-day cap sees it first
        await runtime.prompts.tick()
    except Exception:
        log.exception("prompt tick failed; next tick retries")


async def _publish_commands(application: TelegramApp, settings: Settings) -> None:
    """Set the command menus, description and short description in every language.

    Telegram shows each person the ones for their app's language (language_code: ru, es,
    pt; the rest see the English ones, set without a code). Admin commands are published
    only in each admin's own chat scope, so nobody else even sees that they exist. A chat
    that chose its language with /language gets its own menu then. A failure here must not
    stop the bot from answering.
    """
    bot = application.bot
    try:
        for locale in LOCALES:
            code = telegram_code(locale)
            with use_locale(locale):
                await bot.set_my_description(texts.bot_description(), language_code=code)
                await bot.set_my_short_description(texts.bot_short_description(),
                                                   language_code=code)
                await bot.set_my_commands(keyboards.command_menu(), language_code=code)
        for admin_id in sorted(settings.admin_ids):
            await bot.set_my_commands(keyboards.command_menu(admin=True),
                                      scope=BotCommandScopeChat(admin_id))
    except TelegramError as exc:
        log.warning("could not set the command menu: %s", type(exc).__name__)
