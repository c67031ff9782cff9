"""The Delta store: atomic, versioned writes; corrections as new versions; reading as of a date."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest

from kpi.model.errors import StoreError
from kpi.store.delta import Store


def _obs(value: float, period: str = "2022-DÅ08") -> pl.DataFrame:
    return pl.DataFrame({"measure_id": ["m"], "unit_id": ["d"], "period": [period], "sex": ["T"], "value": [value], "source": ["test"], "is_demo": [False]})


def test_a_correction_is_a_new_version_and_the_old_value_stays_readable(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.write("observations", pl.concat([_obs(81), _obs(82, "2021-DÅ08")]), message="DÅ08", as_of=datetime(2022, 10, 3, tzinfo=UTC))
    version = store.write("observations", _obs(80), message="Rättelse", as_of=datetime(2022, 12, 1, tzinfo=UTC))
    assert version == 1
    now = store.read("observations").sort("period")
    assert now["value"].to_list() == [82, 80]
    as_reported = store.read("observations", as_of=date(2022, 10, 31)).sort("period")
    assert as_reported["value"].to_list() == [82, 81]
    assert store.read("observations", version=0).filter(pl.col("period") == "2022-DÅ08")["value"].item() == 81
    # The untouched row keeps the time it was recorded.
    unchanged = now.filter(pl.col("period") == "2021-DÅ08")["recorded_at"].item()
    assert unchanged == datetime(2022, 10, 3, tzinfo=UTC)
    history = store.history("observations")
    assert history["message"].to_list() == ["DÅ08", "Rättelse"]


def test_before_the_first_commit_the_table_is_empty(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.write("observations", _obs(81), message="DÅ08", as_of=datetime(2022, 10, 3, tzinfo=UTC))
    assert store.read("observations", as_of=date(2022, 1, 1)).is_empty()
    assert store.read("units").is_empty()  # a table never written


def test_a_rejected_write_changes_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.write("observations", _obs(81), message="DÅ08", as_of=datetime(2022, 10, 3, tzinfo=UTC))
    with pytest.raises(StoreError, match="Samma nyckel"):
        store.write("observations", pl.concat([_obs(1), _obs(2)]), message="dubbletter")
    with pytest.raises(StoreError, match="inga kolumner som heter"):
        store.write("observations", _obs(1).with_columns(pl.lit(1).alias("extra")), message="fel kolumn")
    assert store.read("observations")["value"].to_list() == [81]
    assert store.history("observations").height == 1


def test_the_bundled_store_reads_as_reported_in_dao08_2022() -> None:
    store = Store(Path(__file__).resolve().parents[2] / "data" / "store")
    reported = store.read("observations", as_of=date(2022, 10, 3))
    assert reported.height > 0 and not reported["is_demo"].any()
    assert store.read("observations")["is_demo"].any()
