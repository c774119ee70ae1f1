"""Default reports ("All Resources") show the last 30 days by day instead of this month, which on the 1st
of a month is a single day (costs.services.DEFAULT_REPORT_SETTINGS). Default reports cannot be edited,
so every one still has the settings it was created with; each is moved to the new default."""

from django.db import migrations


def to_last_30_days(apps, schema_editor):
    CostReport = apps.get_model("costs", "CostReport")
    CostReport.objects.filter(is_default=True).update(
        date_range="last_30_days", start_date=None, end_date=None, date_bin="day"
    )


def to_this_month(apps, schema_editor):
    CostReport = apps.get_model("costs", "CostReport")
    CostReport.objects.filter(is_default=True).update(date_range="this_month", date_bin="day")


class Migration(migrations.Migration):
    dependencies = [("costs", "0006_cost_summaries")]

    operations = [migrations.RunPython(to_last_30_days, to_this_month)]
