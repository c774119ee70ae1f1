from django.db import models  # noqa: F401  (virtual tags arrive with their issue)
