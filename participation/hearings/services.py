"""Hearing rules: the life cycle, the text, the questionnaire and the report.

Services flush and never commit; the view (or the worker) commits once.
Errors people can fix are ``HearingError`` with a ``code`` (and ``params``)
that the views turn into a translated message.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, delete, insert, or_, select
from sqlalchemy.exc import IntegrityError

from participation import db
from participation.events import Event, publish
from participation.hearings import attachments as files
from participation.hearings.drafting import split_sections
from participation.hearings.models import (
    DispositionOutcome,
    Hearing,
    HearingAnswer,
    HearingAnswerChoice,
    HearingAttachment,
    HearingChoice,
    HearingCoHost,
    HearingDisposition,
    HearingExtension,
    HearingKind,
    HearingQuestion,
    HearingSection,
    HearingStatus,
    HearingVersion,
    LawType,
    QuestionKind,
    SectionKind,
)
from participation.text import TextTooLong, clean_text

log = logging.getLogger(__name__)

#: ``hearing.closing_soon`` goes out this long before the closing time.
CLOSING_SOON = timedelta(days=3)
MAX_SECTION_CHARS = 20_000
MAX_REASON_CHARS = 2_000
MAX_EXPLANATION_CHARS = 5_000


class HearingError(Exception):
    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


def min_days() -> int:
    return int(current_app.config.get("HEARING_MIN_DAYS", 15))


def _require_aware(*values: datetime | None) -> None:
    for value in values:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime; pass aware UTC datetimes")


def check_period(opens_at: datetime, closes_at: datetime) -> None:
    """Refuse a closing before the opening, or a period shorter than the legal minimum."""
    _require_aware(opens_at, closes_at)
    if closes_at <= opens_at:
        raise HearingError("dates_order")
    if closes_at - opens_at < timedelta(days=min_days()):
        raise HearingError("too_short", days=min_days())


def _text(
    value: str | None, limit: int, *, required: bool = False, field: str = "text", multiline=True
) -> str:
    try:
        cleaned = clean_text(value or "", max_length=limit, multiline=multiline)
    except TextTooLong as exc:
        raise HearingError("too_long", field=field, limit=exc.limit) from None
    if required and not cleaned:
        raise HearingError("required", field=field)
    return cleaned


# -- the hearing -------------------------------------------------------------


def create_hearing(
    *,
    organisation,
    actor,
    title_th: str,
    summary_th: str,
    kind: HearingKind,
    law_type: LawType,
    contact: str,
    opens_at: datetime,
    closes_at: datetime,
    title_en: str | None = None,
    summary_en: str | None = None,
    co_host_ids: Iterable[int] = (),
    required_level: int = 1,
    premoderated: bool = False,
) -> Hearing:
    """A new hearing in ``draft`` with an empty first version; checks the period."""
    check_period(opens_at, closes_at)
    hearing = Hearing(
        organisation_id=organisation.id,
        created_by_id=actor.id if actor else None,
        status=HearingStatus.draft,
    )
    _assign(hearing, title_th, title_en, summary_th, summary_en, kind, law_type, contact)
    hearing.opens_at, hearing.closes_at = opens_at, closes_at
    hearing.required_level = int(required_level)
    hearing.premoderated = bool(premoderated)
    hearing.co_hosts = [
        HearingCoHost(organisation_id=oid) for oid in sorted(set(co_host_ids)) if oid != organisation.id
    ]
    hearing.versions = [HearingVersion(number=1)]
    db.session.add(hearing)
    db.session.flush()
    return hearing


def _assign(hearing, title_th, title_en, summary_th, summary_en, kind, law_type, contact) -> None:
    hearing.title_th = _text(title_th, 300, required=True, field="title_th", multiline=False)
    hearing.title_en = _text(title_en, 300, field="title_en", multiline=False) or None
    hearing.summary_th = _text(summary_th, 10_000, required=True, field="summary_th")
    hearing.summary_en = _text(summary_en, 10_000, field="summary_en") or None
    hearing.kind = HearingKind(kind)
    hearing.law_type = LawType(law_type)
    hearing.contact = _text(contact, 500, required=True, field="contact")


def update_hearing(
    hearing: Hearing,
    *,
    title_th,
    summary_th,
    kind,
    law_type,
    contact,
    opens_at,
    closes_at,
    title_en=None,
    summary_en=None,
    co_host_ids: Iterable[int] = (),
    required_level: int = 1,
    premoderated: bool = False,
) -> Hearing:
    """Change a draft hearing's details (refused once scheduled: unschedule first)."""
    if hearing.status != HearingStatus.draft:
        raise HearingError("not_draft")
    check_period(opens_at, closes_at)
    _assign(hearing, title_th, title_en, summary_th, summary_en, kind, law_type, contact)
    hearing.opens_at, hearing.closes_at = opens_at, closes_at
    hearing.required_level = int(required_level)
    hearing.premoderated = bool(premoderated)
    wanted = set(co_host_ids) - {hearing.organisation_id}
    hearing.co_hosts = [c for c in hearing.co_hosts if c.organisation_id in wanted] + [
        HearingCoHost(organisation_id=oid) for oid in sorted(wanted - hearing.co_host_ids)
    ]
    db.session.flush()
    return hearing


