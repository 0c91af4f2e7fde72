"""Which flow runs each job of the menu (the count flow belongs to the count screen)."""
from __future__ import annotations

import importlib

from .base import Flow

JOB_FLOWS = {
    "receive": ("terminal.flows.receiving", "ReceivingFlow"),
    "putaway": ("terminal.flows.putaway", "PutawayFlow"),
    "pick": ("terminal.flows.picking", "PickingFlow"),
    "ship": ("terminal.flows.shipping", "ShippingFlow"),
    "transfer": ("terminal.flows.transfer", "TransferFlow"),
    "lookup": ("terminal.flows.lookup", "LookupFlow"),
    "exceptions": ("terminal.flows.exceptions", "ExceptionsFlow"),
    "offline": ("terminal.flows.offline", "OfflineFlow"),
    "returns": ("terminal.flows.returns", "ReturnsFlow"),
}

# Jobs whose screen another part of the app owns: (module, class).
JOB_SCREENS = {
    "count": ("terminal.screens.count", "CountScreen"),
    "supervisor": ("terminal.screens.supervisor", "SupervisorScreen"),
}


def make_flow(job: str, session, **args) -> Flow:
    module, name = JOB_FLOWS[job]
    return getattr(importlib.import_module(module), name)(session, **args)
