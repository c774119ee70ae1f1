"""Settings › Integrations › Twilio: validation, live check, storage, workspaces, removal, secrets."""

import logging
import re
from datetime import date

import pytest
import responses
from django.db import connection
from django.urls import reverse

from costs.models import BilledTotal, CostLineItem
from integrations.api.serializers import IntegrationSerializer
from integrations.models import IngestionRun, Integration, IntegrationStatus, UnclassifiedUsage
from tests.fakes.twilio import ACCOUNT, BASE, KEY, TODAY_PATH, error, page, record
from vantage.models import Membership, Role, Workspace

pytestmark = pytest.mark.django_db
URL = "/settings/integrations/twilio/"


def form_data(secret, **over):
    data = {"api_key_sid": KEY, "api_secret": secret, "account_sid": ACCOUNT, "account_name": "Acme Prod",
            "description": "Main account"}
    data.update(over)
    return data


def ok_check():
    responses.get(BASE + TODAY_PATH, json=page([record("totalprice", date.today(), "0")]))


@pytest.fixture
def no_tasks(monkeypatch):
    """Record queued tasks instead of running them."""
    queued = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda func, *args, **kw: queued.append((func.__name__, args)))
    return queued


@responses.activate
def test_connect_checks_live_then_saves_encrypted_and_queues_import(owner_client, ws, twilio_secret, no_tasks,
                                                                   django_capture_on_commit_callbacks):
    ok_check()
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(URL, form_data("  " + twilio_secret + " ", account_sid=f"  {ACCOUNT} "))
    integration = Integration.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("integrations:detail", args=[integration.pk])
    assert integration.status == IntegrationStatus.IMPORTING
    assert list(integration.workspaces.all()) == [ws]
    assert integration.api_secret == twilio_secret and integration.account_sid == ACCOUNT
    assert no_tasks == [("import_history_task", (integration.pk, False))]  # the primary key only
    call = responses.calls[0]
    assert call.request.method == "GET" and "Category=totalprice" in call.request.url
    with connection.cursor() as cur:
        cur.execute("SELECT api_key_sid, api_secret FROM integrations_integration")
        stored_key, stored_secret = cur.fetchone()
    assert twilio_secret not in stored_secret and KEY not in stored_key  # encrypted at rest


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("api_key_sid", "SK123", "32 hexadecimal"),
        ("api_key_sid", "AC" + "a" * 32, "32 hexadecimal"),
        ("account_sid", "AC" + "z" * 32, "32 hexadecimal"),
        ("api_secret", "   ", "required"),
        ("account_name", "", "required"),
    ],
)
@responses.activate
def test_malformed_input_is_shown_next_to_its_field_and_nothing_is_saved(owner_client, twilio_secret, field, value,
                                                                        message):
    response = owner_client.post(URL, form_data(twilio_secret, **{field: value}))
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not Integration.objects.exists() and len(responses.calls) == 0


@responses.activate
def test_duplicate_account_name_ignoring_case_and_duplicate_sid(owner_client, integration, twilio_secret):
    response = owner_client.post(URL, form_data(twilio_secret, account_name="ACME twilio", account_sid="AC" + "f" * 32))
    assert "already exists" in response.context["form"].errors["account_name"][0]
    assert len(responses.calls) == 0
    ok_check()  # an Account SID already connected is told only to a key Twilio accepts for it (finding 4)
    response = owner_client.post(URL, form_data(twilio_secret, account_name="Other"))
    assert "already connected" in response.context["form"].errors["account_sid"][0]
    assert Integration.objects.count() == 1 and len(responses.calls) == 1


def test_database_constraint_catches_a_simultaneous_duplicate(integration, twilio_secret):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Integration.objects.create(account_name="acme TWILIO", account_sid="AC" + "e" * 32, api_key_sid=KEY,
                                   api_secret=twilio_secret)


def test_service_turns_the_race_into_a_clear_error(ws, owner, integration, twilio_secret):
    from integrations import services

    with pytest.raises(services.DuplicateIntegration):
        services.connect_twilio(user=owner, workspace=ws, api_key_sid=KEY, api_secret=twilio_secret,
                                account_sid="AC" + "e" * 32, account_name="ACME Twilio")
    assert Integration.objects.count() == 1


