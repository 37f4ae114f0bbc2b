"""The server's digest key: the secret that keys the pseudonyms the round's log holds.

A proposer appears in the log as an HMAC of their name under this key, never as a
plain hash: a plain hash lets anyone holding the record try names until one matches.
The key never leaves the server (it is in no record, reply or log); replay needs only
to compare pseudonyms, never to recompute them.

The file sits beside the signing keys (signing_keys.py loads both at start), mode 0600
from the moment it exists, and is made at first start:

    {"format": "pbengine.digest-key/1", "key": "<64 hex digits>", "created": "..."}

It is never rotated with the signing keys: a new key would give a proposer a new
pseudonym in the middle of a round.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import stat
from pathlib import Path

from pbengine.store.tables import utc_now

FORMAT = "pbengine.digest-key/1"
logger = logging.getLogger("pbengine.keys")


class DigestKeyError(RuntimeError):
    """The digest key file cannot be read or created; the message names the file."""


def beside(signing_key_file: Path) -> Path:
    """`signing-keys.json` -> `signing-keys.digest-key`, in the same folder."""
    return signing_key_file.with_name(signing_key_file.name.removesuffix(".json") + ".digest-key")


def load_or_create(path: Path) -> bytes:
    if not path.exists():
        text = json.dumps(
            {"format": FORMAT, "key": secrets.token_hex(32), "created": utc_now().isoformat()}
        )
        if _create(path, text + "\n"):
            logger.info("created the digest key in %s", path)
    elif path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        logger.warning("digest key file %s is readable by others: chmod 600 it", path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise ValueError(f"format should be {FORMAT!r}")
        key = bytes.fromhex(data["key"])
        if len(key) != 32:
            raise ValueError("the key is not 32 bytes")
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise DigestKeyError(f"cannot read the digest key file {path}: {exc}") from None
    return key


def _create(path: Path, text: str) -> bool:
    """Written aside with mode 0600 and linked into place: never readable by others, never
    half written, and never replacing a file another process made meanwhile."""
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            out.write(text)
        os.link(partial, path)
    except FileExistsError:
        return False
    except OSError as exc:
        raise DigestKeyError(f"cannot write the digest key file {path}: {exc}") from None
    finally:
        partial.unlink(missing_ok=True)
    return True
