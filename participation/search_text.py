"""Thai-aware tokenising for full-text search (SQLite FTS5, PostgreSQL ``'simple'``).

Thai is written without spaces between words, so neither FTS5's ``unicode61``
tokenizer nor PostgreSQL's parser can find the word ``ประชาชน`` inside
``การมีส่วนร่วมของประชาชน``. The platform therefore segments text itself:
:func:`index_text` produces the string to store in the full-text column (words
separated by single spaces) and :func:`query_terms` segments a user's query the
same way, so the two always agree.

Segmentation
    * Text first gets :func:`participation.text.clean_text`'s character policy
      (NFC; control, zero-width and bidi characters removed, so ``ประ\u200bชาชน``
      is still one word), then Thai digits ``๐-๙`` become ASCII digits (so
      ``๒๕๖๗`` and ``2567`` find each other).
    * Runs of Thai letters are segmented with PyThaiNLP's dictionary-based
      ``newmm`` engine (the dictionary ships inside the package: nothing is
      downloaded). The dictionary is loaded once, lazily, on first use.
    * newmm keeps dictionary compounds whole (``การออกกฎหมาย``,
      ``ร่างกฎหมาย``, ``ร่างพระราชบัญญัติ``). The index stores the compound
      *and* the dictionary words it splits into (fewest pieces of at least two
      characters, recursively, up to three levels, for words of 6-40
      characters), so a search for ``กฎหมาย`` finds ``การออกกฎหมาย``. This buys
      recall at some cost in precision for short query words (``หมาย`` also
      finds ``กฎหมาย``). Queries use the compound only.
    * Other text is casefolded and split on anything that is not a letter or
      digit; digits are kept, punctuation and symbols are dropped.
    * Every term is at most ``MAX_TERM_LENGTH`` characters (longer ones are
      truncated identically on both sides).
    * Deterministic for a given PyThaiNLP dictionary: after upgrading PyThaiNLP,
      re-index (``index_text`` output may change).

Long texts: whitespace, punctuation and non-Thai characters delimit the Thai
runs, and each run is segmented on its own; a run of more than
``_MAX_THAI_RUN`` characters without any of them (not real prose) is cut into
pieces of that size first (at worst one word per cut is split). The cost is
linear in the length of the text; a megabyte of mixed text indexes in one to
two seconds.

Safety
    Every term consists only of Unicode letters, combining marks and digits. The
    query helpers still quote (:func:`fts5_match`) or leave building SQL to the
    caller with bound parameters (:func:`pg_tsquery_terms`); nothing here
    returns SQL.

Suggested schema: SQLite ``CREATE VIRTUAL TABLE ... USING fts5(body, tokenize =
"unicode61 remove_diacritics 0")`` storing ``index_text(body)``; PostgreSQL a
``tsvector`` column ``to_tsvector('simple', index_text(body))``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pythainlp.corpus import thai_words
from pythainlp.tokenize import word_dict_trie, word_tokenize

from participation.text import clean_text

__all__ = [
    "MAX_QUERY_LENGTH",
    "MAX_QUERY_TERMS",
    "MAX_TERM_LENGTH",
    "fts5_match",
    "index_text",
    "pg_tsquery_terms",
    "query_terms",
]

MAX_TERM_LENGTH = 64
MAX_QUERY_TERMS = 10
MAX_QUERY_LENGTH = 1000

_MAX_THAI_RUN = 4000
_COMPOUND_MIN_LENGTH = 6
_COMPOUND_MAX_LENGTH = 40
_COMPOUND_DEPTH = 3

_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
# Thai letters, vowels and tone marks; excludes Thai digits (mapped to ASCII),
# PAIYANNOI ฯ, MAI YAMOK ๆ and the Thai punctuation signs, which separate words.
_THAI_WORD_RE = re.compile("[\u0e01-\u0e2e\u0e30-\u0e3a\u0e40-\u0e45\u0e47-\u0e4e]+")
_OTHER_WORD_RE = re.compile(r"[^\W_\u0e00-\u0e7f]+")


@lru_cache(maxsize=1)
def _dictionary() -> frozenset[str]:
    """The newmm word list, loaded once; also builds PyThaiNLP's cached trie."""
    word_dict_trie()
    return thai_words()


def _is_word(token: str) -> bool:
    return any(unicodedata.category(c)[0] in "LN" for c in token)


def _prepare(text: str) -> str:
    return clean_text(text, multiline=False).translate(_THAI_DIGITS)


def _segment_thai(run: str) -> list[str]:
    _dictionary()
    return [token for token in word_tokenize(run, engine="newmm", keep_whitespace=False) if _is_word(token)]


