from django.db.models.signals import post_migrate
from django.dispatch import receiver

from .twilio.catalog import CATALOG_FILE, sync_catalog_from_file


@receiver(post_migrate)
def seed_twilio_catalog(sender, app_config=None, using="default", **kwargs):
    """After every migrate, the catalog table holds every category of catalog.csv."""
    if app_config is None or app_config.label != "integrations":
        return
    if CATALOG_FILE.exists():
        sync_catalog_from_file()
