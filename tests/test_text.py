# ruff: noqa: S101, S311  (pytest asserts; seeded fuzzing; pyproject ignores both here)
"""Tests for participation.text: sanitising, rendering and form-letter helpers.

The XSS corpus follows the OWASP XSS Filter Evasion Cheat Sheet plus Markdown-specific
link tricks and mXSS vectors. Every rendered result is checked with the standard library's
HTML parser against the allowlist, not with string matching.
"""

from __future__ import annotations

import html
import random
import unicodedata
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from markupsafe import Markup

from participation.text import (
    ALLOWED_TAGS,
    LINK_REL,
    TextTooLong,
    clean_text,
    count_links,
    excerpt,
    fingerprint,
    hamming_distance,
    highlight,
    normalise_for_similarity,
    plain,
    render_markdown,
    simhash,
    similarity,
)

THAI_TITLE = "ร่างพระราชบัญญัติการมีส่วนร่วมของประชาชน พ.ศ. ...."


class _Collector(HTMLParser):
    """Records every tag, attribute and oddity in a fragment of HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.oddities: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def handle_comment(self, data: str) -> None:
        self.oddities.append(f"comment {data!r}")

    def handle_decl(self, decl: str) -> None:
        self.oddities.append(f"declaration {decl!r}")

    def handle_pi(self, data: str) -> None:
        self.oddities.append(f"processing instruction {data!r}")

    def unknown_decl(self, data: str) -> None:
        self.oddities.append(f"unknown declaration {data!r}")


def parse(fragment: str) -> _Collector:
    collector = _Collector()
    collector.feed(fragment)
    collector.close()
    return collector


def assert_safe_html(fragment: str, allowed_tags: frozenset[str] = ALLOWED_TAGS) -> _Collector:
    """The policy of render_markdown, checked with a real HTML parser."""
    collector = parse(fragment)
    assert collector.oddities == []
    for tag, attrs in collector.tags:
        assert tag in allowed_tags, f"tag <{tag}> in {fragment!r}"
        names = [name for name, _ in attrs]
        assert len(names) == len(set(names)), f"duplicate attribute in {fragment!r}"
        for name, value in attrs:
            assert not name.startswith("on"), f"event handler {name} in {fragment!r}"
            assert tag == "a" and name in ("href", "rel"), f"{name} on <{tag}> in {fragment!r}"
            assert value is not None
            if name == "rel":
                assert value == LINK_REL
            else:
                assert value == value.strip() and not any(ord(c) < 0x21 for c in value)
                parts = urlsplit(value)
                assert parts.scheme in ("http", "https", "mailto"), f"href {value!r}"
                if parts.scheme != "mailto":
                    assert parts.netloc, f"href without host {value!r}"
        if tag == "a":
            assert dict(attrs).get("rel") == LINK_REL
            assert "href" in dict(attrs)
    return collector


# ---------------------------------------------------------------------------
# XSS corpus
# ---------------------------------------------------------------------------

XSS_PAYLOADS: list[str] = [
    # Script tags and their evasions
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://xss.example/xss.js></SCRIPT>",
    '<SCRIPT/XSS SRC="http://xss.example/xss.js"></SCRIPT>',
    '<<SCRIPT>alert("XSS");//\\<</SCRIPT>',
    "<SCRIPT SRC=http://xss.example/xss.js?< B >",
    '</TITLE><SCRIPT>alert("XSS");</SCRIPT>',
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "</p><script>alert(1)</script><p>",
    "<script\x00>alert(1)</script>",
    "<script>alert(1)",
    # Images and event handlers
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=javascript:alert('XSS')>",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
    '<IMG """><SCRIPT>alert("XSS")</SCRIPT>">',
    "<IMG SRC=javascript:alert(String.fromCharCode(88,83,83))>",
    "<IMG SRC=# onmouseover=\"alert('xxs')\">",
    "<IMG SRC= onmouseover=\"alert('xxs')\">",
    "<IMG onmouseover=\"alert('xxs')\">",
    '<IMG SRC=/ onerror="alert(String.fromCharCode(88,83,83))"></img>',
    "<img src=x OnErRoR=alert(1)>",
    "<img src=x onerror\t=alert(1)>",
    "<img/src=x/onerror=alert(1)>",
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;"
    "&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>",
    "<IMG SRC=&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105"
    "&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040"
    "&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041>",
    "<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72"
    "&#x74&#x28&#x27&#x58&#x53&#x53&#x27&#x29>",
    "<IMG SRC=\"jav\tascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x0A;ascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x0D;ascript:alert('XSS');\">",
    "<IMG SRC=\" &#14;  javascript:alert('XSS');\">",
    "<IMG SRC=\"`<javascript:alert>`('XSS')\"",
    '<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert("XSS")>',
    "<body onpageshow=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)>",
    "<audio src=x onerror=alert(1)>",
    "<marquee onstart=alert(1)>",
    "<isindex type=image src=1 onerror=alert(1)>",
    "<x onclick=alert(1)>click",
    "<p onclick=alert(1)>x</p>",
    "<b onmouseover=alert(1)>bold</b>",
    '<a href="https://ok.example" onclick="alert(1)">x</a>',
    '<a href="https://ok.example" OnMouseOver="alert(1)" target="_blank" style="x">x</a>',
    # SVG and MathML
    "<svg/onload=alert('XSS')>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<math href="javascript:alert(1)">CLICKME</math>',
    # Links with dangerous schemes, as HTML
    '<a href="javascript:alert(1)">x</a>',
    '<a href="jAvAsCrIpT:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    # Frames, objects, forms, meta, base
    "<IFRAME SRC=\"javascript:alert('XSS');\"></IFRAME>",
    "<iframe src=http://xss.example/scriptlet.html <",
    "<iframe srcdoc='&lt;script&gt;alert(1)&lt;/script&gt;'></iframe>",
    "<FRAMESET><FRAME SRC=\"javascript:alert('XSS');\"></FRAMESET>",
    '<OBJECT TYPE="text/x-scriptlet" DATA="http://xss.example/scriptlet.html"></OBJECT>',
    '<object data="javascript:alert(1)">',
    '<EMBED SRC="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+" type="image/svg+xml">',
    '<INPUT TYPE="IMAGE" SRC="javascript:alert(\'XSS\');">',
    '<form action="javascript:alert(1)"><button>x</button></form>',
    '<META HTTP-EQUIV="refresh" CONTENT="0;url=javascript:alert(\'XSS\');">',
    '<META HTTP-EQUIV="refresh" CONTENT="0;url=data:text/html base64,'
    'PHNjcmlwdD5hbGVydCgnWFNTJyk8L3NjcmlwdD4K">',
    "<BASE HREF=\"javascript:alert('XSS');//\">",
    '<LINK REL="stylesheet" HREF="javascript:alert(\'XSS\');">',
    # Styles and expression()
    "<STYLE>li {list-style-image: url(\"javascript:alert('XSS')\");}</STYLE><UL><LI>XSS</br>",
    "<STYLE>@import'http://xss.example/xss.css';</STYLE>",
    '<STYLE>BODY{-moz-binding:url("http://xss.example/xssmoz.xml#xss")}</STYLE>',
    "<IMG STYLE=\"xss:expr/*XSS*/ession(alert('XSS'))\">",
    "<div style=\"width: expression(alert('XSS'));\">",
    "<DIV STYLE=\"background-image: url(javascript:alert('XSS'))\">",
    "<TABLE BACKGROUND=\"javascript:alert('XSS')\">",
    "<BODY BACKGROUND=\"javascript:alert('XSS')\">",
    # Comments, CDATA, declarations, mXSS
    "<!--<img src=x onerror=alert(1)>-->",
    "<!-- --!><script>alert(1)</script> -->",
    "<![CDATA[<script>alert(1)</script>]]>",
    '<?xml version="1.0"?><x>',
    "<!DOCTYPE html><html><body onload=alert(1)>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">',
    "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
    "<listing>&lt;img onerror=alert(1) src=x&gt;</listing>",
    '<textarea><img title="</textarea><img src=x onerror=alert(1)>">',
    # Markdown link tricks
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](java&#x09;script:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](javascript&#58;alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](j&NewLine;avascript:alert(1))",
    "[x](&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1))",
    "[x](javas&#99;ript:alert(1))",
    "[x](%6A%61vascript:alert(1))",
    "[x]( javascript:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](<java script:alert(1)>)",
    "[x](java\\tscript:alert(1))",
    "[x](javascript\\:alert(1))",
    "[x](java\tscript:alert(1))",
    "[x](java\x00script:alert(1))",
    "[x](\x01javascript:alert(1))",
    "[x](java\x0bscript:alert(1))",
    "[x](\u200bjavascript:alert(1))",
    "[x](\u202ejavascript:alert(1))",
    "[x](ｊａｖａｓｃｒｉｐｔ:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](DATA:text/html,<script>alert(1)</script>)",
    "[x](vbscript:msgbox(1))",
    "[x](VBScript:msgbox(1))",
    "[x](file:///etc/passwd)",
    "[x](//evil.example/x)",
    "[x](/relative/path)",
    "[x](https:alert(1))",
    "[x](http:/evil.example)",
    '[x](https://ok.example "title\\" onmouseover=\\"alert(1)")',
    '[x](https://ok.example" onmouseover="alert(1))',
    "[x](https://ok.example'onmouseover='alert(1))",
    "[x][r]\n\n[r]: javascript:alert(1)",
    '[x][r]\n\n[r]: JAVASCRIPT:alert(1) "t"',
    '[x][r]\n\n[r]: https://ok.example "t" onclick=alert(1)',
    "[r]\n\n[r]: data:text/html,<script>alert(1)</script>",
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    "<data:text/html,<script>alert(1)</script>>",
    "<vbscript:msgbox(1)>",
    "![x](javascript:alert(1))",
    '![x](https://x.example/a.png" onerror="alert(1))',
    "![x](x onerror=alert(1))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "[![x](https://i.example/i.png)](javascript:alert(1))",
    "[<img src=x onerror=alert(1)>](https://ok.example)",
    "[x](https://ok.example)<script>alert(1)</script>",
    'https://ok.example/"><script>alert(1)</script>',
    "https://ok.example/?q=<img src=x onerror=alert(1)>",
    'https://ok.example/"onmouseover="alert(1)',
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "`<script>alert(1)</script>`",
    "```\n<script>alert(1)</script>\n```",
    "    <script>alert(1)</script>",
    "> <script>alert(1)</script>",
    "- <img src=x onerror=alert(1)>",
    "**<svg onload=alert(1)>**",
    "*[x](javascript:alert(1))*",
    "<a href='javascript:alert(1)'>[x](https://ok.example)</a>",
    # Deep and unclosed nesting
    "<b>" * 10_000,
    "<div>" * 10_000 + "x",
    "> " * 10_000 + "x",
    ">" * 10_000,
    "- " * 5_000 + "x",
    "*" * 10_000 + "x" + "*" * 10_000,
    "[" * 10_000 + "x" + "](javascript:alert(1))",
    "[x](" * 5_000,
    "<" * 10_000,
]

CONTEXTS = ["{}", "- {}", "> **{}**", "para\n\n{}\n\nafter https://ok.example/"]


def test_xss_corpus_is_large_enough() -> None:
    assert len(XSS_PAYLOADS) >= 80
    assert len(set(XSS_PAYLOADS)) == len(XSS_PAYLOADS)


@pytest.mark.parametrize("context", CONTEXTS)
@pytest.mark.parametrize("payload", XSS_PAYLOADS, ids=range(len(XSS_PAYLOADS)))
def test_render_markdown_neutralises_xss(payload: str, context: str) -> None:
    rendered = render_markdown(context.format(payload))
    assert isinstance(rendered, Markup)
    assert_safe_html(str(rendered))
    lowered = html.unescape(str(rendered)).lower()
    for tag in ("<script", "<img", "<svg", "<iframe", "<style", "<object", "<embed"):
        assert tag not in str(rendered).lower()
        # Escaped text may mention the tag; it must then be shown, never parsed.
        if tag in lowered:
            assert tag.replace("<", "&lt;") in str(rendered).lower()


@pytest.mark.parametrize("payload", XSS_PAYLOADS, ids=range(len(XSS_PAYLOADS)))
def test_plain_and_highlight_never_emit_markup(payload: str) -> None:
    assert_safe_html(str(plain(payload)), frozenset({"br"}))
    assert_safe_html(str(highlight(payload, ["script", "img", "alert", "x"])), frozenset({"mark"}))
    snippet = excerpt(payload, 200)
    assert "\x00" not in snippet
    assert_safe_html(str(plain(snippet)), frozenset({"br"}))


@pytest.mark.parametrize(
    "payload",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](java&#x09;script:alert(1))",
        "[x](data:text/html,hi)",
        "[x](vbscript:msgbox(1))",
        "<javascript:alert(1)>",
        "[x][r]\n\n[r]: javascript:alert(1)",
    ],
)
def test_dangerous_markdown_links_stay_literal_text(payload: str) -> None:
    rendered = str(render_markdown(payload))
    assert "<a" not in rendered
    assert count_links(payload) == 0
    assert "alert(1)" in html.unescape(rendered) or "msgbox" in rendered or "hi" in rendered


FUZZ_PIECES = [
    *"<>\"'`[]()!*_&#;:/\\ \n\t-=%",
    "1. ",
    "> ",
    "javascript",
    "JaVa",
    "script",
    "data",
    "vbscript",
    "http",
    "https",
    "mailto",
    "://",
    "&#",
    "x6A",
    "106",
    "&colon;",
    "on",
    "onerror",
    "img",
    "src",
    "href",
    "svg",
    "style",
    "<!--",
    "-->",
    "<![CDATA[",
    "ร่าง",
    "\x00",
    "\u202e",
    "www.",
    ".org",
]


def test_random_markup_soup_is_always_safe() -> None:
    rng = random.Random(20240601)
    for _ in range(2_000):
        source = "".join(rng.choice(FUZZ_PIECES) for _ in range(rng.randint(1, 60)))
        assert_safe_html(str(render_markdown(source)))
        assert_safe_html(str(plain(source)), frozenset({"br"}))
        assert_safe_html(str(highlight(source, ["a", "script", "ร่าง"])), frozenset({"mark"}))


def test_deep_nesting_keeps_the_text_and_stays_shallow() -> None:
    rendered = str(render_markdown("> " * 10_000 + "deep\n\nafter"))
    collector = assert_safe_html(rendered)
    assert "deep" in "".join(collector.text)
    assert "after" in "".join(collector.text)
    assert len([t for t, _ in collector.tags if t == "blockquote"]) == 0
    rendered = str(render_markdown("*" * 5_000 + "x" + "*" * 5_000))
    assert rendered.count("<strong>") == 0 and "x" in rendered


def test_ordinary_nesting_is_still_markdown() -> None:
    rendered = str(render_markdown("> > quoted twice\n\n- a\n  - b\n    - c"))
    assert rendered.count("<blockquote>") == 2
    assert rendered.count("<ul>") == 3


# ---------------------------------------------------------------------------
# The Markdown subset
# ---------------------------------------------------------------------------


def test_paragraphs_and_line_breaks() -> None:
    assert str(render_markdown("one\ntwo\n\nthree")) == "<p>one<br>\ntwo</p>\n<p>three</p>"


def test_emphasis_and_strong() -> None:
    assert str(render_markdown("*em* and **strong** and _em_")) == (
        "<p><em>em</em> and <strong>strong</strong> and <em>em</em></p>"
    )


def test_lists() -> None:
    rendered = str(render_markdown("- a\n- b\n\ntext\n\n7. seven\n8. eight"))
    assert rendered == (
        "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n<p>text</p>\n"
        "<ol>\n<li>seven</li>\n<li>eight</li>\n</ol>"
    )
    assert_safe_html(rendered)


def test_block_quote() -> None:
    assert str(render_markdown("> quoted\n> more")) == (
        "<blockquote>\n<p>quoted<br>\nmore</p>\n</blockquote>"
    )


def test_links_get_rel_and_no_target() -> None:
    rendered = str(render_markdown("[site](https://example.org/a?b=1&c=2)"))
    assert rendered == (
        '<p><a href="https://example.org/a?b=1&amp;c=2" rel="nofollow ugc noopener">site</a></p>'
    )
    assert "target" not in rendered


@pytest.mark.parametrize(
    ("source", "href"),
    [
        ("see https://example.org/path.", "https://example.org/path"),
        ("(https://example.org/x)", "https://example.org/x"),
        ("<https://example.org/y>", "https://example.org/y"),
        ("HTTP://EXAMPLE.ORG/", "HTTP://EXAMPLE.ORG/"),
        ("[mail](mailto:office@example.org)", "mailto:office@example.org"),
        ("[ref]\n\n[ref]: https://example.org/ref", "https://example.org/ref"),
        ("ดูที่ https://th.wikipedia.org/wiki/กฎหมาย ครับ", "https://th.wikipedia.org/wiki/กฎหมาย"),
        ("ดูได้ที่https://example.org/hearing/1 ครับ", "https://example.org/hearing/1"),
    ],
)
def test_autolinks_and_other_links(source: str, href: str) -> None:
    rendered = str(render_markdown(source))
    collector = assert_safe_html(rendered)
    links = [dict(attrs) for tag, attrs in collector.tags if tag == "a"]
    assert len(links) == 1
    assert html.unescape(links[0]["href"] or "") in (href, href.replace("กฎหมาย", "%E0%B8%81"))
    assert links[0]["rel"] == LINK_REL


def test_scheme_less_and_relative_urls_are_not_links() -> None:
    sources = (
        "example.org",
        "www.example.org",
        "[x](/hearings/1)",
        "[x](//cdn.example)",
        "xhttps://example.org",
        "ftp://example.org",
    )
    for source in sources:
        assert "<a" not in str(render_markdown(source)), source


def test_headings_images_code_and_html_are_text() -> None:
    assert str(render_markdown("# Title")) == "<p># Title</p>"
    assert str(render_markdown("Title\n===")) == "<p>Title<br>\n===</p>"
    image = str(render_markdown("![alt](https://example.org/i.png)"))
    assert "<img" not in image and image.startswith("<p>!<a ")
    assert str(render_markdown("`<b>x</b>`")) == "<p><code>&lt;b&gt;x&lt;/b&gt;</code></p>"
    assert str(render_markdown("    indented")) == "<p>indented</p>"
    assert str(render_markdown("<b>x</b> &amp;")) == "<p>&lt;b&gt;x&lt;/b&gt; &amp;</p>"
    assert str(render_markdown("&lt;script&gt;")) == "<p>&lt;script&gt;</p>"


def test_thai_survives_unchanged() -> None:
    assert str(render_markdown(THAI_TITLE)) == f"<p>{THAI_TITLE}</p>"
    assert clean_text(THAI_TITLE) == THAI_TITLE
    assert str(plain(THAI_TITLE)) == THAI_TITLE
    assert excerpt(THAI_TITLE, 200) == THAI_TITLE
    marks = "น้ำ ที่ ปั่น ผู้ใหญ่ ญี่ปุ่น กฎหมาย ฤๅษี"
    assert clean_text(marks) == marks
    assert unicodedata.normalize("NFC", marks) == marks


def test_markup_input_is_not_trusted() -> None:
    assert str(render_markdown(Markup("<script>x</script>"))) == (
        "<p>&lt;script&gt;x&lt;/script&gt;</p>"
    )
    assert str(plain(Markup("<b>x</b>"))) == "&lt;b&gt;x&lt;/b&gt;"


def test_render_strips_controls_and_bidi_overrides() -> None:
    assert str(render_markdown("a\x00b\u202ec\x1bd")) == "<p>abcd</p>"


def test_non_text_input_is_rejected() -> None:
    for function in (render_markdown, plain, clean_text):
        with pytest.raises(TypeError):
            function(None)  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            function(b"bytes")  # type: ignore[arg-type]


def test_empty_input() -> None:
    assert str(render_markdown("")) == ""
    assert str(render_markdown("   \n\n  ")) == ""


def test_large_allowed_text_renders() -> None:
    paragraph = f"{THAI_TITLE} *สำคัญ* https://example.org/x [link](https://example.org)\n\n"
    source = clean_text(paragraph * 1_000, max_length=200_000)
    rendered = str(render_markdown(source))
    assert rendered.count("<p>") == 1_000
    assert count_links(source) == 2_000


# ---------------------------------------------------------------------------
# clean_text
# ---------------------------------------------------------------------------


def test_clean_text_strips_controls_but_keeps_newlines_and_tabs() -> None:
    raw = "a\x00b\x07c\x1b[31md\x7f\x85e\x9bf\tg\nh"
    assert clean_text(raw) == "abc[31md\nef\tg\nh"


def test_clean_text_line_endings() -> None:
    assert clean_text("a\r\nb\rc\u2028d\u2029e\x0bf\x0cg") == "a\nb\nc\nd\ne\nf\ng"


def test_clean_text_removes_bidi_and_zero_width_spoofing() -> None:
    spoof = "\u202eadmin\u202c \u2066x\u2069 a\u200bb \ufeffc d\u00ade \u2060f"
    assert clean_text(spoof) == "admin x ab c de f"
    for cp in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]:
        assert chr(cp) not in clean_text(f"a{chr(cp)}b")


