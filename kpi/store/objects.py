"""The store on S3-compatible object storage: where it is, how it is reached, and the import lease.

``STYRKORT_STORE=s3://bucket/prefix`` puts the Delta tables at ``s3://bucket/prefix/<table>``, so
that app processes on several machines share one store. The catalogue, the settings and the
evaluation cache stay in each machine's data directory (``STYRKORT_DATA``): they are either in git
or derived, and a local cache costs no request.

Connection settings are the standard AWS variables (``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``, ``AWS_REGION``, ``AWS_ALLOW_HTTP``), handed to
deltalake as ``storage_options`` and to the object-store client used here (obstore, the Python
binding of the same Rust ``object_store`` library deltalake uses, so both read them alike).

Safe commits: deltalake 1.x commits a version on S3 by creating ``_delta_log/<version>.json``
with ``If-None-Match: *`` (object_store's conditional put, ``conditional_put=etag``): of two
writers of the same version one gets 412 and retries on the new version. That is set here
explicitly, and ``AWS_S3_ALLOW_UNSAFE_RENAME`` is forced off, so a stray environment variable can
never turn on unprotected commits.

The import lock across machines is a **lease**: the object ``<prefix>/.import.lock`` holds its
owner, who it is (for the message of one who waits) and when it expires. It is created only if
absent (``If-None-Match: *``), renewed while the import runs and replaced only by its owner
(``If-Match`` on its ETag); an expired lease may be taken over by anyone, with the same
``If-Match``, so of two that find it expired one wins. The expiry is wall-clock time: the
machines' clocks must agree (NTP) to well within the lease's length.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import os
import re
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from kpi.model.errors import StoreError

STORE_VARIABLE = "STYRKORT_STORE"
LEASE_NAME = ".import.lock"
_log = logging.getLogger("styrkort.objects")

# The connection settings read from the environment, in deltalake's names.
CONNECTION_VARIABLES = (
    "AWS_ENDPOINT_URL",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "AWS_ALLOW_HTTP",
)
# An unreachable endpoint must become a message within seconds, not after object_store's default
# of ten retries over three minutes.
_TIMEOUTS = {"connect_timeout": "5s", "timeout": "60s"}
_RETRIES = {"max_retries": 2, "retry_timeout": 15}

# S3's bucket naming rules, and a prefix of plain characters: deltalake percent-encodes a table's
# URL, so a prefix with # ? % or a space would name other objects than the ones listed here.
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_PREFIX = re.compile(r"^[A-Za-z0-9._\-/]*$")


@dataclass(frozen=True)
class ObjectLocation:
    """``s3://bucket/prefix``: where the store's tables are."""

    bucket: str
    prefix: str  # without leading or trailing "/"; may be empty

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"

    def table_uri(self, table: str) -> str:
        return f"{self.uri}/{table}"


def is_object_uri(root: object) -> bool:
    return isinstance(root, str) and root.startswith("s3://")


def _without_credentials(text: str) -> str:
    """``text`` as a message may show it: anything before an ``@`` in the authority (a key and a
    secret written as s3://KEY:SECRET@bucket) is left out, since messages reach the dashboard."""
    scheme, separator, rest = text.partition("://")
    if not separator:
        scheme, rest = "", text
    authority, slash, path = rest.partition("/")
    if "@" in authority:
        authority = "…@" + authority.rsplit("@", 1)[1]
    return f"{scheme}{separator}{authority}{slash}{path}"


