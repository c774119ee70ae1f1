"""The export is reachable from the report page, the API and the command line, for the workspace's people
only; bad input is a 400 (or a command error) naming the field, never a 500."""

import pytest
from django.core.management import CommandError, call_command
from django.http import StreamingHttpResponse
from django.urls import reverse

from costs.focus.columns import NAMES
from costs.models import CostReport
from tests.api.helpers import errors_of
from tests.costs.factories import add_costs, item
from tests.costs.pages import report_query
from vantage.lib.dates import utc_today

from .conftest import line_item_count, read_csv, read_parquet, streamed

pytestmark = pytest.mark.django_db
YEAR = {"start_date": "2026-01-01", "end_date": "2026-12-31"}
API = "/api/v2/exports/focus"


def page_url(report, **params):
    return reverse("costs:report_focus_export", args=[report.pk]) + "?" + report_query(**{**YEAR, **params})


# --- the report page ----------------------------------------------------------------------------------


def test_report_page_offers_both_formats_with_its_settings(owner_client, default_report, data):
    html = owner_client.get(reverse("costs:report_detail", args=[default_report.pk]) + "?" + report_query(**YEAR))
    content = html.content.decode()
    assert 'id="export-focus-csv"' in content and 'id="export-focus-parquet"' in content
    assert "focus?" in content and "format=parquet" in content and "start_date=2026-01-01" in content


def test_page_download_is_the_reports_range_and_filters(owner_client, default_report, data, ws):
    response = owner_client.get(page_url(default_report, format="csv"))
    assert response.status_code == 200 and isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"].startswith("text/csv")
    assert f'filename="focus-report-{default_report.pk}-2026-01-01-2026-12-31.csv"' in response["Content-Disposition"]
    assert len(read_csv(streamed(response))) == line_item_count(ws)
    only_sms = owner_client.get(page_url(default_report, format="parquet", service=["SMS & MMS"]))
    assert only_sms["Content-Type"] == "application/vnd.apache.parquet"
    table = read_parquet(streamed(only_sms))
    assert set(table.column("ServiceName").to_pylist()) == {"SMS & MMS"} and table.num_rows == 2


def test_page_viewer_can_download_outsider_cannot(viewer_client, outsider_client, default_report, data):
    assert viewer_client.get(page_url(default_report, format="csv")).status_code == 200
    assert outsider_client.get(page_url(default_report, format="csv")).status_code == 404


def test_page_report_of_another_workspace_is_404(owner_client, other_ws, outsider):
    theirs = CostReport.objects.create(workspace=other_ws, title="Theirs", created_by=outsider)
    assert owner_client.get(page_url(theirs, format="csv")).status_code == 404


def test_page_bad_input_is_400_naming_the_field(owner_client, default_report, data):
    bad_format = owner_client.get(page_url(default_report, format="xlsx"))
    assert bad_format.status_code == 400 and bad_format.content.decode().startswith("format:")
    bad_date = owner_client.get(page_url(default_report, format="csv", start_date="2026-13-01"))
    assert bad_date.status_code == 400 and "start_date" in bad_date.content.decode()


# --- the API ------------------------------------------------------------------------------------------


def test_api_exports_csv_and_parquet(api, owner, ws, data):
    csv_response = api(owner).get(API, {**YEAR, "format": "csv"})
    assert csv_response.status_code == 200 and csv_response["Content-Type"].startswith("text/csv")
    rows = read_csv(b"".join(csv_response.streaming_content))
    assert list(rows[0]) == list(NAMES) and len(rows) == line_item_count(ws)
    parquet_response = api(owner).get(API, {**YEAR, "format": "parquet", "service": "Lookup"})
    table = read_parquet(b"".join(parquet_response.streaming_content))
    assert table.column("SkuId").to_pylist() == ["lookups"]


def test_api_default_format_is_csv_and_tag_filters_apply(api, owner, data, team_tag):
    response = api(owner).get(API, {**YEAR, "tag": "team:Messaging"})
    assert response["Content-Type"].startswith("text/csv")
    rows = read_csv(b"".join(response.streaming_content))
    assert {r["Tags"] for r in rows} == {'{"team": "Messaging"}'} and len(rows) == 2


def test_api_without_dates_exports_this_month(api, owner, ws, usd):
    add_costs(usd, [item(utc_today(), "SMS & MMS", "sms-outbound", "1.00", usage=1, unit="segments")])
    response = api(owner).get(API)
    assert response.status_code == 200
    assert [r["SkuId"] for r in read_csv(b"".join(response.streaming_content))] == ["sms-outbound"]


def test_api_access_from_every_side(api, owner, viewer, outsider, ws, data):
    assert api(viewer).get(API, YEAR).status_code == 200
    assert api(outsider).get(API, {**YEAR, "workspace": ws.pk}).status_code == 404
    theirs = read_csv(b"".join(api(outsider).get(API, YEAR).streaming_content))
    assert theirs == []  # their own workspace: none of Acme's costs
    assert api().get(API, YEAR).status_code == 401
    assert api(owner).post(API, YEAR).status_code == 405


def test_api_bad_input_is_400_naming_each_field(api, owner, data):
    errors = errors_of(api(owner).get(API, {"start_date": "yesterday", "end_date": "2026-03-01", "format": "xml"}))
    assert "format" in errors and "csv or parquet" in errors["format"]
    assert "start_date" in errors
    errors = errors_of(api(owner).get(API, {"start_date": "2026-03-02", "end_date": "2026-03-01"}))
    assert set(errors) & {"end_date", "non_field_errors", "start_date"}
    assert "service" in errors_of(api(owner).get(API, {**YEAR, "service": "Nope"}))


# --- the command line ---------------------------------------------------------------------------------


def test_command_writes_parquet_and_csv(ws, data, tmp_path):
    out = tmp_path / "focus.parquet"
    call_command("export_focus", workspace=str(ws.pk), start="2026-01-01", end="2026-12-31", format="parquet",
                 output=str(out))  # fmt: skip
    assert read_parquet(out.read_bytes()).num_rows == line_item_count(ws)
    out_csv = tmp_path / "focus.csv"
    call_command("export_focus", workspace=ws.name, start="2026-03-03", end="2026-03-03", output=str(out_csv))
    assert sorted(r["SkuId"] for r in read_csv(out_csv.read_text())) == ["calls-outbound", "sms-outbound"]


@pytest.mark.parametrize(("options", "message"), [
    ({"format": "xlsx"}, "--format"),
    ({"start": "2026-02-30"}, "--start"),
    ({"end": "2025-01-01"}, "--end"),
    ({"workspace": "Nobody"}, "--workspace"),
])  # fmt: skip
def test_command_bad_input_names_the_option(ws, tmp_path, options, message):
    args = {"workspace": str(ws.pk), "start": "2026-01-01", "end": "2026-12-31", "format": "csv",
            "output": str(tmp_path / "x")}  # fmt: skip
    with pytest.raises(CommandError, match=message):
        call_command("export_focus", **{**args, **options})
