"""The keys that sign credit extracts (Ed25519), and signing and checking a payload.

Which key signs: ``CREDIT_GATEWAY_SIGNING_KEY`` (a PEM file of an Ed25519 private key) when set. Without
it, on SQLite (the embedded demo) the gateway generates a key the first time it issues an extract and keeps
it in ``extract_signing_key``, so the same key signs from then on; on PostgreSQL it refuses to issue
(``SERVICE_UNAVAILABLE``, reason ``SIGNING_KEY_MISSING``): a production key is made and kept by its
operators, never generated in passing where a lost database would silently mean a new key.

Every key that signed is registered by its key id (the first 8 bytes of the SHA-256 of its raw public key,
in hex) with its public key, and never removed: after a rotation (a new PEM file) the documents signed
with the old key still verify, and ``/.well-known/credit-gateway-keys.json`` publishes them all.

``cryptography`` (its compiled bindings, some 7 MB a process) is imported by the functions that sign, check
or read a key, not at the top: the extracts' routes and schema import this module in every worker, which
then loads it with its first extract issued or checked, or at start when a signing key is configured.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.features.extracts.tables import extract_signing_key
from gateway.kernel.errors import SERVICE_UNAVAILABLE, ConfigurationError, GatewayError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

KEY_ID_BYTES = 8
SIGNING_KEY_MISSING = "SIGNING_KEY_MISSING"


@dataclass(frozen=True, slots=True)
class SigningKey:
    key_id: str
    private_key: Ed25519PrivateKey
    public_hex: str


def raw_public(private_key: Ed25519PrivateKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id_of(public_raw: bytes) -> str:
    return hashlib.sha256(public_raw).hexdigest()[: KEY_ID_BYTES * 2]


def fingerprint(public_hex: str) -> str:
    """The public key's SHA-256, first 16 hex digits in groups of four: short enough to read aloud."""
    digest = hashlib.sha256(bytes.fromhex(public_hex)).hexdigest()[:16].upper()
    return " ".join(digest[i : i + 4] for i in range(0, 16, 4))


def canonical(payload: dict[str, Any]) -> bytes:
    """The bytes that are signed: JSON with sorted keys, no spaces, UTF-8."""
    return orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(key: SigningKey, payload: bytes) -> str:
    return b64(key.private_key.sign(payload))


def verifies(public_hex: str | None, payload: bytes, signature: str) -> bool:
    """Whether ``signature`` (base64url) is the key's over ``payload``; False for anything malformed."""
    if not public_hex:
        return False
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex)).verify(unb64(signature), payload)
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True


def _from_pem(pem: bytes, where: str) -> Ed25519PrivateKey:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise ConfigurationError(f"{where}: not a PEM private key without a password ({exc})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigurationError(f"{where}: the signing key must be an Ed25519 key")
    return key


def pem_of(private_key: Ed25519PrivateKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _signing(private_key: Ed25519PrivateKey) -> SigningKey:
    public = raw_public(private_key)
    return SigningKey(key_id_of(public), private_key, public.hex())


def configured_key(settings: Any) -> SigningKey | None:
    """The key of ``CREDIT_GATEWAY_SIGNING_KEY``, or None when unset. A file that cannot be read or is no
    Ed25519 key stops the start (the plugin reads it at start)."""
    path = settings.signing_key
    if path is None:
        return None
    try:
        pem = path.read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"CREDIT_GATEWAY_SIGNING_KEY: cannot read {path}: {exc.strerror}") from None
    return _signing(_from_pem(pem, f"CREDIT_GATEWAY_SIGNING_KEY ({path})"))


async def current_key(conn: AsyncConnection, settings: Any, now: dt.datetime) -> SigningKey:
    """The key that signs now, registered in ``extract_signing_key`` (one statement once registered)."""
    configured = configured_key(settings)
    if configured is not None:
        query = sa.select(extract_signing_key.c.key_id).where(extract_signing_key.c.key_id == configured.key_id)
        if (await conn.execute(query)).first() is None:
            await _register(conn, configured, now, keep_private=False)
        return configured
    if conn.dialect.name != "sqlite":
        raise GatewayError(
            "Credit extracts cannot be issued: the gateway has no signing key (CREDIT_GATEWAY_SIGNING_KEY)",
            SERVICE_UNAVAILABLE,
            reason=SIGNING_KEY_MISSING,
        )
    query = (
        sa.select(extract_signing_key.c.private_key_pem)
        .where(extract_signing_key.c.private_key_pem.is_not(None))
        .order_by(extract_signing_key.c.created_at, extract_signing_key.c.key_id)
        .limit(1)
    )
    stored = (await conn.execute(query)).scalar_one_or_none()
    if stored is not None:
        return _signing(_from_pem(stored.encode("ascii"), "extract_signing_key"))
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    generated = _signing(Ed25519PrivateKey.generate())
    await _register(conn, generated, now, keep_private=True)
    return generated


async def _register(conn: AsyncConnection, key: SigningKey, now: dt.datetime, *, keep_private: bool) -> None:
    values = {
        "key_id": key.key_id,
        "public_key": key.public_hex,
        "private_key_pem": pem_of(key.private_key).decode("ascii") if keep_private else None,
        "created_at": now,
    }
    try:
        async with conn.begin_nested():
            await conn.execute(sa.insert(extract_signing_key).values(**values))
    except IntegrityError:
        pass  # registered meanwhile by a concurrent request: the same key


async def public_keys(conn: AsyncConnection) -> list[Any]:
    query = sa.select(
        extract_signing_key.c.key_id, extract_signing_key.c.public_key, extract_signing_key.c.created_at
    ).order_by(extract_signing_key.c.created_at, extract_signing_key.c.key_id)
    return list((await conn.execute(query)).all())
