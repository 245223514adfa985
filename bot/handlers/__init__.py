"""Telegram handlers, and THE order in which they are registered.

Order matters: python-telegram-bot offers each update to the handlers of group 0 in
the order below and stops at the first that takes it. Commands come first, then one
button handler per callback kind (bot.ui.callbacks), then the catch-alls that answer
whatever nothing above took, then chat-member updates. The admin block goes through
`admin.only`, the single access check for every admin command and button; what changes
a chat's subscription goes through `guards.group_admins_only` (in a group: its admins).
Before all of them, in group -1, `guards.gate` drops the updates the bot never answers
(channel posts, business messages, edits, commands for another bot).

Modules: common (Reply, Answer, send, edit in place, arguments, errors), user,
personal, diary, water, food, language, admin.
Nothing outside this package imports them except bot.app, which calls
`register`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.core.telegram_app import TelegramApp
from bot.handlers import admin, common, diary, food, guards, language, later, personal, user, water
from bot.handlers.common import Answer, AnyHandler, on_press
from bot.handlers.deps import Deps, install_deps
from bot.ui.callbacks import (
    BroadcastTip,
    CallbackData,
    CancelBroadcast,
    CancelDraftButton,
    CausesPage,
    ChartButton,
    CheckInButton,
    ConfirmBroadcast,
    DiarySetting,
    DiscardBroadcast,
    DraftButton,
    EntryButton,
    FoodAte,
    FoodUndo,
    Forget,
    LaterButton,
    LocalNow,
    LogStart,
    Menu,
    NeedAge,
    NeedSex,
    NeedStatus,
    PickFood,
    PickLanguage,
    PickTime,
    PickZone,
    RunCommand,
    Setting,
    StretchDone,
    TipAction,
    ToggleTopic,
    WaterAdd,
    WaterSetting,
    WaterUndo,
)


def _press(kind: type[CallbackData],
           action: Callable[[Deps, Update, Any], Awaitable[Answer]]) -> AnyHandler:
    """The button handler for one callback kind: routed by its prefix, parsed by it."""
    return CallbackQueryHandler(on_press(kind, action), pattern=kind.matches)


def handlers() -> list[AnyHandler]:
    """Every handler, in the order PTB tries them."""
    return [
        # -- commands
        *guards.group_admins_to_resubscribe([
            CommandHandler("start", user.start),
            CommandHandler("subscribe", user.subscribe),
        ]),
        *guards.group_admins_only([
            CommandHandler(["stop", "unsubscribe"], user.stop),
            CommandHandler("pause", user.pause),
            CommandHandler("resume", user.resume),
            CommandHandler("time", user.time_command),
            CommandHandler("timezone", user.timezone_command),
            CommandHandler("topics", user.topics),
            CommandHandler("forget", personal.forget_command),
        ]),
        CommandHandler("tip", user.tip),
        CommandHandler("causes", user.causes),
        CommandHandler("foods", user.foods),
        CommandHandler("settings", user.settings),
        CommandHandler("help", user.help_command),
        CommandHandler("about", user.about),
        CommandHandler("language", language.language_command),
        CommandHandler("need", personal.need_command),
        CommandHandler("mydata", personal.mydata_command),
        # the cramp diary
        CommandHandler("sos", diary.sos),
        CommandHandler("cramp", diary.cramp),
        CommandHandler("diary", diary.diary),
        CommandHandler("report", diary.report),
        CommandHandler("export", diary.export_command),
        # the water log
        CommandHandler("water", water.water),
        # the food log
        CommandHandler("ate", food.ate),
        *admin.only([
            CommandHandler("broadcast", admin.broadcast),
            CommandHandler("broadcasts", admin.broadcasts),
            CommandHandler("cancel", admin.cancel),
            CommandHandler("newtip", admin.newtip),
            CommandHandler("tips", admin.tips),
            CommandHandler("retire", admin.retire),
            CommandHandler("stats", admin.stats),
        ]),
        # -- buttons, one per callback kind
        _press(Menu, user.menu_button),
        *guards.group_admins_only([
            _press(Setting, user.setting_button),
            _press(PickTime, user.time_button),
            _press(PickZone, user.zone_button),
            _press(ToggleTopic, user.topic_button),
            _press(Forget, personal.forget_button),
            _press(PickLanguage, language.language_button),
        ]),
        guards.group_admins_vote(_press(TipAction, user.tip_action_button)),
        _press(CausesPage, user.causes_page_button),
        _press(LocalNow, user.local_now_button),
        _press(PickFood, user.food_button),
        guards.group_admins_for_changing_commands(_press(RunCommand, user.command_button)),
        _press(NeedAge, personal.need_age_button),
        _press(NeedSex, personal.need_sex_button),
        _press(NeedStatus, personal.need_status_button),
        # the cramp diary
        _press(LogStart, diary.log_start_button),
        _press(DraftButton, diary.step_button),
        _press(CancelDraftButton, diary.cancel_button),
        _press(EntryButton, diary.entry_button),
        _press(CheckInButton, diary.checkin_button),
        _press(StretchDone, diary.stretch_done_button),
        _press(DiarySetting, diary.setting_button),
        CallbackQueryHandler(diary.send_chart, pattern=ChartButton.matches),
        # the water log
        _press(WaterAdd, water.add_button),
        _press(WaterUndo, water.undo_button),
        _press(WaterSetting, water.setting_button),
        # "⏰ Later" under the daily tip and the evening stretch
        _press(LaterButton, later.later_button),
        # the food log
        _press(FoodAte, food.ate_button),
        _press(FoodUndo, food.undo_button),
        *admin.only([
            _press(ConfirmBroadcast, admin.confirm_button),
            _press(DiscardBroadcast, admin.discard_button),
            _press(CancelBroadcast, admin.cancel_button),
            _press(BroadcastTip, admin.broadcast_tip_button),
        ]),
        # -- a group upgraded to a supergroup: the subscription moves with it
        MessageHandler(filters.StatusUpdate.MIGRATE, user.on_migrate),
        # -- catch-alls: what nothing above took
        CallbackQueryHandler(common.expired_button),
        MessageHandler(filters.COMMAND, common.unknown_command),
        MessageHandler(filters.LOCATION, user.location),
        MessageHandler(~filters.COMMAND & (filters.TEXT | filters.Sticker.ALL
                                           | filters.ATTACHMENT), user.not_a_command),
        # -- chat-member updates
        ChatMemberHandler(user.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER),
    ]


__all__ = ["Deps", "install_deps", "register"]


def register(application: TelegramApp) -> None:
    """Attach every handler in the order above, and the one error handler."""
    application.add_handler(guards.gate(), group=-1)
    application.add_handlers(handlers())
    application.add_error_handler(common.on_error)
