"""Demo hearings: an open clean-air act, a closed ministerial regulation with its report,
and a scheduled municipal ordinance. Loaded by ``participation demo``."""

from __future__ import annotations

from datetime import timedelta

from participation import db
from participation.comments import services as comments
from participation.hearings import services
from participation.hearings.models import HearingKind, LawType, QuestionKind

CLEAN_AIR_TEXT = """ร่าง
พระราชบัญญัติ
การบริหารจัดการอากาศสะอาด
พ.ศ. ....

โดยที่เป็นการสมควรมีกฎหมายว่าด้วยการบริหารจัดการอากาศสะอาด เพื่อคุ้มครองสิทธิของบุคคลในการดำรงชีวิตในสิ่งแวดล้อมที่ดีและมีอากาศสะอาด และเพื่อให้การป้องกันและแก้ไขปัญหามลพิษทางอากาศ รวมทั้งฝุ่นละอองขนาดไม่เกิน ๒.๕ ไมครอน เป็นไปอย่างมีเอกภาพและมีประสิทธิภาพ

หมวด ๑
บททั่วไป

มาตรา ๑ พระราชบัญญัตินี้เรียกว่า “พระราชบัญญัติการบริหารจัดการอากาศสะอาด พ.ศ. ....”

มาตรา ๒ พระราชบัญญัตินี้ให้ใช้บังคับเมื่อพ้นกำหนดหนึ่งร้อยแปดสิบวันนับแต่วันประกาศในราชกิจจานุเบกษาเป็นต้นไป

มาตรา ๓ ในพระราชบัญญัตินี้
“อากาศสะอาด” หมายความว่า อากาศที่มีสารมลพิษไม่เกินค่ามาตรฐานคุณภาพอากาศในบรรยากาศโดยทั่วไปตามที่คณะกรรมการประกาศกำหนด
“มลพิษทางอากาศ” หมายความว่า สารมลพิษที่อยู่ในอากาศ ไม่ว่าจะเกิดจากแหล่งกำเนิดในประเทศหรือนอกประเทศ
“การเผาในที่โล่ง” หมายความว่า การเผาวัสดุทางการเกษตร ขยะ หรือวัสดุอื่นใดในพื้นที่เปิดโล่งโดยไม่มีระบบควบคุมการระบายมลพิษ

มาตรา ๔ บุคคลย่อมมีสิทธิได้รับข้อมูลข่าวสารเกี่ยวกับคุณภาพอากาศในพื้นที่ที่ตนอาศัยอยู่อย่างถูกต้อง ครบถ้วน และทันต่อเหตุการณ์ และมีสิทธิได้รับการแจ้งเตือนเมื่อคุณภาพอากาศอยู่ในระดับที่อาจเป็นอันตรายต่อสุขภาพ

หมวด ๒
คณะกรรมการนโยบายการบริหารจัดการอากาศสะอาด

มาตรา ๕ ให้มีคณะกรรมการนโยบายการบริหารจัดการอากาศสะอาด ประกอบด้วย นายกรัฐมนตรีเป็นประธานกรรมการ รัฐมนตรีว่าการกระทรวงทรัพยากรธรรมชาติและสิ่งแวดล้อมเป็นรองประธานกรรมการ ผู้แทนภาคประชาชนจำนวนสามคน และผู้ทรงคุณวุฒิด้านสาธารณสุขและสิ่งแวดล้อมจำนวนสี่คน เป็นกรรมการ
ให้อธิบดีกรมควบคุมมลพิษเป็นกรรมการและเลขานุการ

มาตรา ๖ คณะกรรมการมีอำนาจหน้าที่ ดังต่อไปนี้
(๑) เสนอนโยบายและแผนการบริหารจัดการอากาศสะอาดต่อคณะรัฐมนตรี
(๒) ประกาศกำหนดค่ามาตรฐานคุณภาพอากาศในบรรยากาศโดยทั่วไป
(๓) ประกาศเขตควบคุมมลพิษทางอากาศเมื่อคุณภาพอากาศเกินค่ามาตรฐานติดต่อกันเกินเจ็ดวัน

หมวด ๓
มาตรการควบคุมแหล่งกำเนิดมลพิษ

มาตรา ๗ ในเขตควบคุมมลพิษทางอากาศ ห้ามมิให้ผู้ใดเผาในที่โล่ง เว้นแต่ได้รับอนุญาตจากเจ้าพนักงานท้องถิ่นตามหลักเกณฑ์ที่คณะกรรมการประกาศกำหนด

มาตรา ๘ ผู้ประกอบกิจการโรงงานที่เป็นแหล่งกำเนิดมลพิษทางอากาศตามประเภทและขนาดที่คณะกรรมการประกาศกำหนด ต้องติดตั้งเครื่องมือตรวจวัดการระบายมลพิษแบบต่อเนื่อง และรายงานผลการตรวจวัดต่อกรมควบคุมมลพิษผ่านระบบอิเล็กทรอนิกส์ทุกวัน

มาตรา ๙ ผู้ใดฝ่าฝืนมาตรา ๗ ต้องระวางโทษปรับไม่เกินห้าหมื่นบาท
"""