def parse_location(value: str) -> ObjectLocation:
    """The bucket and prefix of ``s3://bucket/prefix``; anything else is refused in Swedish (the
    value shown without any credentials written into it)."""
    text = value.strip()
    if not text.startswith("s3://"):
        raise StoreError(
            f"{STORE_VARIABLE}={_without_credentials(text)!r} är ingen plats i objektlagring: ange s3://hink/prefix, eller ta bort variabeln "
            "för att använda datakatalogens store/."
        )
    bucket, _, prefix = text[len("s3://") :].partition("/")
    prefix = prefix.strip("/")
    if not _BUCKET.match(bucket):
        raise StoreError(
            f"{STORE_VARIABLE}: hinkens namn {_without_credentials(bucket)!r} är inte giltigt (3–63 tecken: gemena bokstäver a–z, siffror, . och -)."
        )
    if not _PREFIX.match(prefix) or "//" in prefix or any(part in (".", "..") for part in prefix.split("/")):
        raise StoreError(
            f"{STORE_VARIABLE}: prefixet {prefix!r} får bara innehålla bokstäver a–z och A–Z, siffror och . _ - / "
            "(lagringsbiblioteket kodar om andra tecken)."
        )
    return ObjectLocation(bucket, prefix)


def configured_store(environ: Mapping[str, str] | None = None) -> str | None:
    """The object-storage URI from ``STYRKORT_STORE``, or None for the data directory's ``store/``."""
    value = (os.environ if environ is None else environ).get(STORE_VARIABLE, "")
    return parse_location(value).uri if value.strip() else None


