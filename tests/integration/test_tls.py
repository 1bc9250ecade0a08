"""lib-tls through the real master: the roost-test-tls service with implicit
TLS and STARTTLS, talked to by `openssl s_client` and Python's ssl module.
Certificates are made with the openssl program for each test session."""
import signal
import socket
import ssl
import subprocess

import pytest

from conftest import free_port, wait_for


@pytest.fixture(scope="session")
def certs(tmp_path_factory):
    d = tmp_path_factory.mktemp("certs")

    def make(name, cn, key_type="rsa"):
        newkey = (["-newkey", "rsa:2048"] if key_type == "rsa" else
                  ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"])
        subprocess.run(["openssl", "req", "-x509", *newkey, "-nodes", "-days", "2",
                        "-subj", f"/CN={cn}", "-keyout", str(d / f"{name}-key.pem"),
                        "-out", str(d / f"{name}-cert.pem")],
                       check=True, capture_output=True, timeout=60)

    make("default", "default.example.com")
    make("mail", "mail.example.com", "ec")
    make("renewed", "renewed.example.com")
    make("other", "other.example.com")
    return d


def tls_config(cert_dir, tls_port, plain_port, cert="default", key=None):
    key = key or cert
    return f"""
protocols = imap
ssl_cert = <{cert_dir}/{cert}-cert.pem
ssl_key = <{cert_dir}/{key}-key.pem
local_name mail.example.com {{
  ssl_cert = <{cert_dir}/mail-cert.pem
  ssl_key = <{cert_dir}/mail-key.pem
}}
service test-tls {{
  executable = roost-test-tls
  inet_listener tls {{
    port = {tls_port}
    ssl = yes
  }}
  inet_listener plain {{
    port = {plain_port}
  }}
}}
"""


@pytest.fixture
def tls_roost(roost_factory, tmp_path, certs):
    """A master with the test-tls service; cert files copied so tests may replace them."""
    cert_dir = tmp_path / "tls"
    cert_dir.mkdir()
    for p in certs.iterdir():
        (cert_dir / p.name).write_bytes(p.read_bytes())
    tls_port, plain_port = free_port(), free_port()
    r = roost_factory(tls_config(cert_dir, tls_port, plain_port)).start()
    r.cert_dir, r.tls_port, r.plain_port = cert_dir, tls_port, plain_port
    return r


def s_client(port, *args, stdin="QUIT\n"):
    return subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", *args],
                          input=stdin, capture_output=True, text=True, timeout=20)


def client_context():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


class TLSLines:
    """Lines over an ssl.SSLSocket (or a plain socket)."""

    def __init__(self, sock):
        self.sock = sock
        self.sock.settimeout(5)
        self.buf = b""

    def readline(self):
        while b"\n" not in self.buf:
            data = self.sock.recv(4096)
            if not data:
                raise EOFError("connection closed")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return line.rstrip(b"\r").decode()

    def send(self, line):
        self.sock.sendall(line.encode() + b"\r\n")


def implicit_tls(port, server_hostname=None):
    raw = socket.create_connection(("127.0.0.1", port), timeout=5)
    c = TLSLines(client_context().wrap_socket(raw, server_hostname=server_hostname))
    assert c.readline() == "* OK test-tls ready (TLS)"
    return c


def test_s_client_handshake_and_echo(tls_roost):
    r = s_client(tls_roost.tls_port, "-quiet", stdin="hello world\nINFO\nQUIT\n")
    assert "* OK test-tls ready (TLS)" in r.stdout, r.stdout + r.stderr
    assert "ECHO hello world" in r.stdout
    assert "INFO tls=yes protocol=TLSv1.3 cipher=TLS_AES_256_GCM_SHA384" in r.stdout
    assert "BYE" in r.stdout
    tls_roost.wait_log("TLS handshake done: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 "
                       "(256/256 bits)")


def test_default_certificate_and_sni(tls_roost):
    r = s_client(tls_roost.tls_port)
    assert "subject=CN = default.example.com" in r.stdout, r.stdout
    r = s_client(tls_roost.tls_port, "-servername", "mail.example.com")
    assert "subject=CN = mail.example.com" in r.stdout, r.stdout
    assert "ECDSA" in r.stdout or "id-ecPublicKey" in r.stdout
    r = s_client(tls_roost.tls_port, "-servername", "unknown.example.com")
    assert "subject=CN = default.example.com" in r.stdout, r.stdout
    c = implicit_tls(tls_roost.tls_port, server_hostname="Mail.Example.com")
    c.send("INFO")
    assert " sni=mail.example.com " in c.readline()


