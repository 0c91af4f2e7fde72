"""Configuration: one TOML file, read with tomllib, validated strictly.

Why strict: a typo such as `baud_rate` would otherwise be silently ignored and a station would
run with the default. Every unknown key or wrong type is one clear error naming the key.
"""
from __future__ import annotations

from gettext import gettext as _

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from db.core import defaults as D   # the defaults of the keys the store's rules take

DEFAULT_PATH = Path("config.toml")

# section -> key -> (accepted types, default)
SCHEMA: dict[str, dict[str, tuple[tuple[type, ...], Any]]] = {
    "database": {
        "url": ((str,), "sqlite:///warehouse.db"),
        "sqlite_synchronous": ((str,), D.DATABASE["sqlite_synchronous"]),
        "sqlite_checkpoints": ((str,), "background"),
        "busy_timeout_ms": ((int,), D.DATABASE["busy_timeout_ms"]),
        "retries": ((int,), D.DATABASE["retries"]),
        "retry_delay_ms": ((int,), D.DATABASE["retry_delay_ms"]),
        "pg_keepalive_s": ((int, float), D.DATABASE["pg_keepalive_s"]),
        "pg_statement_timeout_ms": ((int,), D.DATABASE["pg_statement_timeout_ms"]),
    },
    "station": {
        "id": ((str,), "ST-01"),
        "warehouse": ((str,), "WH1"),
        "printer": ((str,), "labels.out"),
        "language": ((str,), "en"),
    },
    "scanner": {
        "type": ((str,), "keyboard"),
        "port": ((str,), "/dev/ttyACM0"),
        "baudrate": ((int,), 9600),
        "bytesize": ((int,), 8),
        "parity": ((str,), "N"),
        "stopbits": ((int, float), 1),
        "terminator": ((str,), "CR"),
        "file": ((str,), ""),
        "host_feedback": ((bool,), False),
        "good_read": ((str,), "\x1b7,"),
        "bad_read": ((str,), "\x1b8,"),
        "reconnect_min_s": ((int, float), 0.5),
        "reconnect_max_s": ((int, float), 5.0),
        "frame_timeout_s": ((int, float), 0.5),
    },
    "wedge": {
        "min_length": ((int,), 4),
        "max_avg_ms_per_char": ((int, float), 30),
        "prefix": ((str,), ""),
        "suffix_keys": ((list,), ["enter", "tab"]),
    },
    "barcodes": {
        "location_prefix": ((str,), ""),
        "operator_prefix": ((str,), "OP-"),
        "command_prefix": ((str,), "CMD-"),
        "separator_chars": ((list,), ["\x1d"]),
    },
    "receiving": {
        "over_receipt_tolerance_pct": ((int, float), D.RECEIVING["over_receipt_tolerance_pct"]),
        "default_dock": ((str,), ""),
    },
    "picking": {
        "fefo": ((bool,), D.PICKING["fefo"]),
    },
    "count": {
        "blind": ((bool,), D.COUNT["blind"]),
        "tolerance_units": ((int, float), D.COUNT["tolerance_units"]),
        "tolerance_pct": ((int, float), D.COUNT["tolerance_pct"]),
        "tolerance_value": ((int, float), D.COUNT["tolerance_value"]),
        "auto_approve": ((bool,), D.COUNT["auto_approve"]),
        "frequency_a_days": ((int,), D.COUNT["frequency_a_days"]),
        "frequency_b_days": ((int,), D.COUNT["frequency_b_days"]),
        "frequency_c_days": ((int,), D.COUNT["frequency_c_days"]),
    },
    "abc": {
        "a_share": ((int, float), D.ABC["a_share"]),
        "b_share": ((int, float), D.ABC["b_share"]),
    },
    "suppliers": {
        "weight_on_time": ((int, float), D.SUPPLIERS["weight_on_time"]),
        "weight_fill_rate": ((int, float), D.SUPPLIERS["weight_fill_rate"]),
        "weight_quality": ((int, float), D.SUPPLIERS["weight_quality"]),
        "weight_price": ((int, float), D.SUPPLIERS["weight_price"]),
    },
    "reports": {
        "dead_stock_days": ((int,), D.REPORTS["dead_stock_days"]),
        "window_days": ((int,), D.REPORTS["window_days"]),
        "abc_days": ((int,), D.REPORTS["abc_days"]),
    },
    "security": {
        "require_pin": ((bool,), D.SECURITY["require_pin"]),
        "max_pin_attempts": ((int,), D.SECURITY["max_pin_attempts"]),
        "lockout_seconds": ((int,), D.SECURITY["lockout_seconds"]),
    },
    "offline": {
        "journal": ((str,), "offline-journal.db"),
    },
    "money": {
        "enforce_credit_limit": ((bool,), True),
        "price_tolerance_pct": ((int, float), 2.0),
        "supplier_terms_days": ((int,), 30),
        "customer_terms_days": ((int,), 30),
    },
}

# Values that must be one of a fixed set.
CHOICES: dict[str, tuple[str, ...]] = {
    "database.sqlite_synchronous": ("OFF", "NORMAL", "FULL", "EXTRA"),
    "database.sqlite_checkpoints": ("background", "inline"),
    "scanner.type": ("serial", "keyboard", "file", "none"),
    "scanner.parity": ("N", "E", "O", "M", "S"),
    "scanner.terminator": ("CR", "LF", "CRLF", "ETX"),
    "station.language": ("en", "zh_CN"),
}


