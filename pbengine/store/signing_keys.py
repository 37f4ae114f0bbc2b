"""The server's signing keys, in a file only the server's user may read.

The file holds the current private key and the public keys of the keys it
replaced, so receipts and checkpoints signed before a rotation still verify:

    {"format": "pbengine.signing-keys/1",
     "current": {"key_id", "public_key", "private_key", "created"},
     "retired": [{"key_id", "public_key", "created", "retired"}]}

A retired key's private half is dropped at rotation: nothing may be signed
with it again. The core signs and verifies (core/audit/signing.py); this
module only reads, creates and rotates the file, and holds the keys this
process signs with.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import stat
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from pbengine.core.audit.chain import Event
from pbengine.core.audit.signing import (
    ALGORITHM,
    decode,
    encode,
    key_id,
    public_key_of,
    signed_head,
)
from pbengine.settings import Settings, default_signing_key
from pbengine.store import digest_key
from pbengine.store.tables import utc_now

FORMAT = "pbengine.signing-keys/1"
logger = logging.getLogger("pbengine.keys")


class SigningKeyError(RuntimeError):
    """The key file cannot be read, created or rotated; the message names the file."""


@dataclass(frozen=True)
class Keyring:
    private_key: bytes
    created: str
    retired: tuple[dict[str, Any], ...] = field(default=())
    digest_key: bytes = field(default=b"", repr=False)
    """Keys the pseudonyms in the log (store/digest_key.py); its own file, never rotated."""

    def pseudonym(self, text: str) -> str:
        """HMAC-SHA256 of `text` under the digest key: who holds no key cannot test a guess."""
        if not self.digest_key:
            raise SigningKeyError("no digest key loaded: pseudonyms need one")
        return hmac.new(self.digest_key, text.encode("utf-8"), hashlib.sha256).hexdigest()

    @property
    def key_id(self) -> str:
        return key_id(public_key_of(self.private_key))

    def sign(self, kind: str, round_id: int, event: Event) -> dict[str, Any]:
        """The head `event` made: the log then held `event.height + 1` events."""
        return signed_head(
            self.private_key,
            kind,
            round_id=round_id,
            height=event.height + 1,
            hash_=event.hash,
            at=event.at,
        )

    def public(self) -> dict[str, Any]:
        """What anyone may know: every key's public half, the current one first."""
        current = {
            "key_id": self.key_id,
            "public_key": encode(public_key_of(self.private_key)),
            "created": self.created,
            "retired": None,
        }
        return {"algorithm": ALGORITHM, "current": self.key_id, "keys": [current, *self.retired]}


def key_file(settings: Settings) -> Path:
    return settings.signing_key or default_signing_key(settings.database_url)


def load_or_create(path: Path) -> Keyring:
    """The keys in `path`, made there (readable by this user alone) if there is no file."""
    if not path.exists():
        made = Keyring(_new_private_key(), utc_now().isoformat())
        # Read back rather than returned: another process starting at the same moment may
        # have made the file first, and every process must sign with the one on disk.
        if _write(path, made, create=True):
            logger.info("created signing key %s in %s", made.key_id, path)
    elif path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        logger.warning("signing key file %s is readable by others: chmod 600 it", path)
    try:
        secret = digest_key.load_or_create(digest_key.beside(path))
    except digest_key.DigestKeyError as exc:
        raise SigningKeyError(str(exc)) from None
    return replace(_read(path), digest_key=secret)


def _read(path: Path) -> Keyring:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise ValueError(f"format should be {FORMAT!r}")
        current = data["current"]
        keyring = Keyring(
            decode(current["private_key"]), current["created"], tuple(data["retired"])
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SigningKeyError(f"cannot read the signing key file {path}: {exc}") from None
    if keyring.key_id != current.get("key_id"):
        raise SigningKeyError(f"{path}: the current key's id does not match its key")
    return keyring


def rotate(path: Path) -> tuple[Keyring, Keyring]:
    """A new current key; the old one's public half stays listed, its private half goes."""
    old = load_or_create(path)
    now = utc_now().isoformat()
    retired = {**old.public()["keys"][0], "retired": now}
    new = Keyring(_new_private_key(), now, (retired, *old.retired), old.digest_key)
    _write(path, new, create=False)
    logger.info("rotated signing key %s to %s in %s", old.key_id, new.key_id, path)
    return old, new


def _new_private_key() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes(
        Encoding.Raw, PrivateFormat.Raw, NoEncryption()
    )


def _write(path: Path, keyring: Keyring, *, create: bool) -> bool:
    """Written aside with mode 0600 from the start and renamed: never readable by others,
    never half written. Creating never replaces a file another process made meanwhile."""
    current = {**keyring.public()["keys"][0], "private_key": encode(keyring.private_key)}
    del current["retired"]
    text = json.dumps(
        {"format": FORMAT, "current": current, "retired": list(keyring.retired)}, indent=1
    )
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            out.write(text + "\n")
        if create:
            os.link(partial, path)
            partial.unlink()
        else:
            partial.replace(path)
    except FileExistsError:
        partial.unlink(missing_ok=True)
        return False
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise SigningKeyError(f"cannot write the signing key file {path}: {exc}") from None
    return True


_lock = threading.Lock()
_in_use: Keyring | None = None


def use_keyring(keyring: Keyring | None) -> None:
    """The keys this process signs with (bootstrap loads them from the settings' file)."""
    global _in_use  # noqa: PLW0603  (one key per process, like the presets folder)
    with _lock:
        _in_use = keyring


def keyring() -> Keyring:
    """The keys in use; a process that did not bootstrap loads the configured file."""
    global _in_use  # noqa: PLW0603
    with _lock:
        if _in_use is None:
            _in_use = load_or_create(key_file(Settings.from_env()))
        return _in_use
