# ruff: noqa: S101, S603  (pytest asserts; one subprocess of sys.executable; as pyproject)
"""Tests for participation.search_text: Thai segmentation for full-text search."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from participation.search_text import (
    MAX_QUERY_TERMS,
    MAX_TERM_LENGTH,
    fts5_match,
    index_text,
    pg_tsquery_terms,
    query_terms,
)

SENTENCE = "การมีส่วนร่วมของประชาชนในการออกกฎหมาย"


def tokens(text: str) -> list[str]:
    return index_text(text).split(" ")


def test_thai_word_found_inside_unspaced_text() -> None:
    assert "ประชาชน" in tokens(SENTENCE)
    assert {"การ", "มีส่วนร่วม", "ของ", "ใน"} <= set(tokens(SENTENCE))


def test_law_found_in_sentences_including_compounds() -> None:
    assert "กฎหมาย" in tokens("ประชาชนมีสิทธิเสนอกฎหมายต่อรัฐสภา")
    assert "กฎหมาย" in tokens(SENTENCE)
    assert "กฎหมาย" in tokens("การรับฟังความคิดเห็นต่อร่างกฎหมาย")
    assert "พระราชบัญญัติ" in tokens("ร่างพระราชบัญญัติการมีส่วนร่วมของประชาชน")


def test_index_text_format_guarantees() -> None:
    text = " ร่างพระราชบัญญัติ, พ.ศ. ๒๕๖๗!!  Public-Hearing (online) — CAFÉ ฯลฯ ไปๆมาๆ\t\n"
    indexed = index_text(text)
    assert indexed == indexed.strip()
    assert "  " not in indexed
    for token in indexed.split(" "):
        assert token
        assert len(token) <= MAX_TERM_LENGTH
        assert all(unicodedata.category(c)[0] in "LMN" for c in token), token
        assert token not in ("ๆ", "ฯ")
    assert "2567" in indexed.split(" ")
    assert {"public", "hearing", "online", "café"} <= set(indexed.split(" "))


def test_mixed_thai_and_english() -> None:
    result = tokens("ร่างกฎหมายPDPA ฉบับใหม่ version 2 COVID-19ระบาด")
    for expected in ("ร่างกฎหมาย", "กฎหมาย", "pdpa", "ฉบับ", "ใหม่", "version", "2", "covid", "19"):
        assert expected in result, expected


def test_digits_kept_and_thai_digits_normalised() -> None:
    assert index_text("พ.ศ. ๒๕๖๗") == index_text("พ.ศ. 2567")
    assert "2567" in tokens("ปี 2567")


def test_deterministic_and_normalised() -> None:
    assert index_text(SENTENCE) == index_text(SENTENCE)
    assert index_text("Cafe\u0301") == index_text("Café") == "café"
    assert index_text("") == ""
    assert index_text("!!! ... ---") == ""
    assert index_text("a\x00b c\td") == "ab c d"
    assert "ประชาชน" in tokens("ประ\u200bชาชน \u202eกฎหมาย")
    assert "กฎหมาย" in tokens("ประ\u200bชาชน \u202eกฎหมาย")


def test_query_terms_segment_like_the_index() -> None:
    assert query_terms("ประชาชน") == ["ประชาชน"]
    assert query_terms("การมีส่วนร่วมของประชาชน") == ["การ", "มีส่วนร่วม", "ของ", "ประชาชน"]
    assert query_terms("Hearing hearing HEARING กฎหมาย") == ["hearing", "กฎหมาย"]
    for term in query_terms("ร่างพระราชบัญญัติ การมีส่วนร่วม online hearing 2567"):
        assert term in tokens("ร่างพระราชบัญญัติการมีส่วนร่วม online hearing 2567")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('" OR 1=1 --', '"or" AND "1"'),
        ("*", None),
        ("NEAR(", '"near"'),
        ("col:term", '"col" AND "term"'),
        ('"unbalanced', '"unbalanced"'),
        ('a"b', '"a" AND "b"'),
        ("title:ประชาชน*", '"title" AND "ประชาชน"'),
        ("^start AND -x", '"start" AND "and" AND "x"'),
        ("); DROP TABLE comments; --", '"drop" AND "table" AND "comments"'),
        ("กฎหมาย", '"กฎหมาย"'),
    ],
)
def test_fts5_match_quotes_every_term(query: str, expected: str | None) -> None:
    assert fts5_match(query) == expected


@pytest.mark.parametrize("query", ["", "   ", "*", "!!!", '"', "()", "\x00", "ๆ ฯ"])
def test_empty_queries_give_none(query: str) -> None:
    assert fts5_match(query) is None
    assert pg_tsquery_terms(query) == []
    assert query_terms(query) == []


def test_long_query_is_capped() -> None:
    words = [f"word{i}" for i in range(500)]
    terms = query_terms(" ".join(words))
    assert terms == words[:MAX_QUERY_TERMS]
    long_term = "x" * 1000
    assert query_terms(long_term) == ["x" * MAX_TERM_LENGTH]
    thai = "ประชาชน" * 20_000
    assert len(query_terms(thai)) <= MAX_QUERY_TERMS
    match = fts5_match(" ".join(words))
    assert match is not None and match.count(" AND ") == MAX_QUERY_TERMS - 1


def test_long_term_matches_its_indexed_form() -> None:
    word = "a" * 200
    assert query_terms(word)[0] in tokens(f"see {word} here")


def test_pg_tsquery_terms_are_plain_terms() -> None:
    terms = pg_tsquery_terms("ประชาชน & !กฎหมาย | foo:* <-> 'bar'")
    assert terms == ["ประชาชน", "กฎหมาย", "foo", "bar"]
    for term in terms:
        assert not set(term) & set("&|!:*()<>'\"\\ ")


DOCUMENTS = [
    SENTENCE,
    "ประชาชนมีสิทธิเสนอกฎหมายต่อรัฐสภา",
    "ร่างพระราชบัญญัติงบประมาณรายจ่ายประจำปี พ.ศ. ๒๕๖๘",
    "Public hearing on the draft Public Participation Act, B.E. 2567",
    "งบประมาณแบบมีส่วนร่วม participatory budgeting ของกรุงเทพมหานคร",
]


@pytest.fixture
def fts() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.execute(
        "CREATE VIRTUAL TABLE docs USING fts5(body, tokenize = 'unicode61 remove_diacritics 0')"
    )
    db.executemany(
        "INSERT INTO docs (rowid, body) VALUES (?, ?)",
        [(rowid, index_text(body)) for rowid, body in enumerate(DOCUMENTS, 1)],
    )
    return db


def search(db: sqlite3.Connection, query: str) -> list[int]:
    match = fts5_match(query)
    if match is None:
        return []
    rows = db.execute("SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY rowid", (match,))
    return [row[0] for row in rows]


def test_sqlite_fts5_end_to_end(fts: sqlite3.Connection) -> None:
    assert search(fts, "ประชาชน") == [1, 2]
    assert search(fts, "กฎหมาย") == [1, 2]
    assert search(fts, "งบประมาณ") == [3, 5]
    assert search(fts, "2568") == [3]
    assert search(fts, "๒๕๖๗") == [4]
    assert search(fts, "public HEARING") == [4]
    assert search(fts, "มีส่วนร่วม budgeting") == [5]
    assert search(fts, "กรุงเทพ") == [5]
    assert search(fts, "ประชาชน กฎหมาย รัฐสภา") == [2]
    for hostile in ['" OR 1=1 --', "NEAR(", "col:term", '"unbalanced', "*", "body:x OR y"]:
        assert search(fts, hostile) == []


def test_segmentation_works_offline_in_a_fresh_process() -> None:
    code = (
        "import socket\n"
        "def refuse(*a, **k):\n"
        "    raise OSError('network disabled in this test')\n"
        "socket.socket.connect = refuse\n"
        "socket.create_connection = refuse\n"
        "from participation.search_text import index_text\n"
        f"print(index_text({SENTENCE!r}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert result.returncode == 0, result.stderr
    assert "ประชาชน" in result.stdout.split()


def test_long_text_is_handled() -> None:
    paragraph = "การรับฟังความคิดเห็นของประชาชนต่อร่างกฎหมาย ว่าด้วยการมีส่วนร่วม Public hearing 2567. "
    indexed = index_text(paragraph * 5_000)
    assert indexed.count("ประชาชน") >= 5_000
    unbroken = "ประชาชนเสนอกฎหมาย" * 10_000
    found = index_text(unbroken).split(" ").count("กฎหมาย")
    # An unbroken run is cut every few thousand characters; at most one word per cut is lost.
    assert 10_000 - len(unbroken) // 1_000 <= found <= 10_000
