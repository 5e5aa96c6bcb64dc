"""Every user text field filled with XSS payloads, every page that shows them
loaded in Chromium.

The world of the security suite (tests/security/world.py) is built on the live
server's database several times, each time with the next payloads of the
corpus in every text field: display names, organisation names, hearing
titles, summaries, contact, section texts and questions, comment bodies,
moderation notes and appeals, initiative titles, summaries, texts and topics,
budget process and proposal titles and descriptions, the hearing report
summary. Then every page that renders them is opened in Chromium as each role
that can see it, and after each load:

- ``window.__xss`` is undefined (every payload sets it, directly or through
  alert/confirm/prompt, which an init script redirects to the flag);
- no element has an ``on*`` attribute, a ``javascript:``/``vbscript:``/
  ``data:text/html`` URL, an inline ``<script>``, an ``<iframe>``,
  ``<object>`` or ``<embed>``, or a script from another origin.

The Atom feed and the API answer with their own content types (never
text/html) and nosniff; the feed is well-formed XML whose HTML parts carry no
script or event handler.
"""

from __future__ import annotations

import itertools
import json
import urllib.request
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from tests.browser.conftest import sign_in
from tests.factories import PASSWORD
from tests.test_text import XSS_PAYLOADS

#: Payloads that set the page-level flag themselves.
FLAG = "window.__xss=1"
FLAGGED_PAYLOADS = [
    f"<script>{FLAG}</script>",
    f'"><script>{FLAG}</script>',
    f"'><script>{FLAG}</script>",
    f'<img src=x onerror="{FLAG}">',
    f"<img src=x onerror={FLAG}>",
    f'<svg onload="{FLAG}">',
    f"<svg><script>{FLAG}</script></svg>",
    f'<body onload="{FLAG}">',
    f'<iframe srcdoc="<script>parent.{FLAG}</script>"></iframe>',
    f'<iframe src="javascript:parent.{FLAG}"></iframe>',
    f"[click me](javascript:{FLAG})",
    f"[click](JaVaScRiPt:{FLAG})",
    f"[click](  javascript:{FLAG})",
    f"[click](java&#09;script:{FLAG})",
    f'<a href="javascript:{FLAG}">raw link</a>',
    "[data](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9MTwvc2NyaXB0Pg==)",
    f'<a href="data:text/html,<script>{FLAG}</script>">data link</a>',
    f'<noscript><p title="</noscript><img src=x onerror={FLAG}>">',
    f'<math><mtext><table><mglyph><style><img src=x onerror="{FLAG}">',
    f'<svg></p><style><a id="</style><img src=1 onerror={FLAG}>">',
    f'" onmouseover="{FLAG}" x="',
    f"' onfocus='{FLAG}' autofocus x='",
    f'<input autofocus onfocus="{FLAG}">',
    f'<details open ontoggle="{FLAG}">',
    f'<video><source onerror="{FLAG}"></video>',
    f'<object data="javascript:{FLAG}"></object>',
    f'<embed src="javascript:{FLAG}">',
    "\\u003cimg src=x onerror=window.__xss=1\\u003e",
    "&lt;img src=x onerror=window.__xss=1&gt;",
    "\uff1cscript\uff1ewindow.__xss=1\uff1c/script\uff1e",
    f'![img](x" onerror="{FLAG})',
    f'<style>@import "javascript:{FLAG}";</style>',
    f'<form action="javascript:{FLAG}"><button>go</button></form>',
    f'<meta http-equiv="refresh" content="0;url=javascript:{FLAG}">',
    f"</textarea><script>{FLAG}</script>",
    f"</title><script>{FLAG}</script>",
]
#: The shared corpus without its huge render-time denial-of-service inputs (tested in tests/test_text.py).
CORPUS = FLAGGED_PAYLOADS + [p for p in XSS_PAYLOADS if p not in FLAGGED_PAYLOADS and len(p) <= 300]
#: For fields with a short limit (topics, names).
SHORT = [p for p in CORPUS if len(p) <= 60]
SHORT_LABELS = ("สิ่งแวดล้อม",)

INIT_SCRIPT = "window.alert = window.confirm = window.prompt = function () { window.__xss = 1; };"

