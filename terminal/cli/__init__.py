"""The `wh` command line.

Each module in this package adds its commands through `register(subparsers)`; modules are
found automatically, so a new command group is a new file. Handlers import heavy modules
(peewee, textual, biip) inside themselves, which keeps `wh --help` fast.
"""
from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from gettext import gettext as _

SKIP = {"common"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wh", description="Warehouse scanning terminal: the station app and its command line.")
    parser.add_argument("--config", metavar="PATH", help="configuration file (default: $WH_CONFIG or ./config.toml)")
    parser.add_argument("--lang", choices=("en", "zh_CN"), metavar="LANG",
                        help="language of this command's messages: en or zh_CN (default: [station] language)")
    parser.add_argument("--db", metavar="URL", help="database URL, overriding the config: sqlite:///path.db or postgresql://user@host:port/dbname")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name in SKIP or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register:
            register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from .common import CliError, run_handler
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        code = run_handler(args)
    except CliError as exc:
        print(_("error: {message}").format(message=exc), file=sys.stderr)
        code = exc.code
    except KeyboardInterrupt:
        code = 130
    except BrokenPipeError:
        # `wh export … | head`: the reader left; that is not an error of ours.
        import os
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 0
    return code or 0


if __name__ == "__main__":  # python -m terminal.cli
    sys.exit(main())
