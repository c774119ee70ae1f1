"""Serving the sandbox over HTTP: a small WSGI app around ``Sandbox.handle()``, and ``wsgiref``'s server.

``SandboxApp`` can sit behind any WSGI server. ``make_server()`` serves it with the standard library's
``wsgiref.simple_server``, threaded and kept alive between requests (HTTP/1.1, like api.twilio.com).
The bytes on the wire are those of ``Sandbox.handle()``, with the ``Server``, ``Date`` and
``Content-Length`` headers in the order ``http.server`` writes them.
"""

from __future__ import annotations

import threading
from email.utils import formatdate
from http import HTTPStatus
from socketserver import ThreadingMixIn
from urllib.parse import quote
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

from .engine import Sandbox

SERVER_SOFTWARE = "TwilioSandbox/1.0"


class SandboxApp:
    """The sandbox as a WSGI application."""

    def __init__(self, sandbox: Sandbox, log_requests: bool = False):
        self.sandbox = sandbox
        self.log_requests = log_requests

    def __call__(self, environ, start_response):
        method = environ["REQUEST_METHOD"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length:
            environ["wsgi.input"].read(length)  # keep the connection in step; the sandbox reads no body
        target = environ.get("RAW_URI") or _target(environ)
        status, headers, body = self.sandbox.handle(method, target, environ.get("HTTP_AUTHORIZATION"))
        start_response(f"{status} {HTTPStatus(status).phrase}", [
            ("Server", SERVER_SOFTWARE),
            ("Date", formatdate(usegmt=True)),
            *headers.items(),
            ("Content-Length", str(len(body))),
        ])
        if self.log_requests:
            # method, path and status only: never headers (the Authorization header carries the secret)
            print(f"{method} {target} -> {status}", flush=True)
        return [] if method == "HEAD" else [body]


def _target(environ) -> str:
    """The request target rebuilt from a WSGI environ (a server that does not pass the raw one)."""
    query = environ.get("QUERY_STRING")
    return quote(environ.get("PATH_INFO") or "/") + (f"?{query}" if query else "")


class _KeepAliveServerHandler(ServerHandler):
    http_version = "1.1"
    server_software = SERVER_SOFTWARE


class _RequestHandler(WSGIRequestHandler):
    """``wsgiref``'s request handler, serving every request of a kept-alive connection, quietly."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in several writes: no 40 ms delayed-ACK stall

    def handle(self):
        # wsgiref answers one request per connection; http.server's loop serves them until the client closes
        self.close_connection = True
        self.handle_one_request()
        while not self.close_connection:
            self.handle_one_request()

    def handle_one_request(self):
        self.raw_requestline = self.rfile.readline(65537)
        if len(self.raw_requestline) > 65536:
            self.requestline, self.request_version, self.command = "", "", ""
            self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG)
            return
        if not self.parse_request():  # an empty line (the client closed) or an error already sent
            return
        handler = _KeepAliveServerHandler(self.rfile, self.wfile, self.get_stderr(), self.get_environ(),
                                          multithread=True)
        handler.request_handler = self
        handler.run(self.server.get_app())

    def get_environ(self):
        environ = super().get_environ()
        environ["RAW_URI"] = self.path  # the target as sent: paging URIs and tokens are built from it
        return environ

    def log_message(self, format, *args):  # noqa: A002 - quiet: no per-request lines on stderr
        pass


class SandboxServer(ThreadingMixIn, WSGIServer):
    """``wsgiref``'s server, one thread per connection; ``server.sandbox`` is the Sandbox it serves."""

    daemon_threads = True
    allow_reuse_address = True

    @property
    def sandbox(self) -> Sandbox:
        return self.application.sandbox

    @property
    def log_requests(self) -> bool:
        return self.application.log_requests

    @log_requests.setter
    def log_requests(self, value: bool) -> None:
        self.application.log_requests = value

    def shutdown(self):
        """Stop ``serve_forever`` (from another thread) and close the listening socket."""
        super().shutdown()
        self.server_close()


def make_server(host="127.0.0.1", port=0, **sandbox_kwargs) -> SandboxServer:
    """An HTTP server bound to host:port (0 = a free port); ``server.sandbox`` is its Sandbox."""
    server = SandboxServer((host, port), _RequestHandler)
    server.set_app(SandboxApp(Sandbox(**sandbox_kwargs)))
    return server


def base_url_of(server) -> str:
    host, port = server.server_address[:2]
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    return f"http://{host}:{port}"


def serve_in_thread(**kwargs):
    """Start a sandbox server in a daemon thread: returns (server, base_url). Stop with server.shutdown()."""
    server = make_server(**kwargs)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True,
                              name="twilio-sandbox")
    thread.start()
    return server, base_url_of(server)


def credentials_banner(sandbox: Sandbox, base_url: str) -> str:
    """What to paste into the Connect form, one block per account."""
    lines = [
        f"Twilio sandbox listening on {base_url}  (seed {sandbox.seed}, today {sandbox.today}, "
        f"usage from {sandbox.data_start})",
        f"Point the app at it with TWILIO_API_BASE_URL={base_url}",
        "Connect one of these accounts (Account SID, API Key SID, API Secret):",
        "",
    ]
    kinds = {"main": "main account, rolls up its 2 subaccounts", "subaccount": "subaccount of Acme Main",
             "standalone": "standalone account"}
    for c in sandbox.credentials():
        lines += [
            f"  {c['name']}  ({kinds[c['kind']]}, {c['currency'].upper()})",
            f"    Account SID  {c['account_sid']}",
            f"    API Key SID  {c['api_key_sid']}",
            f"    API Secret   {c['api_secret']}",
            "",
        ]
    lines.append("Press Ctrl-C to stop.")
    return "\n".join(lines)
