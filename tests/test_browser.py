"""Every actor signs in through a real browser (Debian's chromium driven by Playwright).

Nothing here downloads a browser: the executable comes from $ACQUIRER_BROWSER (default
/usr/bin/chromium) and the tests are skipped when it is missing.
"""

import os
import re
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import translation
from django.utils.translation import gettext

sync_api = pytest.importorskip("playwright.sync_api")

BROWSER = os.environ.get("ACQUIRER_BROWSER", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
SCREENSHOT = Path("/tmp/ops-dashboard.png")
TIMEOUT_MS = 10_000

STAFF = ["onboarding_reviewer", "field_engineer", "risk_analyst", "customer_service", "compliance_officer",
         "operations_manager"]
MERCHANTS = ["merchant_a", "merchant_b"]
ACTORS = [*STAFF, *MERCHANTS, "auditor"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser():
    if not Path(BROWSER).is_file() or not os.access(BROWSER, os.X_OK):
        pytest.skip(f"no chromium executable at {BROWSER} (set ACQUIRER_BROWSER, or apt-get install chromium)")
    # Playwright's sync API keeps an asyncio loop running in this thread, so Django would refuse
    # the ORM calls that fixtures and tests make while the browser is open. Allowed for this
    # module only, so the rest of the suite keeps Django's check.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_api.sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=BROWSER, headless=True, args=LAUNCH_ARGS)
            try:
                yield chromium
            finally:
                chromium.close()


@pytest.fixture(autouse=True)
def _plain_login(settings):
    """Password-only sign-in (MFA has its own tests) and no rate-limit leftovers from other tests."""
    settings.ACQUIRER_REQUIRE_MFA = False
    cache.clear()
    yield
    cache.clear()


class Page:
    """A fresh browser context and page that records what went wrong while it was open."""

    def __init__(self, browser, base_url):
        self.base_url = base_url
        self.closed = False
        self.context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page = self.context.new_page()
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.bad_responses: list[str] = []
        self.failed_requests: list[str] = []
        self.pages_without_csp: list[str] = []
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))
        self.page.on("response", self._on_response)
        self.page.on("requestfailed", lambda req: self.failed_requests.append(f"{req.url} {req.failure}"))

    def _on_console(self, message):
        if message.type == "error":
            self.console_errors.append(message.text)

    def _on_response(self, response):
        # favicon.ico is not part of the app; chromium asks for it on its own.
        if response.status >= 500 or (response.status >= 400 and not response.url.endswith("/favicon.ico")):
            self.bad_responses.append(f"{response.status} {response.request.method} {response.url}")
        # The absence of violations only means something if the policy is actually sent.
        if response.request.resource_type == "document" and response.status == 200:
            if "content-security-policy" not in response.headers:
                self.pages_without_csp.append(response.url)

    def login(self, username, password):
        page = self.page
        page.goto(self.base_url + "/accounts/login/")
        form = page.locator("form:has(input[name='login'])")
        form.locator("input[name='login']").fill(username)
        form.locator("input[name='password']").fill(password)
        with page.expect_navigation():
            form.locator("button[type='submit']").click()
        page.wait_for_load_state("load")

    def assert_clean(self):
        csp = [m for m in self.console_errors if "content security policy" in m.lower()]
        assert not csp, f"Content-Security-Policy violations: {csp}"
        assert not self.pages_without_csp, f"pages sent without a Content-Security-Policy: {self.pages_without_csp}"
        assert not self.page_errors, f"uncaught JavaScript errors: {self.page_errors}"
        assert not self.bad_responses, f"failed HTTP responses: {self.bad_responses}"
        assert not self.failed_requests, f"failed requests: {self.failed_requests}"

    def close(self):
        if not self.closed:
            self.closed = True
            self.context.close()


@pytest.fixture
def open_page(browser, live_server, users):
    """A factory of fresh browser contexts, all closed at the end of the test.

    ``users`` is requested here so the accounts exist before the browser touches the server.
    """
    opened: list[Page] = []

    def factory() -> Page:
        opened.append(Page(browser, live_server.url))
        return opened[-1]

    yield factory
    for page in opened:
        page.close()