def test_clean_text_keeps_zwj_emoji_direction_marks_and_replacement_char() -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert clean_text(family) == family
    assert clean_text("abc\u200fdef") == "abc\u200fdef"
    assert clean_text("bad \ufffd byte") == "bad \ufffd byte"


def test_clean_text_replaces_lone_surrogates() -> None:
    assert clean_text("a\ud800b") == "a\ufffdb"
    clean_text("a\udfffb").encode("utf-8")


def test_clean_text_nfc() -> None:
    assert clean_text("e\u0301") == "\u00e9"
    assert clean_text("ﬁ") == "ﬁ"
    assert clean_text("ำ") == "ำ"


def test_clean_text_trims_and_collapses_blank_lines() -> None:
    assert clean_text("  \n\n a  \n\n\n\n\n\nb \t\n\n") == "a\n\n\nb"
    assert clean_text("a\n \n\t\n  \n \nb") == "a\n\n\nb"
    assert clean_text("a\n\n\nb\n\nc") == "a\n\n\nb\n\nc"
    assert clean_text("  - item\n    - nested") == "- item\n    - nested"


def test_clean_text_single_line() -> None:
    assert clean_text(" First\n\tSecond \r\n third  ", multiline=False) == "First Second third"


def test_clean_text_idempotent() -> None:
    raw = " \u202ea\r\n\r\n\r\n\r\n\r\nb\x00 \t\n c\u0301 "
    once = clean_text(raw)
    assert clean_text(once) == once
    line = clean_text(raw, multiline=False)
    assert clean_text(line, multiline=False) == line