DOM_CHECK = """() => {
  const bad = [];
  const urlAttrs = ['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'srcdoc', 'background', 'poster'];
  for (const el of document.querySelectorAll('*')) {
    const tag = el.tagName.toLowerCase();
    if (['iframe', 'object', 'embed', 'frame', 'frameset', 'applet', 'base'].includes(tag)) bad.push('<' + tag + '>');
    if (tag === 'script') {
      if (!el.src) bad.push('inline <script>: ' + el.textContent.slice(0, 80));
      else if (new URL(el.src).origin !== location.origin) bad.push('foreign script ' + el.src);
    }
    if (tag === 'meta' && (el.getAttribute('http-equiv') || '').toLowerCase() === 'refresh') bad.push('<meta refresh>');
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      if (name.startsWith('on')) bad.push(tag + ' ' + name + '=' + attr.value.slice(0, 60));
      if (urlAttrs.includes(name) && /^[\\s\\u0000-\\u001f]*(javascript|vbscript|data\\s*:\\s*text\\/html)/i.test(attr.value.replace(/[\\t\\n\\r]/g, ''))) {
        bad.push(tag + ' ' + name + '=' + attr.value.slice(0, 60));
      }
    }
  }
  return {flag: window.__xss, bad: bad};
}"""

#: Roles that sign in, and whose pages we open besides the public ones.
SIGNED_IN_ROLES = ("author", "staff", "moderator", "admin")
#: Non-HTML routes, checked over HTTP below.
NOT_HTML = {
    "static",
    "web.healthz",
    "transparency.ledger_feed",
    "hearings.report_csv",
    "hearings.attachment",
    # Downloads and feeds: checked for content type and escaping by the header and privacy tests.
    "transparency_domains.export_columns",
    "transparency_domains.site_table",
    "transparency_domains.subject_export",
    "transparency_domains.hearings_feed",
    "transparency_domains.hearing_comments_feed",
    "transparency_domains.initiative_feed",
    "transparency_domains.budget_feed",
    "transparency_domains.moderation_feed",
}


def _payload_stream():
    """Payloads, in order, then again: every field of every world gets the next one."""
    return itertools.cycle(CORPUS)


@pytest.fixture(scope="module")
def xss_worlds(server_app):
    """Worlds until every payload of the corpus is in at least one field."""
    from participation import db
    from tests.security.world import build_world

    stream = _payload_stream()
    short = itertools.cycle(SHORT)
    used = {"count": 0}

    def text(label):
        if label in SHORT_LABELS or label.endswith(" name"):
            return next(short)
        used["count"] += 1
        return next(stream)

    worlds = []
    with server_app.app_context():
        n = 0
        while used["count"] < len(CORPUS):
            worlds.append(build_world(db.session, text=text, tag=f"-xss{n}"))
            n += 1
        db.session.commit()
    return worlds


def _pages_for(server_app, world, role):
    from tests.security.test_authorization import TABLE, url_for_rule

    urls = []
    with server_app.test_request_context():
        for rule in server_app.url_map.iter_rules():
            expect = TABLE.get(rule.endpoint)
            if expect is None or rule.endpoint in NOT_HTML or rule.endpoint.startswith("api."):
                continue
            if "GET" not in rule.methods or expect.get is None or role not in expect.get:
                continue
            if (
                role != "anonymous"
                and "anonymous" in expect.get
                and rule.endpoint
                not in (
                    "hearings.show",
                    "comments.subject_stream",
                    "initiatives.show",
                    "budgeting.proposal",
                    "moderation.action",
                )
            ):
                continue  # public pages: opened once, anonymously
            urls.append(url_for_rule(world, rule))
    ids = world.ids
    extra = {
        "anonymous": [
            f"/hearings/{ids['reported_hearing']}",
            f"/hearings/{ids['reported_hearing']}/report",
            f"/comments/{ids['hidden_comment']}",
            f"/budgets/{world.slugs['voting_process']}",
            f"/budgets/{world.slugs['voting_process']}/proposals/{ids['voting_proposal']}",
            f"/initiatives/{ids['handed_initiative']}",
            f"/organisations/{world.slugs['agency']}",
            "/search?q=script",
            "/search?q=img",
        ],
        "author": [
            f"/initiatives/{ids['draft_initiative']}",
            f"/initiatives/{ids['draft_initiative']}/edit",
            f"/initiatives/{ids['review_initiative']}",
            f"/comments/{ids['comment']}/edit",
        ],
        "staff": [
            f"/hearings/{ids['draft_hearing']}",
            f"/hearings/{ids['draft_hearing']}/edit",
            f"/hearings/{ids['draft_hearing']}/text",
            f"/hearings/{ids['draft_hearing']}/questions",
            f"/budgets/{world.slugs['process']}",
            f"/initiatives/{ids['handed_initiative']}",
        ],
        "moderator": [
            f"/initiatives/{ids['review_initiative']}",
            f"/moderation/item/comment/{ids['comment']}",
        ],
        "admin": [
            f"/admin/organisations/{world.slugs['agency']}",
            f"/admin/organisations/{world.slugs['other']}",
        ],
    }
    return list(dict.fromkeys(urls + extra.get(role, [])))