@responses.activate
@pytest.mark.parametrize(
    "status,body,field,text",
    [
        (401, error(20003, 401), "api_secret", "Twilio rejected this API key and secret"),
        (404, error(20404, 404), "account_sid", "cannot read that Account SID"),
        (503, error(20500, 503), None, "could not be reached"),
    ],
)
def test_twilio_answers_become_field_messages(owner_client, twilio_secret, status, body, field, text):
    responses.get(BASE + TODAY_PATH, status=status, json=body)
    response = owner_client.post(URL, form_data(twilio_secret))
    errors = response.context["form"].errors.get(field or "__all__")
    assert text in " ".join(errors)
    assert not Integration.objects.exists()
    assert twilio_secret not in response.content.decode()


@responses.activate
def test_twilio_unreachable(owner_client, twilio_secret, settings):
    import requests as rq

    responses.get(BASE + TODAY_PATH, body=rq.ConnectionError("refused"))
    response = owner_client.post(URL, form_data(twilio_secret))
    assert "try again" in " ".join(response.context["form"].non_field_errors()).lower()


def test_manage_tab_lists_this_workspace_only_with_costs(owner_client, integration, other_ws, twilio_secret):
    hidden = Integration.objects.create(account_name="Globex Twilio", account_sid="AC" + "d" * 32, api_key_sid=KEY,
                                        api_secret=twilio_secret)
    hidden.workspaces.add(other_ws)
    CostLineItem.objects.create(integration=integration, account_id=ACCOUNT, date=date(2026, 1, 1), service="SMS & MMS",
                                category="sms-outbound", cost="12.34", currency="USD")
    page_html = owner_client.get(URL + "?tab=manage").content.decode()
    assert "Acme Twilio" in page_html and "Globex Twilio" not in page_html
    assert "12.34 USD" in page_html and "AC…" + ACCOUNT[-4:] in page_html
    assert ACCOUNT not in page_html


def test_connect_tab_explains_keys_and_subaccounts(owner_client):
    text = owner_client.get(URL + "?tab=connect").content.decode()
    for label in ("API Key", "API Secret", "Account SID", "Account Name", "Description", "Connect Account"):
        assert label in text
    assert "Standard" in text and "subaccounts" in text


def test_outsider_gets_404_everywhere(client, outsider, integration):
    client.force_login(outsider)
    for name in ("detail", "status", "edit", "delete"):
        assert client.get(reverse(f"integrations:{name}", args=[integration.pk])).status_code == 404
    for name in ("sync", "retry", "workspaces", "delete", "edit"):
        assert client.post(reverse(f"integrations:{name}", args=[integration.pk])).status_code == 404
    assert Integration.objects.filter(pk=integration.pk).exists()


def test_viewer_can_look_but_not_change(client, viewer, integration, twilio_secret):
    client.force_login(viewer)
    assert client.get(reverse("integrations:detail", args=[integration.pk])).status_code == 200
    assert client.get(reverse("integrations:status", args=[integration.pk])).json()["status"] == "pending"
    new = form_data(twilio_secret, account_name="New", account_sid="AC" + "1" * 32)
    assert client.post(URL, new).status_code == 403
    for name in ("sync", "retry", "workspaces", "delete", "edit"):
        assert client.post(reverse(f"integrations:{name}", args=[integration.pk])).status_code == 403
    assert Integration.objects.filter(pk=integration.pk, status="pending").exists()
    assert "Connect Account" not in client.get(URL + "?tab=connect").content.decode()


def _fill(integration):
    CostLineItem.objects.create(integration=integration, account_id=ACCOUNT, date=date(2026, 1, 1), service="SMS & MMS",
                                category="sms-outbound", cost="5", currency="USD")
    BilledTotal.objects.create(integration=integration, account_id=ACCOUNT, date=date(2026, 1, 1), currency="USD",
                               amount="5", attributed="5")
    UnclassifiedUsage.objects.create(integration=integration, account_id=ACCOUNT, date=date(2026, 1, 1), category="x")
    IngestionRun.objects.create(integration=integration, start_date=date(2026, 1, 1), end_date=date(2026, 1, 31))


