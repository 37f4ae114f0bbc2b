"""Commands for auditors: `export`, `replay`, `verify-extends`, `verify-receipt`; and for
the operator, `rotate-key`.

Replay and the verify commands read only the files given: they need no
database and no access to the server that produced them.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pbengine.cli.common import Commands, UsageError, read_as_auditor
from pbengine.settings import Settings


def add_commands(commands: Commands) -> None:
    export = commands.add_parser(
        "export", help="write a round's record (event log, rules, result) to a file"
    )
    export.add_argument("round", type=int, help="a round id in PBENGINE_DATABASE_URL")
    export.add_argument("--out", required=True, help="the record file to write (JSON)")
    export.add_argument(
        "--published",
        action="store_true",
        help="the published record: the ballots' contents apart from the chain, so that no "
        "tracker maps to a ballot (once the result is published)",
    )
    export.set_defaults(handler=_export)

    replay = commands.add_parser(
        "replay",
        help="verify a record's chain, rebuild the round, recompute its allocation",
    )
    replay.add_argument("record", help="a record file from `export` or GET .../record")
    replay.set_defaults(handler=_replay)

    extends = commands.add_parser(
        "verify-extends",
        help="check that a later record keeps every event of an earlier one, or the head a "
        "signed checkpoint names",
    )
    extends.add_argument(
        "old", help="the earlier record, or a checkpoint (or GET .../checkpoints) saved earlier"
    )
    extends.add_argument("new", help="the later record")
    extends.add_argument("--keys", help=KEYS_HELP)
    extends.set_defaults(handler=_verify_extends)

    receipt = commands.add_parser(
        "verify-receipt",
        help="check a ballot receipt's signature, and that the record's log still holds it",
    )
    receipt.add_argument("receipt", help="the receipt (or the whole reply to the ballot)")
    receipt.add_argument("record", help="the round's record")
    receipt.add_argument("--keys", help=KEYS_HELP)
    receipt.set_defaults(handler=_verify_receipt)

    rotate = commands.add_parser(
        "rotate-key",
        help="replace the server's signing key; the old public key stays listed",
    )
    rotate.set_defaults(handler=_rotate_key)


def _export(args: argparse.Namespace, settings: Settings) -> int:
    from pbengine.service.audit import AuditService, before_close

    exported, phase = read_as_auditor(
        settings,
        args.round,
        lambda session, auditor: (
            AuditService(session).published_record(args.round)
            if args.published
            else AuditService(session).record(auditor, args.round),
            AuditService(session).phase(args.round),
        ),
    )
    record = exported.model_dump(mode="json")
    if before_close(phase):
        # The operator can read every table anyway; the warning is for what they do next.
        print(
            f"warning: round {args.round} is in '{phase}': this record shows the ballots cast "
            "so far (running tallies). Do not pass it on before voting closes; the public "
            "head (GET .../head) and checkpoints (GET .../checkpoints) are what to share now.",
            file=sys.stderr,
        )
    out = Path(args.out)
    partial = out.with_name(out.name + ".partial")
    # Written aside and renamed, so a failure never leaves half a record under the name.
    partial.write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    partial.replace(out)
    print(
        f"round {args.round}: {len(record['events'])} events, head {record['head']['hash']}, "
        f"written to {out}"
    )
    return 0


def _replay(args: argparse.Namespace, settings: Settings) -> int:
    from pbengine.service.replay import replay

    del settings
    record = _read(args.record)
    events = len(record.get("events") or [])
    print(
        f"replaying {events:,} events from {args.record} ...",
        file=sys.stderr,
        flush=True,
    )
    outcome = replay(record)
    if not outcome.ok:
        print(f"replay FAILED: {outcome.problem}")
        return 1
    if outcome.result_hash is None:
        print(f"replay OK (no allocation recorded yet; {events} events verified)")
    else:
        print(f"replay OK {outcome.result_hash}")
    if outcome.reallocated is not None:
        print(_reallocated(outcome.reallocated))
    return 0


def _reallocated(p: Mapping[str, Any]) -> str:
    funded = ", ".join(f"{f['project']} ({f['cost']})" for f in p["funded"]) or "nothing"
    return (
        f"reallocated by {p['rule']}: {p['released']} released; funded {funded}; "
        f"{p['carried']} carried to the next round"
    )


def _verify_extends(args: argparse.Namespace, settings: Settings) -> int:
    from pbengine.service.replay import verify_extends

    del settings
    old, new = _read(args.old), _read(args.new)
    if "signature" in old or ("checkpoints" in old and "events" not in old):
        return _verify_checkpoints(old, new, _keys(args.keys))
    problem = verify_extends(old, new)
    if problem is not None:
        print(f"extends FAILED: {problem}")
        return 1
    kept, added = len(old["events"]), len(new["events"]) - len(old["events"])
    print(f"extends OK: all {kept} earlier events kept unchanged, {added} added")
    return 0


def _verify_checkpoints(
    old: dict[str, Any], new: dict[str, Any], keys: dict[str, Any] | None
) -> int:
    from pbengine.core.audit.signing import CHECKPOINT
    from pbengine.service.replay import verify_signed_head

    checkpoints = old.get("checkpoints") if "signature" not in old else [old]
    if not isinstance(checkpoints, list) or not checkpoints:
        print("extends FAILED: the earlier file holds no checkpoint")
        return 1
    for checkpoint in checkpoints:
        problem = verify_signed_head(checkpoint, CHECKPOINT, new, keys)
        if problem is not None:
            print(f"extends FAILED: checkpoint at height {_height(checkpoint)}: {problem}")
            return 1
    heights = ", ".join(str(c["height"]) for c in checkpoints)
    print(f"extends OK: the later record holds the signed checkpoint(s) at height {heights}")
    return 0


def _verify_receipt(args: argparse.Namespace, settings: Settings) -> int:
    from pbengine.core.audit.signing import RECEIPT
    from pbengine.service.replay import verify_signed_head

    del settings
    receipt, record = _read(args.receipt), _read(args.record)
    # The whole reply to a ballot is accepted too: it is what a resident most likely saved.
    if isinstance(receipt.get("receipt"), dict):
        receipt = receipt["receipt"]
    problem = verify_signed_head(receipt, RECEIPT, record, _keys(args.keys))
    if problem is not None:
        print(f"receipt FAILED: {problem}")
        return 1
    print(
        f"receipt OK: signed by key {receipt['key_id']}; ballot {receipt['hash']} is event "
        f"{receipt['height'] - 1} of round {receipt['round']}'s record, whose log is unbroken"
    )
    return 0


def _rotate_key(args: argparse.Namespace, settings: Settings) -> int:
    from pbengine.store.signing_keys import SigningKeyError, key_file, rotate

    del args
    path = key_file(settings)
    try:
        old, new = rotate(path)
    except SigningKeyError as exc:
        raise UsageError(str(exc)) from None
    print(
        f"signing key {old.key_id} retired, {new.key_id} now signs ({path}); restart the "
        "server to sign with it. The old public key stays listed."
    )
    return 0


KEYS_HELP = "the public keys (/.well-known/pbengine-keys.json); default: the record's own"


def _keys(path: str | None) -> dict[str, Any] | None:
    return None if path is None else _read(path)


def _height(head: Any) -> Any:
    return head.get("height") if isinstance(head, dict) else None


def _read(path: str) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path} is not JSON (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(data, dict):
        raise UsageError(f"{path} is not a round record")
    return data
