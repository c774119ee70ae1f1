from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from vantage.models import ApiToken


class Command(BaseCommand):
    help = "Create a personal API token for USERNAME and print it once (only its hash is stored)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="API token")

    def handle(self, *args, username, name, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        token, raw = ApiToken.issue(user, name)
        self.stderr.write(f"Token '{token.name}' for {username} (shown once; revoke it on the API tokens page):")
        self.stdout.write(raw)
