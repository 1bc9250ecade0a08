"""APOP (RFC 1939 section 7) through the whole login path: pop3-login puts
an RFC 1939 timestamp in its greeting when the auth service offers APOP,
Python's poplib answers with apop(), auth checks MD5(timestamp + password)
against the plaintext of the passdb. Good and wrong digests over plaintext
from 127.0.0.1, over POP3S, and from an address where plaintext logins are
refused (APOP does not send the password, so Dovecot allows it there);
the timestamp's shape and per-connection uniqueness; APOP disabled; APOP
not reachable through AUTH; a passdb entry that cannot give the
plaintext."""
import hashlib
import poplib
import re
import socket
import subprocess
import time

import pytest

from login_util import (USER, PASSWORD, Client, client_tls_context, wait_log_re,
                        processes_named)
from login_util import login_server, login_server_factory, login_root, login_certs  # noqa: F401

APOP_CONF = "auth_mechanisms = plain login apop\n"
GREETING_RE = re.compile(r"^\+OK Roost ready\. (<([0-9a-f]+)\.([0-9a-f]+)\.([0-9a-f]+)\."
                         r"[A-Za-z0-9+/=]+@[^<>@\s]+>)$")


@pytest.fixture
def apop_server(login_server_factory):
    return login_server_factory(APOP_CONF)


class SourcePOP3(poplib.POP3):
    """poplib.POP3 connecting from a chosen source address."""

    def __init__(self, host, port, source):
        self._source = source
        super().__init__(host, port, timeout=15)

    def _create_socket(self, timeout):
        return socket.create_connection((self.host, self.port), timeout,
                                        source_address=(self._source, 0))


def digest(timestamp, password):
    return hashlib.md5((timestamp + password).encode()).hexdigest()


def check_apop_login(server, rip, state):
    wait_log_re(server, r"pop3-login: Info: Login: user=<john@example\.com>, method=APOP, "
                        rf"rip={re.escape(rip)}, lip=127\.0\.0\.1, mpid=\d+, {state}"
                        r"session=<")


def test_greeting_timestamp(apop_server):
    c1 = Client.connect(apop_server.ports["pop3"])
    g1 = c1.readline()
    c2 = Client.connect(apop_server.ports["pop3"])
    g2 = c2.readline()
    m1, m2 = GREETING_RE.match(g1), GREETING_RE.match(g2)
    assert m1 and m2, (g1, g2)
    # <SPID.CUID.TIME.RANDOM@HOST>: the auth process, the login's auth
    # connection, the time; a fresh one per connection
    assert m1.group(1) != m2.group(1)
    auth_pids = processes_named(apop_server, "auth")
    assert int(m1.group(2), 16) in auth_pids, (m1.group(2), auth_pids)
    assert abs(int(m1.group(4), 16) - time.time()) < 60
    # APOP is private: not in CAPA's SASL list, and AUTH cannot use it
    c1.send("CAPA")
    capa = []
    while (line := c1.readline()) != ".":
        capa.append(line)
    sasl = [line for line in capa if line.startswith("SASL ")]
    assert sasl == ["SASL PLAIN LOGIN"], capa
    assert "UTF8" in capa and "IMPLEMENTATION Roost" in capa
    c1.send("AUTH APOP")
    assert c1.readline() == "-ERR Unsupported authentication mechanism."
    c1.send("AUTH")
    mechs = []
    while (line := c1.readline()) != ".":
        mechs.append(line)
    assert mechs == ["+OK", "PLAIN", "LOGIN"]
    # the digest of one connection's timestamp is worthless on another
    c2.send(f"APOP {USER} {digest(m1.group(1), PASSWORD)}")
    assert c2.readline() == "-ERR [AUTH] Authentication failed."
    c2.send(f"APOP {USER} {digest(m2.group(1), PASSWORD)}")
    assert c2.readline() == "+OK Logged in."
    c1.close()
    c2.close()


def test_apop_plaintext_from_localhost(apop_server):
    p = poplib.POP3("127.0.0.1", apop_server.ports["pop3"], timeout=15)
    assert GREETING_RE.match(p.getwelcome().decode())
    assert p.apop(USER, PASSWORD) == b"+OK Logged in."
    assert p.stat() == (0, 0)
    assert p.quit() == b"+OK Logging out."
    check_apop_login(apop_server, "127.0.0.1", "secured, ")
    # a wrong password: the failure comes after the delay
    p = poplib.POP3("127.0.0.1", apop_server.ports["pop3"], timeout=15)
    with pytest.raises(poplib.error_proto) as e:
        p.apop(USER, "wrong")
    assert e.value.args[0] == b"-ERR [AUTH] Authentication failed."
    # the same connection may try again, after a longer penalty
    assert p.apop(USER, PASSWORD) == b"+OK Logged in."
    p.quit()
    wait_log_re(apop_server, r"auth: Info: apop\(john@example\.com,127\.0\.0\.1,<[^>]+>\): "
                             r"Password mismatch")


