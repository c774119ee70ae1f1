"""One foreground command for development: the Procfile's web server, task worker and Twilio sandbox, under honcho.

honcho starts the three, prefixes their output with their names, and stops them all on Ctrl-C or as soon
as one of them exits. This command only chooses which processes run and with what environment.
"""

import os
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from honcho.environ import parse_procfile
from honcho.manager import Manager
from honcho.printer import Printer

PROCFILE = Path(settings.BASE_DIR) / "Procfile"
STOPPED_BY_SIGNAL = (130, 143)  # honcho's return code after Ctrl-C (SIGINT) or SIGTERM


def dev_processes(*, addr: str, sandbox_port: int, no_sandbox: bool, environ=None, procfile: Path | None = None):
    """The Procfile's processes to run, and the environment they share: ({name: command}, env)."""
    processes = dict(parse_procfile((procfile or PROCFILE).read_text()).processes)
    env = dict(os.environ if environ is None else environ)
    # the Procfile says `python`: this interpreter's (the virtualenv's), whatever PATH holds
    env["PATH"] = os.pathsep.join(p for p in (os.path.dirname(sys.executable), env.get("PATH")) if p)
    env.update(WEB_ADDR=addr, SANDBOX_PORT=str(sandbox_port), PYTHONUNBUFFERED="1")
    if no_sandbox:
        processes.pop("sandbox", None)
    else:
        env["TWILIO_API_BASE_URL"] = f"http://127.0.0.1:{sandbox_port}"
    return processes, env


class Command(BaseCommand):
    help = "Run the web app on 127.0.0.1:8000, the django-q2 worker and the local Twilio sandbox (the Procfile)."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default=os.environ.get("WEB_ADDR", "127.0.0.1:8000"))
        parser.add_argument("--sandbox-port", type=int, default=int(os.environ.get("SANDBOX_PORT", 8089)))
        parser.add_argument("--no-sandbox", action="store_true", help="Talk to TWILIO_API_BASE_URL as configured.")

    def handle(self, *args, addr, sandbox_port, no_sandbox, **options):
        processes, env = dev_processes(addr=addr, sandbox_port=sandbox_port, no_sandbox=no_sandbox)
        manager = Manager(Printer(sys.stdout))
        for name, command in processes.items():
            manager.add_process(name, command, env=env, cwd=str(PROCFILE.parent))
        self.stdout.write(f"Web app: http://{addr}/  (Ctrl-C stops {', '.join(processes)})")
        self.stdout.flush()
        manager.loop()
        if manager.returncode not in (0, *STOPPED_BY_SIGNAL):
            raise SystemExit(manager.returncode)
        self.stdout.write("Stopped.")