def _publish(kind: str, hearing: Hearing, payload: dict | None = None, **kwargs) -> Event:
    base = {
        "title": hearing.title_th,
        "organisation": hearing.organisation.slug if hearing.organisation else None,
    }
    return publish(
        Event(
            kind=kind,
            subject_type="hearing",
            subject_id=hearing.id,
            payload={**base, **(payload or {})},
            **kwargs,
        )
    )


def schedule(hearing: Hearing, actor, now: datetime) -> None:
    """Announce a draft hearing: its first version is published and frozen.

    The period still ahead (from now, if the opening is already past) must be
    at least the legal minimum, and the text must have at least one section.
    """
    if hearing.status != HearingStatus.draft:
        raise HearingError("not_draft")
    first = hearing.versions[0]
    if not any(s.kind == SectionKind.section for s in first.sections):
        raise HearingError("no_sections")
    check_period(max(hearing.opens_at, now), hearing.closes_at)
    hearing.status = HearingStatus.scheduled
    first.published_at = now
    db.session.flush()
    _publish(
        "hearing.scheduled",
        hearing,
        {"opens_at": hearing.opens_at.isoformat(), "closes_at": hearing.closes_at.isoformat()},
        actor_id=actor.id if actor else None,
    )


def unschedule(hearing: Hearing, actor, now: datetime) -> None:
    """Back to draft, only before it opens."""
    if hearing.status != HearingStatus.scheduled or hearing.status_at(now) != HearingStatus.scheduled:
        raise HearingError("not_scheduled")
    hearing.status = HearingStatus.draft
    hearing.versions[0].published_at = None
    db.session.flush()


def extend(hearing: Hearing, new_closes_at: datetime, reason: str, actor, now: datetime) -> HearingExtension:
    """Move the closing later while open, with a public reason. Never earlier."""
    _require_aware(new_closes_at)
    if hearing.status_at(now) != HearingStatus.open:
        raise HearingError("not_open")
    if new_closes_at <= hearing.closes_at:
        raise HearingError("not_later")
    reason = _text(reason, 2_000, required=True, field="reason")
    extension = HearingExtension(
        hearing=hearing,
        old_closes_at=hearing.closes_at,
        new_closes_at=new_closes_at,
        reason=reason,
        created_by_id=actor.id if actor else None,
        created_at=now,
    )
    db.session.add(extension)
    previous = hearing.closes_at
    hearing.closes_at = new_closes_at
    if new_closes_at - now > CLOSING_SOON:
        hearing.closing_soon_sent_at = None
    db.session.flush()
    _publish(
        "hearing.extended",
        hearing,
        {
            "closes_at": new_closes_at.isoformat(),
            "previous_closes_at": previous.isoformat(),
            "reason": reason,
        },
        actor_id=actor.id if actor else None,
    )
    return extension


