"""Roles and scope (kpi/model/access.py): deny by default, a chef's units and the levels above."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpi.model.access import (
    Access,
    AccessConfig,
    AccessConfigError,
    AccessError,
    Action,
    Identity,
    Role,
    load_access_config,
    resolve_access,
)
from kpi.store.delta import Store

DATA = Path(__file__).resolve().parents[2] / "data"
UNITS = Store(DATA / "store").read("units")
CONFIG = load_access_config(DATA / "access.toml")
ALL = set(UNITS["unit_id"].to_list())


def person(*app_roles: str) -> Access:
    return resolve_access(Identity("oid-1", "Anna Andersson", "anna@example.se", app_roles), CONFIG, UNITS)


def test_the_bundled_mapping_is_valid_and_in_local_mode() -> None:
    CONFIG.check_units(UNITS)
    assert CONFIG.local_mode and CONFIG.roles_claim == "roles"


# (app roles, unit, may see)
VISIBILITY = [
    ((), "div_nara", False),
    ((), "hc_hortlax", False),
    (("Okänd.Roll",), "hc_hortlax", False),
    (("Styrkort.Forvaltare",), "div_nara", False),
    (("Styrkort.Ledning",), "hc_hortlax", True),
    (("Styrkort.Ledning",), "region_nb", True),
    (("Styrkort.Analytiker",), "tk_kalix" if "tk_kalix" in ALL else "hc_pitea", True),
    (("Styrkort.Chef.VoPitea",), "vo_pitea", True),
    (("Styrkort.Chef.VoPitea",), "hc_hortlax", True),  # below their own
    (("Styrkort.Chef.VoPitea",), "div_nara", True),  # the level above, as comparison
    (("Styrkort.Chef.VoPitea",), "region_nb", True),
    (("Styrkort.Chef.VoPitea",), "vo_lulea_boden", False),  # a sibling VO
    (("Styrkort.Chef.VoPitea",), "hc_bjorkskatan", False),  # a health centre in another VO
    (("Styrkort.Chef.HcHortlax",), "hc_hortlax", True),
    (("Styrkort.Chef.HcHortlax",), "vo_pitea", True),  # their VO's sum
    (("Styrkort.Chef.HcHortlax",), "hc_pitea", False),  # a sibling health centre
    (("Styrkort.Chef.HcHortlax", "Styrkort.Chef.VoPitea"), "hc_pitea", True),
    (("Styrkort.Chef.HcHortlax", "Styrkort.Analytiker"), "hc_bjorkskatan", True),
]


@pytest.mark.parametrize(("app_roles", "unit", "sees"), VISIBILITY)
def test_who_sees_which_unit(app_roles: tuple[str, ...], unit: str, sees: bool) -> None:
    access = person(*app_roles)
    assert access.can_see(unit) is sees
    assert (unit in access.visible_units(UNITS)["unit_id"].to_list()) is sees
    if not sees:
        name = UNITS.filter(pl.col("unit_id") == unit)["name"][0]
        with pytest.raises(AccessError, match=f"^Du har inte behörighet till {name}\\.$"):
            access.require(unit, name)


# (app roles, action, allowed)
ACTIONS = [
    ((), Action.IMPORT, False),
    (("Styrkort.Ledning",), Action.IMPORT, False),
    (("Styrkort.Ledning",), Action.AUDIT_LOG, True),
    (("Styrkort.Analytiker",), Action.IMPORT, True),
    (("Styrkort.Analytiker",), Action.UNDO, True),
    (("Styrkort.Analytiker",), Action.IMPORT_LOG, True),
    (("Styrkort.Analytiker",), Action.WRITE_ANALYSIS, False),
    (("Styrkort.Chef.VoPitea",), Action.WRITE_ANALYSIS, True),
    (("Styrkort.Chef.VoPitea",), Action.IMPORT, False),
    (("Styrkort.Forvaltare",), Action.MANAGE_ACCESS, True),
    (("Styrkort.Forvaltare",), Action.AUDIT_LOG, True),
    (("Styrkort.Forvaltare",), Action.IMPORT, False),
]


@pytest.mark.parametrize(("app_roles", "action", "allowed"), ACTIONS)
def test_who_may_do_what(app_roles: tuple[str, ...], action: Action, allowed: bool) -> None:
    access = person(*app_roles)
    assert access.may(action) is allowed
    if not allowed:
        with pytest.raises(AccessError, match=f"^Du har inte behörighet att {action.value}\\.$"):
            access.require_action(action)


def test_a_chef_writes_only_for_their_own_units_and_below() -> None:
    access = person("Styrkort.Chef.VoPitea")
    assert access.writable == {"vo_pitea", "hc_pitea", "hc_hortlax", "hc_norrfjarden", "hc_ojebyn"}
    assert "div_nara" not in access.writable  # seen as comparison, not written
    assert person("Styrkort.Ledning").writable == frozenset()


@pytest.mark.parametrize("app_roles", [(), ("Okänd.Roll",), ("Styrkort.Forvaltare",)])
def test_without_figures_the_person_is_told_why_in_swedish(app_roles: tuple[str, ...]) -> None:
    access = person(*app_roles)
    assert not access.sees_figures
    assert access.restrict(UNITS).is_empty()
    text = access.explanation()
    assert text is not None and "Anna Andersson <anna@example.se>" in text and "Styrkort" in text


def test_local_mode_has_every_role_and_says_so() -> None:
    access = resolve_access(Identity.local_person(), CONFIG, UNITS)
    assert access.roles == set(Role) and access.visible is None and access.explanation() is None
    assert access.identity.local and access.identity.name.endswith("(lokalt läge)")  # the login name, for the logs


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        ({"oid": "o1", "name": "Bo", "email": "bo@x.se", "roles": ["A", "B"]}, ("o1", "Bo", "bo@x.se", ("A", "B"))),
        ({"sub": "s1", "preferred_username": "c@x.se", "roles": "A"}, ("s1", "c@x.se", "c@x.se", ("A",))),
        ({"sub": "s2"}, ("s2", "s2", None, ())),
    ],
)
def test_identity_from_token_claims(claims: dict[str, object], expected: tuple[object, ...]) -> None:
    identity = Identity.from_claims(claims)
    assert (identity.subject, identity.name, identity.email, identity.app_roles) == expected


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[[grants]]\napp_role = "X"\nroles = ["chef"]\n', "rollen chef kräver units"),
        ('[[grants]]\napp_role = "X"\nroles = ["chef"]\nunits = ["hc_finns_inte"]\n', "enheten hc_finns_inte finns inte"),
        ('[[grants]]\napp_role = "X"\nroles = ["kung"]\n', "fältet grants.0.roles.0 är fel"),
        ('[[grants]]\napp_role = "X"\nroles = ["ledning"]\nenheter = []\n', "fältet grants.0.enheter är fel"),
        ("local_mode = ja\n", "går inte att läsa"),
    ],
)
def test_a_wrong_mapping_fails_at_start_naming_the_entry(tmp_path: Path, toml: str, message: str) -> None:
    path = tmp_path / "access.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(AccessConfigError, match=message):
        load_access_config(path).check_units(UNITS)


def test_a_missing_mapping_denies_everyone(tmp_path: Path) -> None:
    config = load_access_config(tmp_path / "access.toml")
    assert not config.local_mode and config.grants == ()
    assert not resolve_access(Identity("o", "N", None, ("Styrkort.Ledning",)), config, UNITS).sees_figures


@given(st.lists(st.sampled_from(sorted(ALL)), min_size=1, max_size=4, unique=True))
def test_a_chef_never_sees_a_unit_outside_their_branch(own: list[str]) -> None:
    """Visible = own units, everything below them and the organisations above them; nothing else."""
    config = AccessConfig(grants=({"app_role": "C", "roles": ["chef"], "units": own},))  # type: ignore[arg-type]
    access = resolve_access(Identity("o", "N", None, ("C",)), config, UNITS)
    parents = dict(zip(UNITS["unit_id"], UNITS["parent_id"], strict=True))

    def chain(unit: str) -> list[str]:
        out = [unit]
        while parents.get(out[-1]) is not None:
            out.append(parents[out[-1]])
        return out

    for unit in ALL:
        below_own = any(o in chain(unit) for o in own)
        above_own = any(unit in chain(o) for o in own)
        assert access.can_see(unit) is (below_own or above_own), unit
