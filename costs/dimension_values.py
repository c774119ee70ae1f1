"""The distinct values of each filterable dimension in a workspace, fast enough for every page view.

A plain ``SELECT DISTINCT service`` reads every line item of the workspace (a second per dimension
at a million rows on SQLite). The values are few, so this walks the ``(integration_id, <column>)``
indexes instead: for each integration, the smallest value, then the smallest one greater than that,
and so on (a "loose index scan", written as a recursive CTE; PostgreSQL and SQLite alike). Cost:
(integrations x distinct values) index probes, independent of the number of line items. All
dimensions come back from ONE statement.

Usage units are normalised after the scan with ``normalise_unit`` (the twin of the SQL expression
reports group by; a test keeps the two in step).
"""

from __future__ import annotations

from collections import defaultdict

from django.db import connection

from .dimensions import normalise_unit
from .models import CostLineItem

# dimension key -> CostLineItem column; each needs an index starting (integration_id, column).
SCANNED_COLUMNS = {
    "account_id": "account_id",
    "service": "service",
    "charge_type": "charge_type",
    "category": "category",
    "usage_unit": "usage_unit",
}


def _sql(qn) -> str:
    table = qn(CostLineItem._meta.db_table)
    integration_field = CostLineItem._meta.get_field("integration")
    integration = qn(integration_field.column)
    integrations = integration_field.related_model
    through = integrations._meta.get_field("workspaces").remote_field.through
    through_integration = qn(through._meta.get_field("integration").column)
    through_workspace = qn(through._meta.get_field("workspace").column)
    ctes = [
        f"ws_integrations(iid) AS (SELECT {through_integration} FROM {qn(through._meta.db_table)} "
        f"WHERE {through_workspace} = %s)"
    ]
    selects = []
    for key, column in SCANNED_COLUMNS.items():
        col, cte = qn(column), f"scan_{key}"
        ctes.append(
            f"{cte}(iid, v) AS ("
            f"SELECT iid, (SELECT MIN({col}) FROM {table} WHERE {integration} = ws_integrations.iid) FROM ws_integrations "
            f"UNION ALL "
            f"SELECT iid, (SELECT MIN({col}) FROM {table} WHERE {integration} = {cte}.iid AND {col} > {cte}.v) "
            f"FROM {cte} WHERE v IS NOT NULL)"
        )
        selects.append(f"SELECT DISTINCT '{key}', v FROM {cte} WHERE v IS NOT NULL")
    pk, name = qn(integrations._meta.pk.column), qn(integrations._meta.get_field("account_name").column)
    selects.append(
        f"SELECT 'billing_account', i.{name} FROM {qn(integrations._meta.db_table)} i "
        f"WHERE i.{pk} IN (SELECT iid FROM ws_integrations) AND EXISTS (SELECT 1 FROM {table} WHERE {integration} = i.{pk})"
    )
    return "WITH RECURSIVE " + ", ".join(ctes) + " " + " UNION ALL ".join(selects)


def workspace_dimension_values(workspace) -> dict[str, list[str]]:
    """``{dimension key: sorted distinct values}`` for the line items of ``workspace``'s integrations."""
    found: dict[str, set[str]] = defaultdict(set)
    with connection.cursor() as cursor:
        cursor.execute(_sql(connection.ops.quote_name), [workspace.pk])
        for key, value in cursor.fetchall():
            found[key].add(normalise_unit(value) if key == "usage_unit" else value)
    return {key: sorted(found[key]) for key in ["billing_account", *SCANNED_COLUMNS]}
