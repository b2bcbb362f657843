"""Many certificates at once: a ZIP streamed one PDF at a time, so memory stays flat."""

import zipfile
from collections.abc import Iterable, Iterator

from ..extensions import db
from . import services
from .models import Certificate


class _Chunks:
    """A write-only file object whose written bytes are taken out after each entry."""

    def __init__(self):
        self.buffer = bytearray()
        self.offset = 0

    def write(self, data) -> int:
        self.buffer += data
        self.offset += len(data)
        return len(data)

    def tell(self) -> int:
        return self.offset

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = bytes(self.buffer)
        self.buffer.clear()
        return data


def filename(certificate: Certificate) -> str:
    safe_name = "".join(ch if ch.isalnum() else "-" for ch in certificate.full_name)[:60]
    return f"{certificate.number.replace('/', '-')}_{safe_name.strip('-')}.pdf"


def zip_stream(certificate_ids: Iterable[int]) -> Iterator[bytes]:
    """Yield a ZIP of the certificates' PDFs, rendering and sending one at a time."""
    sink = _Chunks()
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_STORED) as archive:
        for certificate_id in certificate_ids:
            certificate = db.session.get(Certificate, certificate_id)
            if certificate is None:
                continue
            # PDFs are already compressed: stored, not deflated, costs nothing and saves CPU.
            archive.writestr(filename(certificate), services.pdf_bytes(certificate))
            db.session.expunge(certificate)
            yield sink.take()
    yield sink.take()
