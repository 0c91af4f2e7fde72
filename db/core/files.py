"""Files the product creates are its owner's alone: the store, its backups and the offline
journal hold stock, costs and who did what, so they are created 0600 and the folders made for
them 0700 (README, "Files").

SQLite files are never opened here (DESIGN.md): SQLite creates the database file, under a umask
of 077 while it connects, and this module then sets its mode through the path (chmod opens
nothing, so it cannot drop SQLite's POSIX locks). SQLite gives the -wal, -shm and -journal
files it makes later the mode of the database file, so those follow.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, TypeVar

T = TypeVar("T")

FILE_MODE = 0o600
DIR_MODE = 0o700


def _is_file_path(path: str | os.PathLike) -> bool:
    text = os.fspath(path)
    return bool(text) and text != ":memory:" and not text.startswith("file:")


def private_dir_for(path: str | os.PathLike) -> None:
    """Make the missing folders above PATH, each 0700 (existing folders are left alone)."""
    parent = Path(path).parent
    missing = []
    while not parent.exists() and parent != parent.parent:
        missing.append(parent)
        parent = parent.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=DIR_MODE)
        except FileExistsError:
            pass
        os.chmod(folder, DIR_MODE)     # mkdir's mode is filtered by the umask


def create_private(path: str | os.PathLike, create: Callable[[], T]) -> T:
    """Run CREATE (which makes or opens the SQLite file PATH); when PATH did not exist before,
    make its folders 0700 first and its mode 0600 right after."""
    if not _is_file_path(path):
        return create()
    fresh = not os.path.lexists(path)
    if not fresh:
        return create()
    private_dir_for(path)
    # The umask covers the files SQLite makes while connecting (the -wal and -shm of WAL
    # mode, set by a pragma at connect); the chmod makes sure of the database file itself.
    previous = os.umask(0o077)
    try:
        result = create()
    finally:
        os.umask(previous)
    if os.path.exists(path):
        os.chmod(path, FILE_MODE)
    return result
