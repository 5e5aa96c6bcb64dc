"""What public things exist, for code that handles them generically.

Comments, moderation, notifications, feeds and search deal with "a hearing",
"an initiative" or "a budget proposal" without importing those domains. Each
domain registers its subject types once (at import of its views module):

    subjects.register(SubjectType(
        name="hearing",
        load=lambda id: db.session.get(Hearing, id),
        title=lambda h: localized(h, "title"),
        url=lambda h: url_for("hearings.show", hearing_id=h.id),
        organisation_id=lambda h: h.organisation_id,
    ))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SubjectType:
    #: Stable name stored in generic rows, e.g. ``hearing``, ``initiative``, ``budget_proposal``.
    name: str
    #: The object with this id, or None.
    load: Callable[[int], Any | None]
    #: Its public title in the reader's language.
    title: Callable[[Any], str]
    #: Its public page (a path from ``url_for``).
    url: Callable[[Any], str]
    #: The organisation responsible for it, if any.
    organisation_id: Callable[[Any], int | None] = lambda _subject: None
    #: Its author's account id, if it has one (for flags and moderation).
    author_id: Callable[[Any], int | None] = lambda _subject: None
    #: What it is, in the reader's language: ``_l("Hearing")``.
    label: Any = None


_registry: dict[str, SubjectType] = {}


def register(subject_type: SubjectType) -> SubjectType:
    _registry[subject_type.name] = subject_type
    return subject_type


def get(name: str) -> SubjectType | None:
    return _registry.get(name)


def resolve(name: str, subject_id: int) -> tuple[SubjectType, Any] | None:
    """The type and the object, or None if either is unknown."""
    subject_type = _registry.get(name)
    if subject_type is None:
        return None
    subject = subject_type.load(subject_id)
    return None if subject is None else (subject_type, subject)


def names() -> list[str]:
    return sorted(_registry)


#: Labels of subject types in the public record that are not things with a page
#: (a block of an account is recorded under "moderation", without naming the account).
_other_labels: dict[str, Any] = {}


def register_label(name: str, label) -> None:
    """A human name (``_l(...)``) for a subject type of the record that is not a ``SubjectType``."""
    _other_labels[name] = label


def kind_label(name: str) -> str:
    """What a subject of type ``name`` is, in the reader's language ("การรับฟังความคิดเห็น")."""
    subject_type = _registry.get(name)
    label = subject_type.label if subject_type is not None else _other_labels.get(name)
    return str(label) if label else name


def label_names() -> list[str]:
    """Every subject type with a label, things with a page and the others."""
    return sorted(set(_registry) | set(_other_labels))


def label(name: str, subject_id: int | None) -> str:
    """A subject named by its kind and number ("การรับฟังความคิดเห็นที่ 1"), without loading it."""
    from participation.i18n import _

    if subject_id is None:
        return kind_label(name)
    return _("%(kind)s %(id)s", kind=kind_label(name), id=subject_id)
