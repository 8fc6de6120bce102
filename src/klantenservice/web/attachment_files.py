"""How an attachment file is sent, for the desk and the API alike.

A customer's file is untrusted content served from our origin, so the answer makes sure no
browser runs or renders it as part of our site:

- ``Content-Disposition: attachment`` (the browser saves it; the name as RFC 6266/5987
  ``filename*=UTF-8''…`` with an ASCII fallback), never ``inline``;
- the stored type only when it is one we accept, else ``application/octet-stream``
  (``services/attachments.served_type``), and ``X-Content-Type-Options: nosniff``;
- ``Content-Security-Policy: sandbox``: opened anyway, it gets no scripts, no forms and an
  opaque origin (no access to the desk's cookies or pages);
- ``Cache-Control: no-store``: customer data is not kept by browsers or proxies.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi.responses import FileResponse

from klantenservice.services.attachments import AttachmentFile
from klantenservice.settings import Settings


def attachment_root(settings: Settings) -> Path:
    """Where the e-mail import stores attachments (``cli_mail``: ``<storage dir>/attachments``)."""
    return Path(settings.email_storage_dir) / "attachments"


def content_disposition(filename: str) -> str:
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_"
                       for c in filename) or "attachment"  # fmt: skip
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def file_response(found: AttachmentFile) -> FileResponse:
    return FileResponse(
        found.path,
        media_type=found.media_type,
        headers={
            "content-disposition": content_disposition(found.attachment.filename),
            "x-content-type-options": "nosniff",
            "content-security-policy": "sandbox",
            "cache-control": "no-store",
            "referrer-policy": "no-referrer",
        },
    )
