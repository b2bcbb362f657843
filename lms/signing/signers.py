"""Two ways to sign a PDF behind one small interface: `Signer.sign(pdf) -> signed pdf`.

LocalSigner signs with the unit's own PKCS#12 key through pyHanko (PAdES B-B, or B-T when a
timestamp server is configured); RemoteSigner sends the PDF to a PSrE's seal API (BSrE style:
POST the PDF with the unit's credentials, receive the signed PDF)."""

import asyncio
import io
import secrets
import urllib.error
import urllib.request
from base64 import b64encode
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization.pkcs12 import load_key_and_certificates
from flask_babel import lazy_gettext as _l
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from ..errors import ServiceError

FIELD = "TandaTanganElektronik"


class SigningError(ServiceError):
    """Signing failed: the certificate is not issued (never unsigned instead)."""

    status = 503


class Signer(Protocol):
    level: str  # what the signed file is: "pades-b-b" | "pades-b-t" | "remote"
    demo: bool
    signed_by: str  # recorded with each certificate it signs

    def sign(self, pdf: bytes) -> bytes: ...


_loop_free = ThreadPoolExecutor(max_workers=2, thread_name_prefix="pdf-sign")


def outside_event_loop(function, *args):
    """pyHanko's synchronous API runs its own asyncio loop: where one is already running in
    this thread (an async server, a test driver), the call goes to a worker thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args)
    return _loop_free.submit(function, *args).result()


def timestamper(url: str, timeout: int) -> HTTPTimeStamper | None:
    return HTTPTimeStamper(url, timeout=timeout) if url else None


class _KeyOnceSigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner reads (and so re-checks) the private key for every signature,
    about 50 ms for an RSA key: here the key is read once per signer (one bulk run)."""

    def __init__(self, key, **kwargs):
        super().__init__(**kwargs)
        self._key = key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        digest = get_pyca_cryptography_hash(digest_algorithm)
        if mechanism == "rsassa_pkcs1v15" and isinstance(self._key, rsa.RSAPrivateKey):
            return self._key.sign(data, padding.PKCS1v15(), digest)
        if mechanism == "ecdsa" and isinstance(self._key, ec.EllipticCurvePrivateKey):
            return self._key.sign(data, ec.ECDSA(digest))
        return super().sign_raw(data, digest_algorithm)


class LocalSigner:
    """A PKCS#12 key held by the app (decrypted in memory only while signing)."""

    def __init__(self, pkcs12: bytes, reason: str, location: str, tsa=None, demo=False):
        self.demo = demo  # the demo identity: the paper says it is not legally valid
        try:
            key, certificate, chain = load_key_and_certificates(pkcs12, None)
        except ValueError as e:
            raise SigningError(_l("The unit's signing key could not be read.")) from e
        if key is None or certificate is None:
            raise SigningError(_l("The unit's signing key could not be read."))
        # Read once (an RSA key's check costs tens of milliseconds), as pyHanko's types.
        der = serialization.Encoding.DER
        signing_cert = asn1_x509.Certificate.load(certificate.public_bytes(der))
        others = [asn1_x509.Certificate.load(c.public_bytes(der)) for c in chain]
        self._signer = _KeyOnceSigner(
            key,
            signing_cert=signing_cert,
            signing_key=asn1_keys.PrivateKeyInfo.load(
                key.private_bytes(
                    der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
                )
            ),
            cert_registry=SimpleCertificateStore.from_certs(others),
        )
        # Room for the CMS signature (hex, so twice its size): the certificates it embeds and
        # a margin; without a timestamp this spares pyHanko a trial signature per document.
        certificates = sum(len(c.dump()) for c in [signing_cert, *others])
        self._reserved = None if tsa else 2 * (2048 + certificates)
        self._meta = signers.PdfSignatureMetadata(
            field_name=FIELD,
            subfilter=fields.SigSeedSubFilter.PADES,
            reason=reason,
            location=location or None,
            md_algorithm="sha256",
        )
        self._tsa = tsa
        self.level = "pades-b-t" if tsa else "pades-b-b"

    def _sign(self, pdf: bytes):
        return signers.sign_pdf(
            IncrementalPdfFileWriter(io.BytesIO(pdf)),
            self._meta,
            signer=self._signer,
            timestamper=self._tsa,
            bytes_reserved=self._reserved,
        )

    def sign(self, pdf: bytes) -> bytes:
        try:
            out = outside_event_loop(self._sign, pdf)
        except Exception as e:  # noqa: BLE001 - pyHanko and the TSA client raise many kinds
            if self._tsa is not None:
                raise SigningError(
                    _l("The timestamp server did not answer properly: %(error)s", error=str(e))
                ) from e
            raise SigningError(_l("The PDF could not be signed: %(error)s", error=str(e))) from e
        return out.getvalue()


class RemoteSigner:
    """A remote seal API: multipart POST of `file` (the PDF) with HTTP Basic credentials and
    `tampilan=invisible`; the answer is the signed PDF (application/pdf), or an error."""

    level = "remote"
    demo = False

    def __init__(self, url: str, user: str, password: str, timeout: int = 30):
        self.url, self.user, self.password, self.timeout = url, user, password, timeout

    def _body(self, pdf: bytes) -> tuple[bytes, str]:
        boundary = secrets.token_hex(16)
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="tampilan"\r\n\r\n'
            "invisible\r\n".encode(),
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            'filename="sertifikat.pdf"\r\nContent-Type: application/pdf\r\n\r\n'.encode(),
            pdf,
            f"\r\n--{boundary}--\r\n".encode(),
        ]
        return b"".join(parts), f"multipart/form-data; boundary={boundary}"

    def sign(self, pdf: bytes) -> bytes:
        if not self.url:
            raise SigningError(_l("The remote signing service is not configured."))
        body, content_type = self._body(pdf)
        credentials = b64encode(f"{self.user}:{self.password}".encode()).decode()
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": content_type,
                "Authorization": f"Basic {credentials}",
                "Accept": "application/pdf",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                kind = response.headers.get_content_type()
                signed = response.read(50 * 1024 * 1024)
        except TimeoutError as e:
            raise SigningError(_l("The remote signing service did not answer in time.")) from e
        except urllib.error.HTTPError as e:
            raise SigningError(
                _l("The remote signing service refused the document (HTTP %(code)s).", code=e.code)
            ) from e
        except (urllib.error.URLError, OSError) as e:
            if isinstance(getattr(e, "reason", None), TimeoutError):
                raise SigningError(_l("The remote signing service did not answer in time.")) from e
            raise SigningError(_l("The remote signing service cannot be reached.")) from e
        # The service must add a signature to our document, not send another one back.
        if kind != "application/pdf" or not signed.startswith(pdf) or not has_signature(signed):
            raise SigningError(_l("The remote signing service sent back an unsigned document."))
        return signed


def has_signature(pdf: bytes) -> bool:
    try:
        return bool(PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures)
    except Exception:  # noqa: BLE001 - not a readable PDF
        return False