def storage_options(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """deltalake's ``storage_options``: the connection from the environment and safe commits."""
    env = os.environ if environ is None else environ
    options = {name: env[name] for name in CONNECTION_VARIABLES if env.get(name)}
    options |= {
        "conditional_put": "etag",  # If-None-Match: * on every commit file
        "AWS_S3_ALLOW_UNSAFE_RENAME": "false",
        "max_retries": str(_RETRIES["max_retries"]),
        "retry_timeout": f"{_RETRIES['retry_timeout']}s",
        **_TIMEOUTS,
    }
    return options


def _client(location: ObjectLocation) -> Any:
    """An obstore S3 client rooted at the store's prefix, with the same settings as deltalake."""
    from obstore.store import S3Store

    env = os.environ
    config = {
        key: env[name]
        for key, name in (
            ("endpoint", "AWS_ENDPOINT_URL"),
            ("access_key_id", "AWS_ACCESS_KEY_ID"),
            ("secret_access_key", "AWS_SECRET_ACCESS_KEY"),
            ("session_token", "AWS_SESSION_TOKEN"),
            ("region", "AWS_REGION"),
        )
        if env.get(name)
    }
    config["conditional_put"] = "etag"
    allow_http = env.get("AWS_ALLOW_HTTP", "").strip().casefold() in ("1", "true", "yes")
    return S3Store(
        location.bucket,
        prefix=location.prefix or None,
        config=config,  # type: ignore[arg-type]
        client_options={"allow_http": allow_http, **_TIMEOUTS},  # type: ignore[typeddict-item]
        retry_config={"max_retries": _RETRIES["max_retries"], "retry_timeout": timedelta(seconds=_RETRIES["retry_timeout"])},
    )


_clients: dict[tuple[ObjectLocation, tuple[str, ...]], Any] = {}
_clients_lock = threading.Lock()


def client(location: ObjectLocation) -> Any:
    """One client per store, connection settings and process: it keeps its connections open
    between requests, and changed settings (other credentials) get a client of their own."""
    key = (location, tuple(os.environ.get(name, "") for name in CONNECTION_VARIABLES))
    with _clients_lock:
        if key not in _clients:
            _clients[key] = _client(location)
        return _clients[key]


def list_names(location: ObjectLocation, folder: str) -> list[tuple[str, str]]:
    """(last part of the name, ETag) of every object under ``folder`` (relative to the prefix)."""
    import obstore

    found = []
    for batch in obstore.list(client(location), prefix=f"{folder.strip('/')}/"):
        for meta in batch:
            found.append((str(meta["path"]).rsplit("/", 1)[-1], str(meta.get("e_tag") or "")))
    return found


def upload_directory(local: Path, location: ObjectLocation) -> int:
    """Copy a local store (every table's files, history included) to an empty place in a bucket;
    returns the number of files. Refused when a table is there already: a store is never mixed."""
    import obstore

    store = client(location)
    for table in sorted(p.name for p in local.iterdir() if (p / "_delta_log").is_dir()):
        if list_names(location, f"{table}/_delta_log"):
            raise StoreError(
                f"{location.uri} har redan tabellen {table}: en lagringsplats fylls bara när den är tom. "
                "Välj ett annat prefix i STYRKORT_STORE."
            )
    # Hidden files (the import lock, a rebuild's staging) are not part of the store.
    files = [p for p in sorted(local.rglob("*")) if p.is_file() and not any(part.startswith(".") for part in p.relative_to(local).parts)]
    # Data files first, commit files after them: a reader never finds a commit whose files are missing.
    for path in sorted(files, key=lambda p: "_delta_log" in p.parts):
        obstore.put(store, path.relative_to(local).as_posix(), path.read_bytes(), mode="create")
    return len(files)


# --- the lease ------------------------------------------------------------------------------------


class LeaseBusy(Exception):  # an outcome, not a failure: the caller words it in Swedish
    """Another process holds a live lease; ``holder`` says who."""

    def __init__(self, holder: str) -> None:
        super().__init__(holder)
        self.holder = holder


@dataclass
class Lease:
    """A held import lease: renewed in a thread until released."""

    location: ObjectLocation
    owner: str
    holder: str
    seconds: float
    etag: str
    lost: bool = False
    valid_until: float = 0.0  # by this process's clock: the expiry it last wrote successfully
    _stop: threading.Event = field(default_factory=threading.Event)
    _guard: threading.Lock = field(default_factory=threading.Lock)
    _thread: threading.Thread | None = None

    def body(self, expires: float) -> bytes:
        return json.dumps(
            {
                "owner": self.owner,
                "holder": self.holder,
                "expires": expires,
                "expires_iso": datetime.fromtimestamp(expires, UTC).isoformat(),
            },
            ensure_ascii=False,
        ).encode("utf-8")

    def renew(self) -> None:
        """Push the expiry forward, only if the lease is still ours (If-Match on its ETag)."""
        import obstore
        from obstore.exceptions import PreconditionError

        with self._guard:
            if self.lost:
                return
            expires = time.time() + self.seconds
            try:
                result = obstore.put(client(self.location), LEASE_NAME, self.body(expires), mode={"e_tag": self.etag})
            except PreconditionError:
                # A renewal the store took but whose answer was lost (a timeout) changed the ETag
                # too: the lease is still ours if it names us, and is renewed from its new ETag.
                current = read_lease(self.location)
                if current is not None and current[0].get("owner") == self.owner:
                    self.etag = current[1]
                    self.valid_until = float(current[0].get("expires", 0) or 0)
                    return
                self.lost = True
                _log.error("Styrkort: the import lease on %s was taken over by another process", self.location.uri)
                return
            self.etag = str(result["e_tag"])
            self.valid_until = expires

    def _keep(self) -> None:
        while not self._stop.wait(max(self.seconds / 3, 0.05)):
            try:
                self.renew()
            except Exception:  # noqa: BLE001 - a passing network error: try again until the lease would expire
                _log.warning("Styrkort: could not renew the import lease on %s", self.location.uri, exc_info=True)
                if time.time() >= self.valid_until:
                    self.lost = True
            if self.lost:
                return

    def start(self) -> None:
        """Renew it in a thread from now on; the writes of the import that took it (its thread)
        check that it is not lost."""
        _held[self.location] = self
        _current.set(self)
        self._thread = threading.Thread(target=self._keep, name="styrkort-lease", daemon=True)
        self._thread.start()

    def release(self) -> None:
        import obstore

        if _held.get(self.location) is self:
            del _held[self.location]
        if _current.get() is self:
            _current.set(None)
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        with self._guard:
            if self.lost or time.time() >= self.valid_until - min(self.seconds / 3, 5.0):
                return  # lost, or so close to its expiry that another may take it over while we read: it lapses
            # Deleted only while it is still ours: read it back (S3 has no conditional delete for
            # every provider), and leave a lease someone has taken over alone.
            with contextlib.suppress(Exception):
                current = read_lease(self.location)
                if current is not None and current[0].get("owner") == self.owner:
                    obstore.delete(client(self.location), LEASE_NAME)


def read_lease(location: ObjectLocation) -> tuple[dict[str, Any], str] | None:
    """The lease object's content and ETag, or None when there is none."""
    import obstore

    try:
        result = obstore.get(client(location), LEASE_NAME)
    except FileNotFoundError:
        return None
    raw = bytes(result.bytes())
    try:
        content = json.loads(raw.decode("utf-8"))
    except ValueError:
        content = None
    if not isinstance(content, dict):
        content = {}  # unreadable: treated as expired, so a damaged object cannot block imports for ever
    return content, str(result.meta["e_tag"])


def try_lease(location: ObjectLocation, holder: str, seconds: float) -> Lease:
    """Take the lease now, or raise :class:`LeaseBusy` naming its live holder.

    Absent: created with If-None-Match: *. Present and expired: replaced with If-Match on the
    ETag read, so when two find it expired only one replaces it. Present and live: busy.
    """
    import obstore
    from obstore.exceptions import AlreadyExistsError, PreconditionError

    lease = Lease(location, uuid.uuid4().hex, holder, seconds, etag="")
    expires = time.time() + seconds
    found = read_lease(location)
    try:
        if found is None:
            result = obstore.put(client(location), LEASE_NAME, lease.body(expires), mode="create")
        else:
            content, etag = found
            if float(content.get("expires", 0) or 0) > time.time():
                raise LeaseBusy(str(content.get("holder") or "någon annan"))
            _log.warning("Styrkort: taking over the expired import lease of %s", content.get("holder"))
            result = obstore.put(client(location), LEASE_NAME, lease.body(expires), mode={"e_tag": etag})
    except (AlreadyExistsError, PreconditionError):
        # Someone else created or took it between our read and our write.
        again = read_lease(location)
        raise LeaseBusy(str((again[0].get("holder") if again else None) or "någon annan")) from None
    lease.etag = str(result["e_tag"])
    lease.valid_until = expires
    return lease


def take_lease(location: ObjectLocation, holder: str, seconds: float, wait_seconds: float) -> Lease:
    """The lease for one import or undo, waiting up to ``wait_seconds`` for a live one to end;
    renewed from now on until :meth:`Lease.release`."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            lease = try_lease(location, holder, seconds)
            break
        except LeaseBusy:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.1)
    lease.start()
    return lease


# The leases this process holds, by store, and the one the running import took (per thread: in a
# server several sessions run at once, and one may take over another's lapsed lease): a write
# checks its own import's lease, else the store's.
_held: dict[ObjectLocation, Lease] = {}
_current: contextvars.ContextVar[Lease | None] = contextvars.ContextVar("styrkort_import_lease", default=None)


def check_lease(location: ObjectLocation) -> None:
    """Before a write: refuse it when this process held the store's lease and lost it: another
    took it over, or it was not renewed before it expired (the process stood still, or the store
    could not be reached), so another may be rolling this import back. A commit already sent
    cannot be called back; the rollback after it puts the tables right."""
    lease = _current.get()
    if lease is None or lease.location != location:
        lease = _held.get(location)
    if lease is not None and (lease.lost or time.time() >= lease.valid_until):
        raise StoreError(
            "Inläsningens lås i objektlagringen gick förlorat (det förnyades inte i tid och en annan process kan ha tagit "
            "över). Inget mer skrivs; det som hann skrivas återställs av nästa läsning. Läs in filen igen."
        )
