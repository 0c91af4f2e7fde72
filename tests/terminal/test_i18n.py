"""Two languages, one code path: gettext catalogues chosen by [station] language or --lang."""
from __future__ import annotations

import re
from gettext import gettext as _

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from terminal import i18n
from terminal.cli import main
from tests import ROOT

PO = ROOT / "terminal" / "locale" / "zh_CN" / "LC_MESSAGES" / "wh.po"
FIELD = re.compile(r"\{(\w*)[^{}]*\}")


def marked_messages() -> set[tuple]:
    """(message, context) of every marked message; the context of pgettext(context, text)."""
    found = set()
    for package in ("db", "devices", "terminal"):
        for _file, _line, message, _comments, context in extract_from_dir(
                ROOT / package, method_map=[("**.py", "python")],
                keywords={"_": None, "N_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2),
                          "NC_": ((1, "c"), 2)}):
            found.add((message, context))
    return found


def test_the_chinese_catalogue_covers_every_marked_message():
    with PO.open("rb") as f:
        catalog = read_po(f)
    messages = marked_messages()
    assert messages, "no message is marked for translation"
    for message, context in messages:
        key = message[0] if isinstance(message, tuple) else message
        entry = catalog.get(key, context=context)
        assert entry is not None, f"not in the zh_CN catalogue (run make messages): {key!r}"
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        assert all(strings), f"not translated: {key!r}"
        for text in strings:     # the same fields, or .format() breaks in Chinese only
            assert sorted(FIELD.findall(text)) == sorted(FIELD.findall(key)), (key, text)


def test_messages_follow_the_language(zh):
    assert _("error: {message}") == "错误：{message}"
    i18n.set_language("en")
    assert _("error: {message}") == "error: {message}"
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        i18n.set_language("fr")


def test_money_shows_yuan_in_chinese(zh):
    from decimal import Decimal
    assert i18n.money(Decimal("1299.494")) == "¥1,299.49"
    assert i18n.money(Decimal("5"), currency="US$") == "US$5.00"
    i18n.set_language("en")
    assert i18n.money(Decimal("1299.49")) == "1,299.49"


def test_the_command_line_speaks_the_chosen_language(sqlite_store, tmp_path, capsys):
    missing = str(tmp_path / "nope.csv")
    try:
        assert main(["--db", sqlite_store, "--lang", "zh_CN", "import", "items", missing]) == 2
        assert capsys.readouterr().err.strip() == f"错误：文件不存在：{missing}"
        config = tmp_path / "zh.toml"
        config.write_text('[station]\nlanguage = "zh_CN"\n', encoding="utf-8")
        assert main(["--config", str(config), "--db", sqlite_store, "import", "items", missing]) == 2
        assert "文件不存在" in capsys.readouterr().err
    finally:
        i18n.set_language("en")
    assert main(["--db", sqlite_store, "import", "items", missing]) == 2
    assert capsys.readouterr().err.strip() == f"error: no such file: {missing}"
    config.write_text('[station]\nlanguage = "fr"\n', encoding="utf-8")
    assert main(["--config", str(config), "--db", sqlite_store, "import", "items", missing]) == 2
    assert "station.language must be one of en, zh_CN, got 'fr'" in capsys.readouterr().err


def test_a_stale_catalogue_is_compiled_on_first_use(tmp_path, monkeypatch):
    po = tmp_path / "zh_CN" / "LC_MESSAGES" / "wh.po"
    po.parent.mkdir(parents=True)
    po.write_bytes(PO.read_bytes())
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    assert i18n.compile_catalogues() == [po.with_suffix(".mo")]
    assert i18n.compile_catalogues() == []          # up to date: nothing written