LOWER_CASE_CHOICES = {"scanner.type", "database.sqlite_checkpoints"}
EXACT_CHOICES = {"station.language"}


class ConfigError(Exception):
    """A bad configuration file. The message names the file and the key."""


@dataclass
class Config:
    """The validated configuration: `config.section("scanner")["port"]` or `config.get("scanner.port")`."""

    values: dict[str, dict[str, Any]]
    path: Path | None = None
    overrides: dict[str, Any] = field(default_factory=dict)

    def section(self, name: str) -> dict[str, Any]:
        return self.values[name]

    def get(self, dotted: str) -> Any:
        section, key = dotted.split(".", 1)
        return self.values[section][key]

    @property
    def db_url(self) -> str:
        return self.values["database"]["url"]

    @property
    def station_id(self) -> str:
        return self.values["station"]["id"]

    @property
    def warehouse(self) -> str:
        return self.values["station"]["warehouse"]


def defaults() -> dict[str, dict[str, Any]]:
    return {s: {k: _copy(d) for k, (_, d) in keys.items()} for s, keys in SCHEMA.items()}


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value


# Numbers in the config are counts, sizes, times and shares: none is negative, none near 2^31.
MAX_NUMBER = 2_147_483_647


def _check_value(source: str, name: str, value: Any, default: Any) -> None:
    """Values of the right type but unusable: nan or inf, a negative or huge number, a list
    whose items are not of the default's item type (a number among key names), NUL in text."""
    import math
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{source}: {name} must be a finite number, got {value!r}")
    if isinstance(value, (int, float)) and not isinstance(value, bool) and not 0 <= value <= MAX_NUMBER:
        raise ConfigError(f"{source}: {name} must be between 0 and {MAX_NUMBER}, got {value!r}")
    if isinstance(value, str) and "\x00" in value:
        raise ConfigError(f"{source}: {name} must not hold a NUL character")
    if isinstance(value, list):
        kinds = {type(item) for item in default} or {str}
        for n, item in enumerate(value, 1):
            if type(item) not in kinds:
                wanted = " or ".join(sorted(t.__name__ for t in kinds))
                raise ConfigError(f"{source}: {name} must be a list of {wanted}; item {n} is {item!r}")
            if isinstance(item, str) and "\x00" in item:
                raise ConfigError(f"{source}: {name}: item {n} must not hold a NUL character")


def validate(raw: dict[str, Any], source: str = "config") -> dict[str, dict[str, Any]]:
    values = defaults()
    for section, content in raw.items():
        if section not in SCHEMA:
            raise ConfigError(_('{source}: unknown section [{section}]; known sections: {items}').format(
                                  source=source, section=section, items=', '.join(SCHEMA)))
        if not isinstance(content, dict):
            raise ConfigError(_('{source}: [{section}] must be a table of keys').format(
                                  source=source, section=section))
        for key, value in content.items():
            name = f"{section}.{key}"
            if key not in SCHEMA[section]:
                known = ", ".join(SCHEMA[section])
                raise ConfigError(_('{source}: unknown key {name}; [{section}] takes {known}').format(
                                      source=source, name=name, section=section, known=known))
            types, _unused = SCHEMA[section][key]
            # bool is an int in Python: refuse true where a number is wanted.
            if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
                wanted = " or ".join(t.__name__ for t in types)
                raise ConfigError(_('{source}: {name} must be {wanted}, got {value!r}').format(
                                      source=source, name=name, wanted=wanted, value=value))
            _check_value(source, name, value, SCHEMA[section][key][1])
            if name in CHOICES:
                if name not in EXACT_CHOICES:
                    value = value.lower() if name in LOWER_CASE_CHOICES else value.upper()
                if value not in CHOICES[name]:
                    raise ConfigError(_('{source}: {name} must be one of {items}, got {value!r}').format(
                                          source=source, name=name, items=', '.join(CHOICES[name]),
                                          value=content[key]))
            values[section][key] = value
    return values


def load(path: str | os.PathLike | None = None, db_url: str | None = None) -> Config:
    """Load the config from PATH, else $WH_CONFIG, else ./config.toml; defaults if none exists.

    An explicitly named file that does not exist is an error: a typo in a path must not start
    a station on the wrong store.
    """
    chosen = path or os.environ.get("WH_CONFIG")
    if chosen:
        file = Path(chosen)
        if not file.is_file():
            raise ConfigError(f"config file {file} {'is not a file' if file.exists() else 'does not exist'}")
    else:
        file = DEFAULT_PATH if DEFAULT_PATH.is_file() else None
    raw: dict[str, Any] = {}
    if file is not None:
        try:
            raw = tomllib.loads(file.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{file}: not valid TOML: {exc}") from None
        except UnicodeDecodeError as exc:
            line = file.read_bytes()[:exc.start].count(b"\n") + 1
            raise ConfigError(f"{file}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} on line {line}); "
                              f"save it as UTF-8") from None
        except OSError as exc:
            raise ConfigError(f"{file}: cannot be read: {exc.strerror or exc}") from None
    values = validate(raw, str(file) if file else "defaults")
    if db_url:
        values["database"]["url"] = db_url
    return Config(values=values, path=file)
