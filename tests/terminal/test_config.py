"""The configuration is strict: a typo is one clear error naming the key."""
import subprocess
import sys

import pytest

from terminal import config

from tests import ROOT


def test_shipped_config_is_valid_and_equals_the_defaults():
    cfg = config.load(ROOT / "config.toml")
    assert cfg.values == config.defaults()


def test_shipped_config_writes_every_key_with_the_codes_default():
    """config.toml shows every key at its default (not just a subset that happens to agree),
    and each default the store's rules take is the one db/core/defaults.py holds."""
    import tomllib
    from db.core import defaults
    raw = tomllib.loads((ROOT / "config.toml").read_text(encoding="utf-8"))
    assert raw == config.defaults()
    for section in ("database", "receiving", "picking", "count", "abc", "suppliers", "reports", "security"):
        store = getattr(defaults, section.upper())
        assert set(store) <= set(config.SCHEMA[section]), section
        assert {k: raw[section][k] for k in store} == store, section


def test_unknown_key_is_named(tmp_path):
    bad = tmp_path / "c.toml"
    bad.write_text('[scanner]\nbaud_rate = 9600\n')
    with pytest.raises(config.ConfigError, match=r"unknown key scanner\.baud_rate"):
        config.load(bad)


def test_wrong_type_is_named(tmp_path):
    bad = tmp_path / "c.toml"
    bad.write_text('[scanner]\nbaudrate = "fast"\n')
    with pytest.raises(config.ConfigError, match=r"scanner\.baudrate must be int, got 'fast'"):
        config.load(bad)


def test_bool_is_not_a_number(tmp_path):
    bad = tmp_path / "c.toml"
    bad.write_text('[count]\ntolerance_units = true\n')
    with pytest.raises(config.ConfigError, match=r"count\.tolerance_units"):
        config.load(bad)


def test_choice_is_checked(tmp_path):
    bad = tmp_path / "c.toml"
    bad.write_text('[scanner]\nterminator = "NUL"\n')
    with pytest.raises(config.ConfigError, match=r"scanner\.terminator must be one of CR, LF, CRLF, ETX"):
        config.load(bad)


def test_env_var_and_db_override(tmp_path, monkeypatch):
    good = tmp_path / "c.toml"
    good.write_text('[station]\nid = "ST-77"\n')
    monkeypatch.setenv("WH_CONFIG", str(good))
    cfg = config.load(None, db_url="sqlite:///other.db")
    assert cfg.station_id == "ST-77"
    assert cfg.db_url == "sqlite:///other.db"


def test_named_file_must_exist(tmp_path):
    with pytest.raises(config.ConfigError, match="does not exist"):
        config.load(tmp_path / "missing.toml")


def test_cli_reports_a_bad_config_in_one_line(tmp_path):
    bad = tmp_path / "c.toml"
    bad.write_text('[database]\nurl = 5\n')
    proc = subprocess.run([sys.executable, "-m", "terminal.cli", "--config", str(bad), "verify"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert "database.url must be str" in proc.stderr