def test_starttls_discards_pipelined_plaintext(tls_roost):
    raw = socket.create_connection(("127.0.0.1", tls_roost.plain_port), timeout=5)
    plain = TLSLines(raw)
    assert plain.readline() == "* OK test-tls ready (plaintext)"
    plain.send("INFO")
    assert plain.readline() == "INFO tls=no"
    plain.send("plain line")
    assert plain.readline() == "ECHO plain line"
    # an attacker's line travels in the same segment as STARTTLS
    raw.sendall(b"STARTTLS\r\nECHO injected\r\n")
    assert plain.readline() == "OK Begin TLS negotiation now"
    assert plain.buf == b""
    c = TLSLines(client_context().wrap_socket(raw))
    c.send("INFO")
    info = c.readline()
    assert info.startswith("INFO tls=yes protocol=TLSv1.3"), info
    c.send("after")
    assert c.readline() == "ECHO after"
    c.send("STARTTLS")
    assert c.readline() == "ERROR TLS is already active"
    c.send("QUIT")
    assert c.readline() == "BYE"
    tls_roost.wait_log("STARTTLS: discarded 15 bytes of pipelined plaintext")
    assert "ECHO injected" not in tls_roost.log()


def test_tls11_refused(tls_roost):
    r = s_client(tls_roost.tls_port, "-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0")
    assert r.returncode != 0
    assert "alert protocol version" in r.stdout + r.stderr, r.stdout + r.stderr
    assert "* OK" not in r.stdout
    tls_roost.wait_log("Disconnected (TLS handshake failed: unsupported protocol): "
                       "rip=127.0.0.1")


def test_weak_cipher_refused(tls_roost):
    # AES128-SHA is static RSA key exchange, excluded by !kRSA in Dovecot's default list
    r = s_client(tls_roost.tls_port, "-tls1_2", "-cipher", "AES128-SHA:@SECLEVEL=0")
    assert r.returncode != 0
    assert "alert handshake failure" in r.stdout + r.stderr, r.stdout + r.stderr
    tls_roost.wait_log("Disconnected (TLS handshake failed: no shared cipher)")
    # TLSv1.2 with a good cipher works
    r = s_client(tls_roost.tls_port, "-tls1_2", "-quiet", stdin="INFO\nQUIT\n")
    assert "INFO tls=yes protocol=TLSv1.2 cipher=ECDHE-RSA-AES256-GCM-SHA384" in r.stdout, \
        r.stdout + r.stderr


def test_refuses_to_start_with_mismatched_key(roost_factory, tmp_path, certs):
    r = roost_factory(tls_config(certs, free_port(), free_port(), cert="default",
                                 key="other"))
    r.start(expect_ok=False)
    assert r.proc.wait(timeout=10) == 89
    err = r.proc.stderr.read()
    assert f"ssl_key ({certs}/other-key.pem)" in err, err
    assert "does not match the certificate" in err
    assert f"{certs}/default-cert.pem" in err


def test_refuses_to_start_with_bad_cipher_list(roost_factory, certs):
    r = roost_factory(tls_config(certs, free_port(), free_port()) +
                      "ssl_cipher_list = NO-SUCH-CIPHER\n")
    r.start(expect_ok=False)
    assert r.proc.wait(timeout=10) == 89
    err = r.proc.stderr.read()
    assert "ssl_cipher_list" in err and "NO-SUCH-CIPHER" in err, err


def test_sighup_serves_renewed_certificate_and_keeps_session(tls_roost):
    old = implicit_tls(tls_roost.tls_port)
    old.send("before")
    assert old.readline() == "ECHO before"
    d = tls_roost.cert_dir
    # certbot renews: the files change in place, then the admin reloads
    (d / "default-cert.pem").write_bytes((d / "renewed-cert.pem").read_bytes())
    (d / "default-key.pem").write_bytes((d / "renewed-key.pem").read_bytes())
    tls_roost.signal(signal.SIGHUP)
    tls_roost.wait_log("Configuration reloaded")

    def renewed():
        out = s_client(tls_roost.tls_port).stdout
        return "subject=CN = renewed.example.com" in out
    wait_for(renewed, timeout=5, what="a new connection with the renewed certificate")
    old.send("still here")
    assert old.readline() == "ECHO still here"

    # a broken key on the next reload keeps the running configuration
    (d / "default-key.pem").write_bytes((d / "other-key.pem").read_bytes())
    tls_roost.signal(signal.SIGHUP)
    tls_roost.wait_log("Config reload failed")
    assert f"ssl_key ({d}/default-key.pem)" in tls_roost.log()
    assert "subject=CN = renewed.example.com" in s_client(tls_roost.tls_port).stdout
    old.send("QUIT")
    assert old.readline() == "BYE"
