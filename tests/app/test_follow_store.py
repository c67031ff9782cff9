"""Each run compares the store with the one it last read; a store in object storage is listed at
most every few seconds per process, not on every run."""

from __future__ import annotations

import pytest

from ui import data


@pytest.fixture
def listings(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    state: dict[str, object] = {"calls": 0, "fingerprint": "a", "now": 1000.0, "reloads": 0}

    def fingerprint(_: object) -> str:
        state["calls"] = int(state["calls"]) + 1
        return str(state["fingerprint"])

    def reload() -> None:
        state["reloads"] = int(state["reloads"]) + 1

    monkeypatch.setattr(data, "store_fingerprint", fingerprint)
    monkeypatch.setattr(data, "reload", reload)
    monkeypatch.setattr(data.time, "monotonic", lambda: float(state["now"]))
    monkeypatch.setattr(data, "_seen_store", {})
    return state


@pytest.mark.parametrize(
    ("store", "seconds_between", "listings_expected"),
    [
        (None, 0.0, 3),  # a directory: every run
        (None, 10.0, 3),
        ("s3://bucket/styrkort", 0.0, 1),  # object storage: once, then the runs within the interval read nothing
        ("s3://bucket/styrkort", data.OBJECT_STORE_POLL_SECONDS / 2, 2),
        ("s3://bucket/styrkort", data.OBJECT_STORE_POLL_SECONDS, 3),
    ],
)
def test_how_often_the_store_is_listed(monkeypatch: pytest.MonkeyPatch, listings: dict[str, object], store: str | None, seconds_between: float, listings_expected: int) -> None:
    monkeypatch.setattr(data, "configured_store", lambda: store)
    for _ in range(3):
        data.follow_store()
        listings["now"] = float(listings["now"]) + seconds_between
    assert listings["calls"] == listings_expected


@pytest.mark.parametrize("store", [None, "s3://bucket/styrkort"])
def test_a_changed_store_empties_the_caches_once_it_is_seen(monkeypatch: pytest.MonkeyPatch, listings: dict[str, object], store: str | None) -> None:
    monkeypatch.setattr(data, "configured_store", lambda: store)
    data.follow_store()
    listings["fingerprint"] = "b"  # another process imported
    listings["now"] = float(listings["now"]) + data.OBJECT_STORE_POLL_SECONDS
    data.follow_store()
    assert listings["reloads"] == 1
    data.follow_store()  # seen: nothing more to empty
    assert listings["reloads"] == 1
