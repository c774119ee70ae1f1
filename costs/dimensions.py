"""The dimensions a report can filter and group by: a registry of name -> ORM expression.

Every expression is evaluated in SQL over ``CostLineItem`` (filters, ``GROUP BY``, ``CASE``); nothing
here loops over cost rows. Other apps contribute dimensions without touching this module:

* a fixed dimension: ``dimensions.register(Dimension(key="...", label="...", expression=...))``;
* a family of dimensions that depends on the workspace, such as virtual tags: register a provider
  for a prefix; ``dimensions.get("tag:team", workspace)`` then asks it for ``"team"``::

      class VirtualTagDimensions:
          def dimension(self, name, workspace):      # -> Dimension | None
              tag = VirtualTag.objects.filter(workspace=workspace, key=name).first()
              return tag and Dimension(key=f"tag:{name}", label=tag.key, expression=tag.as_case(), nullable=True)

          def choices(self, workspace):              # -> [(key, label)] offered in "Group by"
              keys = VirtualTag.objects.filter(workspace=workspace).values_list("key", flat=True)
              return [(f"tag:{k}", k) for k in keys]

      dimensions.register_provider("tag", VirtualTagDimensions())   # in TaggingConfig.ready()

  The report filter ``tag=team:web`` and grouping ``group_by=tag:team`` then work everywhere
  (pages, CSV, API) with no change to costs/. A provider may return a ``Dimension`` subclass that
  overrides ``q()`` (what a filter on its values matches, e.g. split markers too) and ``split()``
  (sharing aggregated amounts of a split value out to its labels; see ``Dimension.split``).
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Lower, Trim
from django.db.models.lookups import In, IsNull

NONE_LABEL = "(none)"

# Twilio spells the same unit several ways across categories ("segment"/"segments", "phonenumbers"/
# "phone-numbers"). Units are compared lower-cased and trimmed, then mapped to one spelling here.
UNIT_ALIASES: dict[str, tuple[str, ...]] = {
    "segments": ("segment",),
    "minutes": ("minute", "min", "mins"),
    "phone-numbers": ("phonenumbers", "phonenumber", "phone-number", "phone numbers", "phone number"),
    "messages": ("message",),
    "calls": ("call",),
    "requests": ("request",),
    "seconds": ("second", "sec", "secs"),
    "lookups": ("lookup",),
    "verifications": ("verification",),
    "participant-minutes": ("participant minutes", "participant_minutes"),
}


def normalise_unit(raw: str | None) -> str:
    """The Python twin of ``UNIT_EXPRESSION`` (for tests and for labels)."""
    unit = (raw or "").strip().lower()
    for canonical, aliases in UNIT_ALIASES.items():
        if unit in aliases:
            return canonical
    return unit


def unit_expression():
    """``usage_unit`` lower-cased, trimmed and mapped to its canonical spelling, in SQL."""
    cleaned = Lower(Trim("usage_unit"))
    return Case(
        *[When(In(cleaned, list(aliases)), then=Value(canonical)) for canonical, aliases in UNIT_ALIASES.items()],
        default=cleaned,
    )


@dataclass(frozen=True)
class Dimension:
    """One way to slice costs.

    ``expression`` is a field path (``"service"``, ``"integration__account_name"``) or any ORM
    expression over ``CostLineItem``. ``billed_field`` is set only for dimensions that never cut
    through an account's day (billing account, account), so reports filtered on them can be
    reconciled with ``BilledTotal``. ``nullable`` makes "is not" keep rows without a value.
    """

    key: str
    label: str
    expression: Any
    nullable: bool = False
    billed_field: str | None = None
    # the value rows no rule labels get (a virtual tag's "Not tagged"); exports such as FOCUS leave it out
    untagged: str | None = None

    def resolve(self):
        """A fresh ORM expression for ``annotate()``/``alias()``."""
        if isinstance(self.expression, str):
            return F(self.expression)
        return self.expression.copy() if hasattr(self.expression, "copy") else self.expression

    def q(self, values: Iterable[Any], *, exclude: bool = False) -> Q:
        """Rows whose value is one of ``values`` (or none of them with ``exclude``)."""
        values = list(values)
        if isinstance(self.expression, str):
            match = Q(**{f"{self.expression}__in": values})
        else:
            match = Q(In(self.resolve(), values))
        if not exclude:
            return match
        if self.nullable:
            return ~match | Q(IsNull(self.resolve(), True))
        return ~match

    def display(self, value) -> str:
        return NONE_LABEL if value in (None, "") else str(value)

    # Post-aggregation sharing, for virtual tag values that split costs (60% Team A, 40% Team B):
    # a subclass sets ``has_splits = True`` and returns, for a value its expression yields, the
    # parts ``[(label, amount), ...]`` that add up to ``amount`` (``None``: keep the row as it is).
    # Reports then apply it to every aggregated row, cost and usage alike, and add the parts up.
    has_splits = False

    def split(self, value, amount) -> list[tuple[str, Decimal | None]] | None:
        return None


class UnknownDimension(KeyError):
    pass


# What a report filter or grouping on a ``tag:<key>`` no provider knows says (``%(key)s``: the key).
UNKNOWN_TAG_KEY = "Unknown tag key “%(key)s”: no virtual tag with this key exists in this workspace."


class DimensionProvider(Protocol):
    def dimension(self, name: str, workspace) -> Dimension | None: ...

    def choices(self, workspace) -> list[tuple[str, str]]: ...


class DimensionRegistry:
    def __init__(self):
        self._dimensions: dict[str, Dimension] = {}
        self._providers: dict[str, DimensionProvider] = {}

    def register(self, dimension: Dimension) -> Dimension:
        if ":" in dimension.key:
            raise ValueError("Keys with ':' belong to providers (register_provider).")
        self._dimensions[dimension.key] = dimension
        return dimension

    def register_provider(self, prefix: str, provider: DimensionProvider) -> None:
        self._providers[prefix] = provider

    def unregister_provider(self, prefix: str) -> None:
        self._providers.pop(prefix, None)

    @contextmanager
    def provider_override(self, prefix: str, provider: DimensionProvider):
        """Use ``provider`` for ``prefix`` inside the block, then restore whatever was registered."""
        previous = self._providers.get(prefix)
        self._providers[prefix] = provider
        try:
            yield provider
        finally:
            if previous is None:
                self._providers.pop(prefix, None)
            else:
                self._providers[prefix] = previous

    def get(self, key: str, workspace=None) -> Dimension:
        if key in self._dimensions:
            return self._dimensions[key]
        prefix, sep, name = key.partition(":")
        provider = self._providers.get(prefix) if sep and name else None
        dimension = provider.dimension(name, workspace) if provider else None
        if dimension is None:
            raise UnknownDimension(key)
        return dimension

    def catalog(self, workspace=None) -> list[tuple[str, str, list[str] | None]]:
        """``choices`` with the values a filter picker offers for each provider dimension (``None`` for
        the fixed ones: their values come from ``costs.dimension_values``). One query per provider that
        has a ``catalog(workspace)`` method (else its ``choices``, with no values)."""
        out = [(d.key, d.label, None) for d in self._dimensions.values()]
        for provider in self._providers.values():
            if hasattr(provider, "catalog"):
                out.extend(provider.catalog(workspace))
            else:
                out.extend((key, label, None) for key, label in provider.choices(workspace))
        return out

    def choices(self, workspace=None) -> list[tuple[str, str]]:
        """Every dimension offered in "Group by": the fixed ones, then each provider's."""
        out = [(d.key, d.label) for d in self._dimensions.values()]
        for provider in self._providers.values():
            out.extend(provider.choices(workspace))
        return out


dimensions = DimensionRegistry()

BILLING_ACCOUNT = dimensions.register(
    Dimension(
        "billing_account", "Billing Account", "integration__account_name", billed_field="integration__account_name"
    )
)
ACCOUNT = dimensions.register(Dimension("account_id", "Account", "account_id", billed_field="account_id"))
SERVICE = dimensions.register(Dimension("service", "Service", "service"))
CHARGE_TYPE = dimensions.register(Dimension("charge_type", "Charge Type", "charge_type"))
CATEGORY = dimensions.register(Dimension("category", "Category", "category"))
USAGE_UNIT = dimensions.register(Dimension("usage_unit", "Usage Unit", unit_expression()))

# Clicking a row of a report grouped by one of these filters to it and groups by the next one.
DRILL_PATH = ["billing_account", "account_id", "service", "category", "charge_type"]


def drill_next(key: str) -> str | None:
    if key in DRILL_PATH and DRILL_PATH.index(key) + 1 < len(DRILL_PATH):
        return DRILL_PATH[DRILL_PATH.index(key) + 1]
    return None
