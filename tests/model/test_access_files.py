"""The shipped mapping files: the bundled one runs in local mode, the deployment's starting point
does not, and both name only units that exist (a typo would otherwise fail only at start)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpi.model.access import load_access_config
from kpi.store.delta import Store

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("path", "local"), [("data/access.toml", True), ("deploy/access.toml", False)])
def test_a_shipped_mapping_is_valid_and_says_its_mode(path: str, local: bool) -> None:
    config = load_access_config(ROOT / path)
    assert config.local_mode is local
    config.check_units(Store(ROOT / "data" / "store").read("units"))
    assert config.roles_claim == "roles"
    assert {r.value for g in config.grants for r in g.roles} == {"ledning", "chef", "analytiker", "förvaltare"}


def test_the_secrets_example_has_every_auth_key_streamlit_needs() -> None:
    import tomllib

    auth = tomllib.loads((ROOT / "deploy" / "secrets.toml.example").read_text(encoding="utf-8"))["auth"]
    assert set(auth) == {"redirect_uri", "cookie_secret", "client_id", "client_secret", "server_metadata_url"}
    assert auth["redirect_uri"].endswith("/oauth2callback")