def test_apop_failure_delay(apop_server):
    p = poplib.POP3("127.0.0.1", apop_server.ports["pop3"], timeout=15)
    start = time.monotonic()
    with pytest.raises(poplib.error_proto) as e:
        p.apop(USER, "wrong")
    secs = time.monotonic() - start
    assert e.value.args[0] == b"-ERR [AUTH] Authentication failed."
    assert 1.5 <= secs < 3.5, secs
    p.quit()
    wait_log_re(apop_server, r"pop3-login: Info: Aborted login \(auth failed, 1 attempts in "
                             r"[23] secs\): user=<john@example\.com>, method=APOP, "
                             r"rip=127\.0\.0\.1, lip=127\.0\.0\.1, secured, session=<")


def test_apop_over_pop3s(apop_server):
    p = poplib.POP3_SSL("127.0.0.1", apop_server.ports["pop3s"], context=client_tls_context())
    assert GREETING_RE.match(p.getwelcome().decode())
    with pytest.raises(poplib.error_proto) as e:
        p.apop(USER, "wrong")
    assert e.value.args[0] == b"-ERR [AUTH] Authentication failed."
    p.close()
    p = poplib.POP3_SSL("127.0.0.1", apop_server.ports["pop3s"], context=client_tls_context())
    assert p.apop(USER, PASSWORD) == b"+OK Logged in."
    assert p.stat() == (0, 0)
    p.quit()
    check_apop_login(apop_server, "127.0.0.1", "TLS, ")


def test_apop_allowed_where_plaintext_is_not(apop_server):
    """From 127.0.0.2 without TLS USER/PASS are refused; APOP is not a
    plaintext mechanism (Dovecot checks only MECH_SEC_PLAINTEXT)."""
    p = SourcePOP3("127.0.0.1", apop_server.ports["pop3"], "127.0.0.2")
    assert "USER" not in p.capa()
    with pytest.raises(poplib.error_proto) as e:
        p.user(USER)
    assert e.value.args[0].startswith(b"-ERR [AUTH] Plaintext authentication disallowed")
    with pytest.raises(poplib.error_proto) as e:
        p.apop(USER, "wrong")
    assert e.value.args[0] == b"-ERR [AUTH] Authentication failed."
    assert p.apop(USER, PASSWORD) == b"+OK Logged in."
    p.quit()
    check_apop_login(apop_server, "127.0.0.2", "")


def test_apop_bad_arguments(apop_server):
    c = Client.connect(apop_server.ports["pop3"])
    ts = GREETING_RE.match(c.readline()).group(1)
    good = digest(ts, PASSWORD)
    for cmd, answer in [
        ("APOP", "-ERR Invalid parameters."),
        (f"APOP {USER}", "-ERR Invalid parameters."),
        (f"APOP {USER} {good[:31]}", "-ERR Invalid parameters."),
        (f"APOP {USER} {good}0", "-ERR Invalid parameters."),
        (f"APOP  {good}", "-ERR Invalid parameters."),
        (f"APOP {USER} {'g' * 32}", "-ERR Invalid characters in MD5 response."),
        ("UTF8 x", "-ERR Invalid arguments."),
        ("UTF8", "+OK UTF8 enabled"),
    ]:
        c.send(cmd)
        assert c.readline() == answer, cmd
    # upper-case hex is fine too, and the name is matched as auth does
    c.send(f"apop {USER} {good.upper()}")
    assert c.readline() == "+OK Logged in."
    c.close()


def test_apop_not_enabled(login_server):
    c = Client.connect(login_server.ports["pop3"])
    assert c.readline() == "+OK Roost ready."
    c.send(f"APOP {USER} {'0' * 32}")
    assert c.readline() == "-ERR APOP not enabled."
    c.close()
    with pytest.raises(poplib.error_proto):
        poplib.POP3("127.0.0.1", login_server.ports["pop3"], timeout=15).apop(USER, PASSWORD)


def test_apop_needs_plaintext_in_passdb(apop_server):
    hashed = subprocess.run(["doveadm", "pw", "-s", "SHA512-CRYPT", "-p", "hashedpw"],
                            capture_output=True, text=True, check=True).stdout.strip()
    users = apop_server.root / "users"
    users.write_text(users.read_text() + f"hashed@example.com:{hashed}::::\n")
    # the same entry verifies through USER/PASS
    p = poplib.POP3("127.0.0.1", apop_server.ports["pop3"], timeout=15)
    p.user("hashed@example.com")
    assert p.pass_("hashedpw") == b"+OK Logged in."
    p.quit()
    p = poplib.POP3("127.0.0.1", apop_server.ports["pop3"], timeout=15)
    with pytest.raises(poplib.error_proto) as e:
        p.apop("hashed@example.com", "hashedpw")
    assert e.value.args[0] == b"-ERR [AUTH] Authentication failed."
    p.quit()
    wait_log_re(apop_server, r"auth: Info: apop\(hashed@example\.com,127\.0\.0\.1,<[^>]+>\): "
                             r"Requested PLAIN scheme, but we have only SHA512-CRYPT")
