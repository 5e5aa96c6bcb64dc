"""What the domains put in the search index: hearings and their sections,
initiatives, budget proposals and comments.

Registered with :func:`search.register_indexer` at import (this module is
imported by ``participation.transparency.domains``, which is in BLUEPRINTS),
so ``participation search reindex`` and the events listener index real
content. Visibility follows the public pages exactly: draft hearings,
initiatives still in draft or review, and comments that are hidden, deleted
or waiting for a moderator are indexed with ``visible=False`` (or not at all)
and are therefore never found.

Comment events are published on the commented subject (``subject_type`` =
``hearing``, payload ``comment_id``); a listener here re-indexes the comment
itself, and moderation events on ``comment`` reach the comment indexer
directly.
"""

from __future__ import annotations

from flask import current_app, has_request_context, url_for
from flask_babel import force_locale
from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from participation import db, events, subjects
from participation.budgeting.models import BudgetProposal
from participation.comments.models import Comment, CommentStatus
from participation.hearings.models import Hearing, HearingStatus, HearingVersion, SectionKind
from participation.i18n import _l
from participation.initiatives.models import Initiative
from participation.initiatives.queries import PUBLIC_STATES
from participation.transparency import search
from participation.transparency.models import SearchDocument


def path(endpoint: str, **values) -> str:
    """The site path of ``endpoint`` (also outside a request: CLI, worker, services in tests)."""
    if has_request_context():
        return url_for(endpoint, **values)
    return current_app.url_map.bind("localhost").build(endpoint, values)


# --- hearings and their sections ----------------------------------------------------


def _current_sections(hearing: Hearing):
    published = [v for v in hearing.versions if v.is_published]
    if not published:
        return []
    return [s for s in published[-1].sections if s.kind == SectionKind.section or s.body]


def build_hearing(hearing: Hearing) -> list[search.Document]:
    visible = hearing.status != HearingStatus.draft
    status = hearing.status_at(db.utcnow()).value
    url = path("hearings.show", hearing_id=hearing.id)
    title = hearing.title_th + (f" / {hearing.title_en}" if hearing.title_en else "")
    documents = [
        search.Document(
            kind="hearing",
            ref_id=hearing.id,
            title=title,
            body="\n".join(filter(None, [hearing.summary_th, hearing.summary_en])),
            url=url,
            status=status,
            visible=visible,
            organisation_id=hearing.organisation_id,
        )
    ]
    parent = search.ParentRef("hearing", hearing.id, hearing.title_th)
    sections = _current_sections(hearing)
    # Sections of an earlier version are no longer the draft under hearing.
    db.session.execute(
        delete(SearchDocument).where(
            SearchDocument.kind == "hearing_section",
            SearchDocument.parent_kind == "hearing",
            SearchDocument.parent_ref_id == hearing.id,
            SearchDocument.ref_id.not_in([s.id for s in sections] or [0]),
        )
    )
    for section in sections:
        documents.append(
            search.Document(
                kind="hearing_section",
                ref_id=section.id,
                title=" ".join(filter(None, [section.label, section.heading])) or hearing.title_th,
                body=section.body,
                url=f"{url}#section-{section.id}",
                status=status,
                visible=visible,
                organisation_id=hearing.organisation_id,
                parent=parent,
            )
        )
    return documents


def _load_hearing(hearing_id: int) -> Hearing | None:
    return db.session.scalars(
        select(Hearing)
        .where(Hearing.id == hearing_id)
        .options(selectinload(Hearing.versions).selectinload(HearingVersion.sections))
    ).one_or_none()


def _all_hearings():
    return db.session.scalars(
        select(Hearing).options(selectinload(Hearing.versions).selectinload(HearingVersion.sections))
    ).unique()


def _load_section(section_id: int):
    return None  # sections are indexed through their hearing


# --- initiatives ----------------------------------------------------------------------


def build_initiative(initiative: Initiative) -> search.Document:
    return search.Document(
        kind="initiative",
        ref_id=initiative.id,
        title=initiative.title,
        body=f"{initiative.summary}\n{initiative.body}",
        url=path("initiatives.show", initiative_id=initiative.id),
        status=initiative.state.value,
        visible=initiative.state in PUBLIC_STATES,
        organisation_id=initiative.organisation_id,
    )


