"""Each run compares the store with the one it last read; a store in object storage is listed at
most every few seconds per process, not on every run; a store in a directory has its logs read
again only when its folders' stamp changed or is too recent to trust."""

from __future__ import annotations

import pytest

from kpi.evaluation.cache import LogStamp
from ui import data

OLD_A, OLD_B = LogStamp(((1, 1, 5, 5),), settled=True), LogStamp(((1, 2, 9, 9),), settled=True)
NEW_A = LogStamp(((1, 1, 5, 5),), settled=False)  # the same folders, changed moments before


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
    state["stamps"] = [OLD_A]
    monkeypatch.setattr(data, "log_stamp", lambda _: state["stamps"].pop(0) if len(state["stamps"]) > 1 else state["stamps"][0])  # type: ignore[attr-defined]
    return state


@pytest.mark.parametrize(
    ("store", "seconds_between", "listings_expected"),
    [
        (None, 0.0, 1),  # a directory whose stamp is settled and unchanged: read once
        (None, 10.0, 1),
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
    listings["stamps"] = [OLD_B]  # a commit in the log folder
    listings["now"] = float(listings["now"]) + data.OBJECT_STORE_POLL_SECONDS
    data.follow_store()
    assert listings["reloads"] == 1
    data.follow_store()  # seen: nothing more to empty
    assert listings["reloads"] == 1


@pytest.mark.parametrize(
    ("stamps", "reads"),
    [
        ([OLD_A, OLD_A, OLD_A, OLD_A], 1),
        ([OLD_A, OLD_B, OLD_B, OLD_A], 3),  # each change is read once
        ([NEW_A, NEW_A, NEW_A, NEW_A], 4),  # too recent to trust: read on every run
        ([NEW_A, OLD_A, OLD_A, OLD_A], 2),  # read again once it has settled, then no more
    ],
)
def test_a_directory_store_is_read_when_its_stamp_changed_or_is_too_recent(
    monkeypatch: pytest.MonkeyPatch, listings: dict[str, object], stamps: list[LogStamp], reads: int
) -> None:
    monkeypatch.setattr(data, "configured_store", lambda: None)
    listings["stamps"] = list(stamps)
    for _ in stamps:
        data.follow_store()
    assert listings["calls"] == reads


def test_a_commit_while_the_logs_are_read_is_seen_on_the_next_run(monkeypatch: pytest.MonkeyPatch, listings: dict[str, object]) -> None:
    """The stamp is taken before the logs are read: a commit between the two changes the next stamp."""
    monkeypatch.setattr(data, "configured_store", lambda: None)
    listings["stamps"] = [OLD_A, OLD_B]
    data.follow_store()  # stamp A, then the logs, already with the new commit ("a")
    listings["fingerprint"] = "b"
    data.follow_store()  # stamp B: read again
    assert listings["calls"] == 2 and listings["reloads"] == 1
