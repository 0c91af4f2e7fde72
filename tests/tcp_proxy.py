"""A TCP proxy on 127.0.0.1 that a test controls: `cut()` drops every open connection and refuses
new ones (the network went away), `stall()` stops forwarding anything without closing any
connection (packets dropped: nothing is reset, new connections are accepted and never
answered), `restore()` lets everything through again."""
from __future__ import annotations

import socket
import threading
import time


class TcpProxy:
    def __init__(self, target_host: str = "127.0.0.1", target_port: int = 5432):
        self.target = (target_host, target_port)
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.up = True
        self.stalled = threading.Event()      # set: nothing is forwarded
        self.cuts = 0
        self.attempts = 0               # connections tried, refused ones included
        self._lock = threading.Lock()
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._closing = False
        self._thread = threading.Thread(target=self._accept, name="tcp-proxy", daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._closing:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.attempts += 1
            if not self.up:
                client.close()          # the server "cannot be reached"
                continue
            if self.stalled.is_set():
                with self._lock:
                    self._pairs.append((client, client))     # held open, never answered
                continue
            try:
                server = socket.create_connection(self.target, timeout=5)
                server.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._pairs.append((client, server))
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                while self.stalled.is_set():      # dropped on the way; the sockets stay open
                    if self._closing:
                        return
                    time.sleep(0.01)
                    data = b""
                if data:
                    dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        """Drop every connection now and refuse new ones."""
        self.up = False
        self.cuts += 1
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            for s in pair:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def stall(self) -> None:
        """Forward nothing from now on, in either direction, and close nothing."""
        self.stalled.set()

    def restore(self) -> None:
        self.up = True
        self.stalled.clear()

    def close(self) -> None:
        self._closing = True
        self.cut()
        self.listener.close()

    def url_for(self, url: str) -> str:
        """URL with 127.0.0.1:5432 replaced by the proxy."""
        host, port = self.target
        return url.replace(f"{host}:{port}", f"127.0.0.1:{self.port}")