# --- budget proposals -----------------------------------------------------------------


def build_proposal(proposal: BudgetProposal) -> search.Document:
    process = proposal.process
    return search.Document(
        kind="budget_proposal",
        ref_id=proposal.id,
        title=proposal.title,
        body="\n".join(filter(None, [proposal.description, proposal.location])),
        url=path("budgeting.proposal", slug=process.slug, proposal_id=proposal.id),
        status=proposal.status.value,
        visible=True,
        organisation_id=process.organisation_id,
        parent=search.ParentRef("budget_process", process.id, process.title_th),
    )


# --- comments -------------------------------------------------------------------------


def build_comment(comment: Comment) -> search.Document | None:
    if comment.status != CommentStatus.published or not comment.body:
        # Hidden, deleted or pending: removed from the index (never found).
        return None
    found = subjects.resolve(comment.subject_type, comment.subject_id)
    if found is None:
        return None
    subject_type, subject = found
    # The index is in the site's default language (Thai), whoever triggered it.
    with force_locale("th"):
        title = str(subject_type.title(subject))
        heading = str(_l("Comment on %(title)s", title=title))
    return search.Document(
        kind="comment",
        ref_id=comment.id,
        title=heading,
        body=comment.body,
        url=path("comments.permalink", comment_id=comment.id),
        status=None,
        visible=True,
        organisation_id=subject_type.organisation_id(subject),
        parent=search.ParentRef(comment.subject_type, comment.subject_id, title),
    )


#: Events that change nothing a search shows: a signature changes the count only.
_NOT_CONTENT = frozenset({"initiative.signed"})


def _not_about_comments(event: events.Event) -> bool:
    """Comment events on a subject re-index the comment only, not the subject (nor its sections);
    a signature re-indexes nothing (it is on the signing hot path)."""
    return not event.kind.startswith(("comment.", "moderation.")) and event.kind not in _NOT_CONTENT


def _hearing_status(value: str) -> str:
    from participation.hearings.views import status_label

    return status_label(value)


def _initiative_state(value: str) -> str:
    from participation.initiatives.views import state_label

    return state_label(value)


def _proposal_status(value: str) -> str:
    from participation.budgeting.views import proposal_status_label

    return proposal_status_label(value)


search.register_indexer(
    "hearing",
    build=build_hearing,
    all=_all_hearings,
    load=_load_hearing,
    label=_l("Hearings"),
    when=_not_about_comments,
    status_label=_hearing_status,
)
search.register_indexer(
    "hearing_section",
    build=lambda s: None,
    load=_load_section,
    label=_l("Draft sections"),
    status_label=_hearing_status,  # a section is found with its hearing's state
)
search.register_indexer(
    "initiative",
    build=build_initiative,
    all=lambda: db.session.scalars(select(Initiative)),
    load=lambda i: db.session.get(Initiative, i),
    label=_l("Initiatives"),
    when=_not_about_comments,
    status_label=_initiative_state,
)
search.register_indexer(
    "budget_proposal",
    build=build_proposal,
    all=lambda: db.session.scalars(select(BudgetProposal).options(selectinload(BudgetProposal.process))),
    load=lambda i: db.session.get(BudgetProposal, i),
    label=_l("Budget proposals"),
    when=_not_about_comments,
    status_label=_proposal_status,
)
search.register_indexer(
    "comment",
    build=build_comment,
    all=lambda: db.session.scalars(select(Comment).where(Comment.status == CommentStatus.published)),
    load=lambda i: db.session.get(Comment, i),
    label=_l("Comments"),
)


@events.listen
def _on_comment_event(event: events.Event) -> None:
    """Comment events name the commented subject; re-index the comment itself."""
    comment_id = (event.payload or {}).get("comment_id") if event.kind.startswith("comment.") else None
    if isinstance(comment_id, int) and event.subject_type != "comment":
        search.reindex_subject("comment", comment_id)