REGULATION_V1 = """ร่าง
กฎกระทรวง
กำหนดอัตราค่าธรรมเนียมการเก็บ ขน และกำจัดมูลฝอยขององค์กรปกครองส่วนท้องถิ่น
พ.ศ. ....

อาศัยอำนาจตามความในมาตรา ๕ วรรคหนึ่ง และมาตรา ๖๓ แห่งพระราชบัญญัติการรักษาความสะอาดและความเป็นระเบียบเรียบร้อยของบ้านเมือง พ.ศ. ๒๕๓๕ รัฐมนตรีว่าการกระทรวงมหาดไทยออกกฎกระทรวงไว้ ดังต่อไปนี้

ข้อ ๑ กฎกระทรวงนี้ให้ใช้บังคับเมื่อพ้นกำหนดเก้าสิบวันนับแต่วันประกาศในราชกิจจานุเบกษาเป็นต้นไป

ข้อ ๒ ค่าธรรมเนียมการเก็บและขนมูลฝอยทั่วไปสำหรับบ้านเรือนที่มีปริมาณมูลฝอยไม่เกินยี่สิบลิตรต่อวัน ให้เรียกเก็บได้ไม่เกินเดือนละหกสิบบาท

ข้อ ๓ ค่าธรรมเนียมการเก็บและขนมูลฝอยทั่วไปสำหรับสถานประกอบการที่มีปริมาณมูลฝอยเกินยี่สิบลิตรต่อวัน ให้เรียกเก็บได้ไม่เกินลูกบาศก์เมตรละสี่ร้อยบาท

ข้อ ๔ ให้องค์กรปกครองส่วนท้องถิ่นลดค่าธรรมเนียมตามข้อ ๒ ลงกึ่งหนึ่ง สำหรับบ้านเรือนที่คัดแยกมูลฝอยก่อนทิ้ง

ข้อ ๕ ให้องค์กรปกครองส่วนท้องถิ่นประกาศอัตราค่าธรรมเนียมที่เรียกเก็บจริงไว้ในที่เปิดเผย ณ สำนักงาน
"""

