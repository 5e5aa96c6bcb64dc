"""Every main page of the domains, in Thai and English: the language switch, axe-core with no
serious or critical violation, and screenshots at phone and desktop widths with no sideways scroll."""

from __future__ import annotations

import pytest

from tests.browser.conftest import ARTIFACTS, run_axe
from tests.browser.helpers import demo, main_pages, no_js_errors  # noqa: F401 - fixture

NAMES = [name for name, _path in main_pages({"hearing": "", "report": "", "initiative": "", "process": ""})]


def _path(demo, name):  # noqa: F811
    return dict(main_pages(demo))[name]


def test_language_switch_on_every_main_page(page, live_server, demo):  # noqa: F811
    for name, path in main_pages(demo):
        page.goto(live_server + path)
        assert page.locator("html").get_attribute("lang") == "th", name
        heading = page.locator("h1").first.inner_text()
        page.click(".lang-switch button[value=en]")
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "en", name
        assert page.url == live_server + path, name
        assert page.locator(".lang-switch button[value=th]").is_visible()
        if name not in ("hearing", "initiative"):  # user-written titles stay in their language
            assert page.locator("h1").first.inner_text() != heading, f"{name}: the heading was not translated"
        page.click(".lang-switch button[value=th]")
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "th", name
        assert page.locator("h1").first.inner_text() == heading, name
    no_js_errors(page)


@pytest.mark.parametrize("language", ["th", "en"])
@pytest.mark.parametrize("name", NAMES)
def test_main_pages_pass_axe(new_page, live_server, demo, language, name):  # noqa: F811
    page = new_page(language=language)
    page.goto(live_server + _path(demo, name))
    assert page.locator("html").get_attribute("lang") == language
    violations = run_axe(page)
    assert violations == [], [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in violations]
    no_js_errors(page)


@pytest.mark.parametrize("language", ["th", "en"])
@pytest.mark.parametrize(("device", "width", "height"), [("phone", 375, 740), ("desktop", 1280, 900)])
def test_screenshots_of_domain_pages(new_page, live_server, demo, language, device, width, height):  # noqa: F811
    """Saved on every run for people to look at; also checks nothing scrolls sideways on a phone."""
    page = new_page(language=language, width=width, height=height)
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    wide = []
    for name, path in main_pages(demo) + [("report", demo["report"])]:
        page.goto(live_server + path)
        page.screenshot(path=str(folder / f"{name}-{language}-{device}.png"), full_page=True)
        if page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1"):
            wide.append(path)
    assert wide == [], f"these pages scroll sideways at {width}px: {wide}"
    no_js_errors(page)
