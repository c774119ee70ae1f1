"""HTTPS to the checked address: the certificate is still verified against the host name (SNI, Host)."""

import datetime
import ssl
import threading
from http.server import ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from vantage.notifications import outbound, services
from vantage.notifications.models import DeliveryStatus, Notification

from .conftest import Receiver, _handler_for

pytestmark = pytest.mark.django_db


def _write_cert(tmp_path, host: str):
    """A CA and a server certificate for ``host`` signed by it; returns (ca file, cert file, key file)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(1).not_valid_before(now - datetime.timedelta(days=1))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True).sign(ca_key, hashes.SHA256()))
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(2)
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    files = tmp_path / "ca.pem", tmp_path / "cert.pem", tmp_path / "key.pem"
    files[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files[2].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return [str(f) for f in files]


@pytest.fixture
def https_receiver(tmp_path, monkeypatch, settings, resolver):
    """An HTTPS receiver on 127.0.0.1 with a certificate for hooks.test, which resolves to 127.0.0.1."""
    ca, cert, key = _write_cert(tmp_path, "hooks.test")
    state = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(state))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    state.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setattr(outbound, "CA_CERTS", ca)
    resolver["hooks.test"] = ["127.0.0.1"]
    resolver["other.test"] = ["127.0.0.1"]
    settings.NOTIFY_ALLOWED_HOSTS = ["hooks.test", "other.test"]
    yield state
    server.shutdown()
    server.server_close()


def _deliver(ws, host, port):
    hook, _ = services.create_webhook(ws, name=host, url=f"https://{host}:{port}/in")
    n = Notification.objects.create(workspace=ws, kind="k", channel="webhook", recipient=hook.name, webhook=hook,
                                    subject="s", text="t")
    services.deliver(n.pk)
    n.refresh_from_db()
    return n


def test_https_to_the_checked_address_verifies_the_host_name(ws, https_receiver):
    n = _deliver(ws, "hooks.test", https_receiver.port)
    assert (n.status, n.response_code) == (DeliveryStatus.SENT, 200)
    [request] = https_receiver.requests
    assert request.headers["Host"] == f"hooks.test:{https_receiver.port}" and request.path == "/in"


def test_a_certificate_for_another_name_fails(ws, https_receiver):
    n = _deliver(ws, "other.test", https_receiver.port)  # same address, the certificate names hooks.test
    assert n.status == DeliveryStatus.RETRYING and "TLS failed" in n.last_error
    assert https_receiver.requests == []
