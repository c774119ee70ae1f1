"""`make run` / `manage.py rundev`: the Procfile's three processes under honcho (nothing started here)."""

import os
import sys

from honcho.environ import parse_procfile

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
