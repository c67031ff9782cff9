"""The object-storage location and connection (``kpi.store.objects``), without a server.

``STYRKORT_STORE`` is checked before any request: a bucket S3 would refuse and a prefix that
deltalake would percent-encode into other object names are refused in Swedish. The options handed
to deltalake always ask for conditional commits and never allow unsafe ones, whatever the
environment says. The end-to-end tests against a server are in test_object_store.py (marker s3).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kpi.model.errors import StoreError
from kpi.store import objects
from kpi.store.delta import Store, failure_kind, store_for


@pytest.mark.parametrize(
    ("value", "bucket", "prefix"),
    [
        ("s3://styrkort", "styrkort", ""),
        ("s3://styrkort/", "styrkort", ""),
        ("s3://styrkort-nll/prod", "styrkort-nll", "prod"),
        ("s3://styrkort.nll/a/b_c-d.e/", "styrkort.nll", "a/b_c-d.e"),
    ],
)
def test_a_bucket_and_prefix_are_read_from_the_uri(value: str, bucket: str, prefix: str) -> None:
    location = objects.parse_location(value)
    assert (location.bucket, location.prefix) == (bucket, prefix)
    assert location.table_uri("units") == f"s3://{bucket}/{prefix + '/' if prefix else ''}units"


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("/srv/styrkort/store", "är ingen plats i objektlagring"),
        ("gs://styrkort/prod", "är ingen plats i objektlagring"),
        ("s3://Styrkort/prod", "hinkens namn"),
        ("s3://ab/prod", "hinkens namn"),
        ("s3://styrkort_nll/prod", "hinkens namn"),
        ("s3://styrkort/min data", "prefixet"),
        ("s3://styrkort/a#b", "prefixet"),
        ("s3://styrkort/a%41", "prefixet"),
        ("s3://styrkort/styrkört", "prefixet"),
        ("s3://styrkort/a//b", "prefixet"),
        ("s3://styrkort/a/../b", "prefixet"),
    ],
)
def test_a_location_the_libraries_cannot_use_is_refused_in_swedish(value: str, said: str) -> None:
    with pytest.raises(StoreError, match=said):
        objects.parse_location(value)


def test_the_store_is_the_data_directorys_own_unless_styrkort_store_names_a_bucket(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(objects.STORE_VARIABLE, raising=False)
    assert store_for(tmp_path).root == tmp_path / "store" and store_for(tmp_path).location is None
    monkeypatch.setenv(objects.STORE_VARIABLE, "  ")  # blank in a service file means unset
    assert store_for(tmp_path).location is None
    monkeypatch.setenv(objects.STORE_VARIABLE, "s3://styrkort/prod/")
    remote = store_for(tmp_path)
    assert remote.root == "s3://styrkort/prod" and remote.path("observations") == "s3://styrkort/prod/observations"
    assert Store(remote.root, {"units": 3}).pinned_to({"imports": 1}).location == remote.location


def test_commits_are_always_conditional_and_never_unsafe() -> None:
    options = objects.storage_options(
        {"AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_ALLOW_HTTP": "true", "AWS_S3_ALLOW_UNSAFE_RENAME": "true", "HOME": "/root"}
    )
    assert options["conditional_put"] == "etag"
    assert options["AWS_S3_ALLOW_UNSAFE_RENAME"] == "false"
    assert options["AWS_ENDPOINT_URL"] == "http://127.0.0.1:9" and "HOME" not in options


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Generic S3 error: <Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message>", "no-bucket"),
        ("The operation lacked the necessary privileges … <Code>InvalidAccessKeyId</Code>", "credentials"),
        ("403 Forbidden <Code>SignatureDoesNotMatch</Code>", "credentials"),
        ("Error performing GET http://127.0.0.1:1/x - HTTP error: error sending request", "unreachable"),
        ("HTTP error: operation timed out", "unreachable"),
    ],
)
def test_object_storage_failures_are_told_apart(text: str, kind: str) -> None:
    assert failure_kind(OSError(text)) == kind


@pytest.mark.parametrize("text", ["HTTP error: operation timed out", "connection reset by peer (os error 104)", "NoSuchBucket"])
def test_a_directory_store_never_gets_an_object_storage_reason(text: str) -> None:
    # A network disk's timeout is not an S3 endpoint that does not answer.
    assert failure_kind(OSError(text), remote=False) not in ("unreachable", "credentials", "no-bucket")


@pytest.mark.parametrize(
    "value",
    ["s3://AKIAEXAMPLE:wJalrXUtnSECRET@styrkort-nll/prod", "s3://AKIAEXAMPLE:wJalrXUtnSECRET@bad_bucket", "https://AKIAEXAMPLE:wJalrXUtnSECRET@host/b"],
)
def test_a_store_address_with_a_key_in_it_is_refused_without_showing_the_key(value: str) -> None:
    with pytest.raises(StoreError) as refused:
        objects.parse_location(value)
    assert "wJalrXUtnSECRET" not in str(refused.value) and "AKIAEXAMPLE" not in str(refused.value)


def test_a_write_checks_the_lease_of_its_own_import_not_the_newest_in_the_process(monkeypatch: pytest.MonkeyPatch) -> None:
    import contextvars
    import time

    where = objects.parse_location("s3://styrkort-nll/prod")
    mine = objects.Lease(where, "a", "import A", 60, etag="1", lost=True, valid_until=time.time() + 60)
    theirs = objects.Lease(where, "b", "import B", 60, etag="2", valid_until=time.time() + 60)
    monkeypatch.setattr(objects, "_held", {where: theirs})  # another session took the lapsed lease over

    def write_in(lease: objects.Lease | None) -> None:
        objects._current.set(lease)
        objects.check_lease(where)

    with pytest.raises(StoreError):
        contextvars.copy_context().run(write_in, mine)  # A's write: its own lease is lost
    contextvars.copy_context().run(write_in, theirs)  # B's write goes on
    contextvars.copy_context().run(write_in, None)  # outside any import: the store's live lease
