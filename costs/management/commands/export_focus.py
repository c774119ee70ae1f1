"""``manage.py export_focus --workspace ID|NAME --start YYYY-MM-DD --end YYYY-MM-DD --format csv|parquet
--output FILE``: a workspace's costs as FOCUS 1.2, written as it streams (memory stays flat)."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from costs.focus.services import FORMAT_ERROR, FocusFormat, export_focus
from costs.scoping import workspace_line_items
from vantage.models import Workspace


def _day(raw: str, name: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise CommandError(f"--{name}: give a day as YYYY-MM-DD, not “{raw}”.") from None


def _workspace(raw: str) -> Workspace:
    found = Workspace.objects.filter(pk=int(raw)) if raw.isdigit() else Workspace.objects.filter(name=raw)
    workspaces = list(found[:2])
    if len(workspaces) != 1:
        raise CommandError(f"--workspace: no single workspace with id or name “{raw}”.")
    return workspaces[0]


class Command(BaseCommand):
    help = "Export a workspace's costs as FOCUS 1.2 Cost and Usage rows (CSV or Parquet)."

    def add_arguments(self, parser):
        parser.add_argument("--workspace", required=True, help="Workspace id or exact name.")
        parser.add_argument("--start", required=True, help="First UTC day, YYYY-MM-DD.")
        parser.add_argument("--end", required=True, help="Last UTC day (inclusive), YYYY-MM-DD.")
        parser.add_argument("--format", default=FocusFormat.CSV, help="csv (default) or parquet.")
        parser.add_argument("--output", required=True, help="File to write.")

    def handle(self, *args, **opts):
        fmt = opts["format"]
        if fmt not in FocusFormat.values:
            raise CommandError(f"--format: {FORMAT_ERROR % fmt}")
        start, end = _day(opts["start"], "start"), _day(opts["end"], "end")
        if end < start:
            raise CommandError("--end: must not be before --start.")
        workspace = _workspace(opts["workspace"])
        export = export_focus(workspace_line_items(workspace), workspace, start, end, fmt)
        mode, encoding = ("w", "utf-8") if fmt == FocusFormat.CSV else ("wb", None)
        size = 0
        with open(opts["output"], mode, encoding=encoding, newline="" if encoding else None) as out:
            for chunk in export.chunks:
                out.write(chunk)
                size += len(chunk)
        self.stdout.write(f"Wrote {opts['output']} ({fmt}, {size:,} {'characters' if encoding else 'bytes'}).")
