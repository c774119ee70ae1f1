"""Run the local Twilio sandbox (Usage Records API, Twilio's wire format) in the foreground."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from integrations.twilio.sandbox import base_url_of, credentials_banner, make_server


def _rate(value):
    rate = float(value)
    if not 0.0 <= rate <= 1.0:
        raise ValueError(value)
    return rate


class Command(BaseCommand):
    help = (
        "Serve a local emulator of Twilio's Usage Records API with deterministic synthetic accounts, "
        "and print the credentials to paste into the Connect form. Ctrl-C stops it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8089, help="0 picks a free port.")
        parser.add_argument("--seed", type=int, default=1, help="Same seed, same accounts, keys and usage.")
        parser.add_argument("--today", type=dt.date.fromisoformat, default=None,
                            help="Pretend today is YYYY-MM-DD (default: the real UTC date).")
        parser.add_argument("--fail-429-rate", type=_rate, default=0.0, help="Share of requests answered 429.")
        parser.add_argument("--fail-500-rate", type=_rate, default=0.0, help="Share of requests answered 500.")
        parser.add_argument("--latency", type=float, default=0.0, help="Seconds added to every response.")
        parser.add_argument("--anomalies", action="store_true",
                            help="Inject labelled anomalies from the seed (ground truth at /sandbox/anomalies.json).")
        parser.add_argument("--log-requests", action="store_true", help="Print method, path and status per request.")

    def handle(self, *args, host, port, seed, today, fail_429_rate, fail_500_rate, latency, log_requests,
               anomalies=False, **options):
        try:
            server = make_server(host=host, port=port, seed=seed, today=today, fail_429_rate=fail_429_rate,
                                 fail_500_rate=fail_500_rate, latency=latency, anomalies=anomalies)
        except OSError as exc:
            raise CommandError(f"Cannot listen on {host}:{port}: {exc.strerror or exc}") from None
        server.log_requests = log_requests
        self.stdout.write(credentials_banner(server.sandbox, base_url_of(server)))
        self.stdout.flush()
        try:
            server.serve_forever(poll_interval=0.2)
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
        self.stdout.write(f"Twilio sandbox stopped after {server.sandbox.request_count} requests.")
