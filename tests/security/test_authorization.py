"""Authorization matrix: every route of the app, for every role, against a fixed world.

For each endpoint the table below says which roles the domain's permission
predicate lets through (for the world in ``tests/security/world.py``) and which
world objects its URL names. The test builds the concrete URL, sends GET and/or
POST as each role and checks:

- a refused signed-in role gets 403 (404 where the table says the object is
  hidden from it), a refused anonymous visitor is sent to sign in (or gets
  401/403), and nothing is written to the database;
- an allowed role is not refused (no 403, no sign-in redirect);
- no role ever gets a 5xx.

A route with no entry in the table fails the test: the matrix stays complete.
After an allowed POST that succeeded (< 400) the world is rebuilt, so one
endpoint's success (a withdrawal, a deletion, a sign-out) never changes what
the next one sees.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from tests.conftest import _truncate_all
from tests.security.conftest import client_as
from tests.security.test_routes import _row_counts
from tests.security.world import ROLES, build_world

ANY = frozenset(ROLES)
SIGNED_IN = ANY - {"anonymous"}
NOBODY: frozenset[str] = frozenset()
STAFF = frozenset({"staff"})  # the agency's own staff (editor)
ANY_STAFF = frozenset({"staff", "other_staff"})
MODERATORS = frozenset({"moderator", "admin"})
ADMIN = frozenset({"admin"})
AUTHOR = frozenset({"author"})
WITH_NATIONAL_ID = frozenset({"citizen", "author"})


@dataclass(frozen=True)
class Expect:
    """Who may use an endpoint. ``get``/``post``: the allowed roles for that method
    (None: the method is not checked). ``values``: URL values overriding the
    defaults, as world keys (``"@ids.hearing"``) or literals. ``hidden``: roles
    that may get 404 instead of 403 (the object is invisible to them)."""

    get: frozenset[str] | None = ANY
    post: frozenset[str] | None = None
    values: dict = field(default_factory=dict)
    hidden: frozenset[str] = NOBODY
    why: str = ""


def staff_only(**values):
    return Expect(get=STAFF, post=STAFF, values=values)


DRAFT = {"hearing_id": "@ids.draft_hearing", "section_id": "@ids.draft_section"}
HANDED = {"initiative_id": "@ids.handed_initiative"}
REVIEW = {"initiative_id": "@ids.review_initiative"}
DRAFT_INITIATIVE = {"initiative_id": "@ids.draft_initiative"}
VOTING = {"slug": "@slugs.voting_process", "proposal_id": "@ids.voting_proposal"}
HIDDEN_COMMENT = {"target_type": "comment", "target_id": "@ids.hidden_comment"}

TABLE: dict[str, Expect] = {
    # Accounts: one's own account only.
    "accounts.change_password": Expect(get=None, post=SIGNED_IN),
    "accounts.declare_national_id": Expect(get=None, post=SIGNED_IN),
    "accounts.delete_account": Expect(get=SIGNED_IN, post=SIGNED_IN),
    "accounts.forgot_password": Expect(post=ANY),
    "accounts.register": Expect(post=ANY),
    "accounts.reset_password": Expect(post=ANY),
    "accounts.settings": Expect(get=SIGNED_IN),
    "accounts.sign_in": Expect(post=ANY),
    "accounts.sign_out": Expect(get=None, post=ANY),
    "accounts.resend_verification": Expect(get=None, post=SIGNED_IN),
    "accounts.update_profile": Expect(get=None, post=SIGNED_IN),
    "accounts.verify_email": Expect(),
    # Site administration: site administrators (and the organisation's own admins).
    "admin.add_member": Expect(get=None, post=ADMIN),
    "admin.create_organisation": Expect(get=None, post=ADMIN),
    "admin.edit_organisation": Expect(get=None, post=ADMIN),
    "admin.index": Expect(get=ADMIN),
    "admin.organisation": Expect(get=ADMIN),
    "admin.remove_member": Expect(get=None, post=ADMIN, values={"user_id": "@users.staff"}),
    "admin.set_roles": Expect(get=None, post=ADMIN),
    # Open data: public.
    "api.ledger_entries": Expect(),
    "api.ledger_head": Expect(),
    "api.openapi_document": Expect(),
    "api.organisation": Expect(),
    "api.organisations": Expect(),
    "api.search": Expect(),
    "api.hearings": Expect(),
    "api.hearing": Expect(),
    "api.hearing_comments": Expect(),
    "api.hearing_report": Expect(values={"hearing_id": "@ids.reported_hearing"}),
    "api.initiatives": Expect(),
    "api.initiative": Expect(),
    "api.budgets": Expect(),
    "api.budget": Expect(values={"process_id": "@ids.process"}),
    "api.moderation_log": Expect(),
    # Exports, feeds and statistics: public.
    "transparency_domains.export_list": Expect(),
    "transparency_domains.export_columns": Expect(values={"name": "hearing-comments"}),
    "transparency_domains.site_table": Expect(values={"name": "hearings", "fmt": "csv"}),
    "transparency_domains.subject_export": Expect(
        values={
            "kind": "hearing",
            "subject_id": "@ids.reported_hearing",
            "name": "hearing-comments",
            "fmt": "csv",
        }
    ),
    "transparency_domains.hearings_feed": Expect(),
    "transparency_domains.hearing_comments_feed": Expect(),
    "transparency_domains.initiative_feed": Expect(),
    "transparency_domains.budget_feed": Expect(values={"process_id": "@ids.process"}),
    "transparency_domains.moderation_feed": Expect(),
    "transparency.statistics": Expect(),
    "transparency.organisation_statistics": Expect(),
    # Budgeting.
    "budgeting.index": Expect(),
    "budgeting.edit": Expect(get=STAFF | ADMIN, post=STAFF | ADMIN, why="the organisation's staff"),
    "budgeting.new": Expect(get=ANY_STAFF | ADMIN, post=ANY_STAFF | ADMIN),
    "budgeting.post_update": Expect(get=None, post=STAFF | ADMIN, why="managers; 4xx while not selected"),
    "budgeting.proposal": Expect(),
    "budgeting.propose": Expect(post=SIGNED_IN, get=SIGNED_IN),
    "budgeting.recompute": Expect(get=None, post=NOBODY, why="results only after voting"),
    "budgeting.results": Expect(),
    "budgeting.review": Expect(get=None, post=STAFF | ADMIN),
    "budgeting.show": Expect(),
    "budgeting.vote": Expect(get=WITH_NATIONAL_ID, post=WITH_NATIONAL_ID, values=VOTING),
    # Comments.
    "comments.create": Expect(get=None, post=SIGNED_IN),
    "comments.delete": Expect(get=None, post=AUTHOR),
    "comments.edit": Expect(get=AUTHOR, post=AUTHOR),
    "comments.goto": Expect(),
    "comments.history": Expect(),
    "comments.new": Expect(why="anonymous visitors are told to sign in"),
    "comments.permalink": Expect(),
    "comments.subject_stream": Expect(),
    # Hearings: the lead agency's staff only, not even a site administrator.
    "hearings.add_attachment": Expect(get=None, post=STAFF, values=DRAFT, hidden=ANY - STAFF),
    "hearings.add_section": Expect(get=None, post=STAFF, values=DRAFT, hidden=ANY - STAFF),
    "hearings.attachment": Expect(),
    "hearings.attachment_form": Expect(get=STAFF, values=DRAFT, hidden=ANY - STAFF),
    "hearings.compare": Expect(),
    "hearings.delete_attachment": Expect(get=None, post=STAFF),
    "hearings.delete_question": Expect(get=None, post=STAFF),
    "hearings.delete_section": Expect(get=None, post=STAFF, values=DRAFT, hidden=ANY - STAFF),
    "hearings.discard_version": Expect(get=None, post=STAFF),
    "hearings.dispositions": Expect(get=STAFF, post=STAFF, why="answering opens when the hearing closes"),
    "hearings.edit": Expect(get=STAFF, post=STAFF, values=DRAFT, hidden=ANY - STAFF),
    "hearings.edit_section": Expect(get=STAFF, post=STAFF, values=DRAFT, hidden=ANY - STAFF),
    "hearings.extend": Expect(get=STAFF, post=STAFF),
    "hearings.index": Expect(),
    "hearings.new": Expect(get=ANY_STAFF, post=ANY_STAFF),
    "hearings.new_version": Expect(get=None, post=STAFF),
    "hearings.publish_version": Expect(get=None, post=STAFF),
    "hearings.questionnaire": Expect(get=ANY, post=SIGNED_IN),
    "hearings.questions": Expect(get=STAFF, post=STAFF, values=DRAFT, hidden=ANY - STAFF),
    "hearings.report": Expect(get=ANY, post=STAFF, hidden=ANY - STAFF),
    "hearings.report_csv": Expect(),
    "hearings.schedule": Expect(get=None, post=STAFF, values=DRAFT, hidden=ANY - STAFF),
    "hearings.section": Expect(),
    "hearings.show": Expect(),
    "hearings.text": Expect(get=STAFF, post=STAFF, values=DRAFT, hidden=ANY - STAFF),
    "hearings.unschedule": Expect(get=None, post=STAFF),
    "hearings.version": Expect(),
    # Initiatives.
    "initiatives.accept_invitation": Expect(get=SIGNED_IN, post=SIGNED_IN),
    "initiatives.add_timeline": Expect(get=None, post=STAFF, values=HANDED),
    "initiatives.approve": Expect(get=None, post=MODERATORS, values=REVIEW, hidden=ANY - MODERATORS - AUTHOR),
    "initiatives.close": Expect(
        get=None, post=STAFF, values=HANDED, why="receiving staff; 4xx until responded"
    ),
    "initiatives.document": Expect(),
    "initiatives.edit": Expect(get=AUTHOR, post=AUTHOR, values=DRAFT_INITIATIVE, hidden=ANY - AUTHOR),
    "initiatives.edit_type": Expect(get=ADMIN, post=ADMIN),
    "initiatives.export": Expect(get=None, post=STAFF, values=HANDED, why="receiving organisation only"),
    "initiatives.hand_over": Expect(get=None, post=AUTHOR),
    "initiatives.index": Expect(),
    "initiatives.invite": Expect(get=None, post=AUTHOR, values=DRAFT_INITIATIVE, hidden=ANY - AUTHOR),
    "initiatives.mine": Expect(get=SIGNED_IN),
    "initiatives.new": Expect(get=SIGNED_IN, post=SIGNED_IN),
    "initiatives.paper": Expect(get=None, post=STAFF),
    "initiatives.receipt": Expect(),
    "initiatives.respond": Expect(get=None, post=STAFF, values=HANDED),
    "initiatives.return_to_authors": Expect(
        get=None, post=MODERATORS, values=REVIEW, hidden=ANY - MODERATORS - AUTHOR
    ),
    "initiatives.review": Expect(get=MODERATORS),
    "initiatives.show": Expect(),
    "initiatives.sign": Expect(get=SIGNED_IN, post=SIGNED_IN),
    "initiatives.submit": Expect(get=None, post=AUTHOR, values=DRAFT_INITIATIVE, hidden=ANY - AUTHOR),
    "initiatives.types": Expect(get=ADMIN),
    "initiatives.unsign": Expect(get=None, post=SIGNED_IN),
    "initiatives.withdraw": Expect(get=None, post=AUTHOR, values=DRAFT_INITIATIVE, hidden=ANY - AUTHOR),
    # Moderation.
    "moderation.action": Expect(),
    "moderation.appeal": Expect(get=None, post=AUTHOR),
    "moderation.block_author": Expect(get=None, post=MODERATORS, values=HIDDEN_COMMENT),
    "moderation.decide_appeal": Expect(get=None, post=ADMIN, why="not the moderator who acted"),
    "moderation.flag": Expect(get=SIGNED_IN, post=SIGNED_IN - AUTHOR, values={"target_id": "@ids.comment"}),
    "moderation.hide": Expect(get=None, post=MODERATORS, values={"target_id": "@ids.comment"}),
    "moderation.item": Expect(get=MODERATORS, values=HIDDEN_COMMENT),
    "moderation.log": Expect(),
    "moderation.my_decisions": Expect(get=SIGNED_IN, why="decisions about one's own content"),
    "moderation.queue": Expect(get=MODERATORS),
    "moderation.simple_decision": Expect(get=None, post=MODERATORS, values=HIDDEN_COMMENT),
    # Notifications.
    "notifications.confirm": Expect(post=ANY),
    "notifications.follow": Expect(
        get=None, post=ANY, why="anonymous visitors are sent to the email subscription"
    ),
    "notifications.organisation": Expect(),
    "notifications.remove": Expect(get=None, post=frozenset({"citizen"}), hidden=ANY),
    "notifications.settings": Expect(get=SIGNED_IN),
    "notifications.subscribe": Expect(post=ANY),
    "notifications.unfollow": Expect(get=None, post=SIGNED_IN),
    "notifications.unsubscribe": Expect(post=ANY),
    "notifications.update_preferences": Expect(get=None, post=SIGNED_IN),
    # Digital ID: no provider configured in tests, so 404 for everybody.
    "oidc.callback": Expect(),
    "oidc.link": Expect(get=None, post=SIGNED_IN),
    "oidc.start": Expect(get=None, post=ANY),
    # Public pages.
    "static": Expect(values={"filename": "css/site.css"}),
    "transparency.api_docs": Expect(),
    "transparency.index": Expect(),
    "transparency.ledger_entry": Expect(),
    "transparency.ledger_feed": Expect(),
    "transparency.search": Expect(),
    "web.about": Expect(),
    "web.healthz": Expect(),
    "web.home": Expect(),
    "web.set_language": Expect(get=None, post=ANY),
}

#: Default URL values by argument name (world keys start with "@").
DEFAULTS = {
    "hearing_id": "@ids.hearing",
    "section_id": "@ids.section",
    "attachment_id": "@ids.attachment",
    "question_id": "@ids.question",
    "number": 1,
    "comment_id": "@ids.comment",
    "initiative_id": "@ids.initiative",
    "document_id": 1,
    "type_id": "@ids.initiative_type",
    "proposal_id": "@ids.proposal",
    "action_id": "@ids.action",
    "appeal_id": "@ids.appeal",
    "target_type": "comment",
    "target_id": "@ids.hidden_comment",
    "subject_type": "hearing",
    "subject_id": "@ids.hearing",
    "subscription_id": "@ids.subscription",
    "user_id": "@users.staff",
    "token": "not-a-valid-token",
    "provider": "thaid",
    "what": "restore",
    "seq": 1,
    "filename": "css/site.css",
}


def _slug_for(endpoint: str) -> str:
    if endpoint.startswith("budgeting."):
        return "@slugs.process"
    return "@slugs.agency"


def _resolve(world, value):
    if not isinstance(value, str) or not value.startswith("@"):
        return value
    kind, key = value[1:].split(".")
    if kind == "users":
        return world.users[key].id
    return getattr(world, kind)[key]


def url_for_rule(world, rule) -> str:
    expect = TABLE[rule.endpoint]
    values = {}
    for argument in rule.arguments:
        raw = expect.values.get(argument, DEFAULTS.get(argument))
        if argument == "slug" and argument not in expect.values:
            raw = _slug_for(rule.endpoint)
        if argument in (rule.defaults or {}):
            continue
        values[argument] = _resolve(world, raw)
    if rule.endpoint == "initiatives.edit_type" and "type_id" not in rule.arguments:
        return rule.rule
    _, path = rule.build(values, append_unknown=False)
    return path


def _is_signin_redirect(response) -> bool:
    return response.status_code in (301, 302, 303) and "/signin" in response.headers.get("Location", "")


def _refused(response, role: str, expect: Expect) -> bool:
    if role == "anonymous":
        return (
            response.status_code in (401, 403)
            or _is_signin_redirect(response)
            or (role in expect.hidden and response.status_code == 404)
        )
    if role in expect.hidden and response.status_code == 404:
        return True
    return response.status_code == 403


#: Valid forms where a permission is only checked after the form validates.
POST_DATA = {
    "web.set_language": {"language": "en"},
    "moderation.decide_appeal": {"outcome": "uphold", "note": "checked"},
    "moderation.flag": {"reason": "spam"},
}


def _post_data(endpoint: str) -> dict:
    """An empty form (enough to reach the permission check, too little to succeed), or a valid one."""
    return dict(POST_DATA.get(endpoint, {}))


def test_every_route_has_an_entry(app):
    missing = sorted({r.endpoint for r in app.url_map.iter_rules()} - set(TABLE))
    assert not missing, (
        f"routes without an entry in the authorization matrix: {missing}. Add them to TABLE in "
        "tests/security/test_authorization.py with the roles the domain's permission predicate allows."
    )
    stale = sorted(set(TABLE) - {r.endpoint for r in app.url_map.iter_rules()})
    assert not stale, f"entries for routes that no longer exist: {stale}"


def test_authorization_matrix(app, db, world):
    rules = sorted(
        (r for r in app.url_map.iter_rules() if r.endpoint in TABLE),
        key=lambda r: (r.endpoint, r.rule),
    )
    state = {"world": world, "clients": {}}

    def client(role):
        if role not in state["clients"]:
            state["clients"][role] = client_as(app, state["world"], role)
        return state["clients"][role]

    def rebuild():
        db.rollback()
        _truncate_all(app)
        db.expire_all()
        state["world"] = build_world(db)
        state["clients"] = {}

    problems: list[str] = []
    checked = 0
    for rule in rules:
        expect = TABLE[rule.endpoint]
        for method, allowed in (("GET", expect.get), ("POST", expect.post)):
            if allowed is None or method not in rule.methods:
                continue
            # Refused roles first (nothing may change), then the allowed ones.
            for role in sorted(ROLES, key=lambda r: r in allowed):
                url = url_for_rule(state["world"], rule)
                before = _row_counts(db) if method == "POST" and role not in allowed else None
                response = client(role).open(url, method=method, data=_post_data(rule.endpoint))
                checked += 1
                where = f"{method} {url} ({rule.endpoint}) as {role}: {response.status_code}"
                if response.status_code >= 500:
                    problems.append(f"{where} (server error)")
                elif role in allowed:
                    if response.status_code == 403 or (role != "anonymous" and _is_signin_redirect(response)):
                        problems.append(f"{where}, but the role is allowed")
                    elif role == "anonymous" and _is_signin_redirect(response):
                        problems.append(f"{where}, but anonymous visitors are allowed")
                else:
                    if not _refused(response, role, expect):
                        problems.append(f"{where}, but the role must be refused")
                    if before is not None:
                        db.expire_all()
                        if _row_counts(db) != before:
                            problems.append(f"{where}: a refused request wrote to the database")
                if method == "POST" and role in allowed and response.status_code < 400:
                    rebuild()
    assert not problems, f"{len(problems)} authorization problems:\n" + "\n".join(problems)
    # The matrix covered every route for every role it names.
    assert checked >= len(rules) * len(ROLES)


@pytest.mark.parametrize("role", ROLES)
def test_no_route_answers_500_for_any_role(app, db, world, role):
    """Plain GET of every GET route with the world's objects, and with missing ones."""
    client = client_as(app, world, role)
    failures = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in ("accounts.delete_account",):
            continue
        url = url_for_rule(world, rule)
        for candidate in (url, url.replace(f"/{world.ids['hearing']}", "/999999")):
            response = client.get(candidate)
            if response.status_code >= 500:
                failures.append((candidate, response.status_code))
    assert failures == []
