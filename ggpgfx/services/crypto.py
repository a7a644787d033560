"""Secrets at rest: AES-256-GCM with a random nonce per value, bound to the row it belongs to."""

from __future__ import annotations

import os

from ggpgfx.errors import ServiceError

_VERSION = b"\x01"


class SecretBox:
    """Encrypts short secrets (stream keys, TOTP seeds, webhook secrets) for storage."""

    def __init__(self, key: bytes) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        if len(key) != 32:
            raise ValueError("AES-256-GCM needs a 32-byte key")
        self._aead = AESGCM(key)

    def encrypt(self, plaintext: str, context: str) -> bytes:
        """Return version || nonce || ciphertext+tag; `context` (e.g. the org id) is authenticated data."""
        nonce = os.urandom(12)
        return _VERSION + nonce + self._aead.encrypt(nonce, plaintext.encode(), context.encode())

    def decrypt(self, blob: bytes, context: str) -> str:
        """Reverse `encrypt`; a wrong key or context raises ServiceError instead of returning garbage."""
        from cryptography.exceptions import InvalidTag

        if not blob or blob[:1] != _VERSION:
            raise ServiceError("stored secret has an unknown format", 500)
        try:
            return self._aead.decrypt(blob[1:13], blob[13:], context.encode()).decode()
        except InvalidTag as exc:
            raise ServiceError("stored secret cannot be decrypted with the configured key", 500) from exc


def mask(secret: str) -> str:
    """`********` and at most a quarter of the last characters (4 at most): a short key stays hidden."""
    from ggpgfx.media.redact import mask_secret

    return mask_secret(secret)
