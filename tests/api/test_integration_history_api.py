"""POST /api/v2/integrations/{id}/import-history: the same rules as the page's "Import earlier history"."""

import pytest

from integrations import history
from integrations.models import IntegrationStatus
from tests.api.helpers import errors_of
from tests.integrations.history_runs import imported_history
from vantage.lib.dates import add_months, month_start, utc_today

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_secret_in_any_response")]


@pytest.fixture
def queued(monkeypatch):
    tasks = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda func, *args, **kw: tasks.append((func.__name__, args)))
    return tasks


@pytest.fixture
def imported(integration):
    return imported_history(integration)


def url(integration):
    return f"/api/v2/integrations/{integration.pk}/import-history"


def test_queues_the_missing_months_and_answers_202(api, owner, imported, queued, django_capture_on_commit_callbacks):
    back_to = add_months(history.history_range()[0], -6)
    with django_capture_on_commit_callbacks(execute=True):
        r = api(owner).post(url(imported), {"start_month": f"{back_to:%Y-%m}"}, format="json")
    assert r.status_code == 202, r.content
    body = r.json()
    assert body["start_month"] == f"{back_to:%Y-%m}" and body["months_queued"] == 6
    assert body["integration"]["id"] == imported.pk and body["integration"]["status"] == "importing"
    assert body["integration"]["import_progress"] == {"windows_total": 6, "windows_done": 0, "records_read": 0,
                                                      "percent": 0}
    assert queued == [("earlier_history_task", (imported.pk,))]
    imported.refresh_from_db()
    assert imported.history_back_to == back_to
    # one import at a time
    r = api(owner).post(url(imported), {"start_month": f"{back_to:%Y-%m}"}, format="json")
    assert r.status_code == 409 and r.json()["errors"][0]["message"].startswith("An import is already running")
    assert len(queued) == 1


def test_editor_may_and_nothing_left_answers_200(api, editor, imported, queued, django_capture_on_commit_callbacks):
    first = history.history_range()[0]
    with django_capture_on_commit_callbacks(execute=True):
        r = api(editor).post(url(imported), {"start_month": f"{first:%Y-%m}"}, format="json")
    assert r.status_code == 200 and r.json()["months_queued"] == 0
    assert queued == [] and r.json()["integration"]["status"] == "imported"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "required"),
        ("", "blank"),
        ("2024-6", "YYYY-MM"),
        ("2024-06-01", "YYYY-MM"),
        ("too-early", "at most 36 months"),
        ("too-late", "already imported"),
        ("next-month", "already imported"),
    ],
)
def test_bad_input_answers_400_naming_start_month(api, owner, imported, queued, value, message):
    this_month = month_start(utc_today())
    value = {"too-early": f"{add_months(this_month, -37):%Y-%m}", "too-late": f"{add_months(this_month, -2):%Y-%m}",
             "next-month": f"{add_months(this_month, 1):%Y-%m}"}.get(value, value)
    body = {} if value is None else {"start_month": value}
    errors = errors_of(api(owner).post(url(imported), body, format="json"))
    assert list(errors) == ["start_month"] and message in errors["start_month"]
    imported.refresh_from_db()
    assert queued == [] and imported.status == IntegrationStatus.IMPORTED


def test_viewer_403_outsider_404(api, viewer, outsider, imported, queued):
    body = {"start_month": f"{add_months(history.history_range()[0], -1):%Y-%m}"}
    assert api(viewer).post(url(imported), body, format="json").status_code == 403
    assert api(outsider).post(url(imported), body, format="json").status_code == 404
    assert api(None).post(url(imported), body, format="json").status_code == 401
    assert api(viewer).get(url(imported)).status_code == 405
    assert queued == []


def test_the_schema_documents_it():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    op = schema["paths"]["/api/v2/integrations/{id}/import-history"]["post"]
    assert {"202", "200", "400", "403", "404", "409"} <= set(op["responses"])
    body = op["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert schema["components"]["schemas"][body]["required"] == ["start_month"]
