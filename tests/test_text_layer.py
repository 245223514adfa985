"""The text layer speaks the reader's language: no sentence frozen in English at import,
every message extractable, the committed catalogues up to date with the code, and dates,
numbers and plurals in the reader's locale (a tiny Russian catalogue stands in for the
translators' work)."""

from __future__ import annotations

import ast
from datetime import date, datetime, time
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog

from bot.core import i18n
from bot.ui import formats, keyboards, texts
from tests.helpers import interface_catalogue
from tips.i18n_build import (
    LOCALES,
    compiled,
    main,
    po_bytes,
    read_catalogue,
    same_ui_messages,
    ui_catalogue_path,
    ui_template,
    ui_template_path,
)

ROOT = Path(__file__).resolve().parent.parent
TEXT_MODULES = ("bot/ui/texts.py", "bot/ui/keyboards.py", "bot/ui/outbox.py")
# Module-level strings with letters that are no sentence: the bot's name, callback data and
# command names, and the admin screens, which stay English.
ALLOWED = {
    "BOT_NAME", "MENU_COMMANDS", "QUICK_ZONES", "NEW_MEDICINE_SIGNS",
    # admin: English only
    "ADMIN_COMMANDS", "BROADCAST_USAGE", "CANCEL_USAGE", "BUTTON_DISCARD_BROADCAST",
    "BUTTON_CANCEL_BROADCAST", "BUTTON_BROADCAST_TIP", "BROADCAST_STATUS_LABELS",
    "NEWTIP_USAGE", "NEWTIP_NO_SOURCE", "RETIRE_USAGE", "ADMIN_PRIVATE_ONLY_TOAST",
    "BROADCAST_LANGUAGES_FORM",
}
GETTEXT_CALLS = {"_": 1, "gettext": 1, "ngettext": 2, "pgettext": 2, "npgettext": 3}


def worded_constants(source: str) -> list[str]:
    """Names of module-level assignments whose value holds a str literal with letters (dict
    keys aside: they are codes)."""
    found = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        keys = {id(k) for d in ast.walk(value) if isinstance(d, ast.Dict) for k in d.keys
                if k is not None}
        worded = any(isinstance(n, ast.Constant) and isinstance(n.value, str)
                     and any(c.isalpha() for c in n.value) and id(n) not in keys
                     for n in ast.walk(value))
        if worded:
            found += [ast.unparse(t) for t in targets]
    return found


def test_no_sentence_is_a_module_constant_frozen_in_english():
    for module in TEXT_MODULES:
        frozen = [n for n in worded_constants((ROOT / module).read_text()) if n not in ALLOWED]
        assert frozen == [], f"{module}: make these functions returning _(): {frozen}"


def test_the_constant_check_catches_a_sentence_and_a_label_table():
    source = ('NOTE = "Thanks!"\nLABELS: dict[str, str] = {"a": "Calf"}\nMARKS = {"a": "✅"}\n'
              'PAIRS = (("x", "Hand"),)\n')
    assert worded_constants(source) == ["NOTE", "LABELS", "PAIRS"]


def gettext_arguments_that_are_not_literals(source: str) -> list[str]:
    bad = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in GETTEXT_CALLS):
            continue
        for arg in node.args[:GETTEXT_CALLS[node.func.id]]:
            if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                bad.append(f"line {node.lineno}: {ast.unparse(node)[:60]}")
    return bad


def test_every_message_is_a_literal_babel_can_extract():
    bad = {str(path.relative_to(ROOT)): gettext_arguments_that_are_not_literals(
        path.read_text()) for path in (ROOT / "bot").rglob("*.py")}
    assert {k: v for k, v in bad.items() if v} == {}
    assert gettext_arguments_that_are_not_literals('_(f"Hi {name}")\nngettext("a", x, 2)\n')


# ------------------------------------------------------------------ committed files


def test_the_committed_template_holds_exactly_the_messages_of_the_code():
    committed = read_catalogue(ui_template_path())
    assert same_ui_messages(committed, ui_template()), "run `make i18n` and commit the result"