def heading(text: str) -> str:
    """The heading as the default language (Simplified Chinese) renders it, translated or not."""
    with translation.override("zh-hans"):
        return gettext(text)


def assert_bootstrap_styled(page):
    """bootstrap.min.css is applied: the dark navbar has Bootstrap's colour and flex layout."""
    navbar_bg = page.locator("nav.navbar").evaluate("el => getComputedStyle(el).backgroundColor")
    assert navbar_bg == "rgb(33, 37, 41)", f"navbar not styled by Bootstrap (background {navbar_bg})"
    display = page.locator("nav.navbar").evaluate("el => getComputedStyle(el).display")
    assert display == "flex", f"navbar not styled by Bootstrap (display {display})"


def check_landing(actor, users, password, browser_page):
    user = users[actor]
    browser_page.login(user.username, password)
    page = browser_page.page
    expect = sync_api.expect

    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("#nav-user")).to_have_text(user.username)
    if actor in STAFF:
        assert "/ops/" in page.url, f"landed on {page.url}"
        expect(page.locator("main h1")).to_have_text(heading("Operations dashboard"))
    elif actor in MERCHANTS:
        assert "/portal/" in page.url, f"landed on {page.url}"
        expect(page.locator("main h1")).to_have_text(user.merchant_membership.merchant.legal_name)
        other = "merchant_b" if actor == "merchant_a" else "merchant_a"
        other_name = users[other].merchant_membership.merchant.legal_name
        assert other_name not in page.content(), "a merchant sees another merchant's name"
    else:
        assert "/audit/" in page.url, f"landed on {page.url}"
        expect(page.locator("main h1")).to_have_text(heading("Audit overview"))
    assert_bootstrap_styled(page)
    browser_page.assert_clean()


def test_each_actor_signs_in_and_lands_in_their_area(users, password, open_page):
    # One test, one context per actor: a transactional test costs a database flush, so the nine
    # actors share one; every actor is still tried and all the failures reported together.
    failures = []
    for actor in ACTORS:
        browser_page = open_page()
        try:
            check_landing(actor, users, password, browser_page)
        except Exception as exc:  # an AssertionError or a Playwright timeout
            failures.append(f"{actor} ({users[actor].username}): {type(exc).__name__}: {exc}")
        finally:
            browser_page.close()
    assert not failures, "\n".join(failures)


def test_language_switch_and_sign_out(users, password, open_page):
    user = users["operations_manager"]
    browser_page = open_page()
    page = browser_page.page
    expect = sync_api.expect
    browser_page.login(user.username, password)
    assert "/ops/" in page.url, f"landed on {page.url}"
    expect(page.locator("main h1")).to_have_text(heading("Operations dashboard"))
    assert_bootstrap_styled(page)
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    with page.expect_navigation():
        page.locator("button[data-lang='en']").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert "/ops/" in page.url, page.url
    expect(page.locator("#nav-user")).to_have_text(user.username)

    page.locator("#nav-user").click()  # Bootstrap's dropdown (needs bootstrap.bundle.min.js)
    expect(page.locator("#logout-button")).to_be_visible()
    with page.expect_navigation():
        page.locator("#logout-button").click()
    page.wait_for_load_state("load")
    assert page.url.split("?")[0].endswith("/accounts/login/"), page.url
    expect(page.locator("input[name='login']")).to_be_visible()
    expect(page.locator("#nav-user")).to_have_count(0)
    browser_page.assert_clean()


