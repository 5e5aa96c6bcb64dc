"""Demo initiatives in Thai, at different stages, built through the services.

Signatures of demo accounts go through ``services.sign``; the many anonymous
demo signers are bulk-inserted with synthetic identity keys (``bulk.py``).
"""

from __future__ import annotations

import io
from datetime import timedelta

from participation import db
from participation.initiatives import services
from participation.initiatives.bulk import bulk_insert_signatures

PETITION = (
    "ขอให้ประกาศเขตควบคุมมลพิษฝุ่น PM2.5 ในเขตบางรักและพื้นที่ใกล้เคียง",
    "ค่าฝุ่น PM2.5 ในเขตบางรักเกินมาตรฐานติดต่อกันหลายสัปดาห์ทุกฤดูหนาว เราขอให้กรมควบคุมมลพิษพิจารณาประกาศเขตควบคุมมลพิษ"
    " และจัดทำแผนลดฝุ่นที่มีเป้าหมายและกำหนดเวลาชัดเจน",
    """## ข้อเรียกร้อง

1. ประกาศให้พื้นที่เขตบางรักและเขตปทุมวันเป็นเขตควบคุมมลพิษตามพระราชบัญญัติส่งเสริมและรักษาคุณภาพสิ่งแวดล้อมแห่งชาติ พ.ศ. 2535 มาตรา 59
2. ติดตั้งสถานีตรวจวัดคุณภาพอากาศเพิ่มอย่างน้อย 5 จุด และเผยแพร่ข้อมูลรายชั่วโมงเป็นข้อมูลเปิด
3. จัดทำแผนลดฝุ่นร่วมกับสำนักงานเขต โดยเปิดรับฟังความคิดเห็นของประชาชนในพื้นที่

## เหตุผล

ในฤดูหนาวที่ผ่านมา ค่าเฉลี่ย 24 ชั่วโมงของฝุ่น PM2.5 เกิน 37.5 ไมโครกรัมต่อลูกบาศก์เมตรมากกว่า 40 วัน
โรงเรียนและโรงพยาบาลในพื้นที่ได้รับผลกระทบโดยตรง ประชาชนต้องการมาตรการที่มีผลทางกฎหมาย ไม่ใช่เพียงคำแนะนำ
""",
    "สิ่งแวดล้อม",
)

CLEAN_AIR = (
    "ร่างพระราชบัญญัติการบริหารจัดการอากาศสะอาด (ฉบับประชาชน)",
    "ร่างกฎหมายที่ให้สิทธิประชาชนในการหายใจอากาศสะอาด กำหนดมาตรฐานคุณภาพอากาศที่เข้มงวดขึ้น และให้มีคณะกรรมการอากาศสะอาดระดับจังหวัด",
    """## หลักการ

ให้มีกฎหมายว่าด้วยการบริหารจัดการอากาศสะอาด เพื่อคุ้มครองสิทธิของบุคคลในการได้รับอากาศสะอาดตามรัฐธรรมนูญ

## เหตุผล

ปัญหามลพิษทางอากาศเป็นปัญหาเรื้อรังที่กระทบต่อสุขภาพของประชาชนทั่วประเทศ กฎหมายที่มีอยู่กระจัดกระจายอยู่หลายฉบับ
และขาดกลไกการมีส่วนร่วมของประชาชนในระดับพื้นที่ จึงจำเป็นต้องตราพระราชบัญญัตินี้

## สาระสำคัญ

- **หมวด 1** สิทธิในอากาศสะอาดและหน้าที่ของรัฐ
- **หมวด 2** คณะกรรมการอากาศสะอาดแห่งชาติและระดับจังหวัด
- **หมวด 3** มาตรฐานคุณภาพอากาศและการเปิดเผยข้อมูล
- **หมวด 4** มาตรการทางเศรษฐศาสตร์และการเยียวยาผู้ได้รับผลกระทบ
""",
    "สิ่งแวดล้อม",
)

PENSION = (
    "ร่างพระราชบัญญัติบำนาญพื้นฐานแห่งชาติ พ.ศ. ....",
    "ให้ผู้สูงอายุทุกคนที่มีสัญชาติไทยได้รับบำนาญพื้นฐานรายเดือนไม่ต่ำกว่าเส้นความยากจน ปรับตามค่าครองชีพทุกสามปี",
    """## หลักการ

ให้มีกฎหมายว่าด้วยบำนาญพื้นฐานแห่งชาติ เพื่อเป็นหลักประกันรายได้ของผู้สูงอายุอย่างถ้วนหน้า

## สาระสำคัญ

1. ผู้มีสัญชาติไทยอายุ 60 ปีขึ้นไปมีสิทธิได้รับบำนาญพื้นฐานรายเดือน
2. อัตราบำนาญไม่ต่ำกว่าเส้นความยากจนที่สภาพัฒนาการเศรษฐกิจและสังคมแห่งชาติประกาศ
3. ให้ทบทวนอัตราทุกสามปีตามดัชนีค่าครองชีพ
4. ให้มีคณะกรรมการบำนาญพื้นฐานแห่งชาติ ซึ่งมีผู้แทนผู้สูงอายุร่วมเป็นกรรมการ
""",
    "สวัสดิการสังคม",
)

