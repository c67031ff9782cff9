"""Who is asking: sign-in through OpenID Connect (``st.login``), or the labelled local mode.

The frame (``app.py``) calls ``sign_in`` before anything is drawn. It decides the person's
``Access`` (``kpi.model.access``) from the reviewed mapping (``ui.data.access_config``) and
``st.user``'s claims, and keeps the resulting ``Scope`` in the session, where ``ui.data`` reads
it for every figure. Nothing else sets the scope; a run that did not pass here reads with the
empty scope (deny by default).

- Local mode (``local_mode = true``, the bundled data on a laptop): no identity provider, the
  local person has every role, and the sidebar says "Lokalt läge – ingen inloggning".
- Otherwise nothing is shown before sign-in: a page with "Logga in" (``st.login``, the
  ``[auth]`` section of ``.streamlit/secrets.toml``; README, "Sign-in"). A signed-in person whose
  app roles map to nothing sees why and no figures.
"""

from __future__ import annotations

import logging

import streamlit as st

from kpi.evaluation.scope import Scope
from kpi.model.access import LOCAL_MODE_LABEL, Access, Action, Identity, Role, resolve_access
from ui import data
from ui.document import document_semantics

ACCESS_KEY = "_access"
log = logging.getLogger("styrkort")


def _auth_configured() -> bool:
    """Whether ``.streamlit/secrets.toml`` has an ``[auth]`` section to sign in with."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all: Streamlit raises rather than answer no
        return False


def _claims() -> dict[str, object]:
    return {k: v for k, v in st.user.to_dict().items() if k not in ("is_logged_in", "tokens")}


def sign_in() -> Access:
    """The person's access for this run, kept for ``ui.data``; stops the run on the sign-in page
    when nobody is signed in, and after the explanation when the person may see no figures."""
    config = data.access_config()
    st.session_state[data.SCOPE_KEY] = Scope.nothing()  # until decided below
    st.session_state.pop(ACCESS_KEY, None)  # nothing carries over from an earlier run (a sign-out)
    if config.local_mode:
        identity = Identity.local_person()
    elif not st.user.is_logged_in:
        _sign_in_page()
        st.stop()
    else:
        identity = Identity.from_claims(_claims(), config.roles_claim)
    access = resolve_access(identity, config, data.dataset().units)
    st.session_state[ACCESS_KEY] = access
    st.session_state[data.SCOPE_KEY] = Scope.of(access, data.dataset().units)
    _sidebar(access)
    document_semantics(st.sidebar)
    if (why := access.explanation()) is not None:
        if access.may(Action.AUDIT_LOG):  # a förvaltare: the log of changes, and why no figures
            st.sidebar.caption(why)
            return access
        st.title("Styrkort – Division Nära")
        st.info(why, icon=":material/lock:")
        st.stop()
    return access


def current_access() -> Access:
    """This run's access, as ``sign_in`` decided it; a page run outside the frame may do nothing."""
    found = st.session_state.get(ACCESS_KEY)
    if isinstance(found, Access):
        return found
    return Access(Identity(subject="", name="okänd", email=None, app_roles=()), frozenset(), frozenset(), frozenset(), frozenset())


def _sign_in_page() -> None:
    st.title("Styrkort – Division Nära")
    document_semantics(st.container())
    st.markdown(
        "Styrkort visar hälso- och sjukvårdsnämndens styrmått för Division Nära. "
        "Logga in med ditt konto i Region Norrbotten för att se de enheter du har behörighet till."
    )
    if not _auth_configured():
        st.error(
            "Inloggningen är inte inställd på den här servern (avsnittet [auth] i .streamlit/secrets.toml saknas). "
            "Kontakta förvaltningen av Styrkort.",
            icon=":material/error:",
        )
        return
    st.button("Logga in", icon=":material/login:", type="primary", on_click=st.login)


_ROLE_NAMES = {Role.LEDNING: "ledning", Role.CHEF: "chef", Role.ANALYTIKER: "analytiker", Role.FORVALTARE: "förvaltare"}


def _sidebar(access: Access) -> None:
    with st.sidebar:
        if access.identity.local:
            st.markdown(f"**{LOCAL_MODE_LABEL}**")
            st.caption("Alla roller, utan inloggning: för en egen dator med de medföljande uppgifterna.")
            return
        roles = ", ".join(_ROLE_NAMES[r] for r in Role if r in access.roles) or "ingen roll"
        st.markdown(f"**{access.identity.name}**")
        st.caption(f"Inloggad · {roles}")
        st.button("Logga ut", icon=":material/logout:", on_click=st.logout, key="logout")


def may(action: Action) -> bool:
    return current_access().may(action)