REGULATION_V2 = """ร่าง
กฎกระทรวง
กำหนดอัตราค่าธรรมเนียมการเก็บ ขน และกำจัดมูลฝอยขององค์กรปกครองส่วนท้องถิ่น
พ.ศ. ....

อาศัยอำนาจตามความในมาตรา ๕ วรรคหนึ่ง และมาตรา ๖๓ แห่งพระราชบัญญัติการรักษาความสะอาดและความเป็นระเบียบเรียบร้อยของบ้านเมือง พ.ศ. ๒๕๓๕ รัฐมนตรีว่าการกระทรวงมหาดไทยออกกฎกระทรวงไว้ ดังต่อไปนี้

ข้อ ๑ กฎกระทรวงนี้ให้ใช้บังคับเมื่อพ้นกำหนดหนึ่งร้อยแปดสิบวันนับแต่วันประกาศในราชกิจจานุเบกษาเป็นต้นไป

ข้อ ๒ ค่าธรรมเนียมการเก็บและขนมูลฝอยทั่วไปสำหรับบ้านเรือนที่มีปริมาณมูลฝอยไม่เกินยี่สิบลิตรต่อวัน ให้เรียกเก็บได้ไม่เกินเดือนละหกสิบบาท

ข้อ ๓ ค่าธรรมเนียมการเก็บและขนมูลฝอยทั่วไปสำหรับสถานประกอบการที่มีปริมาณมูลฝอยเกินยี่สิบลิตรต่อวัน ให้เรียกเก็บได้ไม่เกินลูกบาศก์เมตรละสี่ร้อยบาท

ข้อ ๔ ให้องค์กรปกครองส่วนท้องถิ่นลดค่าธรรมเนียมตามข้อ ๒ ลงกึ่งหนึ่ง สำหรับบ้านเรือนที่คัดแยกมูลฝอยก่อนทิ้ง และยกเว้นค่าธรรมเนียมสำหรับผู้มีบัตรสวัสดิการแห่งรัฐ

ข้อ ๕ ให้องค์กรปกครองส่วนท้องถิ่นประกาศอัตราค่าธรรมเนียมที่เรียกเก็บจริงไว้ในที่เปิดเผย ณ สำนักงาน และทางเว็บไซต์ขององค์กรปกครองส่วนท้องถิ่น
"""

ORDINANCE_TEXT = """ร่าง
เทศบัญญัติเทศบาลนครเชียงใหม่
เรื่อง การควบคุมการเผาในที่โล่ง
พ.ศ. ....

ข้อ ๑ เทศบัญญัตินี้เรียกว่า “เทศบัญญัติเทศบาลนครเชียงใหม่ เรื่อง การควบคุมการเผาในที่โล่ง พ.ศ. ....”

ข้อ ๒ ห้ามมิให้ผู้ใดเผาขยะ กิ่งไม้ ใบไม้ หรือวัสดุอื่นใดในที่โล่งภายในเขตเทศบาล ระหว่างวันที่ ๑ มกราคม ถึงวันที่ ๓๐ เมษายน ของทุกปี

ข้อ ๓ ให้เทศบาลจัดบริการรับกิ่งไม้และใบไม้ไปทำปุ๋ยหมักโดยไม่คิดค่าใช้จ่าย
"""


