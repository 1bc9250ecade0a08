"""Shared set-up for the login-path tests (test_login_imap.py,
test_login_pop3.py, test_fail2ban.py): real system users, a passwd-file
passdb, a static userdb owned by vmail, a self-signed certificate, and the
real master with imap-login, pop3-login, auth, anvil, imap and pop3 on free
loopback ports."""
import os
import pathlib
import pwd
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import time

import pytest

from conftest import free_port, wait_for

PASSWORD = "Secret-Passw0rd"
USER = "john@example.com"


def ensure_system_user(name):
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell",
                        "/usr/sbin/nologin", name], check=True)


class LoginServer:
    """One master with the login services; .log() is its log file."""

    def __init__(self, roost, root, ports):
        self.roost = roost
        self.root = root
        self.ports = ports
        self.mail_root = root / "mail"

    def __getattr__(self, name):
        return getattr(self.roost, name)


@pytest.fixture
def login_root():
    """A directory that the unprivileged auth, anvil and mail-user
    processes can traverse (pytest's tmp_path is private to root)."""
    d = pathlib.Path(tempfile.mkdtemp(prefix="roost-login-"))
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def login_certs(tmp_path_factory):
    d = tmp_path_factory.mktemp("login-certs")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=mail.example.com", "-keyout", str(d / "key.pem"),
                    "-out", str(d / "cert.pem")], check=True, capture_output=True, timeout=60)
    return d


def login_config(root, certs, ports, extra=""):
    users = root / "users"
    users.write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::\n"
                     "mary@example.com:{PLAIN}marypw::::\n")
    users.chmod(0o644)
    mail_root = root / "mail"
    mail_root.mkdir(exist_ok=True)
    vmail = pwd.getpwnam("vmail")
    os.chown(mail_root, vmail.pw_uid, vmail.pw_gid)
    mail_root.chmod(0o700)
    return f"""
protocols = imap pop3
mail_location = maildir:~/Maildir
ssl = yes
ssl_cert = <{certs}/cert.pem
ssl_key = <{certs}/key.pem
auth_mechanisms = plain login
auth_verbose = yes
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {users}
}}
userdb {{
  driver = static
  args = uid=vmail gid=vmail home={mail_root}/%d/%n
}}
service imap-login {{
  inet_listener imap {{
    port = {ports['imap']}
  }}
  inet_listener imaps {{
    port = {ports['imaps']}
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    port = {ports['pop3']}
  }}
  inet_listener pop3s {{
    port = {ports['pop3s']}
  }}
}}
{extra}
"""


@pytest.fixture
def login_server_factory(roost_factory, login_root, login_certs):
    for name in ("roost", "roostnull", "vmail"):
        ensure_system_user(name)

    def make(extra="", name="roost"):
        ports = {k: free_port() for k in ("imap", "imaps", "pop3", "pop3s")}
        r = roost_factory("", name=name)
        r.base_dir = login_root / f"run-{name}"
        r.log_path = login_root / f"{name}.log"
        r.write_config(login_config(login_root, login_certs, ports, extra))
        r.start()
        server = LoginServer(r, login_root, ports)
        wait_for(lambda: (r.base_dir / "login" / "login").exists(), what="auth login socket")
        wait_for(lambda: (r.base_dir / "anvil-auth-penalty").exists(), what="anvil socket")
        return server
    return make


@pytest.fixture
def login_server(login_server_factory):
    return login_server_factory()


class Client:
    """A line client over a plain or TLS socket, with a bound source."""

    def __init__(self, sock):
        self.sock = sock
        self.sock.settimeout(15)
        self.buf = b""

    @classmethod
    def connect(cls, port, source="127.0.0.1", tls=False):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(15)
        s.bind((source, 0))
        s.connect(("127.0.0.1", port))
        if tls:
            s = client_tls_context().wrap_socket(s, server_hostname="mail.example.com")
        return cls(s)

    def readline(self):
        while b"\n" not in self.buf:
            data = self.sock.recv(4096)
            if not data:
                raise EOFError("connection closed; buffered: %r" % self.buf)
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return line.rstrip(b"\r").decode()

    def send(self, line):
        self.sock.sendall(line.encode() + b"\r\n")

    def starttls(self):
        assert self.buf == b""
        self.sock = client_tls_context().wrap_socket(self.sock, server_hostname="mail.example.com")

    def read_until_closed(self):
        out = self.buf
        self.buf = b""
        try:
            while True:
                data = self.sock.recv(4096)
                if not data:
                    break
                out += data
        except (ConnectionResetError, ssl.SSLError):
            pass
        return out.decode()

    def close(self):
        self.sock.close()


def client_tls_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def log_lines(server, pattern):
    return [line for line in server.log().splitlines() if re.search(pattern, line)]


def wait_log_re(server, pattern, timeout=10):
    return wait_for(lambda: log_lines(server, pattern), timeout, what=f"log /{pattern}/")


def proc_status(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.split()
    return fields


def processes_named(server, name):
    out = []
    for pid in server.children():
        try:
            cmd = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")[0].decode()
        except OSError:
            continue
        if os.path.basename(cmd) == name:
            out.append(pid)
    return out


def elapsed(func):
    start = time.monotonic()
    value = func()
    return value, time.monotonic() - start
