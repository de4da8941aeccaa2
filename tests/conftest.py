import os

import pytest
from django.test import Client

from ocop.accounts.models import Role
from tests.factories import make_user

ROLES = [Role.PROVINCE_OFFICER, Role.COMMUNE_OFFICER, Role.COUNCIL_MEMBER, Role.PRODUCER, Role.MINISTRY]


@pytest.fixture(autouse=True)
def _settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # For speed; Argon2 is tested apart (tests/accounts/test_login.py).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.AXES_ENABLED = False
    settings.LANGUAGE_CODE = "vi"
    # The transparency log's signing key: one per test, never the developer's var/ key.
    settings.OCOP_TLOG_KEY_FILE = tmp_path / "tlog-ed25519.key"


@pytest.fixture(autouse=True)
def _empty_cache():
    # Pages cached for anonymous visitors (the trace page) must not leak from one test into the next.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _static_root(settings, tmp_path):
    # WhiteNoise warns on every request when STATIC_ROOT is missing (var/ is absent in a fresh clone).
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATIC_ROOT.mkdir()


@pytest.fixture(autouse=True)
def _reference_data(request, django_db_blocker):
    """The provinces and communes and the Decision 26 criteria come from data migrations; a transactional
    test (live_server) flushes every table when it ends, so put them back for whichever test comes next."""
    uses_db = request.node.get_closest_marker("django_db") or {"db", "transactional_db", "live_server"} & set(
        request.fixturenames
    )
    if not uses_db:
        return
    request.getfixturevalue("django_db_setup")
    from ocop.criteria.models import CriteriaSet
    from ocop.criteria.services import load_qd26
    from ocop.places.loader import load_places
    from ocop.places.models import Commune, Province

    with django_db_blocker.unblock():
        if not Commune.objects.exists():
            load_places(Province, Commune)
        if not CriteriaSet.objects.exists():
            load_qd26()


@pytest.fixture
def user_of():
    """user_of(role, **scope) → a saved user of that role."""
    return make_user


@pytest.fixture
def client_of(db):
    """client_of(user) → a test client signed in as that user."""

    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


# --- Browser tests ------------------------------------------------------------------------------
# Tests marked `e2e` drive Debian's Chromium (apt-get install chromium) through Playwright against
# pytest-django's live_server. Without Chromium they are skipped with a plain message, unless
# OCOP_E2E=required (CI sets it), which turns a missing browser into a failure.

CHROMIUM = os.environ.get("OCOP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
E2E_PASSWORD = "mật-khẩu-thử-1"  # the password tests.factories.UserFactory sets
E2E_SKIP_MESSAGE = f"browser tests skipped: {CHROMIUM} not found (apt-get install chromium)"


def e2e_required() -> bool:
    return os.environ.get("OCOP_E2E", "").strip().lower() == "required"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    # All browser tests run in one xdist worker (Makefile: --dist loadgroup), so one browser serves them.
    for item in items:
        if item.get_closest_marker("e2e"):
            if not item.get_closest_marker("xdist_group"):
                item.add_marker(pytest.mark.xdist_group("e2e"))
            # The session-wide live server starts before _static_root points STATIC_ROOT at a real folder.
            item.add_marker(pytest.mark.filterwarnings("ignore:No directory at:UserWarning"))


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    skipped = terminalreporter.stats.get("skipped", [])
    if any(E2E_SKIP_MESSAGE in str(getattr(report, "longrepr", "")) for report in skipped):
        terminalreporter.write_line("")
        terminalreporter.write_line(E2E_SKIP_MESSAGE, yellow=True, bold=True)


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium for one test module.

    Playwright gives every launch a fresh temporary profile (its own user-data-dir), removed on
    close. The browser is closed after the module because Playwright's sync API keeps an asyncio
    loop running in this thread, which Django would otherwise treat as async context for every
    later test in the same worker."""
    if not os.path.exists(CHROMIUM):
        if e2e_required():
            pytest.fail(f"OCOP_E2E=required but {CHROMIUM} not found (apt-get install chromium)")
        pytest.skip(E2E_SKIP_MESSAGE)
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    # The test body creates data through the ORM while Playwright's loop runs in this thread.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser, live_server):
    """A new page in a new browser context (no cookies) that asks for Vietnamese, like a phone in
    Tây Ninh would. `page.goto("/...")` is relative to the live server."""
    context = browser.new_context(
        base_url=live_server.url,
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
        viewport={"width": 412, "height": 900},
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def sign_in(page):
    """sign_in(username, password) → signs in through the login form and waits for the home page."""

    def do(username: str, password: str = E2E_PASSWORD):
        page.goto("/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        with page.expect_navigation():
            page.click("form:has(#id_password) button[type=submit]")
        assert "/accounts/login/" not in page.url, f"sign-in as {username} failed"
        return page

    return do
