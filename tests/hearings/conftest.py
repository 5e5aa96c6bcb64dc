"""Fixtures for hearing tests: a settable clock and hearings built through the services."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from participation import db as db_module
from participation.hearings import services
from participation.hearings.models import HearingKind, LawType

#: A short but realistic draft act (preamble, chapters, Thai and Arabic digits, an inserted section).
DRAFT_ACT = """ร่าง
พระราชบัญญัติ
ส่งเสริมการใช้จักรยาน
พ.ศ. ....

โดยที่เป็นการสมควรมีกฎหมายว่าด้วยการส่งเสริมการใช้จักรยาน

หมวด ๑
บททั่วไป

มาตรา ๑ พระราชบัญญัตินี้เรียกว่า “พระราชบัญญัติส่งเสริมการใช้จักรยาน พ.ศ. ....”

มาตรา ๒ พระราชบัญญัตินี้ให้ใช้บังคับตั้งแต่วันถัดจากวันประกาศในราชกิจจานุเบกษาเป็นต้นไป

หมวด ๒ ทางจักรยาน

มาตรา ๓ ให้องค์กรปกครองส่วนท้องถิ่นจัดให้มีทางจักรยานที่ปลอดภัย
(๑) แยกจากช่องทางเดินรถ
(๒) มีป้ายและสัญญาณที่ชัดเจน

มาตรา ๓/๑ ให้กรมทางหลวงจัดที่จอดจักรยานที่สถานีขนส่ง

มาตรา 4 ผู้ใดจอดยานพาหนะบนทางจักรยานต้องระวางโทษปรับไม่เกินหนึ่งพันบาท
"""

START = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


class Clock:
    """``participation.db.utcnow`` under the test's control."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs) -> datetime:
        self.now = self.now + timedelta(**kwargs)
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = Clock(START)
    monkeypatch.setattr(db_module, "utcnow", fake)
    return fake


@pytest.fixture
def agency(factory):
    return factory.organisation(slug="pcd-test", name_th="กรมควบคุมมลพิษ (ทดสอบ)")


@pytest.fixture
def staff(factory, agency):
    return factory.staff(agency, locale="en")


class HearingMaker:
    def __init__(self, session, clock):
        self.session = session
        self.clock = clock

    def draft(
        self,
        organisation,
        actor,
        *,
        days: int = 20,
        opens_in: timedelta = timedelta(hours=1),
        text=DRAFT_ACT,
        **kw,
    ):
        now = self.clock.now
        hearing = services.create_hearing(
            organisation=organisation,
            actor=actor,
            title_th=kw.pop("title_th", "ร่างพระราชบัญญัติส่งเสริมการใช้จักรยาน พ.ศ. ...."),
            summary_th=kw.pop("summary_th", "ร่างกฎหมายนี้ส่งเสริมการใช้จักรยานในเมือง"),
            kind=kw.pop("kind", HearingKind.draft_law),
            law_type=kw.pop("law_type", LawType.act),
            contact=kw.pop("contact", "กองส่งเสริม โทร. ๐ ๒๐๐๐ ๐๐๐๐"),
            opens_at=now + opens_in,
            closes_at=now + opens_in + timedelta(days=days),
            **kw,
        )
        if text:
            services.replace_sections(hearing.versions[0], text)
        self.session.commit()
        return hearing

    def open(self, organisation, actor, **kw):
        """A hearing open now (scheduled, then opened by the worker at the clock's time)."""
        hearing = self.draft(organisation, actor, opens_in=timedelta(0), **kw)
        services.schedule(hearing, actor, self.clock.now)
        services.advance(self.clock.now)
        self.session.commit()
        return hearing


@pytest.fixture
def hearings(db, clock):
    return HearingMaker(db, clock)


def sections_of(hearing):
    return [s for s in hearing.versions[0].sections if s.kind.value == "section"]