def advance(now: datetime) -> int:
    """Worker job: persist the clock's openings and closings, warn before closing.

    Each move publishes its event once: the row is locked (skipped by other
    workers on PostgreSQL) and its stored status changes in the same transaction.
    """
    query = (
        select(Hearing)
        .where(
            or_(
                and_(Hearing.status == HearingStatus.scheduled, Hearing.opens_at <= now),
                and_(Hearing.status == HearingStatus.open, Hearing.closes_at <= now),
                and_(
                    Hearing.status == HearingStatus.open,
                    Hearing.closing_soon_sent_at.is_(None),
                    Hearing.closes_at <= now + CLOSING_SOON,
                ),
            )
        )
        .order_by(Hearing.id)
        .with_for_update(skip_locked=True, of=Hearing)
    )
    done = 0
    for hearing in db.session.scalars(query).unique():
        if hearing.status == HearingStatus.scheduled and hearing.opens_at <= now:
            hearing.status = HearingStatus.open
            db.session.flush()
            _publish(
                "hearing.opened",
                hearing,
                {"opens_at": hearing.opens_at.isoformat(), "closes_at": hearing.closes_at.isoformat()},
            )
            done += 1
        if hearing.status == HearingStatus.open and hearing.closes_at <= now:
            hearing.status = HearingStatus.closed
            db.session.flush()
            _publish("hearing.closed", hearing, {"closes_at": hearing.closes_at.isoformat()})
            done += 1
        elif (
            hearing.status == HearingStatus.open
            and hearing.closing_soon_sent_at is None
            and hearing.closes_at <= now + CLOSING_SOON
        ):
            hearing.closing_soon_sent_at = now
            db.session.flush()
            _publish(
                "hearing.closing_soon", hearing, {"closes_at": hearing.closes_at.isoformat()}, public=False
            )
            done += 1
    return done


# -- the text ----------------------------------------------------------------


def published_versions(hearing: Hearing) -> list[HearingVersion]:
    return [v for v in hearing.versions if v.is_published]


def current_version(hearing: Hearing) -> HearingVersion:
    """The latest published version, or the first (draft) one before scheduling."""
    published = published_versions(hearing)
    return published[-1] if published else hearing.versions[0]


def working_version(hearing: Hearing) -> HearingVersion | None:
    """The version staff may edit now, if any."""
    latest = hearing.versions[-1]
    if latest.is_published:
        return None
    if latest.number == 1 and hearing.status != HearingStatus.draft:
        return None
    return latest


def _require_editable(version: HearingVersion) -> None:
    if version.is_published or working_version(version.hearing) is not version:
        raise HearingError("frozen")


def _new_key() -> str:
    return secrets.token_hex(8)


def _keys_from(version: HearingVersion | None) -> dict[tuple[str, str, str], str]:
    if version is None:
        return {}
    return {(s.kind.value, s.prefix, s.number): s.key for s in version.sections}


def replace_sections(version: HearingVersion, text: str) -> list[HearingSection]:
    """Replace the whole text of an editable version with ``text`` split on headings.

    Sections keep their identity (key) from the previous version when their
    number is unchanged, so versions compare section by section.
    """
    _require_editable(version)
    text = _text(text, 500_000, required=True, field="text")
    parsed = split_sections(text)
    if not any(p.kind == "section" for p in parsed):
        raise HearingError("no_sections")
    for p in parsed:
        if p.kind == "section" and not p.body:
            raise HearingError("empty_section", label=f"{p.prefix} {p.number}")
        if len(p.body) > MAX_SECTION_CHARS:
            raise HearingError(
                "section_too_long", label=f"{p.prefix} {p.number}".strip(), limit=MAX_SECTION_CHARS
            )
    previous = _previous_published(version)
    keys = {**_keys_from(previous), **_keys_from(version)}
    version.sections.clear()
    db.session.flush()
    used: set[str] = set()
    for position, p in enumerate(parsed):
        key = keys.get((p.kind, p.prefix, p.number))
        if key is None or key in used:
            key = _new_key()
        used.add(key)
        version.sections.append(
            HearingSection(
                position=position,
                key=key,
                kind=SectionKind(p.kind),
                prefix=p.prefix[:20],
                number=p.number[:20],
                heading=p.heading[:300],
                body=p.body,
            )
        )
    db.session.flush()
    return version.sections


