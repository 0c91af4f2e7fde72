"""`wh init`, `wh verify` and `wh undo`: the store itself and its ledger."""
from __future__ import annotations

from gettext import gettext as _

from .common import add_operator, command, station_of


def register(sub) -> None:
    command(sub, "init", cmd_init, "create or upgrade the schema (idempotent)")
    command(sub, "verify", cmd_verify, "recompute every balance from the ledger and compare")
    p = command(sub, "undo", cmd_undo, "reverse a movement through the ledger")
    p.add_argument("movement_id", type=int, metavar="MOVEMENT_ID")
    p.add_argument("--key", metavar="KEY", help="idempotency key: the same key undoes once")
    add_operator(p)


def cmd_init(args) -> int:
    from db.core.connection import describe_url
    from db.core.schema import init_schema
    version = init_schema()
    print(_('schema version {version} ready in {describe_url}').format(
              version=version, describe_url=describe_url(args.cfg.db_url)))
    return 0


def cmd_verify(args) -> int:
    from db.ledger.posting import verify
    result = verify()
    print(result.summary())
    for line in result.mismatches:
        print(f"  {line}")
    return 0 if result.consistent else 1


def cmd_undo(args) -> int:
    from db.inventory import undo_movement
    movement = undo_movement(args.movement_id, operator=args.operator, station=station_of(args), key=args.key)
    print(_('movement {movement_id} reversed by movement {id}: {qty} × {sku} {code} → {code2}').format(
              movement_id=args.movement_id, id=movement.id, qty=movement.qty, sku=movement.item.sku,
              code=movement.from_location.code, code2=movement.to_location.code))
    return 0
