"""Settings parsing: defaults, required keys and malformed values naming the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]

PROBE = (
    "import django, json; from django.conf import settings; "
    "print(json.dumps({'db': settings.DATABASES['default']['ENGINE'], 'debug': settings.DEBUG, "
    "'q': sorted(k for k in ('orm', 'redis') if k in settings.Q_CLUSTER), "
    "'timeout': settings.Q_CLUSTER['timeout'], 'retry': settings.Q_CLUSTER['retry'], "
    "'twilio': settings.TWILIO_API_BASE_URL, 'tz': settings.TIME_ZONE}))"
)


def load(**env):
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    base.update({"DJANGO_SETTINGS_MODULE": "vantage.settings", "VANTAGE_ENV_FILE": "/nonexistent"})
    base.update(env)
    return subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=base, capture_output=True, text=True)


def good_keys():
    return {"SECRET_KEY": "x" * 60, "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode()}


def test_defaults_work_out_of_the_box():
    import json

    proc = load(**good_keys())
    assert proc.returncode == 0, proc.stderr
    values = json.loads(proc.stdout)
    assert values["db"] == "django.db.backends.sqlite3"
    assert values["debug"] is False
    assert values["q"] == ["orm"]
    assert values["timeout"] < values["retry"]
    assert values["twilio"] == "https://api.twilio.com"
    assert values["tz"] == "UTC"


def test_redis_url_switches_the_broker_and_postgres_url_the_database():
    import json

    proc = load(**good_keys(), REDIS_URL="redis://127.0.0.1:6379/0", DATABASE_URL="postgres://u@h:5432/db")
    assert proc.returncode == 0, proc.stderr
    values = json.loads(proc.stdout)
    assert values["q"] == ["redis"]
    assert values["db"] == "django.db.backends.postgresql"


@pytest.mark.parametrize("missing", ["SECRET_KEY", "FIELD_ENCRYPTION_KEY"])
def test_keys_are_required_outside_debug(missing):
    env = good_keys()
    del env[missing]
    proc = load(**env)
    assert proc.returncode != 0
    assert f"{missing} is required" in proc.stderr


def test_debug_runs_without_keys():
    proc = load(DEBUG="true")
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize(
    "name,value",
    [
        ("DEBUG", "maybe-not"),
        ("DATABASE_URL", "nosuchdb://x"),
        ("TWILIO_API_BASE_URL", "ftp://example.com"),
        ("REDIS_URL", "http://127.0.0.1:6379"),
        ("TIME_ZONE", "Mars/Olympus"),
        ("CSRF_TRUSTED_ORIGINS", "example.com"),
        ("Q_WORKERS", "two"),
        ("REPORT_WORK_MEM", "lots"),
        ("REPORT_WORK_MEM", "5000GB"),
        ("FIELD_ENCRYPTION_KEY", "not-a-fernet-key"),
    ],
)
def test_malformed_value_names_the_variable(name, value):
    env = good_keys()
    env[name] = value
    proc = load(**env)
    assert proc.returncode != 0
    assert name in proc.stderr.strip().splitlines()[-1]


def test_check_deploy_is_clean_with_production_values():
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    env.update(good_keys())
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "vantage.settings",
            "VANTAGE_ENV_FILE": "/nonexistent",
            "SECRET_KEY": "k7#" + Fernet.generate_key().decode() + "Zq!9",
            "ALLOWED_HOSTS": "vantage.example.com",
            "CSRF_TRUSTED_ORIGINS": "https://vantage.example.com",
        }
    )
    proc = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no issues" in proc.stdout


def test_devenv_writes_keys_once_and_never_prints_them(tmp_path, capsys):
    from vantage.lib.devenv import main

    target = tmp_path / ".env"
    main([str(target)])
    first = target.read_text()
    printed = capsys.readouterr().out
    main([str(target)])
    assert target.read_text() == first
    secret_line = [ln for ln in first.splitlines() if ln.startswith("SECRET_KEY=")][0]
    assert secret_line.split("=", 1)[1] not in printed
    Fernet([ln for ln in first.splitlines() if ln.startswith("FIELD_ENCRYPTION_KEY=")][0].split("=", 1)[1].encode())
    assert oct(target.stat().st_mode)[-3:] == "600"
