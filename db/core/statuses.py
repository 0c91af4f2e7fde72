"""Every document status, as string enums: the stored values are these strings, so the store,
CSV and JSON read as before, and a typo in a status is a NameError, not a silent mismatch.

A StrEnum member equals its string (`POStatus.OPEN == "open"`), so rows read from the store
compare with them as they are.
"""
from __future__ import annotations

from enum import StrEnum
from gettext import gettext as _


class POStatus(StrEnum):
    """A purchase order: draft (a reorder suggestion not yet sent) → open → partial → received;
    closed by hand (the rest cancelled or backordered), or cancelled."""
    DRAFT = "draft"
    OPEN = "open"
    PARTIAL = "partial"
    RECEIVED = "received"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class POLineStatus(StrEnum):
    """A PO line: open → partial → received as goods arrive; cancelled or backordered when its
    order is closed with units missing."""
    OPEN = "open"
    PARTIAL = "partial"
    RECEIVED = "received"
    CANCELLED = "cancelled"
    BACKORDERED = "backordered"


class SOStatus(StrEnum):
    """A sales order: open → picking (claimed by a station) → picked → shipped, or partial
    (shipped with a backorder for the rest), or cancelled."""
    OPEN = "open"
    PICKING = "picking"
    PICKED = "picked"
    SHIPPED = "shipped"
    PARTIAL = "partial"
    CANCELLED = "cancelled"


def status_word(status) -> str:
    """STATUS (a document's or line's) as a message names it, in the chosen language. The words
    are marked where the station lists them (terminal/flows/base.py STATUS_WORDS); the stored
    status stays the English string."""
    text = str(status or "")
    return _(text) if text else text


# Purchase orders still expecting goods (the receive screen's list), those a station may
# receive against (a received PO takes an over-receipt within tolerance), and those that count
# as "on order" in the stock position (a draft is on order at once, so the reorder does not
# order twice).
OPEN_PO_STATUSES = (POStatus.OPEN, POStatus.PARTIAL)
RECEIVABLE_PO_STATUSES = (POStatus.OPEN, POStatus.PARTIAL, POStatus.RECEIVED)
ON_ORDER_PO_STATUSES = (POStatus.DRAFT, POStatus.OPEN, POStatus.PARTIAL)
# Sales orders still to ship (they hold or will hold stock), and those no pick may change.
OPEN_SO_STATUSES = (SOStatus.OPEN, SOStatus.PICKING, SOStatus.PICKED)
TO_SHIP_SO_STATUSES = (SOStatus.PICKING, SOStatus.PICKED)
CLOSED_SO_STATUSES = (SOStatus.SHIPPED, SOStatus.PARTIAL, SOStatus.CANCELLED)