def test_text_too_long_carries_the_limit() -> None:
    with pytest.raises(TextTooLong) as info:
        clean_text("x" * 11, max_length=10)
    assert isinstance(info.value, ValueError)
    assert info.value.limit == 10
    assert info.value.length == 11
    assert clean_text("  " + "x" * 10 + "\x00\x00  ", max_length=10) == "x" * 10


def test_one_megabyte_input() -> None:
    big = ("ร่างกฎหมาย abc \x00\u202e\r\n" * 60_000)[:1_000_000]
    with pytest.raises(TextTooLong) as info:
        clean_text(big, max_length=50_000)
    assert info.value.limit == 50_000
    assert info.value.length > 50_000
    cleaned = clean_text(big)
    assert "\x00" not in cleaned and "\u202e" not in cleaned


# ---------------------------------------------------------------------------
# plain, excerpt, highlight, count_links
# ---------------------------------------------------------------------------


def test_plain() -> None:
    assert str(plain("a & <b>\"'\nc\r\nd")) == "a &amp; &lt;b&gt;&#34;&#39;<br>\nc<br>\nd"
    assert isinstance(plain("x"), Markup)


def test_excerpt_strips_markup() -> None:
    source = "# Title\n\n**Bold** and [a link](https://example.org) and `code`\n\n- item\n> q"
    assert excerpt(source, 500) == "# Title Bold and a link and code item q"


