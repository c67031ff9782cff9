"""Thresholds and defaults, declared as data with help text.

Change them in ``styrkort.toml`` beside the data (section ``[settings]``) or by passing a
``Settings`` to the functions that take one.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    neutral_band_share_pp: float = Field(
        0.5, ge=0, description="Förändring av en andel inom ± så många procentenheter räknas som oförändrad."
    )
    neutral_band_relative: float = Field(
        0.01, ge=0, description="Förändring av antal och belopp inom ± denna andel (1 %) räknas som oförändrad."
    )
    partial_band_relative: float = Field(
        0.05, ge=0, description="Ett värde inom denna relativa marginal (5 %) från målet räknas som delvis uppfyllt."
    )
    gender_gap_threshold_pp: float = Field(
        5.0, ge=0, description="Skillnad mellan kvinnor och män över så många procentenheter flaggas."
    )
    mask_threshold: int = Field(
        5, ge=0, description="Antal under denna gräns (1–4 med standardvärdet) visas som 'skyddat (för få)'."
    )
    spc_baseline_points: int = Field(
        24, ge=2, description="Styrdiagram: så många månader i början av en fas ger mittlinje och styrgränser (baslinje)."
    )
    spc_min_points: int = Field(
        12, ge=2, description="Styrdiagram: färre månader än så i en fas ger inga styrgränser och ingen bedömning av variation."
    )
    spc_run_length: int = Field(
        7, ge=2, description="Styrdiagram: så många punkter i rad på samma sida om mittlinjen är en särskild orsak."
    )
    spc_trend_length: int = Field(
        6, ge=3, description="Styrdiagram: så många punkter i rad som stiger (eller sjunker) är en särskild orsak."
    )
    import_max_megabytes: float = Field(
        25.0, gt=0, description="Största fil som kan läsas in, i megabyte."
    )
    import_max_rows: int = Field(
        200_000, gt=0, description="Högsta antal rader i en fil som läses in."
    )
    import_lock_wait_seconds: float = Field(
        15.0, ge=0, description="Så länge en inläsning väntar på en annan som pågår innan den avbryts."
    )
    import_lease_seconds: float = Field(
        60.0,
        gt=0,
        description=(
            "Lagring i objektlagring (STYRKORT_STORE): så länge inläsningens lås gäller utan att förnyas. En inläsning "
            "vars process har dött hindrar andra och rullas tillbaka först när låset har gått ut."
        ),
    )


def load_settings(path: Path | None) -> Settings:
    if path is None or not path.exists():
        return Settings()
    with path.open("rb") as handle:
        raw = tomllib.load(handle)
    return Settings.model_validate(raw.get("settings", {}))
