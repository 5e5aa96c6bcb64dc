"""Rendering and sanitising of user-written text: the only module that may do either.

Policy
======

Every piece of text a user typed (comments, hearing submissions, initiative
descriptions, names, titles) is untrusted. It reaches HTML only through this
module; templates never apply ``|safe`` to user text, and nothing else in the
platform calls ``Markup()`` on it or imports bleach. Every function here treats
its input as plain text, even when it is already a ``Markup`` instance, so
passing the wrong thing double-escapes (visible, harmless) rather than trusting.

Storing (:func:`clean_text`)
    Form input is normalised before it is stored: Unicode NFC (never NFKC, which
    would rewrite Thai SARA AM and full-width text); lone surrogates become
    U+FFFD; ``\\r\\n``, ``\\r``, VT, FF, NEL, U+2028 and U+2029 become ``\\n``;
    every other C0/C1 control character except ``\\t`` is removed; invisible
    characters that serve spoofing and filter evasion are removed (bidi
    embeddings, overrides and isolates U+202A-U+202E and U+2066-U+2069,
    U+200B ZERO WIDTH SPACE, U+2060-U+2064, U+206A-U+206F, U+FEFF, U+180E,
    U+00AD SOFT HYPHEN, U+FFF9-U+FFFB). Thai needs none of these. ZWJ and ZWNJ
    (emoji sequences, Indic and Persian scripts) and LRM/RLM/ALM (direction
    marks that cannot reorder text) are kept, as are Thai combining vowels and
    tone marks and U+FFFD. Trailing whitespace of each line and of the whole
    text is removed and at most two consecutive blank lines are kept.

Rendering (:func:`render_markdown`)
    A small Markdown subset, parsed by markdown-it-py (``zero`` preset plus
    only the rules listed in ``_MARKDOWN_RULES``), with ``html`` disabled so raw
    HTML is shown as text: paragraphs; a single newline is a line break;
    ``*emphasis*`` and ``**strong**``; bulleted and numbered lists; block
    quotes; ``[links](https://...)``, reference links, ``<https://...>`` and
    bare ``https://...`` URLs; inline ``code`` (rendered as ``<code>``, which is
    inert; there are no code blocks: indented or fenced text is an ordinary
    paragraph). Headings, images, tables, rules and raw HTML are not part of
    the subset and come out as the literal text the user typed (an image becomes
    ``!`` followed by an ordinary link). One quirk: bleach's serializer does not
    re-escape text that already reads as a character reference, so a typed
    ``&copy;`` displays as the character it names. It is still text, never
    markup (a typed ``&lt;script&gt;`` displays as ``<script>``).

    The HTML that markdown-it produces is then sanitised by bleach with a strict
    allowlist: ``p br em strong code ul ol li blockquote a``; the only
    attributes are ``href`` and ``rel`` on ``<a>``. An ``href`` must be an
    absolute ``http:``/``https:`` URL with a host or a ``mailto:`` address
    (checked by markdown-it's link validator after it decodes entities and
    backslash escapes, again by bleach's attribute filter and protocol check,
    and once more on the final ``<a>`` tokens), so ``javascript:``, ``data:``, ``vbscript:``,
    relative and protocol-relative URLs and every obfuscated variant are never
    links; such a Markdown link stays literal text. Every link gets
    ``rel="nofollow ugc noopener"`` and no ``target``. Numbered lists lose their
    ``start`` number (no attributes besides ``href``/``rel``).

    Input nesting blocks or emphasis more than ``MAX_NESTING`` levels deep
    (e.g. thousands of ``>``) is not Markdown anyone writes by hand; it is
    rendered as plain escaped text in paragraphs instead (bare http(s) URLs
    still become links), so nothing the user typed is lost and nothing deep
    reaches the HTML.

Other helpers
    :func:`plain` (escaped text with ``<br>``), :func:`excerpt` (plain-text
    snippet of Markdown), :func:`highlight` (escaped text with ``<mark>``),
    :func:`count_links` (links as rendered) and the form-letter helpers
    :func:`normalise_for_similarity`, :func:`fingerprint`, :func:`similarity`,
    :func:`simhash`, :func:`hamming_distance`.
"""

