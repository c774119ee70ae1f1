"""make focus-check: export the Twilio sandbox's last six months of both accounts as FOCUS 1.2 (CSV and
Parquet) and have the FinOps Foundation's validator (focus-validator 2.x) check both files.

    .venv/bin/python .ci/focus_check.py --validator .venv-focus/bin/focus-validator

Exits non-zero on ANY failed rule (the validator itself may exit 0 with failures), and when BilledCost
does not add up to the sandbox's ``totalprice`` to the cent. Runs on a throwaway SQLite database.

The applicability criteria say what Twilio supports, as this export shows it (``CRITERIA``):

* ACCOUNT_NAMING_SUPPORTED: accounts have a friendly name (BillingAccountName is the integration's);
* SUB_ACCOUNT_SUPPORTED: Twilio has subaccounts, and the usage records name the account they are for;
* USAGE_MEASUREMENT_SUPPORTED: every usage record carries a usage quantity and unit;
* TAGGING_SUPPORTED: costs carry the workspace's virtual tags (Tags).

Left out, because Twilio's usage records do not carry them: unit, list, negotiated and public prices
(UNIT_PRICING, PUBLIC_PRICE_LIST, NEGOTIATED_PRICING: no ListUnitPrice, ContractedUnitPrice or SkuPriceId
to give), commitment discounts, capacity reservations, regions and availability zones, resources and
resource types, several sub-account or billing-account types, several pricing categories, pricing in
another currency than the bill, virtual currencies.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CRITERIA = "ACCOUNT_NAMING_SUPPORTED,SUB_ACCOUNT_SUPPORTED,USAGE_MEASUREMENT_SUPPORTED,TAGGING_SUPPORTED"
MONTHS = 6
CENT = Decimal("0.01")


def setup_django(folder: Path) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/focus-check.sqlite3"
    os.environ["DJANGO_SETTINGS_MODULE"] = "vantage.settings_test"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def tag_workspace(ws) -> None:
    """A virtual tag with a plain value and a split value, so the Tags column is exercised."""
    from tagging.models import VirtualTag, VirtualTagValue

    tag = VirtualTag.objects.create(workspace=ws, key="team")

    def service(*names):
        return [{"conditions": [{"dimension": "service", "operator": "is", "values": list(names)}]}]

    VirtualTagValue.objects.create(tag=tag, position=1, name="Messaging", filters=service("SMS & MMS", "WhatsApp"))
    VirtualTagValue.objects.create(
        tag=tag, position=2, name="Shared voice", filters=service("Programmable Voice"),
        splits=[{"label": "Support", "percent": "60"}, {"label": "Sales", "percent": "40"}],
    )  # fmt: skip


def import_sandbox(folder: Path):
    """The sandbox's main account (with its subaccounts, USD) and standalone account (GBP), six months."""
    from integrations.models import Integration
    from integrations.twilio import importer
    from integrations.twilio.sandbox import serve_in_thread
    from vantage.lib.dates import add_months, month_start, utc_today
    from vantage.models import Workspace

    today = utc_today()
    end = today - timedelta(days=1)
    start = add_months(month_start(end), -(MONTHS - 1))
    server, base_url = serve_in_thread(seed=7, today=today)
    from django.conf import settings

    settings.TWILIO_API_BASE_URL = base_url
    ws = Workspace.objects.create(name="FOCUS check")
    try:
        for kind in ("main", "standalone"):
            creds = next(c for c in server.sandbox.credentials() if c["kind"] == kind)
            integration = Integration.objects.create(
                account_name=creds["name"], account_sid=creds["account_sid"],
                api_key_sid=creds["api_key_sid"], api_secret=creds["api_secret"],
            )  # fmt: skip
            integration.workspaces.add(ws)
            importer.import_range(integration, start, end)
        totals = sandbox_totals(server.sandbox, ws, start, end)
    finally:
        server.shutdown()
    tag_workspace(ws)
    return ws, start, end, totals


def sandbox_totals(sandbox, ws, start, end) -> dict[str, Decimal]:
    """Twilio's ``totalprice`` per currency over the range, as the sandbox serves it (subaccounts included)."""
    totals: dict[str, Decimal] = {}
    for integration in ws.integrations.all():
        day = start
        while day <= end:
            for r in sandbox.daily_records(integration.account_sid, day):
                if r["category"] == "totalprice":
                    currency = r["price_unit"].upper()
                    totals[currency] = totals.get(currency, Decimal(0)) + Decimal(r["price"])
            day += timedelta(days=1)
    return totals


def export(ws, start, end, folder: Path) -> list[Path]:
    from django.core.management import call_command

    paths = []
    for fmt in ("csv", "parquet"):
        path = folder / f"focus-sandbox.{fmt}"
        call_command("export_focus", workspace=str(ws.pk), start=start.isoformat(), end=end.isoformat(),
                     format=fmt, output=str(path))  # fmt: skip
        paths.append(path)
    return paths


