"""Provinces and kabupaten/kota with their official codes (Kepmendagri 2025)."""

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data" / "wilayah.csv"


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: str  # provinsi | kabupaten | kota


@cache
def _all() -> dict[str, Region]:
    with DATA.open(encoding="utf-8") as f:
        return {
            row["kode"]: Region(row["kode"], row["nama"], row["tingkat"])
            for row in csv.DictReader(f)
        }


def provinces() -> list[Region]:
    return [r for r in _all().values() if r.level == "provinsi"]


def regencies(province_code: str | None = None) -> list[Region]:
    return [
        r
        for r in _all().values()
        if r.level != "provinsi"
        and (province_code is None or r.code.split(".")[0] == province_code)
    ]


def get(code: str | None) -> Region | None:
    return _all().get(code or "")


def name(code: str | None) -> str:
    region = get(code)
    return region.name if region else ""


def belongs_to(regency_code: str, province_code: str) -> bool:
    region = get(regency_code)
    return bool(
        region and region.level != "provinsi" and regency_code.split(".")[0] == province_code
    )
