"""Settings for the test suite: the real settings with throwaway keys generated at run time."""

import os
import secrets

from cryptography.fernet import Fernet

os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("FIELD_ENCRYPTION_KEY", Fernet.generate_key().decode())
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ["VANTAGE_ENV_FILE"] = "/nonexistent"  # a developer's .env never leaks into tests
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")

from .settings import *  # noqa: E402,F401,F403

SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
Q_CLUSTER = {**Q_CLUSTER, "sync": True}  # noqa: F405  (tasks run inline in tests)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Every HTML page a test renders is checked for inline scripts and styles the Content-Security-Policy
# would block (tests/inline_check.py): a template added anywhere is covered by the tests that render it.
MIDDLEWARE = [*MIDDLEWARE, "tests.inline_check.NoInlineCodeMiddleware"]  # noqa: F405