def check_sums(csv_path: Path, totals: dict[str, Decimal]) -> bool:
    import csv

    sums: dict[str, Decimal] = {}
    with csv_path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            sums[row["BillingCurrency"]] = sums.get(row["BillingCurrency"], Decimal(0)) + Decimal(row["BilledCost"])
    ok = True
    for currency in sorted(set(sums) | set(totals)):
        exported, billed = sums.get(currency, Decimal(0)), totals.get(currency, Decimal(0))
        same = exported.quantize(CENT) == billed.quantize(CENT)
        ok &= same
        print(f"  BilledCost {currency}: {exported.quantize(CENT)} vs Twilio totalprice {billed.quantize(CENT)}: "
              f"{'equal' if same else 'DIFFERENT'}")  # fmt: skip
    return ok


def validate(validator: Path, path: Path, out_folder: Path) -> tuple[list[str] | None, list[str], str]:
    """Run the validator on ``path``: (failed rules or ``None`` if it did not finish, alternatives not
    taken, its output). Run from the folder holding its package: it opens
    ``focus_validator/rules/currency_codes.csv`` relative to the working directory."""
    validator = validator.absolute()
    site = next(validator.parent.parent.glob("lib/python3*/site-packages"))
    report = out_folder / f"{path.stem}-{path.suffix[1:]}-report.xml"
    cmd = [str(validator), "--data-file", str(path), "--validate-version", "1.2", "--block-download",
           "--applicability-criteria", CRITERIA, "--output-type", "unittest", "--output-destination", str(report)]
    run = subprocess.run(cmd, cwd=site, capture_output=True, text=True, timeout=1800)
    output = run.stdout + run.stderr
    if run.returncode != 0 or not report.exists():
        return None, [], output
    failed, alternatives = failed_rules(report.read_text(encoding="utf-8"), or_parents(site))
    return failed, alternatives, output


def or_parents(site: Path) -> dict[str, list[str]]:
    """Rule id -> the OR composites it is one alternative of (from the validator's own rule model)."""
    model = json.loads(sorted(site.glob("focus_validator/rules/model-1.2*.json"))[-1].read_text(encoding="utf-8"))
    parents: dict[str, list[str]] = {}
    for rule_id, rule in model["ModelRules"].items():
        requirement = rule.get("ValidationCriteria", {}).get("Requirement") or {}
        if requirement.get("CheckFunction") == "OR":
            for item in requirement.get("Items", []):
                if item.get("CheckFunction") == "CheckModelRule":
                    parents.setdefault(item["ModelRuleId"], []).append(rule_id)
    return parents


def failed_rules(xml_text: str, parents: dict[str, list[str]]) -> tuple[list[str], list[str]]:
    """(failed rules, alternatives not taken) of the validator's JUnit-style report.

    The validator lists every rule it evaluated, the alternatives of an OR too: "InvoiceId MUST be null
    when ..." OR "InvoiceId MUST NOT be null when ..." always has one alternative failing. A failed rule
    whose OR parent passed is such an alternative, not a failure; every other failed or errored rule is."""
    status = {}
    for case in ET.fromstring(xml_text).iter("testcase"):
        rule_id = case.attrib.get("name", "").split(" :: ")[0]
        failed = case.find("failure") is not None or case.find("error") is not None
        status[rule_id] = "failed" if failed else ("skipped" if case.find("skipped") is not None else "passed")
    failed, alternatives = [], []
    for rule_id, state in sorted(status.items()):
        if state != "failed":
            continue
        if any(status.get(p) == "passed" for p in parents.get(rule_id, [])):
            alternatives.append(rule_id)
        else:
            failed.append(rule_id)
    return failed, alternatives


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--validator", required=True, type=Path, help="the focus-validator executable")
    p.add_argument("--keep", type=Path, help="write the exports and reports here (default: a temporary folder)")
    args = p.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="focus-check-"))
    folder.mkdir(parents=True, exist_ok=True)
    setup_django(folder)
    ws, start, end, totals = import_sandbox(folder)
    print(f"Sandbox imported: {start} .. {end}, both accounts; exporting FOCUS 1.2 to {folder}")
    paths = export(ws, start, end, folder)
    ok = check_sums(paths[0], totals)
    for path in paths:
        failed, alternatives, output = validate(args.validator, path, folder)
        if failed is None:
            print(output[-4000:])
            print(f"  {path.name}: the validator did not run to the end")
            ok = False
            continue
        print(f"  {path.name}: focus-validator 1.2 ({CRITERIA}): {len(failed)} failed rules"
              + (f": {', '.join(failed)}" if failed else ""))  # fmt: skip
        if alternatives:
            print(f"    (alternatives of a passed OR, not failures: {', '.join(alternatives)})")
        ok &= not failed
    print("FOCUS check passed." if ok else "FOCUS check FAILED.")
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
