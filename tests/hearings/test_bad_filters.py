"""Hand-edited filters on a hearing's pages are a 400 in the reader's language, never a 500."""

from __future__ import annotations

import pytest

from tests.hearings.conftest import sections_of

BAD = [
    "position=xyz",
    "group=abc",
    "position=xyz&group=abc",
    "order=sideways",
    "part=abc",
    "cursor=not-a-cursor",
    "position=%00",
]


@pytest.mark.parametrize("query", BAD)
def test_hearing_page_refuses_bad_filters(client, hearings, agency, staff, query):
    hearing = hearings.open(agency, staff)
    response = client.get(f"/hearings/{hearing.id}?{query}")
    assert response.status_code == 400
    assert "คำขอไม่ถูกต้อง" in response.get_data(as_text=True)


@pytest.mark.parametrize("query", [q for q in BAD if not q.startswith("part=")])
def test_section_page_refuses_bad_filters(client, hearings, agency, staff, query):
    hearing = hearings.open(agency, staff)
    section = sections_of(hearing)[0]
    assert client.get(f"/hearings/{hearing.id}/sections/{section.id}?{query}").status_code == 400


def test_good_filters_still_work(client, hearings, agency, staff):
    hearing = hearings.open(agency, staff)
    section = sections_of(hearing)[0]
    for query in (
        "position=agree&group=citizen&order=oldest",
        "part=whole",
        "part=none",
        f"part={section.id}",
    ):
        assert client.get(f"/hearings/{hearing.id}?{query}").status_code == 200, query
    # A section's own page always shows that section: a part filter there is ignored.
    assert client.get(f"/hearings/{hearing.id}/sections/{section.id}?part=abc").status_code == 200
