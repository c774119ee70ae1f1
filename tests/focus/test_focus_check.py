"""make focus-check's reading of the validator's report: any failed rule fails it, except an alternative
of an OR rule that passed (the validator reports those as failures too)."""

import importlib.util
from pathlib import Path

CHECK = Path(__file__).resolve().parents[2] / ".ci" / "focus_check.py"
spec = importlib.util.spec_from_file_location("focus_check", CHECK)
focus_check = importlib.util.module_from_spec(spec)
spec.loader.exec_module(focus_check)

PARENTS = {"InvoiceId-C-004-C": ["InvoiceId-C-003-C"], "InvoiceId-C-005-C": ["InvoiceId-C-003-C"],
           "X-C-002-C": ["X-C-001-C"]}  # fmt: skip


ELEMENT = {"passed": "", "failed": "<failure message='x'/>", "error": "<error message='x'/>", "skipped": "<skipped/>"}


def report(*cases) -> str:
    body = "".join(f'<testcase name="{rule} :: Check">{ELEMENT[state]}</testcase>' for rule, state in cases)
    return f'<testsuites><testsuite name="s">{body}</testsuite></testsuites>'


def test_an_alternative_of_a_passed_or_is_not_a_failure():
    xml = report(("InvoiceId-C-003-C", "passed"), ("InvoiceId-C-004-C", "passed"), ("InvoiceId-C-005-C", "failed"))
    assert focus_check.failed_rules(xml, PARENTS) == ([], ["InvoiceId-C-005-C"])


def test_failures_and_errors_count_when_their_or_failed_or_there_is_none():
    xml = report(("X-C-001-C", "failed"), ("X-C-002-C", "failed"), ("Tags-C-001-M", "error"),
                 ("Other-C-000-C", "skipped"), ("Fine-C-001-M", "passed"))  # fmt: skip
    assert focus_check.failed_rules(xml, PARENTS) == (["Tags-C-001-M", "X-C-001-C", "X-C-002-C"], [])
