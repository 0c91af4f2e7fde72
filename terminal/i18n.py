"""Languages: English and Simplified Chinese, through gettext message catalogues.

Every module marks its words with the standard library's `gettext` (`from gettext import
gettext as _`), so db/ and devices/ need no import of the terminal to be translated: the
message ids are the English text, and this module only chooses the catalogue, once per
process (`[station] language`, or `wh --lang`). The catalogue is terminal/locale/<lang>/
LC_MESSAGES/wh.po, compiled to wh.mo by `make` (pybabel compile) or, where the .mo is missing
or older than its .po, by `compile_catalogues()` on first use.

Babel extracts the ids (`make messages`); docs/glossary.md keeps the Chinese words for the
domain so that every screen says 入库, 上架, 拣货 … the same way.
"""
from __future__ import annotations

from gettext import gettext as _

import gettext
import os
from pathlib import Path

DOMAIN = "wh"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("en", "zh_CN")
_current = "en"


def N_(text: str) -> str:
    """Mark TEXT for the catalogue without translating it now: for constants made at import
    time, before the language is chosen. Translate them where they are shown, with _()."""
    return text


def NC_(context: str, text: str) -> str:
    """Mark TEXT in CONTEXT (a pgettext pair) for the catalogue; translate with pgettext."""
    return text


def shown(text: str) -> str:
    """TEXT, marked with N_ where it was defined, translated where it is shown. An empty text stays
    empty (gettext("") would answer the catalogue's header)."""
    return gettext.gettext(text) if text else text


# Report columns whose values are words, not names or codes (an alert, a status, a count's
# group): the rows keep the English word (CSV and JSON are data); a table shows it translated.
WORD_COLUMNS = frozenset({"alert", "status", "group", "key", "rule", "kind", "decision", "condition", "side",
                          "flag"})


def cell_word(column: str, value):
    """VALUE of COLUMN as a table shows it: a word column's text translated, anything else as is."""
    if column in WORD_COLUMNS and isinstance(value, str) and value:
        return gettext.gettext(value)
    return value


def language() -> str:
    return _current


def set_language(lang: str) -> None:
    """Translate every later message into LANG ("en" or "zh_CN")."""
    global _current
    if lang not in LANGUAGES:
        raise ValueError(_('unknown language {lang!r}: expected one of {items}').format(
                             lang=lang, items=', '.join(LANGUAGES)))
    if lang != "en":
        compile_catalogues()
    gettext.bindtextdomain(DOMAIN, str(LOCALE_DIR))
    gettext.textdomain(DOMAIN)
    # gettext reads the language from the environment on each look-up; setting it here also
    # hands it to the processes this one starts (a `wh` child prints in the same language).
    os.environ["LANGUAGE"] = lang
    _current = lang


def compile_catalogues() -> list[Path]:
    """Compile every .po whose .mo is missing or stale. Returns the catalogues written."""
    written = []
    for po in sorted(LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po
        with po.open("rb") as src:
            catalog = read_po(src)
        tmp = mo.with_suffix(".mo.tmp")
        with tmp.open("wb") as out:
            write_mo(out, catalog)
        tmp.replace(mo)
        written.append(mo)
    return written


def money(amount, currency: str = "") -> str:
    """An amount as this language shows it: `1,299.49`, or `¥1,299.49` in zh_CN (or with the
    configured `[money] currency` symbol)."""
    symbol = currency or ("¥" if _current == "zh_CN" else "")
    return f"{symbol}{amount:,.2f}"
