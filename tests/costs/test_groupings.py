"""The grouping rules (costs/groupings.py): one home for the report page's form and the API."""

import pytest

from costs.dimensions import Dimension, DimensionRegistry
from costs.forms import ReportSettingsForm
from costs.groupings import MAX_GROUPINGS, grouping_errors, grouping_messages


class Tags:
    """A provider knowing one tag, ``tag:team``, and counting its look-ups."""

    def __init__(self):
        self.lookups = 0

    def dimension(self, name, workspace):
        self.lookups += 1
        return Dimension(key="tag:team", label="team", expression="service") if name == "team" else None

    def choices(self, workspace):
        return [("tag:team", "team")]


@pytest.fixture
def registry():
    registry = DimensionRegistry()
    for key in ("service", "category", "charge_type", "account_id"):
        registry.register(Dimension(key, key.title(), key))
    registry.register_provider("tag", Tags())
    return registry


def test_known_distinct_and_few_enough_groupings_pass(registry):
    assert grouping_errors([], registry=registry) == []
    assert grouping_errors(["tag:team", "service", "category"], registry=registry) == []
    assert MAX_GROUPINGS == 3


@pytest.mark.parametrize(
    "keys, expected",
    [
        (["colour"], ["Unknown grouping “colour”: colour is not one of the available choices "
                      "(service, category, charge_type, account_id, tag:team or tag:<key>)."]),
        (["tag:nope"], ["Unknown tag key “nope”: no virtual tag with this key exists in this workspace."]),
        (["service", "service"], ["Group by each dimension only once."]),
        (["service", "category", "charge_type", "account_id"], ["Group by at most 3 dimensions: 4 is more than 3."]),
        (["colour", "colour", "tag:nope"], [
            "Unknown grouping “colour”: colour is not one of the available choices "
            "(service, category, charge_type, account_id, tag:team or tag:<key>).",
            "Unknown tag key “nope”: no virtual tag with this key exists in this workspace.",
            "Group by each dimension only once.",
        ]),
    ],
)  # fmt: skip
def test_every_problem_is_named_at_once(registry, keys, expected):
    assert grouping_messages(keys, registry=registry) == expected


def test_too_many_keys_are_not_looked_up(registry):
    provider = registry._providers["tag"]
    messages = grouping_messages([f"tag:k{i}" for i in range(1000)], registry=registry)
    assert messages == ["Group by at most 3 dimensions: 1000 is more than 3."] and provider.lookups == 0


@pytest.mark.parametrize(
    "keys", [["colour"], ["tag:nope"], ["service", "service"], ["service", "category", "charge_type", "account_id"]]
)
def test_the_settings_form_says_what_the_rules_say(registry, keys):
    form = ReportSettingsForm({"group_by": keys}, registry=registry)
    assert not form.is_valid()
    assert form.errors["group_by"] == grouping_messages(keys, registry=registry)
    assert ReportSettingsForm({"group_by": ["tag:team", "service"]}, registry=registry).is_valid()


def test_offered_keys_need_no_look_up(registry):
    provider = registry._providers["tag"]
    assert grouping_errors(["tag:team", "service"], registry=registry, choices=registry.choices()) == []
    assert provider.lookups == 0
    assert ReportSettingsForm({"group_by": ["tag:team"]}, registry=registry).is_valid() and provider.lookups == 0
