from datetime import UTC, datetime, time, timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django_q.models import Schedule

from vantage.schedules import PREFIX, SCHEDULES


def next_run_at(hour_utc):
    now = datetime.now(UTC)
    run = datetime.combine(now.date(), time(hour_utc), tzinfo=UTC)
    return run if run > now else run + timedelta(days=1)


class Command(BaseCommand):
    help = "Create or update the app's django-q2 schedules (names starting with 'vantage:'); idempotent."

    @transaction.atomic
    def handle(self, *args, **options):
        declared = {s["name"] for s in SCHEDULES}
        for spec in SCHEDULES:
            obj, created = Schedule.objects.update_or_create(
                name=spec["name"],
                defaults={"func": spec["func"], "schedule_type": spec["schedule_type"], "repeats": spec["repeats"],
                          "minutes": spec.get("minutes")},
            )
            if created:  # a daily schedule first runs at its hour; one every few minutes, now
                obj.next_run = next_run_at(spec["hour_utc"]) if "hour_utc" in spec else datetime.now(UTC)
                obj.save(update_fields=["next_run"])
            self.stdout.write(f"{'Created' if created else 'Up to date'}: {spec['name']} -> {spec['func']}")
        # Retire our own schedules that are no longer declared; never touch anyone else's.
        stale = Schedule.objects.filter(name__startswith=PREFIX).exclude(name__in=declared)
        for name in stale.values_list("name", flat=True):
            self.stdout.write(f"Removed: {name}")
        stale.delete()
