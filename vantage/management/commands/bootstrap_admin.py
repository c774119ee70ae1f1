"""Create the ``admin`` superuser on first run, owner of the Default workspace.

The random password is printed once, on a line of its own. Later runs print nothing secret;
reset it with ``python manage.py changepassword admin`` (or ``bootstrap_admin --reset``).
"""

import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from vantage.models import Membership, Role, Workspace


class Command(BaseCommand):
    help = "Create the admin superuser (first run only) as owner of the Default workspace."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--reset", action="store_true", help="Set and print a new random password.")

    @transaction.atomic
    def handle(self, *args, username, reset, **options):
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        password = None
        if user is None:
            password = secrets.token_urlsafe(12)
            user = User.objects.create_superuser(username=username, email="", password=password)
        elif reset:
            password = secrets.token_urlsafe(12)
            user.set_password(password)
            user.save(update_fields=["password"])
        default, _ = Workspace.objects.get_or_create(name="Default")
        Membership.objects.get_or_create(workspace=default, user=user, defaults={"role": Role.OWNER})
        if password:
            addr = os.environ.get("WEB_ADDR", "127.0.0.1:8000")  # where `make run` serves (the Procfile's web)
            self.stdout.write(f"Sign in at http://{addr}/ as '{username}' with this password (shown once):")
            self.stdout.write(password)
        else:
            self.stdout.write(
                f"Sign in as '{username}' with the password printed on the first run "
                f"(forgot it? python manage.py bootstrap_admin --reset)."
            )
