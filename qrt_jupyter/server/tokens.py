"""Access tokens of a runtime server: created once, stored hashed, checked fast.

A token is ``qrt_<id>_<secret>``. The id is not secret: it finds the one
record to check, so a request costs one slow hash (scrypt, ~50 ms by design)
only the first time a token is seen; after that an in-memory cache keyed by
an HMAC of the token (with a key that lives only in this process) answers in
microseconds. The cache is dropped for a token whenever the token file
changes on disk (``qrt-runtime token revoke`` rewrites it), so a revoked token
stops working at the server's next request.

The file is ``$home/tokens.json`` (mode 0600): names, roles, salts, scrypt
hashes, creation and last-use times -- never a token. It is not the runtime
store: tokens are the server's business, not the runtime's.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import re
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

ROLES = ("manager", "writer", "reader")
TOKEN_FILE = "tokens.json"

_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
_TOKEN = re.compile(r"qrt_([0-9a-f]{12})_([A-Za-z0-9_-]{20,100})")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}")
LAST_USED_FLUSH_SECONDS = 60.0
ACCESS_TOKEN_SECONDS = 3600.0
"""Lifetime of an IAM access token; IBM's client refreshes it at about 80% of that."""


class TokenError(ValueError):
    """A token command that cannot be done (the message says why and what to do)."""


@dataclass(frozen=True)
class Principal:
    """Who made a request: a token's name and roles (never the token)."""

    name: str
    roles: tuple[str, ...]


def _hash(secret: str, salt: bytes) -> bytes:
    return hashlib.scrypt(secret.encode(), salt=salt, maxmem=64 * 1024 * 1024, **_SCRYPT)


