import pytest

from integrations.models import CategoryRole, Integration, TwilioUsageCategory
from tests.fakes.twilio import ACCOUNT, KEY, secret

CATALOG = {
    "totalprice": ("Other", CategoryRole.TOTAL),
    "sms": ("SMS & MMS", CategoryRole.ROLLUP),
    "sms-outbound": ("SMS & MMS", CategoryRole.LEAF),
    "sms-inbound": ("SMS & MMS", CategoryRole.LEAF),
    "calls": ("Programmable Voice", CategoryRole.ROLLUP),
    "calls-outbound": ("Programmable Voice", CategoryRole.LEAF),
    "phonenumbers-local": ("Phone Numbers", CategoryRole.LEAF),
    "lookups": ("Lookup", CategoryRole.LEAF),
}


@pytest.fixture
def catalog(db):
    for name, (service, role) in CATALOG.items():
        TwilioUsageCategory.objects.update_or_create(name=name, defaults={"service": service, "role": role})
    TwilioUsageCategory.objects.filter(name="brand-new-product").delete()


@pytest.fixture
def twilio_secret():
    return secret()


@pytest.fixture
def integration(db, ws, twilio_secret):
    i = Integration.objects.create(
        account_name="Acme Twilio", account_sid=ACCOUNT, api_key_sid=KEY, api_secret=twilio_secret
    )
    i.workspaces.add(ws)
    return i
