"""Who may see and do what: roles from the sign-in token, mapped in a reviewed file, deny by default.

The region signs people in with Microsoft Entra ID (OpenID Connect). Entra puts the *app roles* a
person has been assigned in the ID token's ``roles`` claim (app roles rather than groups: a group
claim overflows for people in many groups). ``access.toml`` beside the data maps each app role
value to Styrkort roles and, for a chef, to units; the file is reviewed like code, since it is the
whole of who sees what. Nothing in the token is trusted beyond that mapping: a signed-in person
whose app roles map to nothing sees a Swedish explanation and no figures.

The four roles:

* **ledning** (the board and division management): every unit.
* **chef**: their own units and everything below them; of the levels above, the organisations on
  the way up (their VO, the division), whose figures are sums over many units, as the comparison a
  manager needs; never a sibling unit's own figures. A chef writes the analysis and follows up the
  actions of their own units.
* **analytiker**: every unit, and the import, undo and import log.
* **förvaltare**: the audit log and who has which role; figures only with another role as well.

Local mode (the bundled data, no identity provider): one local person with every role, labelled
"Lokalt läge – ingen inloggning" wherever the dashboard shows who is signed in. A production
configuration sets ``local_mode = false``; then nothing is shown without sign-in.

Scope is applied where data is read (``Access.visible_units``, ``Access.require``), not by hiding
widgets, so every page, export, download and link obeys the same rule.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import polars as pl
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kpi.model.errors import StyrkortError

LOCAL_MODE_LABEL = "Lokalt läge – ingen inloggning"


class Role(StrEnum):
    LEDNING = "ledning"
    CHEF = "chef"
    ANALYTIKER = "analytiker"
    FORVALTARE = "förvaltare"


class Action(StrEnum):
    """What a person may do besides reading figures."""

    IMPORT = "läsa in data"
    UNDO = "ångra en inläsning"
    IMPORT_LOG = "se inläsningsloggen"
    WRITE_ANALYSIS = "skriva analys och följa upp åtgärder"
    AUDIT_LOG = "se loggen över ändringar"
    MANAGE_ACCESS = "se vem som har vilken roll"


_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.LEDNING: frozenset({Action.AUDIT_LOG}),
    Role.CHEF: frozenset({Action.WRITE_ANALYSIS}),
    Role.ANALYTIKER: frozenset({Action.IMPORT, Action.UNDO, Action.IMPORT_LOG}),
    Role.FORVALTARE: frozenset({Action.AUDIT_LOG, Action.MANAGE_ACCESS}),
}
_SEES_EVERYTHING = frozenset({Role.LEDNING, Role.ANALYTIKER})


class AccessError(StyrkortError):
    """The person may not see or do this; the message says what, in Swedish."""


class AccessConfigError(StyrkortError):
    """The reviewed mapping file is wrong; the message names the entry and the field."""


class Grant(BaseModel):
    """One app role value from the token and what it gives."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    app_role: str = Field(min_length=1, description="Approllens värde i ID-token, t.ex. 'Styrkort.Chef.VoPitea'.")
    roles: tuple[Role, ...] = Field(min_length=1, description="Styrkorts roller som approllen ger.")
    units: tuple[str, ...] = Field((), description="Enheter (id) för rollen chef: den egna enheten och allt under den.")