def test_excerpt_truncates_within_length() -> None:
    text = "word " * 50
    short = excerpt(text, 22)
    assert short == "word word word word…"
    assert len(short) <= 22
    assert excerpt("abc", 0) == ""
    assert excerpt("<script>x</script>", 100) == "<script>x</script>"


def test_excerpt_never_splits_thai_combining_marks() -> None:
    text = "ที่นี่" * 20
    for length in range(2, 30):
        snippet = excerpt(text, length)
        assert len(snippet) <= length
        body = snippet.rstrip("…")
        assert not body or not unicodedata.combining(text[len(body)])
        assert unicodedata.category(text[len(body)])[0] != "M"


def test_excerpt_does_not_end_on_a_thai_leading_vowel() -> None:
    assert excerpt("กขคเรียน" * 3, 5) == "กขค…"


def test_highlight() -> None:
    result = highlight(
        "Public Hearing on the hearing-aid law & lawmakers, bylaw", ["hearing", "LAW"]
    )
    assert str(result) == (
        "Public <mark>Hearing</mark> on the <mark>hearing</mark>-aid <mark>law</mark> &amp; "
        "<mark>law</mark>makers, bylaw"
    )


def test_highlight_thai_substrings() -> None:
    result = highlight("การมีส่วนร่วมของประชาชนในการออกกฎหมาย", ["ประชาชน", "กฎหมาย"])
    assert str(result) == ("การมีส่วนร่วมของ<mark>ประชาชน</mark>ในการออก<mark>กฎหมาย</mark>")


