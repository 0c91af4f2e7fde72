"""Errors of the store. Each message is a sentence naming what was expected and what was given."""


class WarehouseError(Exception):
    """Base of every business error; the terminal shows its message as it is."""


class NotFound(WarehouseError):
    """An item, location, order or operator that the store does not know."""


class InvalidInput(WarehouseError):
    """A value that breaks a rule of shape: a negative quantity, a missing lot, a bad date."""


class InsufficientStock(WarehouseError):
    """A posting would take a physical location below zero."""


class RuleViolation(WarehouseError):
    """A business rule refused the operation: FEFO, over-receipt, a second undo."""


class PermissionDenied(WarehouseError):
    """The operator's role does not allow the operation."""


class StoreUnavailable(WarehouseError):
    """The database cannot be reached; the operation may be retried with the same key."""


class StoreBusy(WarehouseError):
    """PostgreSQL kept breaking the operation's transaction to resolve conflicts with other
    stations' (deadlocks, serialization failures), more times than it is retried. Nothing was
    posted; the same key may be tried again."""