def test_removal_confirms_with_counts_then_leaves_nothing_behind(owner_client, integration):
    _fill(integration)
    confirm = owner_client.get(reverse("integrations:delete", args=[integration.pk])).content.decode()
    assert "1 cost line items" in confirm and "5.00 USD" in confirm
    response = owner_client.post(reverse("integrations:delete", args=[integration.pk]))
    assert response.status_code == 302
    for model in (Integration, CostLineItem, BilledTotal, UnclassifiedUsage, IngestionRun):
        assert not model.objects.exists(), model


def test_workspace_assignment_only_touches_workspaces_i_can_edit(owner_client, owner, integration, ws, other_ws):
    mine = Workspace.objects.create(name="Support")
    Membership.objects.create(user=owner, workspace=mine, role=Role.EDITOR)
    readonly = Workspace.objects.create(name="Finance")
    Membership.objects.create(user=owner, workspace=readonly, role=Role.VIEWER)
    integration.workspaces.add(other_ws)  # someone else's assignment
    url = reverse("integrations:workspaces", args=[integration.pk])
    page_html = owner_client.get(reverse("integrations:detail", args=[integration.pk])).content.decode()
    assert "Support" in page_html and "Finance" not in page_html.split("Manage Connection")[1].split("</form>")[0]
    owner_client.post(url, {"workspaces": [ws.pk, mine.pk, readonly.pk]})  # tampered: Finance is read-only
    assert set(integration.workspaces.values_list("name", flat=True)) == {"Acme", "Globex"}
    owner_client.post(url, {"workspaces": [ws.pk, mine.pk]})
    assert set(integration.workspaces.values_list("name", flat=True)) == {"Acme", "Support", "Globex"}
    owner_client.post(url, {"workspaces": [mine.pk]})
    assert set(integration.workspaces.values_list("name", flat=True)) == {"Support", "Globex"}


def test_costs_appear_only_in_assigned_workspaces(client, owner, outsider, integration, other_ws):
    _fill(integration)
    client.force_login(outsider)
    assert "Acme Twilio" not in client.get(URL + "?tab=manage").content.decode()
    integration.workspaces.add(other_ws)
    assert "Acme Twilio" in client.get(URL + "?tab=manage").content.decode()


@responses.activate
def test_rotate_credentials_blank_secret_keeps_the_old_one(owner_client, integration, twilio_secret):
    url = reverse("integrations:edit", args=[integration.pk])
    page_html = owner_client.get(url).content.decode()
    assert twilio_secret not in page_html and KEY not in page_html
    owner_client.post(url, {"api_key_sid": "", "api_secret": "", "description": "renamed"})
    integration.refresh_from_db()
    assert integration.api_secret == twilio_secret and integration.description == "renamed"
    assert len(responses.calls) == 0

    responses.get(BASE + TODAY_PATH, status=401, json=error(20003, 401))
    response = owner_client.post(url, {"api_secret": "wrong-new-secret", "description": "x"})
    assert "rejected" in " ".join(response.context["form"].errors["api_secret"])
    integration.refresh_from_db()
    assert integration.api_secret == twilio_secret

    responses.reset()
    ok_check()
    owner_client.post(url, {"api_secret": "the-new-secret-value", "description": "x"})
    integration.refresh_from_db()
    assert integration.api_secret == "the-new-secret-value"
    assert responses.calls[0].request.headers["Authorization"].startswith("Basic ")


@responses.activate
def test_rotate_credentials_for_a_key_that_cannot_read_the_account(owner_client, integration):
    """The edit form has no Account SID field: the 20404 message goes above the form (it used to crash)."""
    responses.get(BASE + TODAY_PATH, status=404, json=error(20404, 404))
    response = owner_client.post(reverse("integrations:edit", args=[integration.pk]), {"api_secret": "another-one"})
    assert response.status_code == 400
    assert "cannot read that Account SID" in " ".join(response.context["form"].non_field_errors())


