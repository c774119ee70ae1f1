"""The one way out to a webhook URL, which a user typed and is therefore hostile (SSRF).

* https only, unless DEBUG or the host is listed in ``NOTIFY_ALLOWED_HOSTS``.
* The host is resolved and *every* address it resolves to is checked: loopback, private, link-local,
  multicast, reserved, unspecified and other non-public addresses are refused unless the host (or that
  address) is listed in ``NOTIFY_ALLOWED_HOSTS``.
* DNS rebinding: the request connects to the address that was checked (TLS still verifies the
  certificate against the host name, sent as SNI and ``Host``), so a second lookup cannot swap in
  an internal address between the check and the connection.
* No redirects are followed (a 3xx is a failed delivery), no retries inside a request (the task
  retries with backoff), connect and read timeouts, and the response body is never read into a
  message, a log line or the database: only the status code is kept.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from django.conf import settings
from urllib3.exceptions import ConnectTimeoutError, HTTPError, NewConnectionError, ReadTimeoutError, SSLError

CONNECT_TIMEOUT = 5.0  # seconds
READ_TIMEOUT = 10.0
REACHABLE_TIMEOUT = 3.0  # the check when an endpoint is added
CA_CERTS: str | None = None  # a CA bundle file instead of the system's (the tests' own CA)


class TargetError(Exception):
    """A webhook URL that cannot be sent to. The message is safe to show next to the URL field."""

    retry = False


class UnsafeTarget(TargetError):
    """Not https, or resolves to an internal address: refused, never connected to."""


class UnreachableTarget(TargetError):
    """Does not resolve or does not answer now: worth retrying later."""

    retry = True


class DeliveryFailed(Exception):
    """The request went out but did not succeed. ``message`` is short and contains no response body."""

    def __init__(self, message: str, response_code: int | None = None):
        super().__init__(message)
        self.response_code = response_code


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]  # checked; the request connects to the first

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


def is_allowed_host(host: str) -> bool:
    return host.lower().strip("[]") in settings.NOTIFY_ALLOWED_HOSTS


def display_url(url: str) -> str:
    """What pages, the admin and logs show of a webhook URL: scheme and host only. The path of a
    Slack or Teams incoming-webhook URL is itself the credential."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(invalid URL)"
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{host}{port}/…"


def _refusal(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    for attribute, kind in (
        ("is_unspecified", "an unspecified"), ("is_loopback", "a loopback"), ("is_link_local", "a link-local"),
        ("is_multicast", "a multicast"), ("is_private", "a private"), ("is_reserved", "a reserved"),
    ):  # fmt: skip
        if getattr(ip, attribute):
            return kind
    return None if ip.is_global else "a non-public"


def parse(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of a URL we may send to, or ``UnsafeTarget`` saying why not."""
    try:
        parts = urlsplit((url or "").strip())
        port = parts.port
    except ValueError:
        raise UnsafeTarget("Enter a valid URL, e.g. https://hooks.example.com/vantage.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeTarget("Enter a valid https:// URL, e.g. https://hooks.example.com/vantage.")
    if parts.username or parts.password:
        raise UnsafeTarget("Put no user name or password in the URL; receivers check the signature instead.")
    host = parts.hostname.lower()
    if parts.scheme == "http" and not (settings.DEBUG or is_allowed_host(host)):
        raise UnsafeTarget("Use an https:// URL: webhooks are sent over HTTPS only.")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, host, port or (443 if parts.scheme == "https" else 80), path


def resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UnreachableTarget(f"The host name {host} does not resolve (DNS).") from None
    addresses = []
    for *_, sockaddr in infos:
        if sockaddr[0] not in addresses:
            addresses.append(sockaddr[0])
    if not addresses:
        raise UnreachableTarget(f"The host name {host} does not resolve (DNS).")
    return addresses


def check_target(url: str) -> Target:
    """Parse, resolve and check a webhook URL; every resolved address must be public (or allowed)."""
    scheme, host, port, path = parse(url)
    addresses = resolve(host, port)
    if not is_allowed_host(host):
        for address in addresses:
            ip = ipaddress.ip_address(address.split("%")[0])
            kind = _refusal(ip)
            if kind and not is_allowed_host(str(ip)):
                shown = "" if address == host else f" ({host} resolves to {address})"
                raise UnsafeTarget(
                    f"This URL points inside a network: {kind} address{shown}. Webhooks go to public addresses only."
                )
    return Target(scheme, host, port, path, tuple(addresses))


def check_reachable(target: Target) -> None:
    """Open (and close) a TCP connection to the checked address; ``UnreachableTarget`` if nothing answers."""
    where = f"{target.host}:{target.port}"
    try:
        socket.create_connection((target.addresses[0], target.port), timeout=REACHABLE_TIMEOUT).close()
    except TimeoutError:
        raise UnreachableTarget(f"Nothing answered at {where} within {REACHABLE_TIMEOUT:g} seconds.") from None
    except ConnectionRefusedError:
        raise UnreachableTarget(f"{where} refused the connection: is the receiver running?") from None
    except OSError:
        raise UnreachableTarget(f"Could not connect to {where}.") from None


def _pool(target: Target) -> urllib3.HTTPConnectionPool:
    options = {"port": target.port, "maxsize": 1, "retries": False,
               "timeout": urllib3.Timeout(connect=CONNECT_TIMEOUT, read=READ_TIMEOUT)}
    if target.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            target.addresses[0], server_hostname=target.host, assert_hostname=target.host, cert_reqs="CERT_REQUIRED",
            ca_certs=CA_CERTS, **options,
        )  # fmt: skip
    return urllib3.HTTPConnectionPool(target.addresses[0], **options)


def post(target: Target, body: bytes, headers: dict[str, str]) -> int:
    """POST ``body`` to the checked address; the status code if 2xx, else ``DeliveryFailed``."""
    pool = _pool(target)
    try:
        response = pool.urlopen(
            "POST", target.path, body=body, headers={**headers, "Host": target.host_header},
            redirect=False, retries=False, preload_content=False, assert_same_host=False,
        )  # fmt: skip
        response.release_conn()  # the body is never read: nothing of it can leak into a record
    except NewConnectionError:  # before ConnectTimeoutError: urllib3 makes it a subclass of it
        raise DeliveryFailed(f"Could not connect to {target.host}:{target.port}.") from None
    except ConnectTimeoutError:
        raise DeliveryFailed(f"Timed out connecting ({CONNECT_TIMEOUT:g} s).") from None
    except ReadTimeoutError:
        raise DeliveryFailed(f"No response within {READ_TIMEOUT:g} s.") from None
    except SSLError:
        raise DeliveryFailed("TLS failed: the receiver's certificate is not valid for its host name.") from None
    except HTTPError as exc:
        raise DeliveryFailed(f"Connection failed ({exc.__class__.__name__}).") from None
    finally:
        pool.close()
    if 300 <= response.status < 400:
        raise DeliveryFailed(f"HTTP {response.status}: redirects are not followed.", response.status)
    if not 200 <= response.status < 300:
        raise DeliveryFailed(f"HTTP {response.status} from the receiver.", response.status)
    return response.status