def _previous_published(version: HearingVersion) -> HearingVersion | None:
    earlier = [v for v in version.hearing.versions if v.is_published and v.number < version.number]
    return earlier[-1] if earlier else None


def _section_fields(kind, prefix, number, heading, body) -> dict:
    kind = SectionKind(kind)
    body = _text(body, MAX_SECTION_CHARS, field="body")
    if kind == SectionKind.section and not body:
        raise HearingError("empty_section", label=f"{prefix} {number}".strip())
    if kind == SectionKind.chapter and not (heading or number):
        raise HearingError("empty_heading")
    return {
        "kind": kind,
        "prefix": _text(prefix, 20, field="prefix", multiline=False),
        "number": _text(number, 20, field="number", multiline=False),
        "heading": _text(heading, 300, field="heading", multiline=False),
        "body": body,
    }


def add_section(
    version: HearingVersion, *, kind, prefix="มาตรา", number="", heading="", body=""
) -> HearingSection:
    """Append a section (or heading) at the end of an editable version."""
    _require_editable(version)
    fields = _section_fields(kind, prefix, number, heading, body)
    position = max((s.position for s in version.sections), default=-1) + 1
    section = HearingSection(position=position, key=_new_key(), **fields)
    version.sections.append(section)
    db.session.flush()
    return section


def update_section(section: HearingSection, *, prefix, number, heading, body) -> HearingSection:
    _require_editable(section.version)
    fields = _section_fields(section.kind, prefix, number, heading, body)
    fields.pop("kind")
    for name, value in fields.items():
        setattr(section, name, value)
    db.session.flush()
    return section


def delete_section(section: HearingSection) -> None:
    version = section.version
    _require_editable(version)
    version.sections.remove(section)
    db.session.flush()
    # Positions are unique: move the rest down in two steps to avoid collisions.
    rest = list(version.sections)
    for i, s in enumerate(rest):
        s.position = i + 100_000
    db.session.flush()
    for i, s in enumerate(rest):
        s.position = i
    db.session.flush()


def new_version(hearing: Hearing, actor, now: datetime) -> HearingVersion:
    """Start a revised version (a copy of the latest published text) to edit and publish."""
    if hearing.status_at(now) in (HearingStatus.draft, HearingStatus.scheduled):
        raise HearingError("not_started")
    if hearing.versions[-1].published_at is None:
        raise HearingError("version_pending")
    latest = hearing.versions[-1]
    version = HearingVersion(number=latest.number + 1)
    version.sections = [
        HearingSection(
            position=s.position,
            key=s.key,
            kind=s.kind,
            prefix=s.prefix,
            number=s.number,
            heading=s.heading,
            body=s.body,
        )
        for s in latest.sections
    ]
    hearing.versions.append(version)
    db.session.flush()
    return version


def publish_version(version: HearingVersion, note: str, actor, now: datetime) -> None:
    """Publish a revised version with a public note on what changed and why."""
    hearing = version.hearing
    if version.is_published or version.number == 1:
        raise HearingError("frozen")
    if hearing.status_at(now) in (HearingStatus.draft, HearingStatus.scheduled):
        raise HearingError("not_started")
    note = _text(note, 5_000, required=True, field="note")
    if not any(s.kind == SectionKind.section for s in version.sections):
        raise HearingError("no_sections")
    version.note = note
    version.published_at = now
    db.session.flush()
    _publish(
        "hearing.version_published",
        hearing,
        {"version": version.number, "note": note, "while_open": hearing.status_at(now) == HearingStatus.open},
        actor_id=actor.id if actor else None,
    )


def discard_version(version: HearingVersion) -> None:
    if version.is_published or version.number == 1:
        raise HearingError("frozen")
    version.hearing.versions.remove(version)
    db.session.flush()


# -- attachments ---------------------------------------------------------------


def _attachments_allowed(hearing: Hearing, now: datetime) -> None:
    if hearing.status_at(now) in (HearingStatus.scheduled, HearingStatus.open):
        raise HearingError("frozen")


