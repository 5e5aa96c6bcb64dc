"""Draft text: split pasted Thai legal text into sections, and compare versions.

Thai drafts are laid out the same way everywhere (the Office of the Council
of State's drafting style): a title and preamble, then optional chapter
headings (``หมวด ๑`` with the title on the same or the next line, ``ส่วนที่ ๑``
for parts of a chapter, ``บทเฉพาะกาล`` for transitional provisions), then
numbered sections starting a line with ``มาตรา ๕`` (acts, royal decrees) or
``ข้อ ๕`` (ministerial regulations, ordinances), where inserted sections are
numbered ``มาตรา ๓/๑``. Quoted amending text (“มาตรา ๕ ...”) starts with a
quotation mark and therefore stays inside the section that quotes it.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from markupsafe import Markup, escape

_DIGITS = "0-9๐-๙"
_NUMBER = rf"[{_DIGITS}]+(?:\s*/\s*[{_DIGITS}]+)?"
_CHAPTER = re.compile(rf"^(หมวด|ส่วนที่)\s*({_NUMBER})(?:\s+(.*))?$")
_TRANSITIONAL = re.compile(r"^(บทเฉพาะกาล)\s*$")
_SECTION = {
    "มาตรา": re.compile(rf"^(มาตรา)\s*({_NUMBER})(?=\s|$)\s*(.*)$"),
    "ข้อ": re.compile(rf"^(ข้อ)\s*({_NUMBER})(?=\s|$)\s*(.*)$"),
}


@dataclass
class ParsedSection:
    kind: str  #: preamble, chapter or section (SectionKind values)
    prefix: str = ""
    number: str = ""
    heading: str = ""
    body: str = ""


def _normalise_number(number: str) -> str:
    return re.sub(r"\s+", "", number)


def _section_word(lines: list[str]) -> str:
    """``มาตรา`` if any line starts a มาตรา, else ``ข้อ`` if any starts a ข้อ."""
    for word in ("มาตรา", "ข้อ"):
        if any(_SECTION[word].match(line) for line in lines):
            return word
    return "มาตรา"


def split_sections(text: str) -> list[ParsedSection]:
    """Split plain draft text into preamble, chapter headings and sections, in order.

    Line breaks inside a section are kept; blank lines between paragraphs are
    kept as one blank line. Empty input gives an empty list.
    """
    lines = [line.strip() for line in (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    word = _section_word(lines)
    section_re = _SECTION[word]
    result: list[ParsedSection] = []
    current = ParsedSection(kind="preamble")
    body: list[str] = []
    awaiting_title = False

    def finish() -> None:
        current.body = re.sub(r"\n{3,}", "\n\n", "\n".join(body).strip())
        if current.kind != "preamble" or current.body:
            result.append(current)

    for line in lines:
        chapter = _CHAPTER.match(line) or _TRANSITIONAL.match(line)
        section = section_re.match(line)
        if chapter:
            finish()
            groups = chapter.groups()
            if len(groups) == 1:
                current = ParsedSection(kind="chapter", prefix=groups[0])
                awaiting_title = False
            else:
                current = ParsedSection(
                    kind="chapter",
                    prefix=groups[0],
                    number=_normalise_number(groups[1]),
                    heading=(groups[2] or "").strip(),
                )
                awaiting_title = not current.heading
            body = []
        elif section:
            finish()
            current = ParsedSection(
                kind="section", prefix=section.group(1), number=_normalise_number(section.group(2))
            )
            body = [section.group(3).strip()] if section.group(3).strip() else []
            awaiting_title = False
        elif awaiting_title and line:
            current.heading = line
            awaiting_title = False
        else:
            body.append(line)
    finish()
    return result


# -- comparing versions -----------------------------------------------------

_THAI = re.compile(r"[\u0e00-\u0e7f]")


def _tokens(text: str) -> list[str]:
    """Words for the diff: Thai runs segmented with pythainlp, the rest on spaces.

    Whitespace is kept as its own token so the joined tokens give the text back.
    """
    if not _THAI.search(text or ""):
        return re.findall(r"\s+|[^\s]+", text or "")
    try:
        from pythainlp.tokenize import word_tokenize
    except ImportError:  # pragma: no cover - pythainlp is a dependency; characters still work
        return list(text)
    return [t for t in word_tokenize(text, engine="newmm", keep_whitespace=True) if t]


def diff_html(old: str, new: str) -> Markup:
    """Escaped HTML of ``new`` with <ins> for added and <del> for removed words."""
    a, b = _tokens(old or ""), _tokens(new or "")
    parts: list[Markup] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(escape("".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            parts.append(Markup("<del>%s</del>") % "".join(a[i1:i2]))
        if op in ("insert", "replace"):
            parts.append(Markup("<ins>%s</ins>") % "".join(b[j1:j2]))
    return Markup("").join(parts)


@dataclass
class SectionDiff:
    key: str
    label: str
    change: str  #: added, removed, changed or unchanged
    html: Markup
    old_id: int | None = None
    new_id: int | None = None


def _full_text(section) -> str:
    heading = section.heading if section.kind == "chapter" else ""
    return "\n".join(p for p in (heading, section.body) if p)


def compare_versions(old_sections, new_sections) -> list[SectionDiff]:
    """Per-section differences, matched by each section's stable key, in the new order.

    Sections only in the old version appear where they used to be.
    """
    old_by_key = {s.key: s for s in old_sections}
    new_keys = {s.key for s in new_sections}
    result: list[SectionDiff] = []
    removed_after: dict[str | None, list] = {}
    previous_kept: str | None = None
    for s in old_sections:
        if s.key not in new_keys:
            removed_after.setdefault(previous_kept, []).append(s)
        else:
            previous_kept = s.key

    def emit_removed(after: str | None) -> None:
        for s in removed_after.get(after, []):
            result.append(
                SectionDiff(s.key, s.label, "removed", Markup("<del>%s</del>") % _full_text(s), old_id=s.id)
            )

    emit_removed(None)
    for s in new_sections:
        old = old_by_key.get(s.key)
        if old is None:
            result.append(
                SectionDiff(s.key, s.label, "added", Markup("<ins>%s</ins>") % _full_text(s), new_id=s.id)
            )
        else:
            before, after = _full_text(old), _full_text(s)
            label_changed = old.label != s.label
            if before == after and not label_changed:
                result.append(SectionDiff(s.key, s.label, "unchanged", escape(after), old.id, s.id))
            else:
                result.append(SectionDiff(s.key, s.label, "changed", diff_html(before, after), old.id, s.id))
            emit_removed(s.key)
    return result