from __future__ import annotations

import hashlib
import re
import threading
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import bleach
from bleach.linkifier import LinkifyFilter
from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup, escape

__all__ = [
    "ALLOWED_ATTRIBUTES",
    "ALLOWED_PROTOCOLS",
    "ALLOWED_TAGS",
    "LINK_REL",
    "MAX_NESTING",
    "TextTooLong",
    "clean_text",
    "count_links",
    "excerpt",
    "fingerprint",
    "hamming_distance",
    "highlight",
    "normalise_for_similarity",
    "plain",
    "render_markdown",
    "shingles",
    "simhash",
    "similarity",
]

ALLOWED_TAGS: frozenset[str] = frozenset(
    {"p", "br", "em", "strong", "code", "ul", "ol", "li", "blockquote", "a"}
)
ALLOWED_ATTRIBUTES: dict[str, frozenset[str]] = {"a": frozenset({"href", "rel"})}
ALLOWED_PROTOCOLS: frozenset[str] = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"
MAX_NESTING = 16
_BLOCKS_PER_BATCH = 32

_MARKDOWN_RULES = [
    "blockquote",
    "list",
    "reference",
    "newline",
    "escape",
    "backticks",
    "emphasis",
    "link",
    "autolink",
]

# ---------------------------------------------------------------------------
# Character-level cleaning
# ---------------------------------------------------------------------------

_LINE_BREAKS = {0x0B: "\n", 0x0C: "\n", 0x85: "\n", 0x2028: "\n", 0x2029: "\n"}
_INVISIBLE = [
    0x00AD,
    0x180E,
    0x200B,
    *range(0x202A, 0x202F),
    *range(0x2060, 0x2065),
    *range(0x2066, 0x2070),
    0xFEFF,
    *range(0xFFF9, 0xFFFC),
]
_CONTROLS = [c for c in (*range(0x00, 0x20), *range(0x7F, 0xA0)) if c not in (0x09, 0x0A)]
_DELETE_TABLE: dict[int, str | None] = {c: None for c in (*_CONTROLS, *_INVISIBLE)}
_DELETE_TABLE.update(_LINE_BREAKS)

_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_TRAILING_SPACE_RE = re.compile(r"[^\S\n]+(?=\n|\Z)")
_EXCESS_BLANK_LINES_RE = re.compile(r"\n{4,}")
_WHITESPACE_RUN_RE = re.compile(r"\s+")


class TextTooLong(ValueError):
    """The cleaned text is longer than the caller's limit (counted in code points)."""

    def __init__(self, limit: int, length: int) -> None:
        super().__init__(f"text is {length} characters long; the limit is {limit}")
        self.limit = limit
        self.length = length


def _sanitise_characters(text: str) -> str:
    """Apply the character policy (NFC, line breaks, controls, invisibles) only."""
    if not isinstance(text, str):
        raise TypeError(f"expected str, got {type(text).__name__}")
    text = _SURROGATE_RE.sub("\ufffd", str(text))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.translate(_DELETE_TABLE)
    return unicodedata.normalize("NFC", text)


def clean_text(text: str, *, max_length: int | None = None, multiline: bool = True) -> str:
    """Normalise form input before it is stored.

    Guarantees for the result: NFC; no lone surrogates; no C0/C1 control
    characters other than ``\\n`` and ``\\t`` (none at all when
    ``multiline=False``: newlines and tabs become single spaces and runs of
    whitespace collapse to one space); none of the invisible spoofing
    characters listed in the module docstring; no trailing whitespace on any
    line; no leading or trailing whitespace overall; never more than two
    consecutive blank lines. Thai text, combining marks and U+FFFD are kept.
    Idempotent: ``clean_text(clean_text(x)) == clean_text(x)``.

    Raises :class:`TextTooLong` when ``max_length`` is given and the cleaned
    text has more code points than that.
    """
    text = _sanitise_characters(text)
    if multiline:
        text = _TRAILING_SPACE_RE.sub("", text)
        text = _EXCESS_BLANK_LINES_RE.sub("\n\n\n", text)
        text = text.strip()
    else:
        text = _WHITESPACE_RUN_RE.sub(" ", text).strip()
    if max_length is not None and len(text) > max_length:
        raise TextTooLong(max_length, len(text))
    return text


