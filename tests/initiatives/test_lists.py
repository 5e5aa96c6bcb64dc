"""Public lists: filters, sorting, the home section, overdue marks."""

from __future__ import annotations

from datetime import timedelta

from participation import db as db_module
from participation.initiatives import services
from participation.initiatives.bulk import bulk_insert_signatures
from tests.initiatives.conftest import collecting, make_initiative


def _titles(html: str, *titles: str) -> list[str]:
    return sorted((t for t in titles if t in html), key=html.index)


def test_filters_and_sorting(db, world, client):
    now = db_module.utcnow()
    petition = collecting(world, now=now, title="คำร้องสวนสาธารณะ", days=10)
    bill = collecting(world, world.bill, now=now, title="ร่างกฎหมายอากาศสะอาด", days=100)
    make_initiative(world, title="ร่างที่ยังไม่เผยแพร่")
    bulk_insert_signatures(bill.id, 30, start=now - timedelta(hours=1), end=now)
    db.commit()
    services.refresh_counts(now)
    db.commit()
    names = ("คำร้องสวนสาธารณะ", "ร่างกฎหมายอากาศสะอาด", "ร่างที่ยังไม่เผยแพร่")
    html = client.get("/initiatives/").get_data(as_text=True)
    assert _titles(html, *names) == [
        "ร่างกฎหมายอากาศสะอาด",
        "คำร้องสวนสาธารณะ",
    ]  # most signed first; drafts hidden
    html = client.get("/initiatives/?sort=ending_soon").get_data(as_text=True)
    assert _titles(html, *names) == ["คำร้องสวนสาธารณะ", "ร่างกฎหมายอากาศสะอาด"]
    html = client.get(f"/initiatives/?type={world.bill.id}").get_data(as_text=True)
    assert _titles(html, *names) == ["ร่างกฎหมายอากาศสะอาด"]
    html = client.get(f"/initiatives/?organisation={world.agency.id}").get_data(as_text=True)
    assert _titles(html, *names) == ["คำร้องสวนสาธารณะ"]
    html = client.get("/initiatives/?status=expired&topic=สิ่งแวดล้อม").get_data(as_text=True)
    assert _titles(html, *names) == []
    assert client.get("/initiatives/?sort=nonsense&type=x&page=-1").status_code == 200
    home = client.get("/").get_data(as_text=True)
    assert "ร่างกฎหมายอากาศสะอาด" in home and "30" in home
    assert petition.id != bill.id


def test_overdue_response_is_marked_in_lists(db, world, client):
    now = db_module.utcnow()
    initiative = collecting(world, now=now, threshold=1, title="คำร้องที่เลยกำหนดตอบ")
    services.sign(initiative, world.citizen, now, consent=True)
    services.hand_over(initiative, world.author, now - timedelta(days=100))
    db.commit()
    html = client.get("/initiatives/").get_data(as_text=True)
    assert "badge-overdue" in html
    html = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert "badge-overdue" in html
