"""The FOCUS 1.2 ServiceCategory and ServiceSubcategory of every Twilio service
(``service_categories.csv`` beside this file).

One row per service of ``catalog.csv`` (a test checks that none is missing): a service's categories
all land in one FOCUS category, so a column per catalog row would repeat it 600 times. The reasoning
for the services that fit no category obviously is in ``CATALOG.md`` ("FOCUS service categories").
Registered with ``costs.focus.categories.service_categories`` by ``IntegrationsConfig.ready()``.
"""

from __future__ import annotations

import csv
from pathlib import Path

SERVICE_CATEGORIES_FILE = Path(__file__).with_name("service_categories.csv")


def read_service_categories(path: Path = SERVICE_CATEGORIES_FILE) -> dict[str, tuple[str, str]]:
    """``{service: (ServiceCategory, ServiceSubcategory)}``."""
    with path.open(newline="", encoding="utf-8") as fh:
        return {
            row["service"].strip(): (row["focus_service_category"].strip(), row["focus_service_subcategory"].strip())
            for row in csv.DictReader(fh)
        }
