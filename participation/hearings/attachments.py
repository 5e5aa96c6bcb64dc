"""Hearing attachments: PDF, DOCX or ODT, checked by content, stored outside the web root.

The checks and the storage are :mod:`participation.files`; this module only
fixes the hearing's choices: every document type, the size limit
``HEARING_ATTACHMENT_MAX_BYTES``, random stored names in
``<instance>/hearing_attachments``, and the refusal codes ``empty``,
``too_large`` and ``type`` (:class:`AttachmentRefused`).
"""

from __future__ import annotations

from pathlib import Path

from flask import current_app

from participation import files
from participation.files import DOCX, EXTENSIONS, ODT, PDF, clean_filename, sniff

__all__ = [
    "DOCX",
    "EXTENSIONS",
    "ODT",
    "PDF",
    "AttachmentRefused",
    "check",
    "clean_filename",
    "path_of",
    "remove",
    "sniff",
    "storage_dir",
    "store",
]

#: Raised by :func:`check`; ``code`` is ``empty``, ``too_large`` or ``type``.
AttachmentRefused = files.FileRefused


def storage_dir() -> Path:
    return files.folder("hearing_attachments")


def check(data: bytes) -> str:
    """The content type of acceptable bytes; raises AttachmentRefused otherwise."""
    return files.check(data, max_bytes=current_app.config["HEARING_ATTACHMENT_MAX_BYTES"])


def store(data: bytes) -> str:
    """Write the bytes under a new random name; returns the name."""
    return files.store_random(storage_dir(), data)


def path_of(stored_name: str) -> Path:
    return files.path_of(storage_dir(), stored_name)


def remove(stored_name: str) -> None:
    files.remove(storage_dir(), stored_name)
