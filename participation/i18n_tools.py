"""Catalogue maintenance used by ``participation i18n update`` and the tests."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po, write_po


def read_catalogue(path: Path):
    with path.open("rb") as fh:
        return read_po(fh)


def write_catalogue(path: Path, catalogue) -> None:
    with path.open("wb") as fh:
        write_po(fh, catalogue, width=100, omit_header=False, sort_output=True, include_lineno=False)


def wtforms_template() -> Path:
    """WTForms' message template (its built-in validation messages), as installed."""
    from wtforms.i18n import messages_path

    return Path(messages_path()) / "wtforms.pot"


def add_wtforms_messages(template: Path) -> None:
    """Merge WTForms' built-in messages into our template, so they are translated with ours.

    WTForms has no Thai catalogue; the forms look these messages up in the
    platform's catalogue (``participation.web.forms.Form``).
    """
    catalogue = read_catalogue(template)
    for message in read_catalogue(wtforms_template()):
        if message.id and message.id not in catalogue:
            catalogue.add(message.id, flags=message.flags)
    write_catalogue(template, catalogue)


def fill_english(path: Path) -> None:
    """Source strings are English: the English catalogue repeats them."""
    catalogue = read_catalogue(path)
    for message in catalogue:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            if not message.string or not all(message.string):
                message.string = tuple(
                    message.id[:1] + message.id[1:] * (len(message.string or ("", "")) - 1)
                )
        elif not message.string:
            message.string = message.id
        message.flags.discard("fuzzy")
    write_catalogue(path, catalogue)


def remove_obsolete(directory: Path) -> None:
    for path in directory.glob("*/LC_MESSAGES/messages.po"):
        catalogue = read_catalogue(path)
        catalogue.obsolete.clear()
        write_catalogue(path, catalogue)


def untranslated(path: Path) -> list[str]:
    """Message ids without a translation, or marked fuzzy."""
    catalogue = read_catalogue(path)
    missing = []
    for message in catalogue:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


def merge_catalogues(ours_path: Path, theirs_path: Path, target: Path) -> int:
    """Write ``ours`` with every translation only ``theirs`` has; returns how many were added.

    Used after a merge: catalogues are merged by message id, never by line.
    Where both sides translated a message differently, ours wins.
    """
    ours = read_catalogue(ours_path)
    theirs = read_catalogue(theirs_path)
    added = 0
    for message in theirs:
        if not message.id or not message.string:
            continue
        existing = ours.get(message.id, message.context)
        if existing is None:
            ours.add(message.id, message.string, context=message.context, flags=message.flags)
            added += 1
        elif not existing.string or (isinstance(existing.string, tuple) and not all(existing.string)):
            existing.string = message.string
            added += 1
    write_catalogue(target, ours)
    return added