def test_highlight_escapes_and_never_matches_inside_entities() -> None:
    assert str(highlight("a & b <i>", ["amp", "lt", "i"])) == "a &amp; b &lt;<mark>i</mark>&gt;"
    assert str(highlight("<b>", ["<b>"])) == "<mark>&lt;b&gt;</mark>"
    assert str(highlight("x.y (z)", [".", "(z)", "", "   "])) == "x<mark>.</mark>y <mark>(z)</mark>"
    assert str(highlight("text", [])) == "text"


def test_highlight_prefers_longer_terms() -> None:
    assert str(highlight("lawmaker", ["law", "lawmaker"])) == "<mark>lawmaker</mark>"


def test_count_links() -> None:
    text = (
        "see https://a.example and [b](https://b.example) and <https://c.example>\n\n"
        "[d][1] [bad](javascript:alert(1)) example.org\n\n[1]: https://d.example"
    )
    assert count_links(text) == 4
    assert count_links("no links here") == 0


# ---------------------------------------------------------------------------
# Form letters
# ---------------------------------------------------------------------------

LETTER_EN = (
    "Dear Committee,\n\nI, {name}, am writing to oppose the Draft Public Participation Act "
    "B.E. {year}. The draft does not give citizens enough time to comment on proposed laws, "
    "and the hearing period of {days} days is far too short for people in rural provinces. "
    "I urge the committee to extend the hearing period and to publish all comments received."
    "\n\nSincerely,\n{name}"
)

