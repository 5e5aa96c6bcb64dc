"""Journalist journey (anonymous): download a hearing report as CSV and follow the ledger's Atom feed."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from pathlib import Path

from tests.browser.helpers import demo, no_js_errors  # noqa: F401 - fixture

ATOM = "{http://www.w3.org/2005/Atom}"
#: A comment of the demo's closed regulation hearing, and the ministry's answer to it.
SAID = "ควรประกาศอัตราค่าธรรมเนียมทางเว็บไซต์ด้วย ไม่ใช่แค่ติดประกาศที่สำนักงาน"
ANSWER = "ได้เพิ่มให้ประกาศทางเว็บไซต์ขององค์กรปกครองส่วนท้องถิ่นในข้อ ๕"


def test_journalist_downloads_the_report_csv(page, live_server, demo):  # noqa: F811
    page.goto(live_server + demo["report"])
    link = page.locator("a[href$='/report.csv']")
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    raw = Path(download.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "Excel needs the UTF-8 byte order mark"
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert len(header) >= 10
    row = next(r for r in body if SAID in r)
    assert ANSWER in row
    assert not any("@" in cell for r in body for cell in r), "no email address in a public export"

    response = page.request.get(live_server + link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "utf-8" in response.headers["content-type"].lower()
    no_js_errors(page)


def test_journalist_follows_the_ledger_feed(page, live_server, demo):  # noqa: F811
    page.goto(live_server + "/transparency")
    href = page.locator("link[rel=alternate][type='application/atom+xml']").get_attribute("href")
    assert href.endswith("/feeds/ledger.atom")
    page.click("main a[href$='/feeds/ledger.atom']")
    response = page.request.get(live_server + href)
    assert response.status == 200
    assert "atom+xml" in response.headers["content-type"]
    feed = ET.fromstring(response.body())  # noqa: S314 - our own server's feed
    assert feed.tag == f"{ATOM}feed"
    entries = feed.findall(f"{ATOM}entry")
    assert entries, "the ledger feed has no entries"
    for entry in entries:
        assert entry.findtext(f"{ATOM}id")
        assert entry.findtext(f"{ATOM}title")
        assert entry.find(f"{ATOM}link") is not None
    assert "@" not in response.text().replace("xmlns", "")
    no_js_errors(page)