def _check_page(page, url, problems):
    response = page.goto(url)
    status = response.status if response else None
    if status is not None and status >= 500:
        problems.append(f"{url}: {status}")
        return
    result = page.evaluate(DOM_CHECK)
    if result["flag"] is not None:
        problems.append(f"{url}: a payload ran (window.__xss = {result['flag']!r})")
    for item in result["bad"]:
        problems.append(f"{url}: {item}")


@pytest.mark.parametrize("role", ("anonymous", *SIGNED_IN_ROLES))
def test_no_payload_runs_on_any_page(new_page, live_server, server_app, xss_worlds, role):
    problems: list[str] = []
    loaded = 0
    for world in xss_worlds:
        page = new_page(language="en")
        page.add_init_script(INIT_SCRIPT)
        page.on(
            "dialog", lambda dialog: (problems.append(f"dialog opened: {dialog.message}"), dialog.dismiss())
        )
        if role != "anonymous":
            sign_in(page, live_server, world.users[role].email, PASSWORD)
            assert "/signin" not in page.url, f"could not sign in as {role}"
        for path in _pages_for(server_app, world, role):
            _check_page(page, live_server + path, problems)
            loaded += 1
        page.context.close()
    assert not problems, f"{len(problems)} XSS problems:\n" + "\n".join(problems[:80])
    assert loaded >= len(xss_worlds) * 5


def test_payloads_are_shown_as_text(new_page, live_server, xss_worlds):
    """The check is not vacuous: a payload is on the page, as visible text."""
    world = xss_worlds[0]
    page = new_page(language="en")
    page.add_init_script(INIT_SCRIPT)
    page.goto(f"{live_server}/comments/on/hearing/{world.ids['hearing']}")
    body = page.inner_text("main")
    assert "window.__xss=1" in body
    assert page.evaluate("window.__xss") is None


class _HtmlScan(HTMLParser):
    def __init__(self):
        super().__init__()
        self.bad: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "iframe", "object", "embed", "style"):
            self.bad.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or (value or "").strip().lower().startswith(
                ("javascript:", "vbscript:")
            ):
                self.bad.append(f"{tag} {name}={value}")


def _fetch(url):
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (the local test server)
        return response.headers, response.read().decode("utf-8")


def test_feed_and_api_never_serve_payloads_as_html(live_server, xss_worlds):
    headers, body = _fetch(f"{live_server}/feeds/ledger.atom")
    assert headers.get_content_type() == "application/atom+xml"
    assert headers.get("X-Content-Type-Options") == "nosniff"
    root = ET.fromstring(body.encode("utf-8"))  # noqa: S314 - our own output; well-formed: escaped
    atom = "{http://www.w3.org/2005/Atom}"
    assert root.findall(f"{atom}entry"), "the feed is empty: nothing was checked"
    problems = []
    for element in root.iter():
        if not element.tag.startswith(atom):
            problems.append(f"foreign element {element.tag}")
        problems += [f"{element.tag} {name}" for name in element.attrib if name.lower().startswith("on")]
        if element.get("type") in ("html", "xhtml") and element.text:
            scan = _HtmlScan()
            scan.feed(element.text)
            problems += scan.bad
    assert not problems, problems
    for path in (
        "/api/v1/ledger?limit=200",
        "/api/v1/organisations",
        "/api/v1/search?q=script",
        "/api/v1/ledger/head",
    ):
        headers, body = _fetch(live_server + path)
        assert headers.get_content_type() == "application/json", path
        assert headers.get("X-Content-Type-Options") == "nosniff", path
        json.loads(body)
    headers, body = _fetch(f"{live_server}/api/v1/organisations")
    assert any(p in body for p in CORPUS[:40]) or "\\u003c" in body or "<" in body


def test_the_checks_detect_a_payload_that_runs(new_page):
    """The detector itself: on a page that does render payloads, both checks fire."""
    page = new_page(language="en")
    page.add_init_script(INIT_SCRIPT)
    page.set_content(f'<p>x</p><img src=x onerror="{FLAG}"><a href="javascript:{FLAG}">a</a>')
    page.wait_for_function("window.__xss === 1")
    result = page.evaluate(DOM_CHECK)
    assert result["flag"] == 1
    assert any("onerror" in item for item in result["bad"])
    assert any("href=javascript" in item for item in result["bad"])
