"""Photos handed in for a task, as phones and WhatsApp save them (JPEG, PNG, WebP): checked,
turned upright, re-encoded as JPEG without any metadata (EXIF location included) and shrunk to
at most 1600 px. A 12-megapixel JPEG is decoded at reduced size (Pillow's draft), so checking it
takes well under a second and little memory."""

import io
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import ServiceError

MAX_BYTES = 10 * 1024 * 1024
MAX_SIDE = 1600
MIN_SIDE = 32
FORMATS = ("JPEG", "PNG", "WEBP")
# Decoded pixels we accept: JPEGs are decoded at a fraction of their size, others whole.
MAX_PIXELS = {"JPEG": 64_000_000, "PNG": 24_000_000, "WEBP": 24_000_000}


@dataclass(frozen=True)
class Photo:
    data: bytes
    width: int
    height: int


def _refuse() -> ServiceError:
    return ServiceError(_l("This file is not a photo we can read: send a JPEG, PNG or WebP."), 400)


def process(data: bytes) -> Photo:
    """The photo made safe to keep and show; ServiceError (400) with a clear reason if not."""
    if not data:
        raise _refuse()
    if len(data) > MAX_BYTES:
        raise ServiceError(
            _l("The photo is larger than %(mb)s MB: send a smaller one.", mb=MAX_BYTES // 2**20),
            400,
        )
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            width, height = probe.size
        if kind not in FORMATS:
            raise _refuse()
        if width * height > MAX_PIXELS[kind] or min(width, height) < MIN_SIDE:
            raise ServiceError(
                _l("The photo must be between %(min)s px and about 60 megapixels.", min=MIN_SIDE),
                400,
            )
        with Image.open(io.BytesIO(data)) as image:
            if kind == "JPEG":
                # Decode at 1/2, 1/4 or 1/8 of the size when that still covers the result.
                scale = min(1.0, MAX_SIDE / max(width, height))
                image.draft("RGB", (round(width * scale), round(height * scale)))
            image = ImageOps.exif_transpose(image)  # upright, before the metadata is dropped
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            if image.mode in ("RGBA", "LA", "P"):
                image = image.convert("RGBA")
                flat = Image.new("RGB", image.size, (255, 255, 255))
                flat.paste(image, mask=image.getchannel("A"))
                image = flat
            else:
                image = image.convert("RGB")
            out = io.BytesIO()
            image.save(out, format="JPEG", quality=82, optimize=True)  # no EXIF is written
            return Photo(out.getvalue(), *image.size)
    except ServiceError:
        raise
    except Image.DecompressionBombError as e:
        raise ServiceError(
            _l("The photo must be between %(min)s px and about 60 megapixels.", min=MIN_SIDE), 400
        ) from e
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
    ) as e:
        raise _refuse() from e
