"""The section splitter and the version diff, on realistic Thai draft text."""

from __future__ import annotations

from types import SimpleNamespace

from participation.hearings.drafting import compare_versions, diff_html, split_sections
from tests.hearings.conftest import DRAFT_ACT


def test_splits_preamble_chapters_and_sections():
    parts = split_sections(DRAFT_ACT)
    kinds = [(p.kind, p.prefix, p.number) for p in parts]
    assert kinds == [
        ("preamble", "", ""),
        ("chapter", "หมวด", "๑"),
        ("section", "มาตรา", "๑"),
        ("section", "มาตรา", "๒"),
        ("chapter", "หมวด", "๒"),
        ("section", "มาตรา", "๓"),
        ("section", "มาตรา", "๓/๑"),
        ("section", "มาตรา", "4"),
    ]
    assert parts[0].body.startswith("ร่าง\nพระราชบัญญัติ")
    assert "โดยที่เป็นการสมควร" in parts[0].body
    # The title on the line after "หมวด ๑" and on the same line as "หมวด ๒".
    assert parts[1].heading == "บททั่วไป"
    assert parts[4].heading == "ทางจักรยาน"
    # A section keeps its numbered paragraphs and line breaks.
    assert (
        parts[5].body
        == "ให้องค์กรปกครองส่วนท้องถิ่นจัดให้มีทางจักรยานที่ปลอดภัย\n(๑) แยกจากช่องทางเดินรถ\n(๒) มีป้ายและสัญญาณที่ชัดเจน"
    )
    assert parts[7].body.startswith("ผู้ใดจอดยานพาหนะ")


def test_quoted_amending_text_stays_in_its_section():
    text = (
        "มาตรา ๓ ให้ยกเลิกความในมาตรา ๕ แห่งพระราชบัญญัติโรงงาน พ.ศ. ๒๕๓๕ และให้ใช้ความต่อไปนี้แทน\n"
        "“มาตรา ๕ ผู้ใดประสงค์จะประกอบกิจการโรงงานต้องได้รับใบอนุญาต”\n"
        "มาตรา ๔ ให้รัฐมนตรีว่าการกระทรวงอุตสาหกรรมรักษาการตามพระราชบัญญัตินี้"
    )
    parts = split_sections(text)
    assert [p.number for p in parts] == ["๓", "๔"]
    assert "“มาตรา ๕ ผู้ใดประสงค์" in parts[0].body


def test_a_reference_inside_a_line_does_not_start_a_section():
    parts = split_sections("มาตรา ๑ ตามที่บัญญัติไว้ใน มาตรา ๒ ให้เป็นไปตามนั้น\nมาตรา ๒ ความเดิม")
    assert [p.number for p in parts] == ["๑", "๒"]


def test_ministerial_regulations_use_kho():
    text = "ร่างกฎกระทรวง\nข้อ ๑ กฎกระทรวงนี้ให้ใช้บังคับเมื่อพ้นเก้าสิบวัน\nข้อ ๒ ค่าธรรมเนียมไม่เกินหกสิบบาท\nบทเฉพาะกาล\nข้อ ๓ ใบอนุญาตเดิมใช้ได้ต่อไป"
    parts = split_sections(text)
    assert [(p.kind, p.prefix, p.number) for p in parts] == [
        ("preamble", "", ""),
        ("section", "ข้อ", "๑"),
        ("section", "ข้อ", "๒"),
        ("chapter", "บทเฉพาะกาล", ""),
        ("section", "ข้อ", "๓"),
    ]


def test_in_an_act_a_line_starting_with_kho_is_body_text():
    parts = split_sections("มาตรา ๑ ให้คณะกรรมการมีหน้าที่ดังนี้\nข้อ ๑ เสนอนโยบาย\nมาตรา ๒ อื่น ๆ")
    assert [p.number for p in parts] == ["๑", "๒"]
    assert "ข้อ ๑ เสนอนโยบาย" in parts[0].body


def test_windows_line_ends_spacing_and_empty_input():
    parts = split_sections("มาตรา  ๑   ข้อความ\r\n\r\n\r\n\r\nย่อหน้าที่สอง\r\nมาตรา ๒ / ๑ แทรก")
    assert parts[0].body == "ข้อความ\n\nย่อหน้าที่สอง"
    assert parts[1].number == "๒/๑"
    assert split_sections("") == []
    assert split_sections("   \n  ") == []


def test_section_without_text_is_kept_empty_for_the_service_to_refuse():
    parts = split_sections("มาตรา ๑\nมาตรา ๒ มีข้อความ")
    assert parts[0].body == ""


def test_diff_marks_thai_words_and_escapes():
    html = str(diff_html("ปรับไม่เกินห้าหมื่นบาท", "ปรับไม่เกินหนึ่งหมื่นบาท <script>"))
    assert "<del>" in html and "<ins>" in html
    assert "ห้า" in html and "หนึ่ง" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "ปรับ" in html.split("<del>")[0]


def test_diff_of_equal_text_has_no_marks():
    html = str(diff_html("มาตรา ๑ ข้อความ", "มาตรา ๑ ข้อความ"))
    assert "<ins>" not in html and "<del>" not in html


def _section(id, key, number, body, kind="section"):
    return SimpleNamespace(
        id=id,
        key=key,
        kind=kind,
        prefix="มาตรา",
        number=number,
        heading="",
        body=body,
        label=f"มาตรา {number}",
    )


def test_compare_versions_matches_sections_by_key():
    old = [_section(1, "a", "๑", "เดิม"), _section(2, "b", "๒", "ถูกยกเลิก"), _section(3, "c", "๓", "คงเดิม")]
    new = [_section(4, "a", "๑", "ใหม่"), _section(5, "c", "๓", "คงเดิม"), _section(6, "d", "๔", "เพิ่มใหม่")]
    result = compare_versions(old, new)
    assert [(d.key, d.change) for d in result] == [
        ("a", "changed"),
        ("b", "removed"),
        ("c", "unchanged"),
        ("d", "added"),
    ]
    assert "<del>ถูกยกเลิก</del>" in str(result[1].html)
    assert "<ins>เพิ่มใหม่</ins>" in str(result[3].html)
