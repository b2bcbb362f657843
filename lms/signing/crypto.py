"""The key that seals stored signing keys: Fernet, from LMS_SIGNING_KEY through HKDF."""

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

__all__ = ["InvalidToken", "seal", "unseal"]


def _fernet() -> Fernet:
    # Without LMS_SIGNING_KEY the app's secret key is the root (documented in the README).
    secret = current_app.config.get("SIGNING_KEY") or current_app.config["SECRET_KEY"]
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"akademi-kim", info=b"signing-keys"
    ).derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def seal(data: bytes) -> bytes:
    return _fernet().encrypt(data)


def unseal(token: bytes) -> bytes:
    return _fernet().decrypt(token)