class AccessConfig(BaseModel):
    """The whole reviewed mapping (``access.toml``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    local_mode: bool = Field(
        False, description="Utan inloggning: den lokala användaren har alla roller. Bara för en egen dator, aldrig i drift."
    )
    roles_claim: str = Field("roles", min_length=1, description="Anspråket i ID-token som bär approllerna (Entra: roles).")
    grants: tuple[Grant, ...] = ()

    def check_units(self, units: pl.DataFrame) -> None:
        """Every unit a grant names exists: a typo must fail at start, not silently show nothing."""
        known = set(units["unit_id"].to_list())
        for index, grant in enumerate(self.grants, start=1):
            if Role.CHEF in grant.roles and not grant.units:
                raise AccessConfigError(
                    f"access.toml, koppling {index} ({grant.app_role}): rollen chef kräver units, de enheter chefen ansvarar för."
                )
            unknown = [u for u in grant.units if u not in known]
            if unknown:
                raise AccessConfigError(
                    f"access.toml, koppling {index} ({grant.app_role}): enheten {', '.join(unknown)} finns inte i enhetstabellen."
                )


def load_access_config(path: Path) -> AccessConfig:
    """The mapping file; a missing file means no one is mapped (deny by default), not local mode."""
    if not path.exists():
        return AccessConfig()
    try:
        with path.open("rb") as handle:
            raw = tomllib.load(handle)
        return AccessConfig.model_validate(raw)
    except tomllib.TOMLDecodeError as exc:
        raise AccessConfigError(f"{path.name} går inte att läsa: {exc}.") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise AccessConfigError(f"{path.name}: fältet {where} är fel ({first['msg']}).") from exc


@dataclass(frozen=True)
class Identity:
    """The signed-in person as the token says (or the local person in local mode)."""

    subject: str  # the token's stable id (Entra: oid), what the audit log records
    name: str
    email: str | None
    app_roles: tuple[str, ...]
    local: bool = False

    @classmethod
    def from_claims(cls, claims: Mapping[str, object], roles_claim: str = "roles") -> Identity:
        raw_roles = claims.get(roles_claim) or ()
        app_roles = (raw_roles,) if isinstance(raw_roles, str) else tuple(str(r) for r in raw_roles)  # type: ignore[union-attr]
        subject = str(claims.get("oid") or claims.get("sub") or "")
        name = str(claims.get("name") or claims.get("preferred_username") or claims.get("email") or subject)
        email = claims.get("email") or claims.get("preferred_username")
        return cls(subject=subject, name=name, email=str(email) if email else None, app_roles=app_roles)

    @classmethod
    def local_person(cls) -> Identity:
        """The person at the keyboard in local mode, recorded in logs by their login name on this
        computer ("anna (lokalt läge)"): there is no token to name them by."""
        import getpass

        try:
            user = getpass.getuser()
        except Exception:  # no login name (a container without a passwd entry)
            user = "okänd användare"
        return cls(subject=f"lokal:{user}", name=f"{user} (lokalt läge)", email=None, app_roles=(), local=True)

    @property
    def shown(self) -> str:
        """How the person is named in logs: name and e-mail, on one line."""
        return f"{self.name} <{self.email}>" if self.email and self.email != self.name else self.name


@dataclass(frozen=True)
class Access:
    """What one person may see and do."""

    identity: Identity
    roles: frozenset[Role]
    own_units: frozenset[str]  # a chef's units (each with everything below it)
    visible: frozenset[str] | None  # None: every unit
    writable: frozenset[str]  # units whose analysis and actions the person writes

    @property
    def sees_figures(self) -> bool:
        return self.visible is None or bool(self.visible)

    def may(self, action: Action) -> bool:
        return any(action in _ACTIONS[role] for role in self.roles)

    def can_see(self, unit_id: str) -> bool:
        return self.visible is None or unit_id in self.visible

    def require(self, unit_id: str, unit_name: str | None = None) -> None:
        """Raises ``AccessError`` naming the unit when the person may not see it."""
        if not self.can_see(unit_id):
            raise AccessError(f"Du har inte behörighet till {unit_name or unit_id}.")

    def require_action(self, action: Action) -> None:
        if not self.may(action):
            raise AccessError(f"Du har inte behörighet att {action.value}.")

    def visible_units(self, units: pl.DataFrame) -> pl.DataFrame:
        """The rows of the unit table this person may see."""
        return units if self.visible is None else units.filter(pl.col("unit_id").is_in(sorted(self.visible)))

    def restrict(self, frame: pl.DataFrame, column: str = "unit_id") -> pl.DataFrame:
        """Only the rows of units this person may see."""
        return frame if self.visible is None else frame.filter(pl.col(column).is_in(sorted(self.visible)))

    def explanation(self) -> str | None:
        """Why nothing is shown, in Swedish, or None when there is something to show."""
        if self.sees_figures:
            return None
        if self.roles:
            return (
                f"Du är inloggad som {self.identity.shown} med rollen {', '.join(sorted(r.value for r in self.roles))}, "
                "som inte ger tillgång till några utfall. Kontakta förvaltaren av Styrkort om du behöver se enheter."
            )
        return (
            f"Du är inloggad som {self.identity.shown}, men ditt konto har ingen roll i Styrkort. "
            "Be din chef eller förvaltaren av Styrkort att ge dig en roll (ledning, chef, analytiker eller förvaltare); "
            "tills dess visas inga uppgifter."
        )


def resolve_access(identity: Identity, config: AccessConfig, units: pl.DataFrame) -> Access:
    """The person's roles and units from their app roles and the reviewed mapping; deny by default."""
    if identity.local:
        return Access(identity, frozenset(Role), frozenset(), None, frozenset(units["unit_id"].to_list()))
    grants = [g for g in config.grants if g.app_role in identity.app_roles]
    roles = frozenset(r for g in grants for r in g.roles)
    own = frozenset(u for g in grants if Role.CHEF in g.roles for u in g.units)
    below = _with_descendants(units, own)
    if roles & _SEES_EVERYTHING:
        visible: frozenset[str] | None = None
    else:
        visible = below | _ancestors(units, own)
    return Access(identity, roles, own, visible, below if Role.CHEF in roles else frozenset())


def _parents(units: pl.DataFrame) -> dict[str, str | None]:
    return dict(zip(units["unit_id"].to_list(), units["parent_id"].to_list(), strict=True))


def _with_descendants(units: pl.DataFrame, roots: Iterable[str]) -> frozenset[str]:
    children: dict[str | None, list[str]] = {}
    for unit, parent in _parents(units).items():
        children.setdefault(parent, []).append(unit)
    out: set[str] = set()
    stack = list(roots)
    while stack:
        unit = stack.pop()
        if unit not in out:
            out.add(unit)
            stack.extend(children.get(unit, ()))
    return frozenset(out)


def _ancestors(units: pl.DataFrame, roots: Iterable[str]) -> frozenset[str]:
    parents = _parents(units)
    out: set[str] = set()
    for unit in roots:
        parent = parents.get(unit)
        while parent is not None and parent not in out:
            out.add(parent)
            parent = parents.get(parent)
    return frozenset(out)