# ---------------------------------------------------------------------------
# Markdown rendering
# ---------------------------------------------------------------------------

_SAFE_HREF_RE = re.compile(r"(?:https?://[^\s/?#@:]|mailto:[^\s/])", re.IGNORECASE | re.ASCII)
_BAD_HREF_CHAR_RE = re.compile(r"[\x00-\x20\x7f-\x9f\\\"'<>`]")

# Bare URLs that become links: an explicit http(s) scheme is required (bleach's
# default pattern would also link data:, ftp: and scheme-less host names).
# A URL may follow Thai text without a space ("ดูที่https://..."), so only an ASCII
# letter, digit or scheme character right before it prevents a link.
_BARE_URL_RE = re.compile(r"""\(*(?<![a-z0-9+.\-])https?://[^\s<>"'`{}|\\^\[\]]+""", re.IGNORECASE)


def _is_safe_href(url: str) -> bool:
    """True for an absolute http(s) URL with a host, or a mailto: address.

    ``url`` is the value after markdown-it's (or the HTML parser's) entity and
    escape decoding, so obfuscation by entities has already been undone; any
    whitespace, control character, quote or backslash disqualifies it.
    """
    return bool(_SAFE_HREF_RE.match(url)) and not _BAD_HREF_CHAR_RE.search(url)


def _bleach_attribute_filter(tag: str, name: str, value: str) -> bool:
    return tag == "a" and name == "href" and _is_safe_href(value)


def _link_callback(attrs: dict[Any, str], new: bool = False) -> dict[Any, str] | None:
    """Final word on every ``<a>``: drop it unless safe, set rel, remove target."""
    href = attrs.get((None, "href"), "")
    if not _is_safe_href(href):
        return None
    return {
        (None, "href"): href,
        (None, "rel"): LINK_REL,
        **({"_text": attrs["_text"]} if "_text" in attrs else {}),
    }


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    md = MarkdownIt("zero", {"breaks": True, "html": False, "linkify": False, "maxNesting": 20})
    md.enable(_MARKDOWN_RULES)
    md.validateLink = _is_safe_href
    return md


def _linkify_filter(source: Any) -> LinkifyFilter:
    return LinkifyFilter(
        source,
        callbacks=[_link_callback],
        skip_tags={"code"},
        parse_email=False,
        url_re=_BARE_URL_RE,
    )


_thread_state = threading.local()


def _cleaner() -> bleach.Cleaner:
    """One bleach Cleaner per thread: bleach documents Cleaner as not thread-safe."""
    cleaner: bleach.Cleaner | None = getattr(_thread_state, "cleaner", None)
    if cleaner is None:
        cleaner = _thread_state.cleaner = _new_cleaner()
    return cleaner


def _new_cleaner() -> bleach.Cleaner:
    return bleach.Cleaner(
        tags=ALLOWED_TAGS,
        attributes={"a": _bleach_attribute_filter},
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
        filters=[_linkify_filter],
    )


def _max_depth(tokens: Iterable[Token]) -> int:
    """Deepest nesting of open/close tokens, counting inline children too."""
    depth = deepest = 0
    for token in tokens:
        depth += token.nesting
        deepest = max(deepest, depth)
        if token.children:
            deepest = max(deepest, depth + _max_depth(token.children))
    return deepest


def _plain_paragraphs(text: str) -> list[str]:
    paragraphs = (p.strip() for p in re.split(r"\n[^\S\n]*\n", text))
    return ["<p>" + str(escape(p)).replace("\n", "<br>\n") + "</p>\n" for p in paragraphs if p]


