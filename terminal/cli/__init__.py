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
    _bound_numbers(parser)
    return parser


# Whole-number options are counts, quantities and ids: each fits a PostgreSQL integer column.
# Past it, SQLite raised OverflowError and PostgreSQL "integer out of range", both tracebacks.
MAX_INT = 2_147_483_647


def bounded_int(text: str) -> int:
    """argparse type: a whole number within ±MAX_INT."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not -MAX_INT <= value <= MAX_INT:
        raise argparse.ArgumentTypeError(f"expected a whole number between {-MAX_INT} and {MAX_INT}, got {text}")
    return value


def _bound_numbers(parser: argparse.ArgumentParser) -> None:
    """Every `type=int` option of every command, found in the parser (so a new command is
    covered), parsed by `bounded_int`."""
    for action in parser._actions:
        if action.type is int:
            action.type = bounded_int
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                _bound_numbers(child)


def _not_utf8(argv: list[str]) -> str | None:
    """The first argument that was not UTF-8 on the command line (Python keeps such bytes as
    lone surrogates, which no store, file or terminal accepts), shown with escapes."""
    for n, arg in enumerate(argv, 1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            shown = arg.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            return f"argument {n} ('{shown}') is not UTF-8 text"
    return None


_built: list[argparse.ArgumentParser] = []


def _parser() -> argparse.ArgumentParser:
    """The parser, built once per process: building it is most of a short command's time
    (argparse looks up a translation for every help text), and scripts and tests call
    `main` many times in one process."""
    if not _built:
        _built.append(build_parser())
    return _built[0]


def main(argv: list[str] | None = None) -> int:
    from .common import CliError, run_handler
    for stream in (sys.stdout, sys.stderr):
        # Whatever a value holds, writing it never fails on an odd terminal encoding.
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    argv = sys.argv[1:] if argv is None else list(argv)
    bad = _not_utf8(argv)
    if bad:
        print(f"error: {bad}", file=sys.stderr)
        return 2
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    streams = sys.stdout, sys.stderr
    try:
        _shown_safely(args)
        code = run_handler(args)
    except CliError as exc:
        from db.core.text import printable
        # A message may quote what was typed or stored: escapes shown, never obeyed.
        message = _("error: {message}").format(message=exc)
        print("\n".join(printable(line) for line in message.split("\n")), file=sys.stderr)
        code = exc.code
    except KeyboardInterrupt:
        code = 130
    except BrokenPipeError:
        # `wh export … | head`: the reader left; that is not an error of ours.
        import os
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 0
    finally:
        sys.stdout, sys.stderr = streams
    return code or 0


def _shown_safely(args) -> None:
    """Whatever a command prints for people (messages, tables, warnings) shows control and
    format characters as escapes, whatever value it quotes: a path, a name, a code. CSV and
    JSON output is data and stays exact (escaped only on a terminal, `screen_safe`); the
    full-screen app owns its terminal."""
    from .common import ScreenSafe
    if getattr(args, "command", None) == "run":
        return
    sys.stderr = ScreenSafe(sys.stderr)
    if getattr(args, "format", None) not in ("csv", "json") and getattr(args, "command", None) != "export":
        sys.stdout = ScreenSafe(sys.stdout)


if __name__ == "__main__":  # python -m terminal.cli
    sys.exit(main())
