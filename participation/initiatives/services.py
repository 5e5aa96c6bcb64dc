"""Initiative rules: life cycle, co-authors, signing, counting, hand-over, retention.

Services flush and never commit; the view (or worker, or command) commits once.

How counting stays exact and cheap
----------------------------------
Signing inserts one ``Signature`` row and touches nothing else, so signers
never queue on a shared counter row. Withdrawing deletes the row and inserts
an insert-only ``SignatureWithdrawal`` (no identity in it).

The refresh job (``refresh_counts``, in ``worker.JOBS``, every few seconds)
writes a *checkpoint* on the initiative: ``(counted_signatures,
counted_max_signature_id, counted_max_withdrawal_id)``, all three read by one
SQL statement, so they describe one consistent snapshot. It only does work
for initiatives whose newest signature or withdrawal id moved since the last
checkpoint (two index look-ups otherwise).

A page shows ``checkpoint + signatures with id > counted_max_signature_id -
withdrawals with id > counted_max_withdrawal_id of signatures at or below it
+ paper batches`` in one statement of three indexed range counts. Its cost
depends on the rows written since the last checkpoint (a few seconds of
signing) and the number of paper batches, never on the total number of
signatures; and with no worker running the page is still exact, only slower
as the backlog grows. A transaction still in flight with a lower id than the
checkpoint can be missed by a page for one refresh; the next refresh counts it
(the checkpoint count is a full index count, not an increment), so nothing
ever drifts, and ``reconcile`` proves it.

The threshold, milestones and public count checkpoints are announced from the
refresh job only, each guarded by a conditional ``UPDATE ... WHERE`` whose
row count decides who announces: one timestamp, one event, one notification,
however many workers and signers race.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from flask import current_app, has_request_context, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import and_, bindparam, func, or_, select, update

from participation import crypto, db
from participation import files as uploads
from participation.accounts.models import Organisation, User
from participation.events import Event, publish
from participation.i18n import BANGKOK
from participation.identity import IdentityLevel, national_id_hash, normalise_email, normalise_national_id
from participation.initiatives.models import (
    DailyCount,
    IllegalTransition,
    Initiative,
    InitiativeAuthor,
    InitiativeState,
    InitiativeType,
    PaperBatch,
    Signature,
    SignatureExport,
    SignatureWithdrawal,
    SignerLevel,
    TimelineDocument,
    TimelineEvent,
    TimelineKind,
)
from participation.notifications.services import enqueue_email
from participation.text import TextTooLong, clean_text
from participation.web.csv import to_csv

log = logging.getLogger(__name__)

SUBJECT = "initiative"
#: Version of the consent text shown on the signing form (stored with each signature).
CONSENT_VERSION = "2026-11"
#: Milestones announced on the timeline, in percent of the threshold.
MILESTONES = (25, 50, 75, 100)
#: At most one public count checkpoint per initiative per this interval.
CHECKPOINT_EVENT_INTERVAL = timedelta(minutes=1)
#: Public reason codes a moderator may return a draft with.
RETURN_REASONS = ("unclear", "out_of_scope", "unlawful", "duplicate", "offensive", "personal_data", "other")
#: Codes of events the receiving organisation may add to the timeline.
AUTHORITY_EVENT_CODES = ("received", "in_committee", "hearing", "decision", "other")
MAX_PDF_BYTES = 10 * 1024 * 1024
ENCRYPTION_PURPOSE = "initiative-signer"

TITLE_MAX = 200
SUMMARY_MAX = 600
BODY_MAX = 50_000


class InitiativeError(Exception):
    """A rule refused the action; ``code`` selects the translated message."""

    def __init__(self, code: str, **details):
        super().__init__(code)
        self.code = code
        self.details = details


# --- types -------------------------------------------------------------------------


def validate_type_numbers(threshold: int, max_days: int, response_days: int) -> None:
    if not 1 <= threshold <= 10_000_000:
        raise InitiativeError("threshold_range")
    if not 1 <= max_days <= 730:
        raise InitiativeError("max_days_range")
    if not 1 <= response_days <= 730:
        raise InitiativeError("response_days_range")


def save_type(
    initiative_type: InitiativeType | None,
    *,
    slug: str,
    name_th: str,
    name_en: str | None,
    organisation: Organisation,
    threshold: int,
    max_days: int,
    min_identity_level: SignerLevel,
    requires_personal_details: bool,
    response_days: int,
    legal_basis: str | None = None,
    active: bool = True,
) -> InitiativeType:
    """Create or update a type. Existing initiatives keep the threshold they started with."""
    validate_type_numbers(threshold, max_days, response_days)
    slug = slug.strip().lower()
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", slug):
        raise InitiativeError("slug_invalid")
    other = db.session.scalar(select(InitiativeType).where(InitiativeType.slug == slug))
    if other is not None and other is not initiative_type:
        raise InitiativeError("slug_taken")
    if initiative_type is None:
        initiative_type = InitiativeType(slug=slug)
        db.session.add(initiative_type)
    initiative_type.slug = slug
    initiative_type.name_th = clean_text(name_th, max_length=200, multiline=False)
    initiative_type.name_en = clean_text(name_en or "", max_length=200, multiline=False) or None
    initiative_type.organisation_id = organisation.id
    initiative_type.threshold = threshold
    initiative_type.max_days = max_days
    initiative_type.min_identity_level = min_identity_level
    initiative_type.requires_personal_details = requires_personal_details
    initiative_type.response_days = response_days
    initiative_type.legal_basis = clean_text(legal_basis or "", max_length=200, multiline=False) or None
    initiative_type.active = active
    db.session.flush()
    return initiative_type


#: The standard types under Thai law: (slug, th, en, receiver, threshold, days,
#: level, personal details, response days, legal basis).
STANDARD_TYPES = (
    (
        "bill",
        "ร่างพระราชบัญญัติที่ประชาชนผู้มีสิทธิเลือกตั้งเข้าชื่อเสนอ",
        "Bill proposed by voters",
        "parliament",
        10_000,
        180,
        SignerLevel.national_id,
        True,
        180,
        "รัฐธรรมนูญ มาตรา 133 (3)",
    ),
    (
        "constitutional-amendment",
        "ร่างรัฐธรรมนูญแก้ไขเพิ่มเติมที่ประชาชนเข้าชื่อเสนอ",
        "Constitutional amendment proposed by voters",
        "parliament",
        50_000,
        180,
        SignerLevel.national_id,
        True,
        180,
        "รัฐธรรมนูญ มาตรา 256 (1)",
    ),
    (
        "petition",
        "ข้อเสนอถึงหน่วยงาน",
        "Petition to an agency",
        "agency",
        1_000,
        90,
        SignerLevel.email,
        False,
        60,
        None,
    ),
)


def seed_standard_types(parliament: Organisation, agency: Organisation) -> list[InitiativeType]:
    """Create the three standard types if missing (idempotent; existing ones are left as they are)."""
    result = []
    for slug, th, en, receiver, threshold, days, level, details, response, basis in STANDARD_TYPES:
        existing = db.session.scalar(select(InitiativeType).where(InitiativeType.slug == slug))
        if existing is not None:
            result.append(existing)
            continue
        result.append(
            save_type(
                None,
                slug=slug,
                name_th=th,
                name_en=en,
                organisation=parliament if receiver == "parliament" else agency,
                threshold=threshold,
                max_days=days,
                min_identity_level=level,
                requires_personal_details=details,
                response_days=response,
                legal_basis=basis,
            )
        )
    return result


# --- drafting ------------------------------------------------------------------------


def _clean_fields(title: str, summary: str, body: str, topic: str | None) -> dict:
    try:
        values = {
            "title": clean_text(title, max_length=TITLE_MAX, multiline=False),
            "summary": clean_text(summary, max_length=SUMMARY_MAX),
            "body": clean_text(body, max_length=BODY_MAX),
            "topic": clean_text(topic or "", max_length=64, multiline=False) or None,
        }
    except TextTooLong as exc:
        raise InitiativeError("too_long", limit=exc.limit) from None
    if not values["title"] or not values["summary"] or not values["body"]:
        raise InitiativeError("missing_text")
    return values


def create_initiative(
    author: User,
    initiative_type: InitiativeType,
    *,
    title: str,
    summary: str,
    body: str,
    topic: str | None,
    duration_days: int,
) -> Initiative:
    """A new draft owned by ``author``. Only verified accounts may start one."""
    if not author.has_identity_level(IdentityLevel.email):
        raise InitiativeError("identity_too_low")
    if not initiative_type.active:
        raise InitiativeError("type_inactive")
    if not 1 <= duration_days <= initiative_type.max_days:
        raise InitiativeError("duration_range", maximum=initiative_type.max_days)
    initiative = Initiative(
        type_id=initiative_type.id,
        organisation_id=initiative_type.organisation_id,
        created_by_id=author.id,
        threshold=initiative_type.threshold,
        duration_days=duration_days,
        state=InitiativeState.draft,
        **_clean_fields(title, summary, body, topic),
    )
    initiative.type = initiative_type
    initiative.authors.append(InitiativeAuthor(user_id=author.id, is_creator=True))
    db.session.add(initiative)
    db.session.flush()
    return initiative


def update_initiative(
    initiative: Initiative,
    *,
    title: str,
    summary: str,
    body: str,
    topic: str | None,
    duration_days: int,
) -> None:
    """Edit a draft (not after submission: reviewers approve a fixed text)."""
    if initiative.state != InitiativeState.draft:
        raise InitiativeError("not_editable")
    if not 1 <= duration_days <= initiative.type.max_days:
        raise InitiativeError("duration_range", maximum=initiative.type.max_days)
    for key, value in _clean_fields(title, summary, body, topic).items():
        setattr(initiative, key, value)
    initiative.duration_days = duration_days
    db.session.flush()


def _invite_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="initiatives.coauthor-invitation")


def invite_coauthor(initiative: Initiative, inviter: User, email: str) -> str:
    """Email a signed invitation link to ``email``; returns the token.

    The token names the initiative and the invited address; only an account
    with that (verified) address can accept it.
    """
    if initiative.state != InitiativeState.draft:
        raise InitiativeError("not_editable")
    address = normalise_email(email)
    if "@" not in address or len(address) > 254:
        raise InitiativeError("email_invalid")
    token = _invite_serializer().dumps({"i": initiative.id, "e": address})
    if has_request_context():
        path = url_for("initiatives.accept_invitation", token=token)
    else:  # the demo and commands have no request; build the same path from the URL map
        path = current_app.url_map.bind("localhost").build("initiatives.accept_invitation", {"token": token})
    url = current_app.config["BASE_URL"] + path
    enqueue_email(
        to_address=address,
        template="initiatives/coauthor_invitation",
        locale=inviter.locale or "th",
        context={"initiative": initiative, "inviter": inviter, "url": url},
    )
    return token


def accept_invitation(token: str, user: User) -> Initiative:
    """Make ``user`` a co-author; idempotent. Raises InitiativeError on a bad or foreign link."""
    max_age = current_app.config.get("EMAIL_TOKEN_MAX_AGE", 3 * 86400) * 5
    try:
        data = _invite_serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        raise InitiativeError("invitation_expired") from None
    except BadSignature:
        raise InitiativeError("invitation_invalid") from None
    initiative = db.session.get(Initiative, data.get("i")) if isinstance(data, dict) else None
    if initiative is None:
        raise InitiativeError("invitation_invalid")
    if not user.email or normalise_email(user.email) != data.get("e") or not user.email_verified_at:
        raise InitiativeError("invitation_other_address")
    if initiative.state not in (InitiativeState.draft, InitiativeState.in_review):
        raise InitiativeError("not_editable")
    if user.id not in initiative.author_ids():
        initiative.authors.append(InitiativeAuthor(user_id=user.id, is_creator=False))
        db.session.flush()
    return initiative


# --- life cycle ------------------------------------------------------------------------


def _move(initiative: Initiative, target: InitiativeState) -> None:
    try:
        initiative.move_to(target)
    except IllegalTransition as exc:
        raise InitiativeError(
            "illegal_transition", current=exc.current.value, target=exc.target.value
        ) from None


def _announce(
    initiative: Initiative,
    event_kind: str,
    *,
    timeline: tuple[TimelineKind, str] | None,
    payload: dict | None = None,
    body: str | None = None,
    actor: User | None = None,
    recipient_ids: list[int] | None = None,
) -> TimelineEvent | None:
    """Publish a public event and, if ``timeline``, the matching timeline row."""
    facts = {"initiative_id": initiative.id, "title": initiative.title, "state": initiative.state.value}
    facts.update(payload or {})
    event = publish(
        Event(
            kind=event_kind,
            subject_type=SUBJECT,
            subject_id=initiative.id,
            payload=facts,
            actor_id=actor.id if actor else None,
            recipient_ids=recipient_ids or [],
        )
    )
    if timeline is None:
        return None
    row = TimelineEvent(
        initiative_id=initiative.id,
        kind=timeline[0],
        code=timeline[1],
        body=body,
        actor_id=actor.id if actor else None,
        ledger_seq=event.seq,
    )
    db.session.add(row)
    db.session.flush()
    return row


def submit(initiative: Initiative, user: User, now: datetime) -> None:
    """Send a draft to moderators for review against the published rules."""
    _move(initiative, InitiativeState.in_review)
    initiative.submitted_at = now
    initiative.return_reason = None
    initiative.return_note = None
    _announce(initiative, "initiative.submitted", timeline=(TimelineKind.state, "submitted"), actor=user)


def approve(initiative: Initiative, moderator: User, now: datetime) -> None:
    """Publish the initiative: collection starts now and ends after its duration."""
    _move(initiative, InitiativeState.collecting)
    initiative.threshold = initiative.type.threshold
    initiative.published_at = now
    initiative.deadline = now + timedelta(days=initiative.duration_days)
    _announce(initiative, "initiative.approved", timeline=None, actor=moderator)
    _announce(
        initiative,
        "initiative.published",
        timeline=(TimelineKind.state, "collecting"),
        payload={"deadline": initiative.deadline.isoformat(), "threshold": initiative.threshold},
        recipient_ids=sorted(initiative.author_ids()),
    )


def return_to_authors(initiative: Initiative, moderator: User, reason: str, note: str) -> None:
    """Send a draft back with a public reason code and note."""
    if reason not in RETURN_REASONS:
        raise InitiativeError("reason_invalid")
    try:
        note = clean_text(note, max_length=2000)
    except TextTooLong as exc:
        raise InitiativeError("too_long", limit=exc.limit) from None
    _move(initiative, InitiativeState.draft)
    initiative.return_reason = reason
    initiative.return_note = note or None
    _announce(
        initiative,
        "initiative.returned",
        timeline=(TimelineKind.state, "returned"),
        payload={"reason": reason, "note": note},
        body=note or None,
        actor=moderator,
        recipient_ids=sorted(initiative.author_ids()),
    )


def withdraw(initiative: Initiative, user: User, now: datetime) -> None:
    """Authors withdraw before hand-over; signatures stop counting toward anything."""
    if effective_state(initiative, now) not in (
        InitiativeState.draft,
        InitiativeState.in_review,
        InitiativeState.collecting,
    ):
        raise InitiativeError("illegal_transition")
    _move(initiative, InitiativeState.withdrawn)
    initiative.withdrawn_at = now
    _announce(initiative, "initiative.withdrawn", timeline=(TimelineKind.state, "withdrawn"), actor=user)


def effective_state(initiative: Initiative, now: datetime, total: int | None = None) -> InitiativeState:
    """The state at ``now`` even if the worker has not run yet.

    A collecting initiative past its deadline is handed over if it reached its
    threshold and expired otherwise (``total`` avoids counting twice).
    """
    if initiative.state == InitiativeState.collecting and initiative.deadline and now >= initiative.deadline:
        if total is None:
            total = public_count(initiative).total
        return InitiativeState.handed_over if total >= initiative.threshold else InitiativeState.expired
    return initiative.state


def _hand_over(initiative: Initiative, now: datetime, actor: User | None) -> None:
    counts = exact_count(initiative)
    # Handing over within seconds of the last signature must not skip the announcement.
    _announce_threshold(initiative, counts.total, now)
    _move(initiative, InitiativeState.handed_over)
    initiative.handed_over_at = now
    initiative.response_due_at = now + timedelta(days=initiative.type.response_days)
    _announce(
        initiative,
        "initiative.handed_over",
        timeline=(TimelineKind.state, "handed_over"),
        payload={
            "signatures": counts.total,
            "online": counts.online,
            "paper": counts.paper,
            "response_due": initiative.response_due_at.isoformat(),
        },
        actor=actor,
        recipient_ids=sorted(initiative.author_ids()),
    )


def hand_over(initiative: Initiative, user: User, now: datetime) -> None:
    """Authors submit a collecting initiative that reached its threshold (exact count)."""
    if initiative.state != InitiativeState.collecting:
        raise InitiativeError("illegal_transition")
    if exact_count(initiative).total < initiative.threshold:
        raise InitiativeError("threshold_not_reached")
    _hand_over(initiative, now, user)


def record_response(initiative: Initiative, staff: User, text: str, files: list, now: datetime) -> None:
    """The receiving organisation records its decision (with optional PDF documents)."""
    try:
        text = clean_text(text, max_length=BODY_MAX)
    except TextTooLong as exc:
        raise InitiativeError("too_long", limit=exc.limit) from None
    if not text:
        raise InitiativeError("missing_text")
    documents = [store_pdf(f) for f in files]
    _move(initiative, InitiativeState.responded)
    initiative.response_text = text
    initiative.responded_at = now
    row = _announce(
        initiative,
        "initiative.response_recorded",
        timeline=(TimelineKind.response, "decision"),
        body=text,
        actor=staff,
        payload={"late": bool(initiative.response_due_at and now > initiative.response_due_at)},
        recipient_ids=sorted(initiative.author_ids()),
    )
    _attach(row, documents)


def close(initiative: Initiative, staff: User, now: datetime) -> None:
    _move(initiative, InitiativeState.closed)
    initiative.closed_at = now
    _announce(
        initiative,
        "initiative.timeline_event",
        timeline=(TimelineKind.state, "closed"),
        actor=staff,
        payload={"code": "closed"},
    )


def add_timeline_event(
    initiative: Initiative, staff: User, code: str, text: str, files: list
) -> TimelineEvent:
    """The receiving organisation adds a public step (received, committee, hearing, decision)."""
    if code not in AUTHORITY_EVENT_CODES:
        raise InitiativeError("event_code_invalid")
    if initiative.state not in (
        InitiativeState.handed_over,
        InitiativeState.responded,
        InitiativeState.closed,
    ):
        raise InitiativeError("illegal_transition")
    try:
        text = clean_text(text, max_length=10_000)
    except TextTooLong as exc:
        raise InitiativeError("too_long", limit=exc.limit) from None
    if not text:
        raise InitiativeError("missing_text")
    documents = [store_pdf(f) for f in files]
    row = _announce(
        initiative,
        "initiative.timeline_event",
        timeline=(TimelineKind.authority, code),
        body=text,
        actor=staff,
        payload={"code": code},
    )
    _attach(row, documents)
    return row


# --- documents -------------------------------------------------------------------------


def documents_folder() -> Path:
    return uploads.folder("initiative_documents")


def store_pdf(file_storage) -> tuple[str, str, int]:
    """Check the upload is a whole PDF by its content and store it by hash; returns (name, sha256, size).

    Refuses with ``file_too_large`` over ``MAX_PDF_BYTES`` and ``not_pdf`` for
    anything else that is not a PDF ending with ``%%EOF`` (an empty file too).
    """
    data = uploads.read_upload(file_storage, MAX_PDF_BYTES)
    try:
        uploads.check(data, max_bytes=MAX_PDF_BYTES, types=(uploads.PDF,), whole_pdf=True)
    except uploads.FileRefused as exc:
        raise InitiativeError("file_too_large" if exc.code == "too_large" else "not_pdf") from None
    digest = uploads.store_by_hash(documents_folder(), data, ".pdf")
    name = (
        re.sub(r"[^\w.\- ()ก-๙]", "_", (file_storage.filename or "document.pdf"))[:150].strip()
        or "document.pdf"
    )
    if not name.lower().endswith(".pdf"):
        name += ".pdf"
    return name, digest, len(data)


def _attach(row: TimelineEvent | None, documents: list[tuple[str, str, int]]) -> None:
    if row is None:
        return
    for name, digest, size in documents:
        row.documents.append(TimelineDocument(filename=name, sha256=digest, size=size))
    db.session.flush()


def document_path(document: TimelineDocument) -> Path:
    """Where a document's bytes are; ``FileNotFoundError`` if its hash is not a stored name."""
    return uploads.path_of(documents_folder(), f"{document.sha256}.pdf")


