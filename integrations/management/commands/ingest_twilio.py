"""Import a Twilio integration's usage in the foreground, with a progress bar per window."""

import sys
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from integrations.models import Integration, Provider, RunTrigger
from integrations.twilio.client import TwilioError, client_for
from integrations.twilio.importer import history_range, import_range, month_windows


def parse_day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--{name} must be a date like 2026-01-31, not {value!r}.") from None


def find_integration(name_or_id: str) -> Integration:
    """The Twilio integration with this numeric id or (case-insensitive) Account Name."""
    qs = Integration.objects.filter(provider=Provider.TWILIO)
    if str(name_or_id).isdigit():
        found = qs.filter(pk=int(name_or_id)).first()
        if found:
            return found
    found = qs.filter(account_name__iexact=str(name_or_id)).first()
    if found is None:
        raise CommandError(f"No Twilio integration named or numbered {name_or_id!r}.")
    return found


class Command(BaseCommand):
    help = "Import Twilio usage for one integration (default: the current month and the twelve before it)."

    def add_arguments(self, parser):
        parser.add_argument("--integration", required=True, help="Account Name or numeric id")
        parser.add_argument("--start", help="YYYY-MM-DD (UTC day, inclusive)")
        parser.add_argument("--end", help="YYYY-MM-DD (UTC day, inclusive; default today)")
        parser.add_argument("--resume", action="store_true", help="Skip windows already done in this import")

    def handle(self, *args, integration, start, end, resume, **options):
        target = find_integration(integration)
        default_start, default_end = history_range()
        start_day = parse_day(start, "start") if start else default_start
        end_day = parse_day(end, "end") if end else default_end
        if end_day < start_day:
            raise CommandError(f"--end ({end_day}) is before --start ({start_day}).")

        out = self.stdout
        tty = hasattr(out, "isatty") and out.isatty()
        state = {"records": 0, "window": None}

        def on_page(n):
            state["records"] += n
            if tty:
                out.write(f"\r  {state['window']}: {state['records']} records read", ending="")
                out.flush()

        def on_window(ws, we, run):
            label = f"{ws}..{we}"
            if run is None:
                out.write(f"  {label}: already done, skipped")
            else:
                if tty:
                    out.write("\r", ending="")
                out.write(
                    f"  [{'#' * 10}] {label}: {run.records_read} records, {run.line_items_written} line items, "
                    f"Twilio total {run.twilio_total}, difference {run.reconciliation_difference}"
                )

        out.write(f"Importing '{target.account_name}' {start_day}..{end_day} from {client_for(target).base_url}")
        try:
            windows = month_windows(start_day, end_day, newest_first=True)
            wrapped_on_window = _window_announcer(windows, state, on_window)
            result = import_range(
                target,
                start_day,
                end_day,
                trigger=RunTrigger.COMMAND,
                resume=resume,
                on_window=wrapped_on_window,
                on_page=on_page,
            )
        except TwilioError as exc:
            raise CommandError(f"Import failed: {exc}") from None
        out.write(
            self.style.SUCCESS(
                f"Done: {result.windows} windows ({result.windows_skipped} skipped), {result.records} records, "
                f"{result.line_items} line items, Twilio total {result.twilio_total}, "
                f"reconciliation difference {result.difference} (kept as 'unattributed')."
            )
        )
        sys.stdout.flush()


def _window_announcer(windows, state, on_window):
    order = iter(windows[1:])
    state["window"] = f"{windows[0][0]}..{windows[0][1]}" if windows else None

    def wrapped(ws, we, run):
        on_window(ws, we, run)
        nxt = next(order, None)
        state["window"] = f"{nxt[0]}..{nxt[1]}" if nxt else None
        state["records"] = 0

    return wrapped
