"""The authority's documents: PDFs checked by content, stored by hash, served as downloads."""

from __future__ import annotations

import io

from sqlalchemy import select

from participation import db as db_module
from participation.initiatives import services
from participation.initiatives.demo import DEMO_PDF
from participation.initiatives.models import TimelineDocument, TimelineEvent
from tests.initiatives.conftest import collecting


def _handed_over(db, world):
    now = db_module.utcnow()
    initiative = collecting(world, now=now, threshold=1)
    services.sign(initiative, world.citizen, now, consent=True)
    services.hand_over(initiative, world.author, now)
    db.commit()
    return initiative


def test_pdf_attached_to_a_timeline_step_is_served_safely(db, world, client_for, client):
    initiative = _handed_over(db, world)
    staff = client_for(world.agency_staff)
    response = staff.post(
        f"/initiatives/{initiative.id}/timeline",
        data={"code": "hearing", "text": "จัดประชุมรับฟังแล้ว", "documents": (io.BytesIO(DEMO_PDF), "รายงาน.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    document = db.scalar(select(TimelineDocument))
    assert document.filename == "รายงาน.pdf"
    served = client.get(f"/initiatives/documents/{document.id}")
    assert served.status_code == 200
    assert served.mimetype == "application/pdf"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in served.headers["Content-Disposition"]
    assert served.get_data() == DEMO_PDF


def test_a_file_that_is_not_a_pdf_is_refused(db, world, client_for):
    initiative = _handed_over(db, world)
    fake = b"<html><script>alert(1)</script></html>"
    response = client_for(world.agency_staff).post(
        f"/initiatives/{initiative.id}/timeline",
        data={"code": "hearing", "text": "แนบไฟล์", "documents": (io.BytesIO(fake), "report.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert db.scalar(select(TimelineDocument)) is None
    assert db.scalar(select(TimelineEvent).where(TimelineEvent.code == "hearing")) is None


def test_other_organisations_cannot_add_steps(db, world, client_for):
    initiative = _handed_over(db, world)
    response = client_for(world.other_staff).post(
        f"/initiatives/{initiative.id}/timeline", data={"code": "received", "text": "ปลอม"}
    )
    assert response.status_code == 403