@pytest.mark.parametrize("locale,language", [("zh-CN", "zh-hans"), ("en-GB", "en")])
def test_a_new_merchant_signs_up_and_starts_the_application(browser, live_server, role_groups, locale, language):
    """Sign-up and the first application step in a real browser, in either language: a bad credit code
    is refused next to its field, a good one is saved and the next step opens."""
    from acquirer.models import User
    from merchants.models import Merchant
    from tests.merchants.kyc_data import make_uscc

    browser_page = Page(browser, live_server.url)
    browser_page.context.close()
    browser_page.context = browser.new_context(locale=locale, extra_http_headers={"Accept-Language": locale})
    browser_page.context.set_default_timeout(TIMEOUT_MS)
    browser_page.page = page = browser_page.context.new_page()
    page.on("pageerror", lambda exc: browser_page.page_errors.append(str(exc)))
    page.on("response", browser_page._on_response)
    expect = sync_api.expect
    try:
        page.goto(live_server.url + "/accounts/signup/")
        form = page.locator("#signup-form")
        form.locator("input[name='email']").fill("newshop@example.test")
        form.locator("input[name='password1']").fill("Shop-pass-2026x")
        form.locator("input[name='password2']").fill("Shop-pass-2026x")
        form.locator("input[name='legal_name']").fill("上海新店餐饮有限公司")
        with page.expect_navigation():
            form.locator("button[type='submit']").click()
        expect(page.locator("html")).to_have_attribute("lang", language)
        assert "/accounts/confirm-email/" in page.url, page.url  # "verify your e-mail address"
        user = User.objects.get(username="newshop@example.test")  # the login name is the address
        assert user.kind == "merchant" and user.language == language

        # the link mailed to the address, opened in the same browser, confirms it and signs the merchant in
        from django.core import mail

        message = next(m for m in reversed(mail.outbox) if m.to == ["newshop@example.test"])
        link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", message.body).group(1)
        page.goto(live_server.url + link)
        with page.expect_navigation():
            page.locator("form[action*='/accounts/confirm-email/'] button[type='submit']").click()
        assert "/portal/application/" in page.url, page.url

        page.goto(live_server.url + "/portal/application/company/")
        page.locator("select[name='merchant_type']").select_option("enterprise")
        page.locator("input[name='uscc']").fill("91310000MA1FL8TQ30")
        page.locator("textarea[name='business_scope'], input[name='business_scope']").first.fill("餐饮服务")
        with page.expect_navigation():
            page.locator("main button[type='submit']").click()
        expect(page.locator("#id_uscc")).to_have_class(re.compile("is-invalid"))
        assert Merchant.objects.get(pk=user.merchant_id).uscc == ""

        page.locator("input[name='uscc']").fill(make_uscc())
        with page.expect_navigation():
            page.locator("main button[type='submit']").click()
        assert "/portal/application/representative/" in page.url, page.url
        assert Merchant.objects.get(pk=user.merchant_id).merchant_type == "enterprise"
        browser_page.assert_clean()
    finally:
        browser_page.close()


@pytest.mark.parametrize("width", [1280, 1366])
def test_menus_buttons_and_wide_tables_fit_a_laptop_screen_in_both_languages(users, password, open_page, width):
    """The grouped menu stays on one line, button labels never wrap one character per line, the language
    switch stays whole, and the audit table scrolls inside its own box instead of widening the page."""
    from acquirer import audit

    audit.record("merchant.application_updated", actor=users["operations_manager"],
                 data={"note": "x" * 3000, "reasons": ["a long reason " * 40]})
    problems = []
    for username, path in ((users["operations_manager"].username, "/ops/jobs/"),
                           (users["auditor"].username, "/audit/events/")):
        for language in ("zh-hans", "en"):
            browser_page = open_page()
            page = browser_page.page
            page.set_viewport_size({"width": width, "height": 900})
            browser_page.context.add_cookies([{"name": "django_language", "value": language,
                                               "url": browser_page.base_url}])
            browser_page.login(username, password)
            page.goto(browser_page.base_url + path)
            where = f"{username} {language} {width}px {path}"
            nav_height = page.locator("nav.navbar").evaluate("el => el.getBoundingClientRect().height")
            if nav_height > 64:
                problems.append(f"{where}: the menu wraps ({nav_height:.0f} px high)")
            switch = page.locator("button[data-lang='zh-hans']").evaluate("el => el.getBoundingClientRect().height")
            if switch > 40:
                problems.append(f"{where}: the language switch breaks ({switch:.0f} px high)")
            tall = page.locator("main .btn").evaluate_all(
                "els => els.filter(e => e.getBoundingClientRect().height > 40).map(e => e.textContent.trim())")
            if tall:
                problems.append(f"{where}: buttons wrap their label: {tall[:3]}")
            overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 1:
                problems.append(f"{where}: the page is {overflow} px wider than the screen")
            browser_page.close()
    assert not problems, "\n".join(problems)
