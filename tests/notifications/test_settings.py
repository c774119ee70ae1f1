"""EMAIL_URL, DEFAULT_FROM_EMAIL and NOTIFY_ALLOWED_HOSTS read from the environment (a fresh process each)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHOW = ("import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({k: getattr(s, k) "
        "for k in ('EMAIL_BACKEND', 'EMAIL_HOST', 'EMAIL_PORT', 'EMAIL_HOST_USER', 'EMAIL_HOST_PASSWORD', "
        "'EMAIL_USE_TLS', 'EMAIL_USE_SSL', 'DEFAULT_FROM_EMAIL', 'NOTIFY_ALLOWED_HOSTS')}))")


def _settings(**env):
    environment = {k: v for k, v in os.environ.items() if k not in ("EMAIL_URL", "NOTIFY_ALLOWED_HOSTS", "DEBUG")}
    environment.update(env, DJANGO_SETTINGS_MODULE="vantage.settings_test")
    return subprocess.run([sys.executable, "-c", SHOW], cwd=ROOT, env=environment, capture_output=True, text=True)


def test_email_url_configures_smtp():
    done = _settings(EMAIL_URL="smtp+tls://alerts:s3cret@smtp.example.com:587", DEFAULT_FROM_EMAIL="FinOps <f@x.test>",
                     NOTIFY_ALLOWED_HOSTS="hooks.internal, [fd00::5],10.0.0.9")
    assert done.returncode == 0, done.stderr
    s = json.loads(done.stdout)
    assert s["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (s["EMAIL_HOST"], s["EMAIL_PORT"], s["EMAIL_HOST_USER"], s["EMAIL_HOST_PASSWORD"]) == (
        "smtp.example.com", 587, "alerts", "s3cret")
    assert s["EMAIL_USE_TLS"] is True and s["EMAIL_USE_SSL"] is False
    assert s["DEFAULT_FROM_EMAIL"] == "FinOps <f@x.test>"
    assert s["NOTIFY_ALLOWED_HOSTS"] == ["hooks.internal", "fd00::5", "10.0.0.9"]


def test_debug_prints_mail_to_the_console_by_default():
    done = _settings(DEBUG="true")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"


def test_malformed_email_url_stops_start_up_without_echoing_it():
    done = _settings(EMAIL_URL="bogus://user:hunter2@mail")
    assert done.returncode != 0
    assert "EMAIL_URL is malformed" in done.stderr and "hunter2" not in done.stderr