class TokenFile:
    """The tokens of one home, for the CLI (create/list/revoke) and the server (verify)."""

    def __init__(self, home: str | os.PathLike):
        self.home = Path(home)
        self.path = self.home / TOKEN_FILE
        self._lock = threading.Lock()
        self._records: dict[str, dict] = {}
        self._signature: tuple | None = None
        self._cache_key = secrets.token_bytes(32)
        self._cache: dict[bytes, tuple[str, Principal]] = {}  # hmac(token) -> (record id, principal)
        self._used: dict[str, float] = {}
        self._hashing: dict[bytes, threading.Lock] = {}  # tokens being verified now
        self._last_flush = time.monotonic()

    # -- the file ----------------------------------------------------------------
    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        """Serialize read-modify-write of the file between the CLI and a running server."""
        self.home.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.home / (TOKEN_FILE + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def _read(self) -> list[dict]:
        try:
            text = self.path.read_text()
        except FileNotFoundError:
            return []
        try:
            return list(json.loads(text).get("tokens", []))
        except (json.JSONDecodeError, AttributeError):
            raise TokenError(f"{self.path} is not a token file; move it away and create tokens again.") from None

    def _write(self, records: list[dict]) -> None:
        tmp = self.path.with_suffix(f".tmp{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump({"version": 1, "tokens": records}, handle, indent=1)
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.path)

    # -- CLI -----------------------------------------------------------------------
    def create(self, name: str, roles: list[str]) -> str:
        """Store a new token's hash and return the token itself (the only time it is seen)."""
        if not _NAME.fullmatch(name or ""):
            raise TokenError(f"Token name {name!r} must be letters, digits, '_', '.', '@' or '-' "
                             "(at most 64, starting with a letter or digit).")
        bad = [r for r in roles if r not in ROLES]
        if bad or not roles:
            raise TokenError(f"Unknown role(s) {', '.join(map(repr, bad))}; give --role manager, writer or reader."
                             if bad else "Give at least one --role (manager, writer or reader).")
        token_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        salt = secrets.token_bytes(16)
        with self._exclusive():
            records = self._read()
            if any(r["name"] == name for r in records):
                raise TokenError(f"A token named {name!r} exists; revoke it first "
                                 f"(qrt-runtime token revoke {name}) or choose another name.")
            records.append({
                "name": name, "id": token_id, "roles": sorted(set(roles), key=ROLES.index),
                "salt": salt.hex(), "scrypt": _hash(secret, salt).hex(),
                "created": time.time(), "last_used": None,
            })
            self._write(records)
        return f"qrt_{token_id}_{secret}"

    def list(self) -> list[dict]:
        """Names, roles, created and last used: nothing that could rebuild a token."""
        self.flush_last_used()
        return [{"name": r["name"], "roles": list(r["roles"]), "created": r["created"],
                 "last_used": r.get("last_used")} for r in self._read()]

    def revoke(self, name: str) -> None:
        with self._exclusive():
            records = self._read()
            rest = [r for r in records if r["name"] != name]
            if len(rest) == len(records):
                names = ", ".join(r["name"] for r in records) or "none"
                raise TokenError(f"No token named {name!r} (tokens: {names}).")
            self._write(rest)

    # -- server --------------------------------------------------------------------
    def cached(self, token: str) -> Principal | None:
        """The principal of a token verified before and not revoked since, else None.

        Microseconds, so the server asks this on its event loop and hashes (``verify``,
        ~50 ms) on a worker thread only when it has to.
        """
        if not token or len(token) > 200:
            return None
        self._reload_if_changed()
        with self._lock:
            hit = self._cache.get(self._cache_id(token))
        if hit is None:
            return None
        self._touch(hit[0])
        return hit[1]

    def _cache_id(self, token: str) -> bytes:
        return hmac.new(self._cache_key, token.encode("utf-8", "replace"), hashlib.sha256).digest()

    def verify(self, token: str) -> Principal | None:
        """The token's principal, or None for a token that is malformed, unknown or revoked."""
        hit = self.cached(token)
        if hit is not None or not token or len(token) > 200:
            return hit
        key = self._cache_id(token)
        match = _TOKEN.fullmatch(token)
        if match is None:
            return None
        with self._lock:  # one hash per token: clients that open many connections at once wait for it
            pending = self._hashing.setdefault(key, threading.Lock())
        with pending:
            try:
                hit = self.cached(token)
                return hit if hit is not None else self._check(key, *match.groups())
            finally:
                with self._lock:
                    self._hashing.pop(key, None)

    def _check(self, key: bytes, token_id: str, secret: str) -> Principal | None:
        with self._lock:
            record = self._records.get(token_id)
        if record is None:
            return None
        digest = _hash(secret, bytes.fromhex(record["salt"]))
        if not hmac.compare_digest(digest, bytes.fromhex(record["scrypt"])):
            return None
        principal = Principal(record["name"], tuple(record["roles"]))
        with self._lock:
            if self._records.get(token_id) is record:  # not revoked while we hashed
                self._cache[key] = (token_id, principal)
        self._touch(token_id)
        return principal

    # -- IAM access tokens (IBM's client exchanges its API key at /identity/token) ---------
    def access_token(self, token: str, ttl: float = ACCESS_TOKEN_SECONDS) -> str | None:
        """A short-lived JWT standing for ``token`` (verified first), or None for a bad token.

        IBM's client decodes the access token it gets as a JWT (for its expiry), so it is
        one; it is signed (HS256) with the token record's stored hash, so it survives a
        server restart and dies with ``token revoke``. It carries the record id, not the token.
        """
        import jwt

        principal = self.verify(token)
        match = _TOKEN.fullmatch(token or "")
        if principal is None or match is None:
            return None
        with self._lock:
            record = self._records.get(match.group(1))
        if record is None:
            return None
        now = int(time.time())
        claims = {"sub": match.group(1), "iat": now, "exp": now + int(ttl), "jti": secrets.token_hex(8)}
        return jwt.encode(claims, bytes.fromhex(record["scrypt"]), algorithm="HS256")

    def from_access_token(self, access: str) -> Principal | None:
        """The principal of an unexpired access token of :meth:`access_token`, else None."""
        import jwt

        try:
            token_id = jwt.decode(access, options={"verify_signature": False}).get("sub")
        except jwt.PyJWTError:
            return None
        self._reload_if_changed()
        with self._lock:
            record = self._records.get(token_id) if isinstance(token_id, str) else None
        if record is None:
            return None
        try:
            jwt.decode(access, bytes.fromhex(record["scrypt"]), algorithms=["HS256"])
        except jwt.PyJWTError:  # expired, or not signed for this record
            return None
        self._touch(token_id)
        return Principal(record["name"], tuple(record["roles"]))

    def _reload_if_changed(self) -> None:
        try:
            st = os.stat(self.path)
            signature = (st.st_mtime_ns, st.st_ino, st.st_size)
        except FileNotFoundError:
            signature = None
        if signature == self._signature:
            return
        records = {r["id"]: r for r in self._read()} if signature is not None else {}
        with self._lock:
            self._signature = signature
            old = self._records
            self._records = records
            # a token stays cached only while its record is unchanged
            self._cache = {k: v for k, v in self._cache.items()
                           if records.get(v[0]) is not None and old.get(v[0]) is not None
                           and records[v[0]]["scrypt"] == old[v[0]]["scrypt"]}

    def _touch(self, token_id: str) -> None:
        self._used[token_id] = time.time()
        if time.monotonic() - self._last_flush > LAST_USED_FLUSH_SECONDS:
            self.flush_last_used()

    def flush_last_used(self) -> None:
        """Write last-use times (at most once a minute while serving, and at shutdown)."""
        self._last_flush = time.monotonic()
        used, self._used = self._used, {}
        if not used:
            return
        with self._exclusive():
            records = self._read()
            for record in records:
                if record["id"] in used:
                    record["last_used"] = max(record.get("last_used") or 0, used[record["id"]])
            self._write(records)