def _html_blocks(source: str) -> list[str]:
    """markdown-it's HTML for ``source``, one string per top-level block."""
    md = _markdown()
    tokens = md.parse(source)
    if _max_depth(tokens) > MAX_NESTING:
        return _plain_paragraphs(source)
    blocks: list[str] = []
    start = depth = 0
    for index, token in enumerate(tokens):
        depth += token.nesting
        if depth == 0:
            blocks.append(md.renderer.render(tokens[start : index + 1], md.options, {}))
            start = index + 1
    return blocks


def _sanitise_blocks(blocks: list[str]) -> str:
    """Run bleach over the blocks in small batches.

    html5lib's tree walker spends time proportional to the number of siblings
    each time it leaves an element, so one call over thousands of top-level
    blocks is quadratic; batches keep long documents linear.
    """
    cleaner = _cleaner()
    batches = (
        "".join(blocks[i : i + _BLOCKS_PER_BATCH]) for i in range(0, len(blocks), _BLOCKS_PER_BATCH)
    )
    return "\n".join(cleaner.clean(batch).strip() for batch in batches)


def render_markdown(text: str) -> Markup:
    """Render user Markdown to HTML that is safe to insert into a page.

    Guarantees: the result contains only the tags in :data:`ALLOWED_TAGS`; the
    only attributes are ``href`` and ``rel`` on ``<a>``; every ``href`` is an
    absolute http(s) URL with a host or a ``mailto:`` address and every link has
    ``rel="nofollow ugc noopener"``; no comments, no raw HTML from the input.
    The character policy of :func:`clean_text` (controls, invisible characters,
    NFC) is applied first, so unclean stored text is still safe. Thai text is
    reproduced unchanged. Never raises for any ``str`` input. Time grows
    linearly with the number of blocks, but with the square of the number of
    inline elements (links, emphasis) within one paragraph, so limit what is
    stored with :func:`clean_text`'s ``max_length`` (100,000 characters of
    ordinary text render in well under a second).
    """
    html = _sanitise_blocks(_html_blocks(_sanitise_characters(text)))
    # The one place user text becomes Markup: it has just been sanitised by bleach.
    return Markup(html)  # noqa: S704


def plain(text: str) -> Markup:
    """Escape plain text for HTML, turning each newline into ``<br>``.

    For names, titles and other short fields shown as text. The character
    policy of :func:`clean_text` is applied first; nothing in the input is ever
    interpreted as markup (``Markup`` input is escaped again, not trusted).
    """
    source = _sanitise_characters(text)
    return Markup("<br>\n").join(escape(line) for line in source.split("\n"))


def _plain_text(text: str) -> str:
    """The visible text of Markdown source, markup removed, whitespace collapsed."""
    md = _markdown()
    tokens = md.parse(_sanitise_characters(text))
    if _max_depth(tokens) > MAX_NESTING:
        return _WHITESPACE_RUN_RE.sub(" ", _sanitise_characters(text)).strip()
    parts: list[str] = []
    for token in tokens:
        if token.type == "inline" and token.children:
            for child in token.children:
                if child.type in ("text", "code_inline"):
                    parts.append(child.content)
                elif child.type in ("softbreak", "hardbreak"):
                    parts.append(" ")
        elif token.nesting == -1 or token.type in ("paragraph_open", "list_item_open"):
            parts.append(" ")
    return _WHITESPACE_RUN_RE.sub(" ", "".join(parts)).strip()


_THAI_LEADING_VOWELS = frozenset("เแโใไ")


def _is_combining(char: str) -> bool:
    return unicodedata.category(char) in ("Mn", "Mc", "Me")


def excerpt(text: str, length: int) -> str:
    """A plain-text excerpt of Markdown source, at most ``length`` code points.

    Markup is removed (the visible text of links is kept, their URLs are not),
    whitespace collapses to single spaces. When the text is longer, it is cut
    (at the last space in the final fifth of the window if there is one, and
    never between a character and its combining marks, so Thai vowels and tone
    marks are not orphaned, nor right after a Thai leading vowel) and ``"…"``
    is appended within the limit. The result is plain text, not HTML: escape it
    when inserting it into a page.
    """
    if length <= 0:
        return ""
    visible = _plain_text(text)
    if len(visible) <= length:
        return visible
    cut = length - 1
    space = visible.rfind(" ", 0, cut + 1)
    if space > cut * 4 // 5:
        cut = space
    while 0 < cut < len(visible) and _is_combining(visible[cut]):
        cut -= 1
    while cut > 0 and visible[cut - 1] in _THAI_LEADING_VOWELS:
        cut -= 1
    return visible[:cut].rstrip() + "…"