def _split_once(word: str) -> tuple[str, ...]:
    """Split ``word`` into the fewest (>= 2) dictionary words of >= 2 characters, or ()."""
    n = len(word)
    if not _COMPOUND_MIN_LENGTH <= n <= _COMPOUND_MAX_LENGTH:
        return ()
    words = _dictionary()
    best: list[tuple[str, ...] | None] = [None] * (n + 1)
    best[0] = ()
    for end in range(2, n + 1):
        for start in range(end - 1):
            prev = best[start]
            if prev is None or (start == 0 and end == n) or word[start:end] not in words:
                continue
            current = best[end]
            if current is None or len(prev) + 1 < len(current):
                best[end] = (*prev, word[start:end])
    return best[n] or ()


@lru_cache(maxsize=65536)
def _compound_parts(word: str, depth: int = _COMPOUND_DEPTH) -> tuple[str, ...]:
    """Dictionary words inside a compound, each followed by its own parts, or ().

    ``การออกกฎหมาย`` gives ``การ ออกกฎหมาย ออก กฎหมาย กฎ หมาย``.
    """
    if depth <= 0:
        return ()
    parts: list[str] = []
    for part in _split_once(word):
        parts.append(part)
        parts.extend(_compound_parts(part, depth - 1))
    return tuple(parts)


def _tokens(text: str, *, expand_compounds: bool) -> list[str]:
    prepared = _prepare(text)
    tokens: list[str] = []
    pos = 0
    for match in _THAI_WORD_RE.finditer(prepared):
        tokens.extend(_OTHER_WORD_RE.findall(prepared[pos : match.start()].casefold()))
        run = match.group(0)
        for start in range(0, len(run), _MAX_THAI_RUN):
            for word in _segment_thai(run[start : start + _MAX_THAI_RUN]):
                tokens.append(word)
                if expand_compounds:
                    tokens.extend(_compound_parts(word))
        pos = match.end()
    tokens.extend(_OTHER_WORD_RE.findall(prepared[pos:].casefold()))
    return [t[:MAX_TERM_LENGTH] for t in tokens]


def index_text(text: str) -> str:
    """The text to store in a full-text index column for ``text``.

    Guarantees: words separated by single spaces, no leading or trailing space;
    each word is at most ``MAX_TERM_LENGTH`` characters of Unicode letters,
    combining marks and digits only (casefolded outside Thai); Thai runs are
    segmented into dictionary words (compounds also contribute their parts,
    right after the compound); Thai digits become ASCII digits; punctuation is
    dropped. Deterministic; ``""`` for text without words.
    """
    return " ".join(_tokens(text, expand_compounds=True))


def query_terms(query: str) -> list[str]:
    """Segment a user's search query exactly like :func:`index_text` does.

    Only the first ``MAX_QUERY_LENGTH`` characters are read. Terms are
    de-duplicated (first occurrence wins, order kept), empty ones dropped, at
    most ``MAX_QUERY_TERMS`` are returned, each at most ``MAX_TERM_LENGTH``
    characters of letters, combining marks and digits. Compounds are not split
    (a document containing the compound is indexed with it).
    """
    terms: list[str] = []
    for term in _tokens(str(query)[:MAX_QUERY_LENGTH], expand_compounds=False):
        if term and term not in terms:
            terms.append(term)
            if len(terms) >= MAX_QUERY_TERMS:
                break
    return terms


def fts5_match(query: str) -> str | None:
    """An FTS5 ``MATCH`` expression requiring every query term, or ``None``.

    Each term is an FTS5 string literal (double quotes, any ``"`` doubled), so
    FTS5 operators and syntax in the query (``OR``, ``NEAR(``, ``*``,
    ``col:``, ``^``, unbalanced quotes) are only ever searched as words. Terms
    are joined with ``AND``. ``None`` when the query has no terms: the caller
    should then show no results rather than run a MATCH. Pass the result as a
    bound parameter (``WHERE t MATCH ?``).
    """
    terms = query_terms(query)
    if not terms:
        return None
    return " AND ".join('"' + term.replace('"', '""') + '"' for term in terms)


def pg_tsquery_terms(query: str) -> list[str]:
    """Terms for a PostgreSQL ``'simple'`` text-search query; never SQL.

    The same terms as :func:`query_terms`: letters, combining marks and digits
    only, so they hold no tsquery operators. Build the query with bound
    parameters, e.g. ``to_tsquery('simple', %s)`` with ``" & ".join(terms)``,
    or combine ``plainto_tsquery('simple', %s)`` per term. An empty list means
    no search.
    """
    return query_terms(query)


def warm_up() -> None:
    """Load the segmenter and its dictionary now (a few seconds), not on the first search.

    Called by the production entry point (``wsgi.py``) so that the first
    reader of each worker process does not wait.
    """
    index_text("การมีส่วนร่วมของประชาชน")