# --- signing ----------------------------------------------------------------------------


def required_level(initiative: Initiative) -> IdentityLevel:
    return IdentityLevel.parse(initiative.type.min_identity_level.value)


def _receipt_hash(code: str) -> str:
    normalised = re.sub(r"[^A-Z0-9]", "", (code or "").upper())
    return hashlib.sha256(f"initiative-receipt:{normalised}".encode()).hexdigest()


#: 32 letters and digits a reader cannot confuse (no I, O, 0 or 1).
RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _new_receipt_code() -> str:
    """16 characters in groups of four, 80 random bits: ``K7QM-…``.

    One read of the system's randomness: each byte's low five bits pick a
    character (256 is a multiple of 32, so every character is equally likely).
    """
    raw = "".join(RECEIPT_ALPHABET[byte & 31] for byte in secrets.token_bytes(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def signature_of(initiative: Initiative, user: User) -> Signature | None:
    """The user's signature on ``initiative`` (by identity key or account), if any."""
    key = user.identity_key()
    conditions = [Signature.user_id == user.id]
    if key:
        conditions.append(Signature.identity_key == key)
    return db.session.scalar(
        select(Signature).where(Signature.initiative_id == initiative.id, or_(*conditions)).limit(1)
    )


def check_can_sign(initiative: Initiative, user: User, now: datetime) -> None:
    """Raise InitiativeError if ``user`` may not sign now (friendly checks; the database has the last word)."""
    if initiative.state != InitiativeState.collecting or (initiative.deadline and now >= initiative.deadline):
        raise InitiativeError("not_collecting")
    if user.identity_level < required_level(initiative) or user.identity_key() is None:
        raise InitiativeError("identity_too_low", level=initiative.type.min_identity_level.value)


def sign(
    initiative: Initiative,
    user: User,
    now: datetime,
    *,
    consent: bool,
    show_name: bool = False,
    full_name: str | None = None,
    national_id: str | None = None,
) -> tuple[int, str]:
    """Record one signature; returns its id and the receipt code (shown once).

    Inserts the signature row (and, through the ``initiative.signed`` event,
    the signer's automatic follow) and nothing else; counted within seconds by
    the refresh job. Raises InitiativeError('already_signed') on a second signature of the
    same person (by the database unique constraints, so also under races),
    and NationalIdError for an invalid national ID.
    """
    check_can_sign(initiative, user, now)
    if not consent:
        raise InitiativeError("consent_required")
    full_name_enc = national_id_enc = None
    if initiative.type.requires_personal_details:
        try:
            name = clean_text(full_name or "", max_length=200, multiline=False)
        except TextTooLong:
            raise InitiativeError("full_name_invalid") from None
        if len(name) < 3:
            raise InitiativeError("full_name_invalid")
        number = normalise_national_id(national_id or "")
        if user.national_id_hash and national_id_hash(number) != user.national_id_hash:
            raise InitiativeError("national_id_mismatch")
        full_name_enc = crypto.encrypt(ENCRYPTION_PURPOSE, name)
        national_id_enc = crypto.encrypt(ENCRYPTION_PURPOSE, number)
    code = _new_receipt_code()
    # One INSERT ... ON CONFLICT DO NOTHING RETURNING: the unique constraints on
    # (initiative, identity key) and (initiative, account) decide, also under races,
    # and a second signature returns no row instead of failing the transaction.
    signature_id = db.session.execute(
        _sign_statement(),
        {
            "initiative_id": initiative.id,
            "identity_key": user.identity_key(),
            "user_id": user.id,
            "created_at": now,
            "receipt_hash": _receipt_hash(code),
            "public_name": (user.display_name or None) if show_name else None,
            "full_name_enc": full_name_enc,
            "national_id_enc": national_id_enc,
        },
    ).scalar()
    if signature_id is None:
        raise InitiativeError("already_signed")
    publish(
        Event(
            kind="initiative.signed",
            subject_type=SUBJECT,
            subject_id=initiative.id,
            payload={"initiative_id": initiative.id},
            actor_id=user.id,
            public=False,
        )
    )
    return signature_id, code


@db.prepared
def _sign_statement():
    """The signing insert, built once (it is the hot path; see ``db.prepared``)."""
    table = Signature.__table__
    values = (
        "initiative_id",
        "identity_key",
        "user_id",
        "created_at",
        "receipt_hash",
        "public_name",
        "full_name_enc",
        "national_id_enc",
    )
    return (
        db.insert(table)
        .values({**{name: bindparam(name) for name in values}, "consent_version": CONSENT_VERSION})
        .on_conflict_do_nothing()
        .returning(table.c.id)
    )


def withdraw_signature(initiative: Initiative, user: User, now: datetime) -> None:
    """Take back one's signature while the initiative is collecting (the row is deleted)."""
    if initiative.state != InitiativeState.collecting or (initiative.deadline and now >= initiative.deadline):
        raise InitiativeError("not_collecting")
    signature = signature_of(initiative, user)
    if signature is None:
        raise InitiativeError("not_signed")
    db.session.add(
        SignatureWithdrawal(initiative_id=initiative.id, signature_id=signature.id, created_at=now)
    )
    db.session.delete(signature)
    db.session.flush()


def check_receipt(code: str) -> tuple[Initiative, datetime] | None:
    """The initiative and time of a counted signature with this receipt, else None. Nothing about the signer."""
    if not code or len(code) > 64:
        return None
    row = db.session.execute(
        select(Signature.initiative_id, Signature.created_at).where(
            Signature.receipt_hash == _receipt_hash(code)
        )
    ).first()
    if row is None:
        return None
    return db.session.get(Initiative, row.initiative_id), row.created_at


def record_paper_batch(
    initiative: Initiative, staff: User, *, count: int, received_on: date, note: str | None, now: datetime
) -> PaperBatch:
    """Paper signatures received by the authority; public and added to the total."""
    if effective_state(initiative, now) not in (InitiativeState.collecting, InitiativeState.handed_over):
        raise InitiativeError("illegal_transition")
    if not 1 <= count <= 10_000_000:
        raise InitiativeError("count_range")
    if received_on > now.astimezone(BANGKOK).date():
        raise InitiativeError("date_in_future")
    try:
        note = clean_text(note or "", max_length=500) or None
    except TextTooLong as exc:
        raise InitiativeError("too_long", limit=exc.limit) from None
    batch = PaperBatch(
        initiative_id=initiative.id, count=count, received_on=received_on, note=note, recorded_by_id=staff.id
    )
    db.session.add(batch)
    db.session.flush()
    return batch


# --- counting ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Count:
    online: int
    paper: int

    @property
    def total(self) -> int:
        return self.online + self.paper


def _paper_sum(initiative_id):
    return (
        select(func.coalesce(func.sum(PaperBatch.count), 0))
        .where(PaperBatch.initiative_id == initiative_id)
        .scalar_subquery()
    )


def _online_delta(initiative_id, max_signature_id, max_withdrawal_id):
    """Signatures newer than the checkpoint minus withdrawals of older ones since it."""
    newer = (
        select(func.count())
        .select_from(Signature)
        .where(Signature.initiative_id == initiative_id, Signature.id > max_signature_id)
        .scalar_subquery()
    )
    withdrawn = (
        select(func.count())
        .select_from(SignatureWithdrawal)
        .where(
            SignatureWithdrawal.initiative_id == initiative_id,
            SignatureWithdrawal.id > max_withdrawal_id,
            SignatureWithdrawal.signature_id <= max_signature_id,
        )
        .scalar_subquery()
    )
    return newer - withdrawn


def public_count(initiative: Initiative) -> Count:
    """The count pages show: checkpoint + rows since it. One statement, constant cost."""
    delta, paper = db.session.execute(
        select(
            _online_delta(
                initiative.id, initiative.counted_max_signature_id, initiative.counted_max_withdrawal_id
            ),
            _paper_sum(initiative.id),
        )
    ).one()
    return Count(online=max(0, initiative.counted_signatures + int(delta)), paper=int(paper))


def public_counts(initiatives: list[Initiative]) -> dict[int, Count]:
    """``public_count`` for a page of initiatives in one statement."""
    if not initiatives:
        return {}
    rows = db.session.execute(
        select(
            Initiative.id,
            Initiative.counted_signatures
            + _online_delta(
                Initiative.id, Initiative.counted_max_signature_id, Initiative.counted_max_withdrawal_id
            ),
            _paper_sum(Initiative.id),
        ).where(Initiative.id.in_([i.id for i in initiatives]))
    ).all()
    return {row[0]: Count(online=max(0, int(row[1])), paper=int(row[2])) for row in rows}


def exact_count(initiative: Initiative) -> Count:
    """A full count of valid signatures (for hand-over and reconcile, not for pages)."""
    online, paper = db.session.execute(
        select(
            select(func.count())
            .select_from(Signature)
            .where(Signature.initiative_id == initiative.id)
            .scalar_subquery(),
            _paper_sum(initiative.id),
        )
    ).one()
    return Count(online=int(online), paper=int(paper))


def _local_day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=BANGKOK)


def _refresh_daily(initiative: Initiative, now: datetime) -> None:
    """Recount signatures per local day for the days that can still change (today and
    yesterday, plus any day since the last stored one), from indexed range counts."""
    today = now.astimezone(BANGKOK).date()
    last = db.session.scalar(
        select(func.max(DailyCount.day)).where(DailyCount.initiative_id == initiative.id)
    )
    if last is None:
        start = (initiative.published_at or now).astimezone(BANGKOK).date()
        first = db.session.scalar(
            select(func.min(Signature.created_at)).where(Signature.initiative_id == initiative.id)
        )
        if first is not None:
            start = min(start, first.astimezone(BANGKOK).date())
    else:
        start = min(last, today - timedelta(days=1))
    start = max(start, today - timedelta(days=800))
    day = start
    while day <= today:
        n = db.session.scalar(
            select(func.count())
            .select_from(Signature)
            .where(
                Signature.initiative_id == initiative.id,
                Signature.created_at >= _local_day_start(day),
                Signature.created_at < _local_day_start(day + timedelta(days=1)),
            )
        )
        row = db.session.get(DailyCount, (initiative.id, day))
        if row is None:
            if n:
                db.session.add(DailyCount(initiative_id=initiative.id, day=day, signatures=n))
        else:
            row.signatures = n
        day += timedelta(days=1)
    db.session.flush()


def refresh_initiative(initiative: Initiative, now: datetime, force: bool = False) -> bool:
    """Write a new checkpoint if anything changed; announce milestones once. Returns whether it changed."""
    sig_max = (
        select(func.coalesce(func.max(Signature.id), 0))
        .where(Signature.initiative_id == initiative.id)
        .scalar_subquery()
    )
    wd_max = (
        select(func.coalesce(func.max(SignatureWithdrawal.id), 0))
        .where(SignatureWithdrawal.initiative_id == initiative.id)
        .scalar_subquery()
    )
    max_sig, max_wd = db.session.execute(select(sig_max, wd_max)).one()
    unchanged = (
        initiative.counted_at is not None
        and max_sig == initiative.counted_max_signature_id
        and max_wd == initiative.counted_max_withdrawal_id
    )
    if unchanged and not force:
        _announce_progress(initiative, now)
        return False
    # One statement: the count and both high-water marks describe the same snapshot.
    count, max_sig, max_wd = db.session.execute(
        select(
            select(func.count())
            .select_from(Signature)
            .where(Signature.initiative_id == initiative.id)
            .scalar_subquery(),
            sig_max,
            wd_max,
        )
    ).one()
    won = db.session.execute(
        update(Initiative)
        .where(Initiative.id == initiative.id, Initiative.counted_max_signature_id <= max_sig)
        .values(
            counted_signatures=count,
            counted_max_signature_id=max_sig,
            counted_max_withdrawal_id=max_wd,
            counted_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(initiative)
    if won.rowcount == 0:
        # A refresher with a newer snapshot got there first; it does the rest.
        return False
    _refresh_daily(initiative, now)
    _announce_progress(initiative, now)
    return True


def _announce_threshold(initiative: Initiative, total: int, now: datetime) -> None:
    """Set ``threshold_reached_at`` and announce it, once, if ``total`` reaches the threshold."""
    if total < initiative.threshold or initiative.threshold_reached_at is not None:
        return
    won = db.session.execute(
        update(Initiative)
        .where(Initiative.id == initiative.id, Initiative.threshold_reached_at.is_(None))
        .values(threshold_reached_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if won == 1:
        initiative.threshold_reached_at = now
        _announce(
            initiative,
            "initiative.threshold_reached",
            timeline=(TimelineKind.milestone, "threshold"),
            payload={"signatures": total, "threshold": initiative.threshold},
            recipient_ids=sorted(initiative.author_ids()),
        )
    else:
        db.session.refresh(initiative)


def _announce_progress(initiative: Initiative, now: datetime) -> None:
    """Threshold, milestones and count checkpoints: each announced once, by whoever wins the UPDATE."""
    if initiative.state != InitiativeState.collecting:
        return
    total = public_count(initiative).total
    _announce_threshold(initiative, total, now)
    reached = max([p for p in MILESTONES if total * 100 >= initiative.threshold * p] or [0])
    if reached > initiative.milestone_pct:
        previous = initiative.milestone_pct
        won = db.session.execute(
            update(Initiative)
            .where(Initiative.id == initiative.id, Initiative.milestone_pct == previous)
            .values(milestone_pct=reached)
            .execution_options(synchronize_session=False)
        ).rowcount
        if won == 1:
            initiative.milestone_pct = reached
            for pct in MILESTONES:
                if previous < pct <= reached:
                    _announce(
                        initiative,
                        "initiative.milestone",
                        timeline=(TimelineKind.milestone, f"milestone_{pct}"),
                        payload={"pct": pct},
                    )
        else:
            db.session.refresh(initiative)
    if total != initiative.checkpoint_published_total:
        last = initiative.checkpoint_published_at
        if last is None or now - last >= CHECKPOINT_EVENT_INTERVAL:
            cutoff = now - CHECKPOINT_EVENT_INTERVAL
            won = db.session.execute(
                update(Initiative)
                .where(
                    Initiative.id == initiative.id,
                    or_(
                        Initiative.checkpoint_published_at.is_(None),
                        Initiative.checkpoint_published_at <= cutoff,
                    ),
                )
                .values(checkpoint_published_at=now, checkpoint_published_total=total)
                .execution_options(synchronize_session=False)
            ).rowcount
            if won == 1:
                initiative.checkpoint_published_at = now
                initiative.checkpoint_published_total = total
                counts = public_count(initiative)
                _announce(
                    initiative,
                    "initiative.count_checkpoint",
                    timeline=None,
                    payload={"signatures": counts.total, "online": counts.online, "paper": counts.paper},
                )
    db.session.flush()


def refresh_counts(now: datetime) -> int:
    """Worker job: checkpoint every collecting initiative (and final counts of just-closed ones)."""
    ids = db.session.scalars(
        select(Initiative.id).where(
            or_(
                Initiative.state == InitiativeState.collecting,
                and_(
                    Initiative.state.in_([InitiativeState.handed_over, InitiativeState.expired]),
                    or_(
                        Initiative.counted_at.is_(None),
                        Initiative.counted_at
                        < func.coalesce(Initiative.handed_over_at, Initiative.expired_at),
                    ),
                ),
            )
        )
    ).all()
    changed = 0
    for initiative_id in ids:
        initiative = db.session.get(Initiative, initiative_id)
        if refresh_initiative(initiative, now):
            changed += 1
    return changed


def close_due(now: datetime) -> int:
    """Worker job: end collection at the deadline (handed over if the threshold is met, else expired)."""
    due = db.session.scalars(
        select(Initiative)
        .where(Initiative.state == InitiativeState.collecting, Initiative.deadline <= now)
        .with_for_update(skip_locked=True)
    ).all()
    for initiative in due:
        refresh_initiative(initiative, now, force=True)
        if exact_count(initiative).total >= initiative.threshold:
            _hand_over(initiative, now, None)
        else:
            _move(initiative, InitiativeState.expired)
            initiative.expired_at = now
            counts = exact_count(initiative)
            _announce(
                initiative,
                "initiative.expired",
                timeline=(TimelineKind.state, "expired"),
                payload={"signatures": counts.total, "threshold": initiative.threshold},
                recipient_ids=sorted(initiative.author_ids()),
            )
    return len(due)


def is_overdue(initiative: Initiative, now: datetime) -> bool:
    return (
        initiative.state == InitiativeState.handed_over
        and initiative.response_due_at is not None
        and now > initiative.response_due_at
    )


def mark_overdue(now: datetime) -> int:
    """Worker job: announce once that a response deadline passed without a response."""
    ids = db.session.scalars(
        select(Initiative.id).where(
            Initiative.state == InitiativeState.handed_over,
            Initiative.response_due_at < now,
            Initiative.overdue_marked_at.is_(None),
        )
    ).all()
    done = 0
    for initiative_id in ids:
        won = db.session.execute(
            update(Initiative)
            .where(Initiative.id == initiative_id, Initiative.overdue_marked_at.is_(None))
            .values(overdue_marked_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if won == 1:
            initiative = db.session.get(Initiative, initiative_id)
            db.session.refresh(initiative)
            _announce(
                initiative,
                "initiative.response_overdue",
                timeline=(TimelineKind.state, "response_overdue"),
                payload={"response_due": initiative.response_due_at.isoformat()},
                recipient_ids=sorted(initiative.author_ids()),
            )
            done += 1
    return done


# --- retention -------------------------------------------------------------------------


def retention_days() -> int:
    """PARTICIPATION_SIGNER_DATA_RETENTION_DAYS (default 90)."""
    value = current_app.config.get("SIGNER_DATA_RETENTION_DAYS") or os.environ.get(
        "PARTICIPATION_SIGNER_DATA_RETENTION_DAYS"
    )
    return int(value) if value else 90


def purge_personal_data(now: datetime) -> int:
    """Erase signers' names and national IDs N days after hand-over, expiry or withdrawal.

    Counts are untouched (the rows stay). Returns the number of initiatives purged.
    """
    cutoff = now - timedelta(days=retention_days())
    ended = func.coalesce(Initiative.handed_over_at, Initiative.expired_at, Initiative.withdrawn_at)
    ids = db.session.scalars(
        select(Initiative.id).where(
            Initiative.personal_data_purged_at.is_(None), ended.is_not(None), ended <= cutoff
        )
    ).all()
    for initiative_id in ids:
        db.session.execute(
            update(Signature)
            .where(Signature.initiative_id == initiative_id)
            .values(full_name_enc=None, national_id_enc=None)
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            update(Initiative)
            .where(Initiative.id == initiative_id)
            .values(personal_data_purged_at=now)
            .execution_options(synchronize_session=False)
        )
    db.session.flush()
    return len(ids)


# --- hand-over export ---------------------------------------------------------------------


def export_signatures(initiative: Initiative, staff: User, now: datetime) -> str:
    """The hand-over signature list as CSV (RFC 4180, UTF-8 with BOM, formula-safe).

    The only place encrypted signer details are decrypted. Logs who and when
    (audit row) and publishes a public event without names.
    """
    if initiative.state not in (
        InitiativeState.handed_over,
        InitiativeState.responded,
        InitiativeState.closed,
    ):
        raise InitiativeError("illegal_transition")
    personal = initiative.type.requires_personal_details
    header = ["number", "signed_at_utc", "receipt_check"]
    if personal:
        header += ["full_name", "national_id"]
    counted = {"rows": 0}

    def lines():
        last_id = 0
        while True:
            batch = db.session.scalars(
                select(Signature)
                .where(Signature.initiative_id == initiative.id, Signature.id > last_id)
                .order_by(Signature.id)
                .limit(5000)
            ).all()
            if not batch:
                return
            for signature in batch:
                counted["rows"] += 1
                line = [
                    counted["rows"],
                    signature.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    signature.receipt_hash[:12],
                ]
                if personal:
                    line += [
                        _decrypted(signature.full_name_enc),
                        _decrypted(signature.national_id_enc),
                    ]
                yield line
            last_id = batch[-1].id
            db.session.expunge_all()

    document = to_csv(header, lines())
    rows = counted["rows"]
    initiative = db.session.get(Initiative, initiative.id)
    db.session.add(SignatureExport(initiative_id=initiative.id, user_id=staff.id, created_at=now, rows=rows))
    publish(
        Event(
            kind="initiative.signatures_exported",
            subject_type=SUBJECT,
            subject_id=initiative.id,
            payload={
                "initiative_id": initiative.id,
                "by": "the receiving organisation",
                "organisation_id": initiative.organisation_id,
                "rows": rows,
            },
            actor_id=staff.id,
        )
    )
    db.session.flush()
    return document


def _decrypted(token: str | None) -> str:
    return crypto.decrypt(ENCRYPTION_PURPOSE, token) if token else ""


# --- reconcile -------------------------------------------------------------------------------


@dataclass
class ReconcileRow:
    initiative_id: int
    shown: int
    actual: int

    @property
    def ok(self) -> bool:
        return self.shown == self.actual


def reconcile() -> list[ReconcileRow]:
    """For every initiative: the public count against a full count of valid signatures + paper."""
    result = []
    query = select(Initiative).order_by(Initiative.id).execution_options(populate_existing=True)
    for initiative in db.session.scalars(query):
        result.append(
            ReconcileRow(initiative.id, public_count(initiative).total, exact_count(initiative).total)
        )
    return result