def load(context: dict) -> None:
    now = db.utcnow()
    orgs = context["organisations"]
    users = context["users"]

    def user(name: str):
        return users[f"{name}@demo.participation.example"]

    # -- an open act with comments and answers ----------------------------------------
    pcd_staff = user("staff.pcd")
    clean_air = services.create_hearing(
        organisation=orgs["pcd"],
        actor=pcd_staff,
        title_th="ร่างพระราชบัญญัติการบริหารจัดการอากาศสะอาด พ.ศ. ....",
        title_en="Draft Clean Air Management Act B.E. ....",
        summary_th=(
            "ร่างพระราชบัญญัตินี้กำหนดสิทธิของประชาชนที่จะได้รับข้อมูลคุณภาพอากาศและการแจ้งเตือน "
            "จัดตั้งคณะกรรมการนโยบายการบริหารจัดการอากาศสะอาดที่มีผู้แทนภาคประชาชน "
            "ให้อำนาจประกาศเขตควบคุมมลพิษทางอากาศ ห้ามเผาในที่โล่งในเขตควบคุม "
            "และให้โรงงานขนาดใหญ่รายงานการระบายมลพิษทุกวัน\n\n"
            "กรมควบคุมมลพิษขอรับฟังความคิดเห็นจากประชาชน เกษตรกร ผู้ประกอบการ และหน่วยงานท้องถิ่น "
            "ก่อนเสนอร่างต่อคณะรัฐมนตรี"
        ),
        summary_en=(
            "The draft gives everyone a right to air-quality information and alerts, creates a clean-air "
            "policy committee with civil-society members, allows pollution control zones, bans open burning "
            "in those zones and makes large factories report their emissions daily."
        ),
        kind=HearingKind.draft_law,
        law_type=LawType.act,
        contact="กองจัดการคุณภาพอากาศและเสียง กรมควบคุมมลพิษ โทร. ๐ ๒๒๙๘ ๒๐๐๐ อีเมล air@pcd.go.th",
        opens_at=now - timedelta(days=6),
        closes_at=now + timedelta(days=24),
        co_host_ids=[orgs["moi"].id],
    )
    services.replace_sections(clean_air.versions[0], CLEAN_AIR_TEXT)
    services.add_question(
        clean_air,
        prompt="ท่านเห็นด้วยกับการห้ามเผาในที่โล่งในเขตควบคุมมลพิษทางอากาศหรือไม่",
        kind=QuestionKind.yes_no,
    )
    services.add_question(
        clean_air,
        prompt="มาตรการใดที่ควรดำเนินการเป็นลำดับแรก (เลือกได้หลายข้อ)",
        kind=QuestionKind.multiple,
        choices=[
            "แจ้งเตือนคุณภาพอากาศผ่านโทรศัพท์มือถือ",
            "สนับสนุนเครื่องจักรแทนการเผาให้เกษตรกร",
            "ตรวจวัดการระบายมลพิษจากโรงงานแบบต่อเนื่อง",
            "ควบคุมควันดำจากยานพาหนะ",
        ],
    )
    services.schedule(clean_air, pcd_staff, now)
    services.advance(now)
    sections = {s.number: s for s in clean_air.versions[0].sections if s.kind.value == "section"}
    said = [
        (
            "somchai",
            "๔",
            "agree",
            "citizen",
            None,
            "เห็นด้วยอย่างยิ่งครับ ขอให้กำหนดด้วยว่าต้องแจ้งเตือนภายในกี่ชั่วโมงหลังค่าฝุ่นเกินมาตรฐาน และต้องแจ้งผ่านช่องทางที่ผู้สูงอายุเข้าถึงได้ เช่น หอกระจายข่าวในหมู่บ้าน",
        ),
        (
            "malee",
            "๕",
            "suggest_change",
            "civil_society",
            "เครือข่ายอากาศสะอาดภาคเหนือ",
            "ผู้แทนภาคประชาชนสามคนน้อยเกินไปเมื่อเทียบกับผู้แทนภาครัฐ เสนอให้เพิ่มเป็นห้าคนและให้มาจากการสรรหาอย่างเปิดเผย โดยมีผู้แทนจากภาคเหนืออย่างน้อยหนึ่งคน",
        ),
        (
            "niran",
            "๗",
            "disagree",
            "private_sector",
            "สหกรณ์การเกษตรผู้ปลูกข้าวโพด",
            "การห้ามเผาโดยไม่มีมาตรการช่วยเหลือจะกระทบเกษตรกรรายย่อยที่ไม่มีเงินเช่ารถไถกลบ ขอให้มีกองทุนสนับสนุนเครื่องจักรก่อนบังคับใช้ข้อห้ามนี้",
        ),
        (
            "anong",
            "๘",
            "agree",
            "academia",
            None,
            "ควรกำหนดให้เปิดเผยข้อมูลการตรวจวัดของโรงงานต่อสาธารณะแบบเวลาจริงด้วย ไม่ใช่รายงานเฉพาะต่อกรมควบคุมมลพิษ เพื่อให้ชุมชนรอบโรงงานตรวจสอบได้",
        ),
        (
            "john",
            None,
            "agree",
            "citizen",
            None,
            "As a resident of Chiang Mai I strongly support this act. Please publish the hourly PM2.5 data as open data.",
        ),
        (
            "somchai",
            "๙",
            "suggest_change",
            "citizen",
            None,
            "โทษปรับห้าหมื่นบาทสูงเกินไปสำหรับชาวบ้านที่เผาใบไม้หน้าบ้าน ควรแยกอัตราโทษระหว่างรายย่อยกับผู้ประกอบการ",
        ),
    ]
    for name, number, position, group, behalf, body in said:
        comments.post_comment(
            author=user(name),
            subject_type="hearing",
            subject_id=clean_air.id,
            part_id=sections[number].id if number else None,
            body=body,
            position=position,
            stakeholder_group=group,
            on_behalf_of=behalf,
            now=now,
        )
    ban, measures = clean_air.questions
    yes, no = ban.choices
    for name, choice, picks, reason in [
        ("somchai", yes, [0, 3], "ฝุ่นทำให้ลูกป่วยทุกปี"),
        ("malee", yes, [0, 1, 2], ""),
        ("niran", no, [1], "ต้องมีทางเลือกให้เกษตรกรก่อน"),
        ("anong", yes, [2, 3], ""),
    ]:
        services.answer_questionnaire(
            clean_air,
            user(name),
            {ban.id: ([choice.id], reason), measures.id: ([measures.choices[i].id for i in picks], "")},
            now,
        )

    # -- a closed ministerial regulation with its published report ------------------
    moi_staff = user("staff.moi")
    waste = services.create_hearing(
        organisation=orgs["moi"],
        actor=moi_staff,
        title_th="ร่างกฎกระทรวงกำหนดอัตราค่าธรรมเนียมการเก็บ ขน และกำจัดมูลฝอย พ.ศ. ....",
        title_en="Draft Ministerial Regulation on Waste Collection Fees B.E. ....",
        summary_th=(
            "ร่างกฎกระทรวงนี้ปรับอัตราค่าธรรมเนียมเก็บขนมูลฝอยที่องค์กรปกครองส่วนท้องถิ่นเรียกเก็บได้ "
            "ซึ่งใช้มาตั้งแต่ปี ๒๕๖๐ และลดค่าธรรมเนียมให้บ้านที่คัดแยกขยะ"
        ),
        kind=HearingKind.draft_law,
        law_type=LawType.ministerial_regulation,
        contact="กรมส่งเสริมการปกครองท้องถิ่น กระทรวงมหาดไทย โทร. ๐ ๒๒๔๑ ๙๐๐๐",
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=20),
    )
    services.replace_sections(waste.versions[0], REGULATION_V1)
    services.schedule(waste, moi_staff, now - timedelta(hours=1))
    services.advance(now)
    items = {s.number: s for s in waste.versions[0].sections if s.kind.value == "section"}
    posted = []
    letter = (
        "ขอให้ยกเว้นค่าธรรมเนียมเก็บขยะสำหรับผู้มีรายได้น้อยที่ถือบัตรสวัสดิการแห่งรัฐ "
        "เพราะค่าครองชีพสูงขึ้นมากและขยะของครัวเรือนเหล่านี้มีปริมาณน้อย"
    )
    for name, number, position, group, body in [
        ("malee", "๔", "suggest_change", "citizen", letter),
        ("anong", "๔", "suggest_change", "citizen", letter),
        (
            "somchai",
            "๕",
            "suggest_change",
            "citizen",
            "ควรประกาศอัตราค่าธรรมเนียมทางเว็บไซต์ด้วย ไม่ใช่แค่ติดประกาศที่สำนักงาน",
        ),
        ("niran", "๓", "disagree", "private_sector", "อัตราสี่ร้อยบาทต่อลูกบาศก์เมตรสูงเกินไปสำหรับร้านอาหารขนาดเล็ก"),
        (
            "malee",
            "๑",
            "suggest_change",
            "civil_society",
            "ระยะเวลาเก้าสิบวันสั้นเกินไปสำหรับท้องถิ่นที่ต้องแก้เทศบัญญัติ ควรขยายเป็นหนึ่งร้อยแปดสิบวัน",
        ),
    ]:
        posted.append(
            comments.post_comment(
                author=user(name),
                subject_type="hearing",
                subject_id=waste.id,
                part_id=items[number].id,
                body=body,
                position=position,
                stakeholder_group=group,
                now=now,
            )
        )
    # The hearing ran from 40 to 19 days ago: move its history back in time.
    waste.opens_at = now - timedelta(days=40)
    waste.closes_at = now - timedelta(days=19)
    waste.versions[0].published_at = now - timedelta(days=42)
    for i, comment in enumerate(posted):
        comment.created_at = now - timedelta(days=35 - 3 * i)
    db.session.flush()
    services.advance(now)
    revised = services.new_version(waste, moi_staff, now)
    services.replace_sections(revised, REGULATION_V2)
    services.publish_version(
        revised,
        "ปรับปรุงตามความคิดเห็นที่ได้รับ: ขยายระยะเวลาก่อนใช้บังคับ ยกเว้นค่าธรรมเนียมสำหรับผู้มีบัตรสวัสดิการแห่งรัฐ "
        "และให้ประกาศอัตราทางเว็บไซต์",
        moi_staff,
        now,
    )
    new_items = {s.number: s for s in revised.sections if s.kind.value == "section"}
    services.dispose(
        waste,
        [posted[0].id, posted[1].id],
        outcome="accepted",
        explanation="เห็นด้วย ได้เพิ่มการยกเว้นค่าธรรมเนียมสำหรับผู้ถือบัตรสวัสดิการแห่งรัฐไว้ในข้อ ๔ แล้ว",
        changed_section_id=new_items["๔"].id,
        actor=moi_staff,
        now=now,
    )
    services.dispose(
        waste,
        [posted[2].id],
        outcome="accepted",
        explanation="ได้เพิ่มให้ประกาศทางเว็บไซต์ขององค์กรปกครองส่วนท้องถิ่นในข้อ ๕",
        changed_section_id=new_items["๕"].id,
        actor=moi_staff,
        now=now,
    )
    services.dispose(
        waste,
        [posted[3].id],
        outcome="not_accepted",
        explanation=(
            "อัตราในข้อ ๓ เป็นอัตราสูงสุด ท้องถิ่นกำหนดต่ำกว่านี้ได้ และต้นทุนการกำจัดมูลฝอยของสถานประกอบการ"
            "เฉลี่ยอยู่ที่ประมาณสี่ร้อยห้าสิบบาทต่อลูกบาศก์เมตร จึงคงอัตราเดิมไว้"
        ),
        changed_section_id=None,
        actor=moi_staff,
        now=now,
    )
    services.dispose(
        waste,
        [posted[4].id],
        outcome="accepted",
        explanation="ขยายระยะเวลาก่อนใช้บังคับเป็นหนึ่งร้อยแปดสิบวันตามข้อเสนอ",
        changed_section_id=new_items["๑"].id,
        actor=moi_staff,
        now=now,
    )
    services.publish_report(
        waste,
        "การรับฟังความคิดเห็นระหว่างวันที่กำหนด มีผู้แสดงความคิดเห็นผ่านระบบ ๔ คน รวม ๕ ความคิดเห็น "
        "ส่วนใหญ่เสนอให้ลดภาระของครัวเรือนรายได้น้อยและเปิดเผยอัตราค่าธรรมเนียมต่อสาธารณะ "
        "กระทรวงมหาดไทยได้ปรับปรุงร่างในข้อ ๑ ข้อ ๔ และข้อ ๕ ตามข้อเสนอ "
        "และจะเสนอร่างฉบับปรับปรุงต่อสำนักงานคณะกรรมการกฤษฎีกาเพื่อตรวจพิจารณาต่อไป",
        moi_staff,
        now,
    )

    # -- a scheduled municipal ordinance ---------------------------------------------
    if "chiang-mai-city" in orgs and orgs["chiang-mai-city"].memberships:
        staff = orgs["chiang-mai-city"].memberships[0].user
    else:
        staff = None
    ordinance = services.create_hearing(
        organisation=orgs["chiang-mai-city"],
        actor=staff,
        title_th="ร่างเทศบัญญัติเทศบาลนครเชียงใหม่ เรื่อง การควบคุมการเผาในที่โล่ง พ.ศ. ....",
        summary_th="ร่างเทศบัญญัตินี้ห้ามเผาในที่โล่งในเขตเทศบาลช่วงฤดูฝุ่นควัน และให้เทศบาลรับกิ่งไม้ใบไม้ไปทำปุ๋ยหมักฟรี",
        kind=HearingKind.draft_law,
        law_type=LawType.local_ordinance,
        contact="สำนักการสาธารณสุขและสิ่งแวดล้อม เทศบาลนครเชียงใหม่ โทร. ๐ ๕๓๒๕ ๙๐๐๐",
        opens_at=now + timedelta(days=3),
        closes_at=now + timedelta(days=33),
    )
    services.replace_sections(ordinance.versions[0], ORDINANCE_TEXT)
    services.schedule(ordinance, staff, now)
    db.session.flush()