RESPONSE = """สำนักงานเลขาธิการสภาผู้แทนราษฎรได้ตรวจสอบรายชื่อผู้เข้าชื่อแล้ว พบว่ามีผู้มีสิทธิเลือกตั้งเข้าชื่อครบตามที่รัฐธรรมนูญกำหนด

ประธานสภาผู้แทนราษฎรได้บรรจุร่างพระราชบัญญัติดังกล่าวเข้าสู่ระเบียบวาระการประชุม และสภาผู้แทนราษฎรมีมติ**รับหลักการ**
ในวาระที่หนึ่ง พร้อมตั้งคณะกรรมาธิการวิสามัญพิจารณา โดยมีผู้แทนผู้เข้าชื่อเสนอร่วมเป็นกรรมาธิการหนึ่งในสามตามมาตรา 133 วรรคสาม"""

#: A minimal valid PDF (one empty page), attached to the demo response.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


class _Upload(io.BytesIO):
    def __init__(self, data: bytes, filename: str):
        super().__init__(data)
        self.filename = filename


def load(context: dict) -> None:
    orgs = context["organisations"]
    users = context["users"]
    bill, _amendment, petition_type = services.seed_standard_types(orgs["parliament"], orgs["pcd"])
    now = db.utcnow()
    moderator = users["moderator@demo.participation.example"]
    somchai = users["somchai@demo.participation.example"]
    malee = users["malee@demo.participation.example"]
    niran = users["niran@demo.participation.example"]
    anong = users["anong@demo.participation.example"]
    staff_pcd = users["staff.pcd@demo.participation.example"]
    staff_parliament = users["staff.parliament@demo.participation.example"]

    def create(author, initiative_type, text, days, coauthors=()):
        title, summary, body, topic = text
        initiative = services.create_initiative(
            author, initiative_type, title=title, summary=summary, body=body, topic=topic, duration_days=days
        )
        for coauthor in coauthors:
            token = services.invite_coauthor(initiative, author, coauthor.email)
            services.accept_invitation(token, coauthor)
        return initiative

    # 1. A petition near its threshold: 950 of 1,000.
    petition = create(anong, petition_type, PETITION, 60, coauthors=[niran])
    services.submit(petition, anong, now - timedelta(days=21))
    services.approve(petition, moderator, now - timedelta(days=20))
    for user in (anong, niran, somchai):
        services.sign(petition, user, now - timedelta(days=3), consent=True, show_name=user is not somchai)
    bulk_insert_signatures(petition.id, 917, start=now - timedelta(days=20), end=now - timedelta(hours=1))
    services.record_paper_batch(
        petition,
        staff_pcd,
        count=30,
        received_on=(now - timedelta(days=5)).date(),
        note="รายชื่อที่รวบรวมที่ตลาดบางรัก",
        now=now,
    )

    # 2. A bill handed over with Parliament's response.
    clean_air = create(somchai, bill, CLEAN_AIR, 120, coauthors=[malee])
    services.submit(clean_air, somchai, now - timedelta(days=200))
    services.approve(clean_air, moderator, now - timedelta(days=190))
    services.sign(
        clean_air,
        malee,
        now - timedelta(days=150),
        consent=True,
        show_name=True,
        full_name="มาลี ศรีสุข",
        national_id="3100600123450",
    )
    bulk_insert_signatures(
        clean_air.id, 10_412, start=now - timedelta(days=189), end=now - timedelta(days=75)
    )
    services.record_paper_batch(
        clean_air,
        staff_parliament,
        count=1_250,
        received_on=(now - timedelta(days=80)).date(),
        note="แบบฟอร์มเข้าชื่อกระดาษจากเครือข่ายภาคเหนือ",
        now=now - timedelta(days=80),
    )
    services.refresh_initiative(clean_air, now - timedelta(days=75), force=True)
    services.close_due(now - timedelta(days=70))
    services.add_timeline_event(
        clean_air, staff_parliament, "received", "สำนักงานเลขาธิการสภาผู้แทนราษฎรได้รับรายชื่อและเริ่มตรวจสอบแล้ว", []
    )
    services.add_timeline_event(
        clean_air, staff_parliament, "in_committee", "คณะกรรมาธิการวิสามัญเริ่มพิจารณาร่างพระราชบัญญัติ", []
    )
    services.record_response(
        clean_air,
        staff_parliament,
        RESPONSE,
        [_Upload(DEMO_PDF, "มติสภา-อากาศสะอาด.pdf")],
        now - timedelta(days=10),
    )

    # 3. A bill collecting signatures.
    pension = create(malee, bill, PENSION, 180)
    services.submit(pension, malee, now - timedelta(days=16))
    services.approve(pension, moderator, now - timedelta(days=15))
    services.sign(
        pension,
        somchai,
        now - timedelta(days=2),
        consent=True,
        show_name=True,
        full_name="สมชาย ใจดี",
        national_id="1101700203450",
    )
    bulk_insert_signatures(pension.id, 3_847, start=now - timedelta(days=15), end=now - timedelta(minutes=5))

    # 4. A draft in review.
    draft = create(
        niran,
        petition_type,
        (
            "ขอให้เพิ่มทางเดินร่มเงาบนถนนเจริญกรุง",
            "ขอให้ปลูกต้นไม้ใหญ่และทำหลังคาทางเดินบนถนนเจริญกรุงช่วงสี่พระยาถึงสาทร เพื่อให้เดินได้ในวันที่อากาศร้อน",
            "ทางเดินเท้าช่วงนี้ไม่มีร่มเงาเลย ผู้สูงอายุและนักเรียนต้องเดินกลางแดดทุกวัน",
            "การเดินทาง",
        ),
        30,
    )
    services.submit(draft, niran, now - timedelta(hours=3))

    services.refresh_counts(now)
