"""Uploaded images (logos, signatures): checked, re-encoded, stored under a server-made key."""

import io
import secrets

from flask_babel import lazy_gettext as _l
from PIL import Image, PngImagePlugin, UnidentifiedImageError

from ..errors import ServiceError
from ..extensions import db
from .models import StoredImage

MAX_BYTES = 1024 * 1024
MAX_PIXELS = 2000
MIN_PIXELS = 16
# Text chunks in an uploaded PNG are metadata we throw away: refuse big ones early.
PngImagePlugin.MAX_TEXT_CHUNK = 64 * 1024
PngImagePlugin.MAX_TEXT_MEMORY = 256 * 1024


def store_image(data: bytes) -> StoredImage:
    """Check an upload (PNG or JPEG, size and pixel limits), re-encode it as PNG and add it
    to the session. Nothing of the original file (name, metadata) is kept."""
    if len(data) > MAX_BYTES:
        raise ServiceError(_l("The image is larger than 1 MB."), 400)
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            if kind not in ("PNG", "JPEG"):
                raise ServiceError(_l("Upload a PNG or JPEG image."), 400)
            width, height = image.size
            if max(width, height) > MAX_PIXELS or min(width, height) < MIN_PIXELS:
                raise ServiceError(
                    _l(
                        "The image must be between %(min)s and %(max)s pixels on each side.",
                        min=MIN_PIXELS,
                        max=MAX_PIXELS,
                    ),
                    400,
                )
            image.load()
            converted = image.convert("RGBA")
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,  # e.g. a text chunk that decompresses beyond the limits above
        Image.DecompressionBombError,
    ) as e:
        raise ServiceError(_l("Upload a PNG or JPEG image."), 400) from e
    out = io.BytesIO()
    converted.save(out, format="PNG", optimize=True)
    stored = StoredImage(
        key=secrets.token_hex(16),
        content_type="image/png",
        width=width,
        height=height,
        data=out.getvalue(),
    )
    db.session.add(stored)
    return stored
