"""Real-browser tests: Playwright for Python driving Debian's /usr/bin/chromium (never a download).

Without the browser they skip with a reason; with VANTAGE_E2E_REQUIRED=1 (set by .ci/run) a
missing browser is a failure instead.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = Path(os.environ.get("VANTAGE_CHROMIUM", "/usr/bin/chromium"))
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make around it
# are ordinary synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """On SQLite, browser tests use a database FILE, not Django's shared-cache in-memory one.

    Here the live server's thread, a background import's thread and the test itself write at the same
    time. Shared-cache memory databases lock whole tables and answer "database table is locked" at
    once, never waiting; a file in WAL mode with the app's busy timeout (vantage/settings.py) waits its
    turn, as the real app's web server and task worker do."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        db.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("e2e-db") / "test.sqlite3")


def _unavailable(reason):
    if os.environ.get("VANTAGE_E2E_REQUIRED") == "1":
        pytest.fail(f"Browser tests are required here but cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is not installed (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        yield b
        b.close()


def is_csp_violation(text: str) -> bool:
    """Chromium's console message for anything the Content-Security-Policy blocked."""
    return "Content Security Policy" in text or "Content-Security-Policy" in text


@pytest.fixture
def page(browser, live_server):
    """A page; every browser test also fails if the Content-Security-Policy blocked anything on the way
    (an inline script or style, a third-party file): the console message names what was refused."""
    context = browser.new_context(base_url=live_server.url, accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    pg.csp_violations = []
    pg.on("console", lambda msg: pg.csp_violations.append(f"{pg.url}: {msg.text}") if is_csp_violation(msg.text)
          else None)
    yield pg
    context.close()
    assert pg.csp_violations == [], "the Content-Security-Policy blocked something:\n" + "\n".join(pg.csp_violations)


def sign_in(page, username, password):
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