LETTER_TH = (
    "เรียน คณะกรรมาธิการ ข้าพเจ้า {name} ขอคัดค้านร่างพระราชบัญญัติการมีส่วนร่วมของประชาชน "
    "พ.ศ. {year} เนื่องจากระยะเวลารับฟังความคิดเห็น {days} วัน สั้นเกินไปสำหรับประชาชน"
    "ในต่างจังหวัด ขอให้คณะกรรมาธิการขยายระยะเวลาการรับฟังความคิดเห็นและเปิดเผยความเห็นทั้งหมด"
    " ขอแสดงความนับถือ {name}"
)


def test_form_letter_english_variants_group() -> None:
    base = LETTER_EN.format(name="Somchai Jaidee", year="2567", days="15")
    variants = [
        LETTER_EN.format(name="Malee Srisuk", year="2567", days="15"),
        LETTER_EN.format(name="John Smith", year="2568", days="30").replace(",", ""),
        LETTER_EN.format(name="A. Wong", year="2567", days="15").upper(),
        "  " + LETTER_EN.format(name="Niran K.", year="2567", days="15").replace(" ", "   "),
        "**" + LETTER_EN.format(name="Ploy", year="2567", days="15") + "**",
    ]
    for variant in variants:
        assert similarity(base, variant) >= 0.8, variant[:60]
        assert similarity(variant, base) == similarity(base, variant)
        assert hamming_distance(simhash(base), simhash(variant)) <= 12


