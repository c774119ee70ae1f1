"""`make run` / `manage.py rundev`: the Procfile's three processes under honcho."""

import io
import os
import sys
import time

from django.core.management import call_command
from honcho.environ import parse_procfile

from vantage.management.commands import rundev
from vantage.management.commands.rundev import PROCFILE, dev_processes


def test_procfile_lists_web_worker_and_sandbox():
    processes = parse_procfile(PROCFILE.read_text()).processes
    assert list(processes) == ["web", "worker", "sandbox"]
    assert processes["web"].startswith("python manage.py runserver ${WEB_ADDR:-127.0.0.1:8000}")
    assert processes["worker"] == "python manage.py qcluster"
    assert processes["sandbox"] == "python manage.py twilio_sandbox --port ${SANDBOX_PORT:-8089}"


def test_rundev_points_every_process_at_the_sandbox():
    processes, env = dev_processes(addr="127.0.0.1:8100", sandbox_port=8189, no_sandbox=False,
                                   environ={"PATH": "/usr/bin", "TWILIO_API_BASE_URL": "https://api.twilio.com"})
    assert list(processes) == ["web", "worker", "sandbox"]
    assert env["TWILIO_API_BASE_URL"] == "http://127.0.0.1:8189"
    assert env["WEB_ADDR"] == "127.0.0.1:8100" and env["SANDBOX_PORT"] == "8189"
    assert env["PATH"].split(os.pathsep) == [os.path.dirname(sys.executable), "/usr/bin"]


def test_rundev_without_the_sandbox_keeps_the_configured_twilio():
    processes, env = dev_processes(addr="127.0.0.1:8000", sandbox_port=8089, no_sandbox=True,
                                   environ={"TWILIO_API_BASE_URL": "https://api.twilio.com"})
    assert list(processes) == ["web", "worker"]
    assert env["TWILIO_API_BASE_URL"] == "https://api.twilio.com"


def _run(tmp_path, monkeypatch, capsys, procfile: str):
    """rundev on ``procfile``: (exit code, its own output + honcho's process lines, seconds taken)."""
    (tmp_path / "Procfile").write_text(procfile)
    monkeypatch.setattr(rundev, "PROCFILE", tmp_path / "Procfile")
    out = io.StringIO()
    started = time.monotonic()
    try:
        call_command("rundev", "--no-sandbox", stdout=out)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue() + capsys.readouterr().out, time.monotonic() - started


def test_one_process_ending_stops_the_others(tmp_path, monkeypatch, capsys):
    """honcho's loop for real: `web` exits at once, so the long `worker` is stopped, not waited for."""
    code, out, took = _run(tmp_path, monkeypatch, capsys, "web: python -c 'print(\"web up\")'\nworker: sleep 30\n")
    assert code == 0 and "Stopped." in out and "web up" in out
    assert "worker stopped (rc=-15)" in out and took < 20  # the 30 s worker was terminated, not waited for


def test_a_process_failing_makes_rundev_fail(tmp_path, monkeypatch, capsys):
    code, out, _ = _run(tmp_path, monkeypatch, capsys, "web: python -c 'raise SystemExit(3)'\nworker: sleep 30\n")
    assert code == 3 and "Stopped." not in out