def test_the_template_is_clean_for_translators():
    template = ui_template()
    assert len([m for m in template if m.id]) > 300
    paused = template.get(("⏸ Paused for {days} day: {pause}. They start again by themselves, "
                           "or send /resume sooner.",
                           "⏸ Paused for {days} days: {pause}. They start again by "
                           "themselves, or send /resume sooner."))
    assert paused is not None and "python-brace-format" in paused.flags
    share = template.get("/foods now shows every food as a % of your need.")
    assert share is not None and "python-format" not in share.flags
    local = template.get("your local emergency number")
    assert local is not None and any("«в»" in c for c in local.auto_comments)


@pytest.mark.parametrize("locale", LOCALES)
def test_each_catalogue_has_every_message_and_its_mo_is_compiled_from_it(locale):
    po = read_catalogue(ui_catalogue_path(locale), locale)
    wanted = {(m.id, m.context) for m in read_catalogue(ui_template_path()) if m.id}
    assert {(m.id, m.context) for m in po if m.id} == wanted
    assert ui_catalogue_path(locale, suffix=".mo").read_bytes() == compiled(po)


# ------------------------------------------------------------------ the reader's locale


@pytest.fixture
def russian(tmp_path, monkeypatch):
    """A compiled Russian catalogue with a few of the real messages."""
    catalog = Catalog(locale="ru", domain="messages")
    catalog.add(("⏸ Paused for {days} day: {pause}. They start again by themselves, or send "
                 "/resume sooner.",
                 "⏸ Paused for {days} days: {pause}. They start again by themselves, or send "
                 "/resume sooner."),
                ("⏸ Пауза на {days} день: {pause}.", "⏸ Пауза на {days} дня: {pause}.",
                 "⏸ Пауза на {days} дней: {pause}."))
    catalog.add("no tips until {last}; they resume {resume}",
                "без советов до {last}; снова с {resume}")
    catalog.add("👍 Helpful", "👍 Полезно")
    catalog.add("Calf", "Икра")
    with interface_catalogue(tmp_path, monkeypatch, catalog):
        yield


class Paused:
    paused_until = date(2026, 11, 29)


def test_a_text_reads_the_locale_when_called_not_at_import(russian):
    with i18n.use_locale("ru"):
        forms = [texts.paused(Paused(), n) for n in (1, 3, 7)]  # type: ignore[arg-type]
    assert forms == [
        "⏸ Пауза на 1 день: без советов до сб, 28 нояб.; снова с вс, 29 нояб..",
        "⏸ Пауза на 3 дня: без советов до сб, 28 нояб.; снова с вс, 29 нояб..",
        "⏸ Пауза на 7 дней: без советов до сб, 28 нояб.; снова с вс, 29 нояб..",
    ]
    assert texts.paused(Paused(), 1) == (  # type: ignore[arg-type]
        "⏸ Paused for 1 day: no tips until Sat 28 Nov; they resume Sun 29 Nov. They start "
        "again by themselves, or send /resume sooner.")
    assert texts.paused(Paused(), 7).startswith("⏸ Paused for 7 days:")  # type: ignore[arg-type]


def test_the_shared_tip_keyboard_is_built_once_per_language(russian):
    english = keyboards.tip_actions("doc-001").inline_keyboard[0][0].text
    with i18n.use_locale("ru"):
        russian_label = keyboards.tip_actions("doc-001").inline_keyboard[0][0].text
    assert (english, russian_label) == ("👍 Helpful", "👍 Полезно")
    assert keyboards.tip_actions("doc-001").inline_keyboard[0][0].text == "👍 Helpful"


