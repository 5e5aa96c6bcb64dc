"""axe-core in the real Chromium: no serious or critical violations, Thai and English."""

from __future__ import annotations

import pytest

from tests.browser.conftest import ARTIFACTS, run_axe, sign_in

PUBLIC_PAGES = ["/", "/about", "/signin", "/register", "/password/forgot", "/no-such-page"]


@pytest.mark.parametrize("language", ["th", "en"])
@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_pass_axe(new_page, live_server, language, path):
    page = new_page(language=language)
    page.goto(live_server + path)
    assert page.locator("html").get_attribute("lang") == language
    violations = run_axe(page)
    assert violations == [], [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in violations]


@pytest.mark.parametrize("language", ["th", "en"])
def test_account_pages_pass_axe(new_page, live_server, make_user, language):
    user = make_user(admin=True, locale=language)
    page = new_page(language=language)
    sign_in(page, live_server, user.email)
    for path in ["/account", "/account/delete", "/admin/"]:
        page.goto(live_server + path)
        violations = run_axe(page)
        assert violations == [], (path, [(v["id"], v["help"]) for v in violations])


@pytest.mark.parametrize("language", ["th", "en"])
@pytest.mark.parametrize(("device", "width", "height"), [("phone", 375, 740), ("desktop", 1280, 900)])
def test_screenshots_of_main_pages(new_page, live_server, language, device, width, height):
    """Saved on every run for people to look at; also checks nothing overflows a phone."""
    page = new_page(language=language, width=width, height=height)
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    for name, path in [("home", "/"), ("register", "/register"), ("signin", "/signin"), ("about", "/about")]:
        page.goto(live_server + path)
        page.screenshot(path=str(folder / f"{name}-{language}-{device}.png"), full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
        assert not overflow, f"{path} scrolls sideways at {width}px"