def test_form_letter_thai_variants_group() -> None:
    base = LETTER_TH.format(name="นายสมชาย ใจดี", year="2567", days="15")
    variants = [
        LETTER_TH.format(name="นางสาวมาลี ศรีสุข", year="2567", days="15"),
        LETTER_TH.format(name="นายสมชาย ใจดี", year="๒๕๖๗", days="๑๕"),
        LETTER_TH.format(name="นายนิรันดร์ แก้ว", year="2567", days="15").replace(" ", ""),
        LETTER_TH.format(name="ปลา", year="2567", days="15").replace("ประชาชน", "ประชาชน!!"),
    ]
    for variant in variants:
        assert similarity(base, variant) >= 0.8, variant[:60]
        assert hamming_distance(simhash(base), simhash(variant)) <= 12


def test_fingerprint_ignores_digits_punctuation_case_spacing_and_markup() -> None:
    a = LETTER_TH.format(name="นายสมชาย", year="2567", days="15")
    b = LETTER_TH.format(name="นายสมชาย", year="๒๕๖๗", days="๑๕").replace(" ", "  ")
    assert fingerprint(a) == fingerprint(b)
    c = LETTER_EN.format(name="X", year="2567", days="15")
    d = "*" + LETTER_EN.format(name="x", year="١٢٣", days="7").replace(".", "!") + "*"
    assert fingerprint(c) == fingerprint(d)
    assert fingerprint(c) != fingerprint(LETTER_EN.format(name="Y", year="1", days="1"))
    assert len(fingerprint(c)) == 64 and int(fingerprint(c), 16) >= 0


