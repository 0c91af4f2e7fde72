"""The first screen: who is working at this station."""
from __future__ import annotations

from .flow import FlowScreen


class LoginScreen(FlowScreen):
    def key_list(self):
        return [("f1", "Help"), ("f2", "Type scan"), ("ctrl+q", "Quit")]
