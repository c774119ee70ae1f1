"""Profile: people set the email address their alerts go to, without the admin."""

import pytest

pytestmark = pytest.mark.django_db


def test_a_person_sets_their_email_and_a_bad_one_is_refused_next_to_the_field(owner_client, owner):
    page = owner_client.get("/settings/profile/")
    assert page.status_code == 200 and 'name="email"' in page.content.decode()
    bad = owner_client.post("/settings/profile/", {"email": "not an address", "first_name": "Olivia"})
    assert bad.status_code == 400 and 'id="id_email_error"' in bad.content.decode()
    owner.refresh_from_db()
    assert owner.first_name != "Olivia"  # nothing saved
    assert owner_client.post("/settings/profile/", {"email": "olivia@example.com"}).status_code == 302
    owner.refresh_from_db()
    assert owner.email == "olivia@example.com"


def test_the_profile_needs_signing_in(client):
    response = client.get("/settings/profile/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
