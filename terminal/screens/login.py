"""The first screen: who is working at this station."""
from __future__ import annotations

from terminal.i18n import N_

from .flow import FlowScreen


class LoginScreen(FlowScreen):
    def key_list(self):
        return [("f1", N_("Help")), ("f2", N_("Type scan")), ("ctrl+q", N_("Quit"))]