def add_attachment(hearing: Hearing, filename: str, data: bytes, actor, now: datetime) -> HearingAttachment:
    """Store a checked PDF/DOCX/ODT (refused while scheduled or open: the text is frozen)."""
    _attachments_allowed(hearing, now)
    try:
        content_type = files.check(data)
    except files.AttachmentRefused as exc:
        raise HearingError(
            f"attachment_{exc.code}",
            limit=current_app.config["HEARING_ATTACHMENT_MAX_BYTES"] // (1024 * 1024),
        ) from None
    stored_name = files.store(data)
    attachment = HearingAttachment(
        filename=files.clean_filename(filename, content_type),
        stored_name=stored_name,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    hearing.attachments.append(attachment)
    db.session.flush()
    return attachment


def remove_attachment(attachment: HearingAttachment, now: datetime) -> None:
    """Remove the row now; the file goes once the request commits (see views)."""
    _attachments_allowed(attachment.hearing, now)
    attachment.hearing.attachments.remove(attachment)
    db.session.flush()


# -- the questionnaire ---------------------------------------------------------


def add_question(hearing: Hearing, *, prompt: str, kind, choices: Iterable[str] = (), allow_reason=True):
    if hearing.status != HearingStatus.draft:
        raise HearingError("not_draft")
    kind = QuestionKind(kind)
    prompt = _text(prompt, 500, required=True, field="prompt", multiline=False)
    if kind == QuestionKind.yes_no:
        labels = ["yes", "no"]
    else:
        labels = [_text(c, 300, field="choices", multiline=False) for c in choices]
        labels = list(dict.fromkeys(label for label in labels if label))
        if len(labels) < 2:
            raise HearingError("few_choices")
    question = HearingQuestion(
        position=max((q.position for q in hearing.questions), default=-1) + 1,
        prompt=prompt,
        kind=kind,
        allow_reason=bool(allow_reason),
        choices=[HearingChoice(position=i, label=label) for i, label in enumerate(labels)],
    )
    hearing.questions.append(question)
    db.session.flush()
    return question


def delete_question(question: HearingQuestion) -> None:
    if question.hearing.status != HearingStatus.draft:
        raise HearingError("not_draft")
    question.hearing.questions.remove(question)
    db.session.flush()


def answer_questionnaire(
    hearing: Hearing, user, answers: dict[int, tuple[list[int], str]], now: datetime
) -> int:
    """Record or change ``user``'s answers while the hearing is open; returns how many.

    ``answers`` maps a question id to (chosen choice ids, reason). One answer
    per person and question (a database constraint); answering again replaces it.
    """
    from participation.hearings.permissions import participation_refusal

    refusal = participation_refusal(user, hearing, now)
    if refusal:
        raise HearingError(refusal)
    by_id = {q.id: q for q in hearing.questions}
    cleaned: list[tuple[HearingQuestion, list[int], str | None]] = []
    for question_id, (choice_ids, reason) in answers.items():
        question = by_id.get(question_id)
        if question is None:
            raise HearingError("bad_choice")
        valid = {c.id for c in question.choices}
        chosen = list(dict.fromkeys(int(c) for c in choice_ids))
        if not chosen:
            continue
        if any(c not in valid for c in chosen):
            raise HearingError("bad_choice")
        if question.kind != QuestionKind.multiple and len(chosen) != 1:
            raise HearingError("one_choice")
        reason_text = _text(reason, MAX_REASON_CHARS, field="reason") if question.allow_reason else ""
        cleaned.append((question, chosen, reason_text or None))
    if not cleaned:
        raise HearingError("no_answer")
    for question, chosen, reason in cleaned:
        answer = _locked_answer(hearing, question, user)
        answer.reason = reason
        answer.updated_at = now
        # Core statements: parallel requests of the same person are serialised by
        # the row lock above, and stale objects in the session stay untouched.
        db.session.execute(delete(HearingAnswerChoice).where(HearingAnswerChoice.answer_id == answer.id))
        db.session.execute(
            insert(HearingAnswerChoice), [{"answer_id": answer.id, "choice_id": c} for c in chosen]
        )
        db.session.expire(answer, ["choices"])
    db.session.flush()
    return len(cleaned)


def _locked_answer(hearing: Hearing, question: HearingQuestion, user) -> HearingAnswer:
    """The person's answer row for ``question``, created if needed, locked until commit."""

    def find():
        return db.session.scalars(
            select(HearingAnswer)
            .where(HearingAnswer.user_id == user.id, HearingAnswer.question_id == question.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one_or_none()

    answer = find()
    if answer is not None:
        return answer
    try:
        with db.session.begin_nested():
            db.session.add(HearingAnswer(question_id=question.id, hearing_id=hearing.id, user_id=user.id))
            db.session.flush()
    except IntegrityError:
        pass  # answered in a parallel request: change that answer instead
    return find()


# -- dispositions and the report ----------------------------------------------


def dispose(
    hearing: Hearing,
    comment_ids: Iterable[int],
    *,
    outcome,
    explanation: str,
    changed_section_id: int | None,
    actor,
    now: datetime,
) -> list[HearingDisposition]:
    """Answer one or several comments (a form letter) at once; replaces earlier answers.

    Only after closing and before the report is published.
    """
    from participation.hearings import queries

    if hearing.status_at(now) != HearingStatus.closed:
        raise HearingError("not_closed")
    outcome = DispositionOutcome(outcome)
    explanation = _text(explanation, MAX_EXPLANATION_CHARS, required=True, field="explanation")
    ids = list(dict.fromkeys(int(i) for i in comment_ids))
    if not ids:
        raise HearingError("no_comments")
    if len(queries.answerable_comment_ids(hearing, ids)) != len(ids):
        raise HearingError("bad_comment")
    if changed_section_id is not None:
        section = db.session.get(HearingSection, changed_section_id)
        if section is None or section.version.hearing_id != hearing.id or section.version.number == 1:
            raise HearingError("bad_section")
    existing = {
        d.comment_id: d
        for d in db.session.scalars(select(HearingDisposition).where(HearingDisposition.comment_id.in_(ids)))
    }
    result = []
    for comment_id in ids:
        disposition = existing.get(comment_id) or HearingDisposition(
            hearing_id=hearing.id, comment_id=comment_id
        )
        disposition.outcome = outcome
        disposition.explanation = explanation
        disposition.changed_section_id = changed_section_id
        disposition.decided_by_id = actor.id if actor else None
        disposition.decided_at = now
        db.session.add(disposition)
        result.append(disposition)
    db.session.flush()
    return result


def save_report_summary(hearing: Hearing, summary: str, now: datetime) -> None:
    if hearing.status_at(now) != HearingStatus.closed:
        raise HearingError("not_closed")
    hearing.report_summary = _text(summary, 50_000, field="summary") or None
    db.session.flush()


def publish_report(hearing: Hearing, summary: str, actor, now: datetime) -> None:
    """Publish the hearing report. Refused until every comment has a disposition.

    Each commenter is told directly (``recipient_ids``), with the ids of their
    own comments in ``private`` so their email can show them the answers.
    """
    from participation.hearings import queries

    if hearing.status_at(now) != HearingStatus.closed:
        raise HearingError("not_closed")
    summary = _text(summary, 50_000, required=True, field="summary")
    missing = queries.undisposed_count(hearing)
    if missing:
        raise HearingError("undisposed", count=missing)
    hearing.status = HearingStatus.report_published
    hearing.report_summary = summary
    hearing.report_published_at = now
    db.session.flush()
    authors = queries.comment_ids_by_author(hearing)
    stats = queries.report_statistics(hearing)
    _publish(
        "hearing.report_published",
        hearing,
        {
            "comments": stats.comments,
            "participants": stats.participants,
            "outcomes": {k: v for k, v in stats.outcomes},
        },
        actor_id=actor.id if actor else None,
        recipient_ids=sorted(authors),
        private={"answers": {user_id: ids for user_id, ids in sorted(authors.items())}},
    )
