"""FOCUS export tests: a USD integration with a subaccount, a GBP one, and a virtual tag that splits."""

import csv
import io
from datetime import date

import pyarrow.parquet as pq
import pytest

from costs.focus.columns import NAMES
from costs.focus.services import focus_rows
from costs.models import UNATTRIBUTED_CATEGORY, UNATTRIBUTED_SERVICE, CostLineItem
from costs.scoping import workspace_line_items
from tagging.models import VirtualTag, VirtualTagValue
from tests.api.conftest import api, responses_seen  # noqa: F401
from tests.costs.conftest import default_report, outsider_client, viewer_client  # noqa: F401
from tests.costs.factories import add_costs, item, make_integration

SUB = "AC" + "5" * 32


@pytest.fixture
def usd(ws):
    return make_integration(ws, "Acme Main")


@pytest.fixture
def gbp(ws):
    return make_integration(ws, "Acme UK")


@pytest.fixture
def data(usd, gbp):
    add_costs(usd, [
        item("2026-03-03", "SMS & MMS", "sms-outbound", "10.005", usage=100, unit="segments"),
        item("2026-03-03", "Programmable Voice", "calls-outbound", "20.00", usage=30, unit="minutes", account=SUB),
        item("2026-03-05", "Lookup", "lookups", "-1.50", charge_type="Credit", usage=3, unit="lookups"),
        item("2026-03-06", "Phone Numbers", "phonenumbers-local", None, usage=2, unit="phonenumbers"),
        item("2026-03-31", UNATTRIBUTED_SERVICE, UNATTRIBUTED_CATEGORY, "0.4200000001"),
    ])  # fmt: skip
    add_costs(gbp, [item("2026-12-31", "SMS & MMS", "sms-outbound", "7.25", currency="GBP", usage=9, unit="segment")])
    return usd, gbp


@pytest.fixture
def team_tag(ws):
    tag = VirtualTag.objects.create(workspace=ws, key="team")

    def service(name):
        return [{"conditions": [{"dimension": "service", "operator": "is", "values": [name]}]}]

    VirtualTagValue.objects.create(tag=tag, position=1, name="Messaging", filters=service("SMS & MMS"))
    VirtualTagValue.objects.create(
        tag=tag, position=2, name="Shared voice", filters=service("Programmable Voice"),
        splits=[{"label": "Team A", "percent": "60"}, {"label": "Team B", "percent": "40"}],
    )  # fmt: skip
    return tag


def rows_of(ws, start=date(2026, 1, 1), end=date(2026, 12, 31), line_items=None) -> list[dict]:
    """The export's rows as dicts of the mapped Python values."""
    line_items = workspace_line_items(ws) if line_items is None else line_items
    return [dict(zip(NAMES, row, strict=True)) for row in focus_rows(line_items, ws, start, end)]


def by_sku(rows: list[dict]) -> dict[tuple, dict]:
    return {(r["BillingCurrency"], r["SkuId"]): r for r in rows}


def read_csv(content: bytes | str) -> list[dict]:
    text = content.decode("utf-8") if isinstance(content, bytes) else content
    return list(csv.DictReader(io.StringIO(text)))


def read_parquet(content: bytes):
    return pq.read_table(io.BytesIO(content))


def streamed(response) -> bytes:
    return b"".join(response.streaming_content)


def line_item_count(ws) -> int:
    return CostLineItem.objects.filter(integration__workspaces=ws).count()
