"""Uploaded files: checked by their content, stored outside the web root.

The one place that decides whether uploaded bytes are an acceptable document
and that writes them to disk. Domains keep only their own choices: which
types they accept, how large a file may be, which folder under the instance
path holds it, and the error codes they show.

- **Content, not names.** A file is a PDF if its bytes start with ``%PDF-``;
  a DOCX if it is a ZIP whose ``[Content_Types].xml`` declares a
  WordprocessingML main document; an ODT if it is a ZIP whose first entry
  ``mimetype`` reads ``application/vnd.oasis.opendocument.text``. The
  uploaded name and the browser's Content-Type are never consulted: an HTML
  page or an executable renamed ``.pdf`` is refused.
- **Safe storage names.** Files are stored under a name the platform makes
  (40 random hex digits, or the SHA-256 of the content), never one derived
  from user input, in ``<instance>/<folder>``; :func:`path_of` accepts only
  such names, so a stored name read back from the database cannot point
  anywhere else.
- **Size.** :func:`read_upload` never reads more than one byte past the
  limit, and :func:`check` refuses anything over it.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import secrets
import unicodedata
import zipfile
from collections.abc import Collection
from pathlib import Path

from flask import current_app

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
#: The true extension of each content type :func:`sniff` recognises.
EXTENSIONS = {PDF: "pdf", DOCX: "docx", ODT: "odt"}
#: Every document type the platform accepts somewhere.
DOCUMENT_TYPES = (PDF, DOCX, ODT)
_DOCX_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
#: A whole PDF ends with ``%%EOF`` (possibly followed by a little padding).
_PDF_TAIL = 2048
_RANDOM_NAME = re.compile(r"[0-9a-f]{40}")
_HASH_NAME = re.compile(r"[0-9a-f]{64}(\.[a-z]{1,5})?")


class FileRefused(ValueError):
    """The bytes are not acceptable; ``code`` says why."""

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


def is_whole_pdf(data: bytes) -> bool:
    """True if the bytes start like a PDF and end with its ``%%EOF`` marker (not truncated)."""
    return data.startswith(b"%PDF-") and b"%%EOF" in data[-_PDF_TAIL:]


def check(
    data: bytes,
    *,
    max_bytes: int,
    types: Collection[str] = DOCUMENT_TYPES,
    whole_pdf: bool = False,
) -> str:
    """The content type of acceptable bytes; raises :class:`FileRefused` otherwise.

    Refuses, in this order: no bytes (``empty``), more than ``max_bytes``
    (``too_large``), content that is not one of ``types`` (``type``). With
    ``whole_pdf`` a PDF must also end with its ``%%EOF`` marker.
    """
    if not data:
        raise FileRefused("empty")
    if len(data) > max_bytes:
        raise FileRefused("too_large")
    content_type = sniff(data)
    if content_type not in types or (content_type == PDF and whole_pdf and not is_whole_pdf(data)):
        raise FileRefused("type")
    return content_type


def read_upload(file_storage, max_bytes: int) -> bytes:
    """The bytes of an upload, at most ``max_bytes + 1`` (enough for :func:`check` to refuse)."""
    return file_storage.read(max_bytes + 1)


def clean_filename(name: str, content_type: str) -> str:
    """A display name without directories or control characters, with the true extension."""
    name = unicodedata.normalize("NFC", os.path.basename((name or "").replace("\\", "/")))
    name = re.sub(r"[\x00-\x1f\x7f\"<>|:*?]", "", name).strip(" .") or "document"
    stem = (name.rsplit(".", 1)[0] if "." in name else name).rstrip(" .") or "document"
    return f"{stem[:180]}.{EXTENSIONS[content_type]}"


def folder(name: str) -> Path:
    """``<instance>/<name>``, created if missing: outside the web root."""
    path = Path(current_app.instance_path) / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def store_random(directory: Path, data: bytes) -> str:
    """Write the bytes under a new random name (40 hex digits) in ``directory``; returns the name.

    Never overwrites: a name that exists already raises ``FileExistsError``.
    """
    stored_name = secrets.token_hex(20)
    with open(directory / stored_name, "xb") as handle:
        handle.write(data)
    return stored_name


def store_by_hash(directory: Path, data: bytes, suffix: str = "") -> str:
    """Write the bytes as ``<sha256><suffix>`` in ``directory`` (once); returns the SHA-256.

    The same content is stored once. The file appears whole or not at all:
    it is written under a temporary name and renamed.
    """
    digest = hashlib.sha256(data).hexdigest()
    target = directory / f"{digest}{suffix}"
    if not target.exists():
        tmp = directory / f"{digest}.{secrets.token_hex(8)}.tmp"
        tmp.write_bytes(data)
        tmp.replace(target)
    return digest


def path_of(directory: Path, stored_name: str) -> Path:
    """The path of a stored file; ``FileNotFoundError`` for a name the platform did not make."""
    if not (_RANDOM_NAME.fullmatch(stored_name) or _HASH_NAME.fullmatch(stored_name)):
        raise FileNotFoundError(stored_name)
    return directory / stored_name


def remove(directory: Path, stored_name: str) -> None:
    """Delete a stored file; a missing file (or a name the platform did not make) is not an error."""
    with contextlib.suppress(FileNotFoundError):
        path_of(directory, stored_name).unlink()