_MAX_HIGHLIGHT_TERMS = 20
_MAX_HIGHLIGHT_TERM_LENGTH = 100
_THAI_RE = re.compile("[\u0e00-\u0e7f]")


def highlight(text: str, terms: list[str]) -> Markup:
    """Escape ``text`` and wrap occurrences of ``terms`` in ``<mark>``.

    Matching is case-insensitive. Terms containing Thai match anywhere (Thai
    has no spaces between words), as do terms starting with punctuation; other
    terms match at the start of a word (so ``law`` marks the start of
    ``lawmaker`` but not ``bylaw``). Longer
    terms win over shorter overlapping ones. Empty terms are ignored; at most
    20 terms of at most 100 characters are used. The text is escaped piece by
    piece, so a term can never match inside an HTML entity; the result
    contains no markup but ``<mark>`` and ``</mark>``.
    """
    source = _sanitise_characters(text)
    seen: set[str] = set()
    patterns: list[str] = []
    cleaned_terms = (clean_text(t, multiline=False)[:_MAX_HIGHLIGHT_TERM_LENGTH] for t in terms)
    for term in sorted(cleaned_terms, key=len, reverse=True):
        key = term.casefold()
        if not term or key in seen:
            continue
        seen.add(key)
        word_start = term[0].isalnum() and not _THAI_RE.search(term)
        prefix = r"(?<!\w)" if word_start else ""
        patterns.append(prefix + re.escape(term))
        if len(patterns) >= _MAX_HIGHLIGHT_TERMS:
            break
    if not patterns:
        return escape(source)
    pattern = re.compile("|".join(patterns), re.IGNORECASE)
    out: list[Markup] = []
    end = 0
    for match in pattern.finditer(source):
        out.append(escape(source[end : match.start()]))
        out.append(Markup("<mark>%s</mark>") % match.group(0))
        end = match.end()
    out.append(escape(source[end:]))
    return Markup("").join(out)


def count_links(text: str) -> int:
    """Number of links :func:`render_markdown` produces for ``text``.

    Counts exactly what readers can click: Markdown links, reference links,
    ``<https://...>`` and bare http(s) URLs. Text that is not rendered as a link
    (``example.com`` without a scheme, rejected ``javascript:`` links) does not
    count.
    """
    return str(render_markdown(text)).count("<a ")


# ---------------------------------------------------------------------------
# Form-letter detection
# ---------------------------------------------------------------------------

_SIMILARITY_THAI_SPACE_RE = re.compile(r"(?<=[\u0e00-\u0e7f]) (?=[\u0e00-\u0e7f])")
_THAI_RUN_RE = re.compile("[\u0e00-\u0e7f]+")
_SHINGLE_SIZE_THAI = 3
_SHINGLE_SIZE_WORDS = 2


def normalise_for_similarity(text: str) -> str:
    """Reduce Markdown text to the words that make two letters "the same".

    NFC; markup removed (visible text only); casefolded; every character that
    is not a letter or combining mark becomes a space, so punctuation, symbols,
    emoji and all digits (ASCII, Thai ``๐-๙``, Arabic-Indic) disappear; runs of
    whitespace collapse to one space; spaces between two Thai characters are
    removed (Thai writers space phrases inconsistently). The result may be
    empty (a comment of only numbers, punctuation or emoji).
    """
    visible = unicodedata.normalize("NFC", _plain_text(text).casefold())
    kept = "".join(c if unicodedata.category(c)[0] in "LM" else " " for c in visible)
    collapsed = _WHITESPACE_RUN_RE.sub(" ", kept).strip()
    return _SIMILARITY_THAI_SPACE_RE.sub("", collapsed)


