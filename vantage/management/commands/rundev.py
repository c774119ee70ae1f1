"""One foreground command for development: web server, task worker and the Twilio sandbox.

Ctrl-C (or any one of the three exiting) stops all three.
"""

import os
import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the web app on 127.0.0.1:8000, the django-q2 worker and the local Twilio sandbox."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000")
        parser.add_argument("--sandbox-port", type=int, default=8089)
        parser.add_argument("--no-sandbox", action="store_true", help="Talk to TWILIO_API_BASE_URL as configured.")

    def handle(self, *args, addr, sandbox_port, no_sandbox, **options):
        env = dict(os.environ)
        manage = [sys.executable, "manage.py"]
        procs = []
        if not no_sandbox:
            env["TWILIO_API_BASE_URL"] = f"http://127.0.0.1:{sandbox_port}"
            procs.append(("sandbox", subprocess.Popen([*manage, "twilio_sandbox", "--port", str(sandbox_port)], env=env)))
            time.sleep(0.5)
        procs.append(("worker", subprocess.Popen([*manage, "qcluster"], env=env)))
        procs.append(("web", subprocess.Popen([*manage, "runserver", addr, "--noreload"], env=env)))
        self.stdout.write(f"Web app: http://{addr}/  (Ctrl-C stops the web app, the worker and the sandbox)")

        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                for name, p in procs:
                    if p.poll() is not None:
                        self.stderr.write(f"{name} exited with code {p.returncode}; stopping the others.")
                        stopping = True
                        break
                time.sleep(0.3)
        finally:
            for _, p in procs:
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 10
            for _, p in procs:
                try:
                    p.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    p.kill()
        self.stdout.write("Stopped.")