@pytest.mark.parametrize(("locale", "day", "number", "percent", "span", "moment"), [
    ("en", "Sat 28 Nov", "12,345", "48%", "23 Feb – 1 Mar", "2026-11-28 07:05"),
    # CLDR sets thin spaces (U+2009) round the dash of a span (Russian: plain spaces, em dash).
    ("ru", "сб, 28 нояб.", "12\xa0345", "48\xa0%", "23 февр. — 1 мар.",
     "28.11.2026 07:05"),
    ("es", "sáb, 28 nov", "12.345", "48\xa0%", "23 feb\u2009–\u20091 mar", "28/11/26 07:05"),
    ("pt-BR", "sáb., 28 de nov.", "12.345", "48%", "23 de fev.\u2009–\u20091 de mar.",
     "28/11/2026 07:05"),
])
def test_dates_and_numbers_are_written_as_the_reader_writes_them(locale, day, number,
                                                                 percent, span, moment):
    with i18n.use_locale(locale):
        got = (formats.day_label(date(2026, 11, 28)), formats.number(12345),
               formats.percent(48), formats.span_label(date(2026, 2, 23), date(2026, 3, 1)),
               formats.moment(datetime(2026, 11, 28, 7, 5)), formats.clock(time(7, 5)))
    assert got == (day, number, percent, span, moment, "07:05")


def test_english_spans_keep_the_house_form():
    assert formats.span_label(date(2026, 3, 2), date(2026, 3, 8)) == "2–8 Mar"
    assert formats.span_label(date(2025, 12, 29), date(2026, 1, 4)) == "29 Dec 2025 – 4 Jan 2026"


def test_update_marks_a_changed_english_fuzzy_and_keeps_a_removed_one_obsolete(tmp_path):
    source = tmp_path / "bot"
    source.mkdir()
    code = source / "texts.py"
    code.write_text('def a():\n    return _("Your tips come at {time}.")\n\n'
                    'def b():\n    return _("Vote removed.")\n')
    locales = tmp_path / "locales"
    assert main(["extract", "--source", str(source), "--ui-locales", str(locales)]) == 0
    main(["update", "--source", str(source), "--ui-locales", str(locales)])
    po_path = ui_catalogue_path("ru", locales)
    po = read_catalogue(po_path, "ru")
    po["Your tips come at {time}."].string = "Советы приходят в {time}."
    po["Vote removed."].string = "Голос снят."
    po_path.write_bytes(po_bytes(po))
    code.write_text('def a():\n    return _("Your daily tips come at {time}.")\n')
    main(["all", "--source", str(source), "--ui-locales", str(locales)])
    po = read_catalogue(po_path, "ru")
    changed = po["Your daily tips come at {time}."]
    assert (changed.string, changed.fuzzy) == ("Советы приходят в {time}.", True)
    assert '#| msgid "Your tips come at {time}."' in po_path.read_text()
    assert "Vote removed." in po.obsolete
    mo = ui_catalogue_path("ru", locales, ".mo").read_bytes()
    assert "Советы".encode() not in mo  # fuzzy: the reader gets the new English


def words_at_import(source: str) -> list[str]:
    """Text-layer calls that run when a module is imported (module level, class bodies,
    default arguments): their words would be frozen in the language of the import."""
    tree = ast.parse(source)
    found: list[str] = []

    def calls(node: ast.AST) -> None:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call):
                name = ast.unparse(sub.func)
                if name.startswith("texts.") or name in GETTEXT_CALLS:
                    found.append(name)

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for default in [*node.args.defaults, *node.args.kw_defaults]:
                    if default is not None:
                        calls(default)
            elif isinstance(node, ast.ClassDef):
                visit(node.body)
            elif not isinstance(node, (ast.Import, ast.ImportFrom)):
                calls(node)

    visit(tree.body)
    return found


def test_no_text_is_worded_when_a_module_is_imported():
    frozen = {str(path.relative_to(ROOT)): names
              for path in sorted((ROOT / "bot").rglob("*.py"))
              if (names := words_at_import(path.read_text(encoding="utf-8")))}
    assert frozen == {}


def test_the_import_check_finds_a_table_of_worded_notices():
    source = ("NOTICES = {'up': texts.vote_up()}\n"
              "def f(x=_('Hi')):\n    return texts.ok()\n"
              "class C:\n    label = texts.button_ok()\n")
    assert words_at_import(source) == ["texts.vote_up", "_", "texts.button_ok"]
