"""Every existing workspace gets its default report, "All Resources" (new ones get it lazily)."""

from django.db import migrations


def create_default_reports(apps, schema_editor):
    Workspace = apps.get_model("vantage", "Workspace")
    CostReport = apps.get_model("costs", "CostReport")
    have_one = set(CostReport.objects.filter(is_default=True).values_list("workspace_id", flat=True))
    CostReport.objects.bulk_create(
        [
            CostReport(
                workspace_id=pk,
                title="All Resources",
                is_default=True,
                filters={},
                groupings=["service"],
                date_range="this_month",
                date_bin="day",
                chart_type="bar",
                mode="spend",
                compare_previous=True,
            )
            for pk in Workspace.objects.values_list("pk", flat=True)
            if pk not in have_one
        ]
    )


class Migration(migrations.Migration):
    dependencies = [
        ("costs", "0003_costreport"),
        ("vantage", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_default_reports, migrations.RunPython.noop)]
