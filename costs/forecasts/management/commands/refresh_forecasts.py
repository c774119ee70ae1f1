"""``manage.py refresh_forecasts [--workspace ID]``: fit every report's forecast now, in the foreground."""

from django.core.management.base import BaseCommand, CommandError

from vantage.models import Workspace

from ... import services


class Command(BaseCommand):
    help = "Refresh the stored forecast of every cost report (of one workspace, or of all)."

    def add_arguments(self, parser):
        parser.add_argument("--workspace", type=int, help="Only this workspace (its id).")

    def handle(self, *args, **options):
        workspaces = Workspace.objects.order_by("pk")
        if options["workspace"] is not None:
            workspaces = workspaces.filter(pk=options["workspace"])
            if not workspaces.exists():
                raise CommandError(f"No workspace with id {options['workspace']}.")
        for workspace in workspaces:
            forecasts = services.refresh_workspace_forecasts(workspace)
            for forecast in forecasts:
                detail = forecast.method if forecast.status == "ok" else forecast.reason
                self.stdout.write(f"workspace {workspace.pk} report {forecast.report_id}: {forecast.status} ({detail})")
        self.stdout.write(self.style.SUCCESS("Forecasts refreshed."))
