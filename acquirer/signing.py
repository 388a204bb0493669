"""The Ed25519 key that signs every export's ``manifest.json`` (``acquirer.manifests``), so an auditor can check
outside the system that nothing was altered after the file left it.

The private key comes from ``ACQUIRER_EXPORT_SIGNING_KEY``: the base64 of the 32-byte private seed, or a PEM
(PKCS#8, unencrypted). Production refuses to start without it (``acquirer/settings/prod.py``); the demo and the
tests derive a stable key from their ``SECRET_KEY`` with HKDF (:func:`derive_seed`). Rotate it by setting a new
key: manifests signed before name the old key's fingerprint, so keep the old public key with the auditors.

The signature is over the exact bytes of ``manifest.json`` (canonical JSON: sorted keys, UTF-8, no spaces) and
is shipped raw (64 bytes) as ``manifest.sig``: ``openssl pkeyutl -verify -pubin -inkey export-signing-public.pem
-rawin -in manifest.json -sigfile manifest.sig`` checks it (OpenSSL 3). See docs/security.md."""

import base64
import binascii
import hashlib
import json
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.core.exceptions import ImproperlyConfigured

ALGORITHM = "Ed25519"
SETTING = "ACQUIRER_EXPORT_SIGNING_KEY"


def derive_seed(secret: str) -> str:
    """A private seed (base64) derived from ``secret`` with HKDF-SHA-256: the demo's and the tests' key, stable
    for a given ``SECRET_KEY``. Never used in production, which sets the key itself."""
    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"acquirer-export-signing",
                info=b"ed25519 seed").derive(secret.encode())
    return base64.b64encode(seed).decode()


def canonical(data: dict) -> bytes:
    """The one byte form of a manifest: sorted keys, UTF-8 (Chinese as it is), no spaces."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _parse_private(spec: str) -> Ed25519PrivateKey:
    text = spec.strip()
    if not text:
        raise ImproperlyConfigured(f"{SETTING} is not set: export manifests cannot be signed")
    if text.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_private_key(text.encode(), password=None)
        except ValueError as error:
            raise ImproperlyConfigured(f"{SETTING}: not a readable PEM private key ({error})") from error
        if not isinstance(key, Ed25519PrivateKey):
            raise ImproperlyConfigured(f"{SETTING}: the PEM key is not an Ed25519 key")
        return key
    try:
        seed = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as error:
        raise ImproperlyConfigured(f"{SETTING}: neither a PEM key nor base64") from error
    if len(seed) != 32:
        raise ImproperlyConfigured(f"{SETTING}: the base64 must hold the 32-byte private seed, not {len(seed)}")
    return Ed25519PrivateKey.from_private_bytes(seed)


@lru_cache(maxsize=4)
def _private(spec: str) -> Ed25519PrivateKey:
    return _parse_private(spec)


def private_key() -> Ed25519PrivateKey:
    from django.conf import settings

    return _private(getattr(settings, SETTING, "") or "")


def public_key() -> Ed25519PublicKey:
    return private_key().public_key()


def public_pem(key: Ed25519PublicKey | None = None) -> str:
    """The public key as PEM (SubjectPublicKeyInfo): what auditors keep and ``openssl`` reads."""
    key = key or public_key()
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def fingerprint(key: Ed25519PublicKey | None = None) -> str:
    """SHA-256 of the raw 32-byte public key, in hex: printed on the help page and named in every manifest."""
    key = key or public_key()
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def key_id(key: Ed25519PublicKey | None = None) -> str:
    """A short name of the key: the fingerprint's first 16 hex digits."""
    return fingerprint(key)[:16]


def sign(data: bytes) -> bytes:
    """The raw 64-byte Ed25519 signature of ``data`` (the exact manifest bytes)."""
    return private_key().sign(data)


def load_public_pem(data: bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(data)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def verify(data: bytes, signature: bytes, key: Ed25519PublicKey | None = None) -> bool:
    """Whether ``signature`` is the signature of exactly ``data`` under ``key`` (the configured key by default)."""
    key = key or public_key()
    try:
        key.verify(signature, data)
    except InvalidSignature:
        return False
    return True