def shingles(text: str) -> frozenset[str]:
    """The shingle set used by :func:`similarity` and :func:`simhash`.

    From :func:`normalise_for_similarity`: each Thai run yields its character
    3-grams (a run shorter than 3 yields itself); the remaining words yield
    word 2-grams in order (a single word yields itself). Thai 3-grams are
    prefixed ``t:`` and word pairs ``w:`` so the two kinds never collide.
    """
    normalised = normalise_for_similarity(text)
    result: set[str] = set()
    for run in _THAI_RUN_RE.findall(normalised):
        if len(run) < _SHINGLE_SIZE_THAI:
            result.add("t:" + run)
        for i in range(len(run) - _SHINGLE_SIZE_THAI + 1):
            result.add("t:" + run[i : i + _SHINGLE_SIZE_THAI])
    words = _THAI_RUN_RE.sub(" ", normalised).split()
    if len(words) < _SHINGLE_SIZE_WORDS:
        result.update("w:" + w for w in words)
    for i in range(len(words) - _SHINGLE_SIZE_WORDS + 1):
        result.add("w:" + " ".join(words[i : i + _SHINGLE_SIZE_WORDS]))
    return frozenset(result)


def fingerprint(text: str) -> str:
    """SHA-256 hex digest of :func:`normalise_for_similarity`.

    Two texts with the same fingerprint have the same words in the same order;
    they may differ only in markup, case, digits, punctuation, symbols and
    spacing. Store it with a comment and group by it for exact form letters.
    Texts with no letters at all (only digits, punctuation or emoji) all share
    the fingerprint of the empty string (``e3b0c442...``); callers should not
    treat those as a form letter.
    """
    return hashlib.sha256(normalise_for_similarity(text).encode("utf-8")).hexdigest()


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def similarity(a: str, b: str) -> float:
    """Jaccard similarity (0.0-1.0) of the :func:`shingles` of two texts.

    Symmetric and deterministic. 1.0 for texts equal after normalisation;
    0.0 when either text has no letters. A form letter sent by many people with
    a different name, greeting, numbering, punctuation or spacing typically
    scores >= 0.8 against the original; different comments on the same topic
    score far lower. Group comments whose similarity is >= 0.8.
    """
    return _jaccard(shingles(a), shingles(b))


def _hash64(value: str) -> int:
    return int.from_bytes(hashlib.blake2b(value.encode("utf-8"), digest_size=8).digest(), "big")


def simhash(text: str) -> int:
    """64-bit SimHash (Charikar) of :func:`shingles`, as an unsigned int.

    Near-duplicate texts get hashes that differ in few bits, so a database can
    find form-letter candidates without comparing every pair. Intended use:
    store it with each comment (PostgreSQL ``BIGINT`` takes it after
    ``h - 2**64 if h >= 2**63 else h``; SQLite ``INTEGER`` likewise), plus its
    eight 8-bit bands (``h >> 8 * i & 0xFF``) in indexed columns; take as
    candidates the comments of the same hearing that share at least one band
    (by the pigeonhole principle this finds every hash within a Hamming
    distance of 7: form-letter variants typically differ in 3-10 bits, while
    unrelated texts differ in about 32), then confirm each candidate with
    :func:`similarity` >= 0.8. SimHash alone is a heuristic: it narrows the
    search and may miss a variant, it never decides; a periodic exact pass
    with :func:`similarity` over one hearing catches the rest. Texts without
    letters hash to 0.
    Stable across processes and platforms (BLAKE2b, not ``hash()``).
    """
    counts = [0] * 64
    features = shingles(text)
    if not features:
        return 0
    for feature in features:
        h = _hash64(feature)
        for bit in range(64):
            counts[bit] += 1 if h >> bit & 1 else -1
    return sum(1 << bit for bit in range(64) if counts[bit] > 0)


def hamming_distance(a: int, b: int) -> int:
    """Number of differing bits between two :func:`simhash` values."""
    return ((a ^ b) & 0xFFFFFFFFFFFFFFFF).bit_count()
