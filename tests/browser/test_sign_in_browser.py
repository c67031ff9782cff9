"""Sign-in end to end in Chromium, against a local OpenID Connect provider.

``oidc-provider-mock`` (from PyPI) stands in for Microsoft Entra ID: it serves the discovery
document, the authorisation form, tokens and the end-session endpoint on loopback, and puts each
predefined user's claims (here Entra's ``roles`` claim with app role values) into the ID token.
The dashboard runs as a deployment would: local mode off (``STYRKORT_ACCESS``), the ``[auth]``
section in a secrets file (``--secrets.files``). Each person signs in through the provider's
form, sees what their role allows, and signs out.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser.support import (
    ROOT,
    SHOTS,
    WAIT_MS,
    _free_port,
    no_error_on,
    open_options,
    settle,
    streamlit_server,
    wait_for_text,
)

pytest.importorskip("playwright.sync_api")
oidc = pytest.importorskip("oidc_provider_mock")

PEOPLE = {
    "chef-hortlax": {"name": "Hanna Hortlax", "email": "hanna@nll.se", "roles": ["Styrkort.Chef.HcHortlax"]},
    "ledning": {"name": "Lena Ledning", "email": "lena@nll.se", "roles": ["Styrkort.Ledning"]},
    "utan-roll": {"name": "Ulf Utan", "email": "ulf@nll.se", "roles": []},
}


@pytest.fixture(scope="module")
def signed_in_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    users = [oidc.User(sub=sub, claims=claims) for sub, claims in PEOPLE.items()]
    with oidc.run_server_in_thread(user_claims=users) as provider:
        folder = tmp_path_factory.mktemp("auth")
        port = _free_port()
        access = (ROOT / "data" / "access.toml").read_text(encoding="utf-8").replace("local_mode = true", "local_mode = false")
        (folder / "access.toml").write_text(access, encoding="utf-8")
        (folder / "secrets.toml").write_text(
            "[auth]\n"
            f'redirect_uri = "http://localhost:{port}/oauth2callback"\n'
            'cookie_secret = "en-lang-slumpad-hemlighet-bara-for-testet-0123456789"\n'
            'client_id = "styrkort"\n'
            'client_secret = "hemligt"\n'
            f'server_metadata_url = "http://localhost:{provider.server_port}/.well-known/openid-configuration"\n',
            encoding="utf-8",
        )
        args = (f"--secrets.files={folder / 'secrets.toml'}",)
        with streamlit_server(port=port, args=args, env={"STYRKORT_ACCESS": str(folder / "access.toml")}, host="localhost") as url:
            yield url


def _sign_in(browser: object, url: str, sub: str, path: str = "/") -> object:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE")  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(url + path)
    wait_for_text(page, "Logga in med ditt konto")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "logga_in_1280.png"))
    page.get_by_role("button", name="Logga in").click()
    page.get_by_role("button", name=sub, exact=True).click()  # the provider's form: a predefined user
    page.wait_for_url(f"{url}/**", timeout=WAIT_MS)
    settle(page)
    return page


def test_a_chef_signs_in_sees_their_units_only_and_signs_out(browser: object, signed_in_server: str) -> None:
    page = _sign_in(browser, signed_in_server, "chef-hortlax")
    wait_for_text(page, "Hanna Hortlax")
    settle(page)
    no_error_on(page)
    sidebar = page.locator('[data-testid="stSidebar"]')  # type: ignore[attr-defined]
    assert "chef" in sidebar.inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "inloggad_chef_1280.png"), full_page=True)  # type: ignore[attr-defined]
    # The organisation list holds the chef's unit and the levels above, not a sibling.
    options = open_options(page, "Organisation")
    assert any(o.startswith("Hortlax") for o in options), options
    assert not any("Öjebyn" in o or "Norrfjärden" in o or "Heden" in o for o in options), options

    # A copied link to another unit: refused, no figures.
    page.goto(f"{signed_in_server}/styrmatt?matt=med_telefon_samma_dag&org=hc_ojebyn")  # type: ignore[attr-defined]
    wait_for_text(page, "Du har inte behörighet till Öjebyns hälsocentral")
    settle(page)  # the whole run drawn: no figure came after the message either
    page.screenshot(path=str(SHOTS / "ingen_behorighet_1280.png"), full_page=True)  # type: ignore[attr-defined]
    assert page.locator('[data-testid="stMetric"], [data-testid="stDataFrame"], table.styrkort-table, .js-plotly-plot, .styrkort-chart').count() == 0  # type: ignore[attr-defined]

    page.get_by_role("button", name="Logga ut").click()  # type: ignore[attr-defined]
    # The provider's end-session page (Entra signs out there too), then back to the sign-in page.
    end = page.get_by_role("button", name="End session")  # type: ignore[attr-defined]
    end.wait_for(timeout=WAIT_MS)
    end.click()
    wait_for_text(page, "Logga in med ditt konto")
    assert "Hanna Hortlax" not in page.content()  # type: ignore[attr-defined]
    page.context.close()  # type: ignore[attr-defined]


def test_management_sees_every_unit(browser: object, signed_in_server: str) -> None:
    page = _sign_in(browser, signed_in_server, "ledning", "/enheter?org=hc_ojebyn")
    wait_for_text(page, "Lena Ledning")
    settle(page)
    no_error_on(page)
    assert "Du har inte behörighet" not in page.content()  # type: ignore[attr-defined]
    page.context.close()  # type: ignore[attr-defined]


def test_a_person_without_a_role_is_told_why_and_sees_no_figures(browser: object, signed_in_server: str) -> None:
    page = _sign_in(browser, signed_in_server, "utan-roll")
    wait_for_text(page, "ingen roll i Styrkort")
    settle(page)
    assert page.locator('[data-testid="stMetric"], [data-testid="stDataFrame"], table.styrkort-table, .js-plotly-plot, .styrkort-chart').count() == 0  # type: ignore[attr-defined]
    page.context.close()  # type: ignore[attr-defined]
