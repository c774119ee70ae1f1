from django.apps import AppConfig


class TaggingConfig(AppConfig):
    name = "tagging"
    verbose_name = "Virtual tags"

    def ready(self):
        # Imported here because Django requires it: models (which these modules import) cannot be
        # imported before the app registry is ready, i.e. not at the top of an apps.py.
        from costs.dimensions import dimensions

        from .dimensions import VirtualTagDimensions

        dimensions.register_provider("tag", VirtualTagDimensions())