def test_keep_at_least_one_workspace_on_the_page(owner_client, integration):
    response = owner_client.post(reverse("integrations:workspaces", args=[integration.pk]), {"workspaces": []},
                                 follow=True)
    assert "Keep at least one workspace" in response.content.decode()
    assert integration.workspaces.count() == 1


def test_status_json_carries_the_api_import_progress(owner_client, integration):
    Integration.objects.filter(pk=integration.pk).update(import_windows_total=6, import_windows_done=3,
                                                         import_records_read=42, status=IntegrationStatus.IMPORTING)
    integration.refresh_from_db()
    status = owner_client.get(reverse("integrations:status", args=[integration.pk])).json()
    progress = IntegrationSerializer(integration).data["import_progress"]
    assert progress == {"windows_total": 6, "windows_done": 3, "records_read": 42, "percent": 50}
    assert {k: status[k] for k in progress} == progress
    assert status["status"] == "importing" and status["status_display"] == "Importing"
    assert status["message"] == "" and status["last_refreshed_at"] is None and status["id"] == integration.pk


def test_sync_and_retry_queue_tasks_with_the_primary_key(owner_client, integration, no_tasks,
                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(reverse("integrations:sync", args=[integration.pk]))
    assert no_tasks[-1] == ("sync_task", (integration.pk, "manual"))
    integration.refresh_from_db()
    assert integration.status == IntegrationStatus.IMPORTING
    response = owner_client.post(reverse("integrations:sync", args=[integration.pk]), follow=True)
    assert "already running" in response.content.decode() and len(no_tasks) == 1
    Integration.objects.filter(pk=integration.pk).update(status=IntegrationStatus.ERROR)
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(reverse("integrations:retry", args=[integration.pk]))
    assert no_tasks[-1] == ("import_history_task", (integration.pk, True))


def test_refresh_schedule_queues_every_integration_not_in_error(integration, twilio_secret, no_tasks, ws):
    from integrations.tasks import refresh_all_integrations

    broken = Integration.objects.create(account_name="Broken", account_sid="AC" + "9" * 32, api_key_sid=KEY,
                                        api_secret=twilio_secret, status=IntegrationStatus.ERROR)
    refresh_all_integrations()
    assert [args[0] for _, args in no_tasks] == [integration.pk]
    assert broken.pk not in [args[0] for _, args in no_tasks]


def test_admin_shows_operational_columns_and_never_secrets(admin_client, integration, twilio_secret,
                                                           django_assert_max_num_queries):
    _fill(integration)
    with django_assert_max_num_queries(12):
        listing = admin_client.get(reverse("admin:integrations_integration_changelist")).content.decode()
    change = admin_client.get(reverse("admin:integrations_integration_change", args=[integration.pk])).content.decode()
    for html in (listing, change):
        assert twilio_secret not in html and KEY not in html
    assert "5.00" in listing
    assert admin_client.get(reverse("admin:integrations_ingestionrun_changelist")).status_code == 200
    cats = admin_client.get(
        reverse("admin:integrations_twilioimagecategory_changelist".replace("twilioimage", "twiliousage"))
    )
    assert cats.status_code == 200


def test_secret_never_in_logs(owner_client, integration, twilio_secret, caplog):
    caplog.set_level(logging.DEBUG)
    with responses.RequestsMock() as rm:
        rm.get(BASE + TODAY_PATH, status=401, json=error(20003, 401))
        owner_client.post(reverse("integrations:edit", args=[integration.pk]), {"api_secret": twilio_secret + "x"})
    assert twilio_secret not in caplog.text
    assert not re.search(r"Basic [A-Za-z0-9+/=]{20,}", caplog.text)


def test_field_errors_and_help_are_what_the_inputs_aria_describedby_names(client, owner):
    """Screen readers read a field's error and help text: every id in aria-describedby exists."""
    import re

    client.force_login(owner)
    html = client.post(reverse("integrations:twilio"), {"api_key_sid": "nope", "account_sid": "AC1"}).content.decode()
    described = re.findall(r'aria-describedby="([^"]+)"', html)
    assert described
    for ids in described:
        for ref in ids.split():
            assert f'id="{ref}"' in html, ref
