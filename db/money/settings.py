"""The [money] config keys as the store uses them. Their one default lives in terminal/config.py;
the CLI and the station call `configure_from(cfg)` at start-up, and the credit-limit check and
the commands read them from here (db never reads the config file)."""
from __future__ import annotations

from gettext import gettext as _

from db.core.errors import RuleViolation

KEYS = ("enforce_credit_limit", "price_tolerance_pct", "supplier_terms_days", "customer_terms_days")
_settings: dict = {}


def configure(**values) -> None:
    unknown = set(values) - set(KEYS)
    if unknown:
        raise ValueError(_("unknown [money] keys: {keys}").format(keys=", ".join(sorted(unknown))))
    _settings.update(values)


def configure_from(cfg) -> None:
    configure(**cfg.section("money"))


def setting(name: str):
    if name not in _settings:
        raise RuleViolation(_("[money] {name} is not configured: the command or station sets it from config.toml").format(
            name=name))
    return _settings[name]
