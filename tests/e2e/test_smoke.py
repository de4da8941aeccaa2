"""A first walk through the site in a real browser: home page, language switch, sign-in."""

import pytest
from django.utils import translation

from ocop.accounts.models import Role
from tests.factories import make_user

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def test_home_switch_to_english_and_sign_in(page, sign_in):
    user = make_user(Role.PROVINCE_OFFICER, username="canbo.tinh", full_name="Lê Thị Mai")

    page.goto("/")
    # The browser asks for Vietnamese; the page is served in Vietnamese.
    assert page.get_attribute("html", "lang") == "vi"
    assert page.get_attribute(".lang-switch a[data-lang=vi]", "aria-current") == "true"
    with translation.override("vi"):
        assert page.locator("h1").inner_text() == translation.gettext("OCOP Platform")

    with page.expect_navigation():
        page.click(".lang-switch a[data-lang=en]")
    assert page.get_attribute("html", "lang") == "en"
    assert page.get_attribute(".lang-switch a[data-lang=en]", "aria-current") == "true"
    assert page.locator("h1").inner_text() == "OCOP Platform"
    assert page.locator(".site-header").get_by_role("link", name="Sign in").is_visible()

    sign_in(user.username)
    # Signed in, still in English (the choice lives in a cookie), greeted by name.
    assert page.get_attribute("html", "lang") == "en"
    assert page.locator("h1").inner_text() == "Hello, Lê Thị Mai"
    assert page.locator(".header-tools .who").inner_text() == "Lê Thị Mai"
