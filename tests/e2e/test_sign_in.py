import pytest

from tests.conftest import PASSWORD
from tests.e2e.conftest import sign_in
from vantage.models import Membership, Role, Workspace

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_sign_in_see_default_switch_workspace_and_sign_out(page, django_user_model):
    user = django_user_model.objects.create_user(username="newcomer", password=PASSWORD)
    Membership.objects.create(user=user, workspace=Workspace.objects.get_or_create(name="Default")[0], role=Role.OWNER)
    Membership.objects.create(user=user, workspace=Workspace.objects.create(name="Marketing"), role=Role.VIEWER)

    sign_in(page, "newcomer", "wrong password")
    assert "correct username and password" in page.content()

    sign_in(page, "newcomer", PASSWORD)
    page.wait_for_selector("h1")
    assert page.inner_text("h1") == "Overview"  # the page's name; the workspace is its subtitle
    assert page.inner_text("#workspace-name") == "Default"
    assert page.locator("#workspace-select option:checked").inner_text() == "Default"

    page.select_option("#workspace-select", label="Marketing")  # auto-submits
    page.wait_for_url("**/")
    page.locator("#workspace-name", has_text="Marketing").wait_for()  # not wait_for_function("..."): CSP refuses eval
    assert "Marketing" in page.inner_text(".messages")

    page.click(".user-menu summary")
    page.click("text=Sign out")
    page.wait_for_url("**/accounts/login/**")
    page.goto("/")
    assert "/accounts/login/" in page.url
