"""The category catalog: which Twilio usage categories are leaves, roll-ups or the grand total.

``catalog.csv`` beside this file seeds the ``TwilioUsageCategory`` table after every migrate.
Operators override a row in the admin (the row is then marked ``overridden`` and the seed file
leaves it alone); ingestion reads the table, so a change applies on the next import.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from integrations.models import TwilioUsageCategory

CATALOG_FILE = Path(__file__).with_name("catalog.csv")
TOTAL_CATEGORY = "totalprice"


@dataclass(frozen=True, slots=True)
class CategoryInfo:
    service: str
    role: str


def read_catalog_file(path: Path = CATALOG_FILE) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as fh:
        return [
            {k: (v or "").strip() for k, v in row.items()}
            for row in csv.DictReader(fh)
            if (row.get("category") or "").strip()
        ]


def sync_catalog_from_file(path: Path = CATALOG_FILE) -> tuple[int, int]:
    """Insert new categories and refresh rows operators have not overridden. Returns (created, updated)."""
    rows = read_catalog_file(path)
    existing = {c.name: c for c in TwilioUsageCategory.objects.all()}
    to_create, to_update = [], []
    for row in rows:
        current = existing.get(row["category"])
        if current is None:
            to_create.append(
                TwilioUsageCategory(
                    name=row["category"], service=row["service"], role=row["role"], comment=row.get("comment", "")
                )
            )
        elif not current.overridden and (current.service, current.role, current.comment) != (
            row["service"],
            row["role"],
            row.get("comment", ""),
        ):
            current.service, current.role, current.comment = row["service"], row["role"], row.get("comment", "")
            to_update.append(current)
    TwilioUsageCategory.objects.bulk_create(to_create, batch_size=500, ignore_conflicts=True)
    TwilioUsageCategory.objects.bulk_update(to_update, ["service", "role", "comment"], batch_size=500)
    return len(to_create), len(to_update)


def load_catalog() -> dict[str, CategoryInfo]:
    """The catalog as ingestion sees it right now (one query)."""
    catalog = {
        name: CategoryInfo(service, role)
        for name, service, role in TwilioUsageCategory.objects.values_list("name", "service", "role")
    }
    if not catalog:  # a database migrated before the seed existed
        sync_catalog_from_file()
        return load_catalog()
    return catalog
