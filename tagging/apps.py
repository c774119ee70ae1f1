from django.apps import AppConfig


class TaggingConfig(AppConfig):
    name = "tagging"
    verbose_name = "Virtual tags"

    def ready(self):
        from costs.dimensions import dimensions

        from .dimensions import VirtualTagDimensions

        dimensions.register_provider("tag", VirtualTagDimensions())
