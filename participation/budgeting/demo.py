"""Demo: Bang Rak's participatory budget in every phase, built through the services.

* ``bang-rak-2570``: ฿5,000,000 over three แขวง, knapsack ballots counted with the
  Method of Equal Shares; voting is over, results are published and selected
  projects are being built. In สีลม the ballots are chosen so that greedy and MES
  differ (a 60% majority would take the whole district budget under greedy).
* ``chiang-mai-2570``: Chiang Mai City, voting open now (approval, up to 3, greedy).
* ``bang-rak-2571``: next year's round, taking proposals now: proposals waiting for
  review, accepted with an adjusted cost, and refused with a public reason.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert

from participation import db
from participation.budgeting import services
from participation.budgeting.models import Ballot, BallotChoice, BallotType, ImplementationStatus, Rule
from participation.identity import IdentityLevel, keyed_hash

STAFF = "staff.bangrak@demo.participation.example"
CITIZENS = [
    "somchai@demo.participation.example",
    "malee@demo.participation.example",
    "niran@demo.participation.example",
    "anong@demo.participation.example",
]

#: (district, title, description, location, estimate, official cost or None if refused, refusal reason)
BANG_RAK_2570 = [
    (
        "สีลม",
        "ปรับปรุงทางเท้าถนนสีลม ช่วงซอย 1–5",
        "ปูทางเท้าใหม่ ปรับระดับให้รถเข็นและผู้สูงอายุเดินได้สะดวก",
        "ถนนสีลม ซอย 1–5",
        1_000_000,
        1_200_000,
        "ราคากลางรวมงานท่อระบายน้ำใต้ทางเท้าแล้ว",
    ),
    (
        "สีลม",
        "ติดตั้งไฟส่องสว่างซอยสีลม 9",
        "ติดตั้งเสาไฟ LED 24 ต้น ลดจุดมืดเสี่ยงอาชญากรรม",
        "ซอยสีลม 9",
        800_000,
        800_000,
        None,
    ),
    (
        "สีลม",
        "ลานกีฬาชุมชนหลังวัดแขก",
        "ปรับพื้นที่ว่างเป็นลานกีฬาอเนกประสงค์สำหรับเยาวชน",
        "ชุมชนวัดแขก",
        700_000,
        700_000,
        None,
    ),
    ("สีลม", "จุดคัดแยกขยะชุมชน", "ตั้งจุดคัดแยกขยะรีไซเคิลพร้อมป้ายให้ความรู้ 6 จุด", "ชุมชนซอยพิพัฒน์", 300_000, 300_000, None),
    (
        "สีลม",
        "สร้างที่จอดรถใต้ดินถนนคอนแวนต์",
        "ที่จอดรถใต้ดิน 200 คัน",
        "ถนนคอนแวนต์",
        1_900_000,
        None,
        "เกินอำนาจและงบประมาณของสำนักงานเขต ต้องเสนอผ่านสำนักการโยธา กรุงเทพมหานคร",
    ),
    (
        "สุริยวงศ์",
        "ปลูกต้นไม้ให้ร่มเงาริมถนนสุรวงศ์",
        "ปลูกต้นไม้ใหญ่ 40 ต้น พร้อมระบบรดน้ำ",
        "ถนนสุรวงศ์",
        600_000,
        650_000,
        "รวมค่าดูแลต้นไม้ปีแรก",
    ),
    (
        "สุริยวงศ์",
        "ห้องสมุดชุมชนและมุมอ่านหนังสือเด็ก",
        "ปรับปรุงอาคารเดิมเป็นห้องสมุดชุมชน",
        "ศาลาชุมชนสุริยวงศ์",
        500_000,
        500_000,
        None,
    ),
    (
        "สุริยวงศ์",
        "กล้องวงจรปิดตรอกเล็ก",
        "ติดตั้งกล้อง CCTV 12 จุดในตรอกที่ไม่มีแสงสว่าง",
        "ตรอกโรงแรมเก่า",
        450_000,
        450_000,
        None,
    ),
    (
        "มหาพฤฒาราม",
        "ปรับปรุงท่าเรือชุมชนริมคลองผดุงกรุงเกษม",
        "ซ่อมโป๊ะและหลังคาท่าเรือ เพิ่มราวจับ",
        "ริมคลองผดุงกรุงเกษม",
        900_000,
        900_000,
        None,
    ),
    (
        "มหาพฤฒาราม",
        "ศูนย์ดูแลผู้สูงอายุกลางวัน",
        "จัดพื้นที่และอุปกรณ์กายภาพบำบัดเบื้องต้น",
        "ชุมชนวัดมหาพฤฒาราม",
        700_000,
        750_000,
        "รวมค่าอุปกรณ์กายภาพบำบัด",
    ),
    (
        "มหาพฤฒาราม",
        "ตลาดนัดสีเขียวสุดสัปดาห์",
        "อุปกรณ์และเต็นท์สำหรับตลาดเกษตรกรในเมือง",
        "ลานวัดมหาพฤฒาราม",
        400_000,
        400_000,
        None,
    ),
]

#: district -> list of (how many voters, project titles they approve)
BANG_RAK_BALLOTS = {
    # 60 want the pavement and the lights; 40 want the sports ground and recycling.
    "สีลม": [
        (60, ["ปรับปรุงทางเท้าถนนสีลม ช่วงซอย 1–5", "ติดตั้งไฟส่องสว่างซอยสีลม 9"]),
        (40, ["ลานกีฬาชุมชนหลังวัดแขก", "จุดคัดแยกขยะชุมชน"]),
    ],
    "สุริยวงศ์": [
        (35, ["ปลูกต้นไม้ให้ร่มเงาริมถนนสุรวงศ์", "ห้องสมุดชุมชนและมุมอ่านหนังสือเด็ก"]),
        (20, ["กล้องวงจรปิดตรอกเล็ก", "ห้องสมุดชุมชนและมุมอ่านหนังสือเด็ก"]),
    ],
    "มหาพฤฒาราม": [
        (30, ["ปรับปรุงท่าเรือชุมชนริมคลองผดุงกรุงเกษม"]),
        (25, ["ศูนย์ดูแลผู้สูงอายุกลางวัน", "ตลาดนัดสีเขียวสุดสัปดาห์"]),
        (10, ["ปรับปรุงท่าเรือชุมชนริมคลองผดุงกรุงเกษม", "ตลาดนัดสีเขียวสุดสัปดาห์"]),
    ],
}


def _synthetic_ballots(process, district_ids, groups_by_district, titles_to_ids) -> None:
    """Demo voters: synthetic keys (no accounts), inserted like an import."""
    n = 0
    for district, groups in groups_by_district.items():
        for count, titles in groups:
            for _ in range(count):
                n += 1
                key = keyed_hash(f"demo-ballot:{process.id}", f"voter-{n}")
                ballot_id = db.session.execute(
                    insert(Ballot)
                    .values(
                        process_id=process.id,
                        district_id=district_ids.get(district),
                        voter_key=key,
                        cast_at=process.voting_opens_at + timedelta(hours=n % 200),
                    )
                    .returning(Ballot.id)
                ).scalar_one()
                db.session.execute(
                    insert(BallotChoice),
                    [{"ballot_id": ballot_id, "proposal_id": titles_to_ids[t], "points": 1} for t in titles],
                )


def load(context) -> None:
    users = context["users"]
    organisations = context["organisations"]
    staff = users[STAFF]
    citizens = [users[email] for email in CITIZENS]
    now = db.utcnow()
    day = timedelta(days=1)

    # --- Bang Rak 2570: finished, results published, projects being built -----------------
    start = now - 150 * day
    past = services.create_process(
        organisation=organisations["bangkok-bang-rak"],
        slug="bang-rak-2570",
        title_th="งบประมาณแบบมีส่วนร่วม เขตบางรัก 2570",
        title_en="Bang Rak District participatory budget 2570 (2027)",
        description_th=(
            "สำนักงานเขตบางรักเปิดให้ประชาชนเสนอและลงคะแนนเลือกโครงการพัฒนาชุมชน งบประมาณรวม 5,000,000 บาท "
            "แบ่งตามแขวง ผู้มีสิทธิ์เลือกแขวงของตนและเลือกโครงการได้ตามวงเงินของแขวง\n\n"
            "ผลการนับคะแนนใช้วิธีแบ่งส่วนเท่ากัน (Method of Equal Shares) แบบเดียวกับเมืองวีลิชกา อาเรา และอัสเซิน "
            "เพื่อให้ทุกกลุ่มของผู้ลงคะแนนได้รับโครงการตามสัดส่วน"
        ),
        description_en=(
            "Bang Rak District Office invites residents to propose and vote on community projects. "
            "฿5,000,000 split between three sub-districts; each voter picks their sub-district and any projects "
            "that fit in its budget.\n\nResults are counted with the Method of Equal Shares, as in Wieliczka, "
            "Aarau and Assen, so every group of voters gets projects in proportion to its size."
        ),
        total_budget=5_000_000,
        proposals_opens_at=start,
        review_opens_at=start + 30 * day,
        voting_opens_at=start + 60 * day,
        voting_closes_at=start + 75 * day,
        implementation_opens_at=start + 90 * day,
        districts=[
            services.DistrictSpec("สีลม", "Si Lom", 2_000_000),
            services.DistrictSpec("สุริยวงศ์", "Suriyawong", 1_500_000),
            services.DistrictSpec("มหาพฤฒาราม", "Maha Phruettharam", 1_500_000),
        ],
        categories=[
            ("ถนนและทางเท้า", "Roads and pavements"),
            ("สิ่งแวดล้อม", "Environment"),
            ("สังคม", "Community"),
        ],
        propose_level=IdentityLevel.email,
        vote_level=IdentityLevel.national_id,
        ballot_type=BallotType.knapsack,
        rule=Rule.mes,
        actor=staff,
    )
    districts = {d.name_th: d for d in past.districts}
    titles_to_ids = {}
    for n, (district, title, description, location, estimate, official, reason) in enumerate(BANG_RAK_2570):
        proposal = services.submit_proposal(
            past,
            citizens[n % len(citizens)],
            title=title,
            description=description,
            location=location,
            estimated_cost=estimate,
            district_id=districts[district].id,
            now=start + (n + 1) * day,
        )
        services.review_proposal(
            proposal,
            staff,
            feasible=official is not None,
            official_cost=official,
            reason=reason,
            now=start + 35 * day,
        )
        titles_to_ids[title] = proposal.id
    _synthetic_ballots(past, {k: d.id for k, d in districts.items()}, BANG_RAK_BALLOTS, titles_to_ids)
    db.session.flush()
    services.publish_results(past, now=now, actor=staff)
    db.session.flush()
    db.session.expire_all()
    updates = {
        "ติดตั้งไฟส่องสว่างซอยสีลม 9": [
            (ImplementationStatus.in_progress, "ผู้รับจ้างเริ่มติดตั้งเสาไฟแล้ว 10 จาก 24 ต้น คาดว่าแล้วเสร็จภายในเดือนหน้า"),
        ],
        "จุดคัดแยกขยะชุมชน": [
            (ImplementationStatus.in_progress, "จัดซื้อถังคัดแยกขยะเรียบร้อย อยู่ระหว่างติดตั้ง"),
            (ImplementationStatus.completed, "ติดตั้งครบ 6 จุดแล้ว ชุมชนร่วมดูแลและนัดอบรมการคัดแยกทุกเดือน"),
        ],
    }
    from participation.budgeting.models import BudgetProposal

    for title, items in updates.items():
        proposal = db.session.get(BudgetProposal, titles_to_ids[title])
        if proposal.selected:
            for status, text in items:
                services.post_update(proposal, staff, status=status, text=text, now=now)

    # --- Chiang Mai 2570: voting open now ------------------------------------------------------
    cm_start = now - 40 * day
    voting = services.create_process(
        organisation=organisations["chiang-mai-city"],
        slug="chiang-mai-2570",
        title_th="งบประมาณแบบมีส่วนร่วม เทศบาลนครเชียงใหม่ 2570",
        title_en="Chiang Mai City participatory budget 2570 (2027)",
        description_th="เลือกได้ไม่เกิน 3 โครงการที่ท่านสนับสนุน โครงการที่ได้คะแนนมากที่สุดจะได้รับงบประมาณก่อนจนกว่างบจะหมด",
        description_en="Choose up to 3 projects. The projects with the most votes are funded first, while the budget lasts.",
        total_budget=3_000_000,
        proposals_opens_at=cm_start,
        review_opens_at=cm_start + 20 * day,
        voting_opens_at=now - 5 * day,
        voting_closes_at=now + 20 * day,
        implementation_opens_at=now + 60 * day,
        ballot_type=BallotType.approval,
        max_choices=3,
        rule=Rule.greedy,
        vote_level=IdentityLevel.email,
    )
    for n, (title, cost) in enumerate(
        [
            ("ทางจักรยานรอบคูเมือง", 1_500_000),
            ("ฟื้นฟูคลองแม่ข่า ช่วงชุมชนหัวฝาย", 1_200_000),
            ("ป้ายบอกทางอักษรเบรลล์ในเขตเมืองเก่า", 350_000),
            ("เครื่องฟอกอากาศในศูนย์พัฒนาเด็กเล็ก", 600_000),
        ]
    ):
        proposal = services.submit_proposal(
            voting,
            citizens[n % len(citizens)],
            title=title,
            description=title,
            location="เชียงใหม่",
            estimated_cost=cost,
            now=cm_start + (n + 1) * day,
        )
        # Chiang Mai has no demo staff account; the site administrator reviews.
        services.review_proposal(
            proposal,
            users["admin@demo.participation.example"],
            feasible=True,
            official_cost=cost,
            reason=None,
            now=cm_start + 25 * day,
        )

    # --- Bang Rak 2571: taking proposals now ----------------------------------------------------
    next_start = now - 10 * day
    upcoming = services.create_process(
        organisation=organisations["bangkok-bang-rak"],
        slug="bang-rak-2571",
        title_th="งบประมาณแบบมีส่วนร่วม เขตบางรัก 2571",
        title_en="Bang Rak District participatory budget 2571 (2028)",
        description_th="เปิดรับข้อเสนอโครงการจากประชาชนในเขตบางรัก สำนักงานเขตจะตรวจสอบความเป็นไปได้และราคากลางก่อนเปิดให้ลงคะแนน",
        description_en="Residents of Bang Rak may propose projects. The district office checks each one before voting opens.",
        total_budget=5_000_000,
        proposals_opens_at=next_start,
        review_opens_at=now + 20 * day,
        voting_opens_at=now + 50 * day,
        voting_closes_at=now + 65 * day,
        implementation_opens_at=now + 90 * day,
        ballot_type=BallotType.approval,
        max_choices=5,
        rule=Rule.mes,
    )
    services.submit_proposal(
        upcoming,
        citizens[1],
        title="ที่นั่งพักคอยป้ายรถเมล์ถนนเจริญกรุง",
        description="ติดตั้งหลังคาและที่นั่งที่ป้ายรถเมล์ 5 ป้าย",
        location="ถนนเจริญกรุง",
        estimated_cost=400_000,
        now=now - 8 * day,
    )
    accepted = services.submit_proposal(
        upcoming,
        citizens[2],
        title="ห้องน้ำสาธารณะสวนสาธารณะเจริญกรุง",
        description="ปรับปรุงห้องน้ำให้ผู้พิการใช้ได้",
        location="สวนเจริญกรุง",
        estimated_cost=300_000,
        now=now - 7 * day,
    )
    services.review_proposal(
        accepted,
        staff,
        feasible=True,
        official_cost=380_000,
        reason="ราคากลางรวมทางลาดและราวจับตามมาตรฐาน",
        now=now - 2 * day,
    )
    refused = services.submit_proposal(
        upcoming,
        citizens[3],
        title="สร้างสะพานลอยข้ามแม่น้ำเจ้าพระยา",
        description="สะพานคนเดินข้ามแม่น้ำ",
        location="ท่าเรือโอเรียนเต็ล",
        estimated_cost=4_900_000,
        now=now - 6 * day,
    )
    services.review_proposal(
        refused,
        staff,
        feasible=False,
        official_cost=None,
        reason="โครงการข้ามแม่น้ำอยู่ในความรับผิดชอบของกรมเจ้าท่าและกรุงเทพมหานคร ไม่อยู่ในอำนาจของสำนักงานเขต",
        now=now - 1 * day,
    )
    # Record every process's phase as the worker would (publishes budget.phase_changed).
    services.record_phases(now)