def test_different_texts_are_separated() -> None:
    letter = LETTER_EN.format(name="Somchai", year="2567", days="15")
    other = (
        "I support the draft act. Public hearings online will let more people take part, "
        "and the committee should adopt it quickly so that the new rules apply this year."
    )
    assert similarity(letter, other) < 0.2
    assert similarity("I support this bill.", "I oppose this bill.") < 0.5
    thai_letter = LETTER_TH.format(name="สมชาย", year="2567", days="15")
    thai_other = "ผมเห็นด้วยกับร่างกฎหมายฉบับนี้ เพราะช่วยให้ประชาชนเข้าถึงข้อมูลได้ง่ายขึ้น"
    assert similarity(thai_letter, thai_other) < 0.2
    assert hamming_distance(simhash(letter), simhash(other)) > 12
    assert hamming_distance(simhash(thai_letter), simhash(thai_other)) > 12


def test_normalise_for_similarity() -> None:
    assert normalise_for_similarity("**Hello**,  WORLD 2024!\n[link](https://x.example)") == (
        "hello world link"
    )
    assert normalise_for_similarity("ประชาชน ๑๒๓ มีสิทธิ  ร่วม") == "ประชาชนมีสิทธิร่วม"
    assert normalise_for_similarity("123 !!! 🙂") == ""


def test_similarity_edge_cases() -> None:
    assert similarity("", "") == 0.0
    assert similarity("123", "456") == 0.0
    assert similarity("same words here", "Same, words: here!") == 1.0
    assert similarity("ก", "ก") == 1.0


def test_simhash_is_stable_64_bit() -> None:
    value = simhash(LETTER_EN.format(name="A", year="1", days="2"))
    assert 0 <= value < 2**64
    assert value == simhash(LETTER_EN.format(name="A", year="1", days="2"))
    assert simhash("") == 0
    assert simhash("hello world") == simhash("Hello, World!")
    assert hamming_distance(0, 2**64 - 1) == 64
