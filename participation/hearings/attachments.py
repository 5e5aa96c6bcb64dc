"""Attachment files: checked by their content, stored outside the web root.

A file is accepted only if its bytes are a PDF (``%PDF-``), a DOCX (a ZIP
whose ``[Content_Types].xml`` declares a WordprocessingML main document) or
an ODT (a ZIP whose first entry ``mimetype`` reads
``application/vnd.oasis.opendocument.text``). The uploaded name and the
browser's Content-Type are ignored for this decision: an HTML page or an
executable renamed ``.pdf`` is refused.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import secrets
import unicodedata
import zipfile
from pathlib import Path

from flask import current_app

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
EXTENSIONS = {PDF: "pdf", DOCX: "docx", ODT: "odt"}
_DOCX_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


class AttachmentRefused(ValueError):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code  #: empty, too_large, type


def sniff(data: bytes) -> str | None:
    """The content type the bytes really are (PDF, DOCX, ODT), or None."""
    if data.startswith(b"%PDF-"):
        return PDF
    if not data.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if names and names[0] == "mimetype":
                if archive.read("mimetype").strip() == ODT.encode():
                    return ODT
                return None
            if (
                "[Content_Types].xml" in names
                and "word/document.xml" in names
                and _DOCX_MAIN in archive.read("[Content_Types].xml")
            ):
                return DOCX
    except (zipfile.BadZipFile, KeyError, RuntimeError, OSError, EOFError):
        return None
    return None


def storage_dir() -> Path:
    path = Path(current_app.instance_path) / "hearing_attachments"
    path.mkdir(parents=True, exist_ok=True)
    return path


def clean_filename(name: str, content_type: str) -> str:
    """A display name without directories or control characters, with the true extension."""
    name = unicodedata.normalize("NFC", os.path.basename((name or "").replace("\\", "/")))
    name = re.sub(r"[\x00-\x1f\x7f\"<>|:*?]", "", name).strip(" .") or "document"
    stem = (name.rsplit(".", 1)[0] if "." in name else name).rstrip(" .") or "document"
    return f"{stem[:180]}.{EXTENSIONS[content_type]}"


def check(data: bytes) -> str:
    """The content type of acceptable bytes; raises AttachmentRefused otherwise."""
    if not data:
        raise AttachmentRefused("empty")
    if len(data) > current_app.config["HEARING_ATTACHMENT_MAX_BYTES"]:
        raise AttachmentRefused("too_large")
    content_type = sniff(data)
    if content_type is None:
        raise AttachmentRefused("type")
    return content_type


def store(data: bytes) -> str:
    """Write the bytes under a new random name; returns the name."""
    stored_name = secrets.token_hex(20)
    path = storage_dir() / stored_name
    with open(path, "xb") as handle:
        handle.write(data)
    return stored_name


def path_of(stored_name: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{40}", stored_name):
        raise FileNotFoundError(stored_name)
    return storage_dir() / stored_name


def remove(stored_name: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        path_of(stored_name).unlink()
