"""Uploaded contact files kept between the import page's *check* and *import* steps.

A file is stored under a random token (the import page keeps it in the uploader's
session); a token that is not 32 hex digits never becomes a path. Uploads older than a day are
removed when the next one is saved.
"""

import re
import secrets
import time
from pathlib import Path

from django.conf import settings

# An upload token: what save_upload returns.
UPLOAD_TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")
UPLOAD_MAX_AGE_SECONDS = 24 * 60 * 60


def upload_dir() -> Path:
    return Path(getattr(settings, "CONTACT_IMPORT_DIR", settings.BASE_DIR / "var" / "imports"))


def _upload_path(token: str) -> Path:
    if not isinstance(token, str) or not UPLOAD_TOKEN_RE.fullmatch(token):
        raise ValueError("bad upload token")
    return upload_dir() / f"{token}.csv"


def save_upload(data: bytes) -> str:
    """Store an uploaded file under a random token; forget uploads older than a day."""
    directory = upload_dir()
    directory.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - UPLOAD_MAX_AGE_SECONDS
    for old in directory.glob("*.csv"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    token = secrets.token_hex(16)
    _upload_path(token).write_bytes(data)
    return token


def load_upload(token: str) -> bytes | None:
    """The bytes stored under ``token``, or None when the token is bad or the file gone."""
    try:
        return _upload_path(token).read_bytes()
    except (ValueError, OSError):
        return None


def discard_upload(token: str) -> None:
    try:
        _upload_path(token).unlink(missing_ok=True)
    except ValueError:
        pass
