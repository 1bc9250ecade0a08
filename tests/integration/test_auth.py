"""The auth service through the real master: Dovecot's client protocol 1.x
on the auth-client socket (PLAIN, LOGIN, CRAM-MD5, SCRAM with the client
side computed here), the master protocol (USER/PASS/LIST/REQUEST), slow
hashes in auth workers, failure delay, logs, garbage, and roostadm's pw,
auth test, auth lookup and user."""
import base64
import hashlib
import hmac
import os
import pathlib
import pty
import select
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import warnings

import pytest

from conftest import build_path, wait_for, children_of
from sasl_util import digest_md5_answer, digest_md5_parse

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt  # Debian 12's Python 3.11 still has it

PORTS_OFF = """
service imap-login {
  inet_listener imap {
    port = 0
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    port = 0
  }
  inet_listener pop3s {
    port = 0
  }
}
"""


@pytest.fixture
def auth_dir():
    """A directory the unprivileged auth process (default_internal_user)
    can read, unlike pytest's private tmp_path."""
    d = tempfile.mkdtemp(prefix="roost-auth-")
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def roostadm(r, *args, input_text=None, check=False):
    p = subprocess.run([build_path("src", "admin", "roostadm"), "-c", str(r.config_path),
                        *args], capture_output=True, text=True, timeout=30, input=input_text)
    if check:
        assert p.returncode == 0, p.stderr
    return p


def pw(*args):
    p = subprocess.run([build_path("src", "admin", "roostadm"), "pw", *args],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout.strip()


def write_users(auth_dir, lines):
    path = os.path.join(auth_dir, "users")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.chmod(path, 0o644)
    return path


def make_roost(roost_factory, auth_dir, body):
    """base_dir inside auth_dir: the auth process runs unprivileged and
    must reach its worker socket there."""
    r = roost_factory(body)
    r.base_dir = pathlib.Path(auth_dir) / "run"
    r.write_config(body)
    # the chroot directory of login processes, for the login/login listener
    (r.base_dir / "login").mkdir(parents=True, exist_ok=True)
    return r


def start_auth(roost_factory, auth_dir, users, extra="", mechs="plain login cram-md5 "
               "scram-sha-1 scram-sha-256", scheme="PLAIN", userdb=None):
    path = write_users(auth_dir, users)
    if userdb is None:
        userdb = f"userdb {{\n  driver = passwd-file\n  args = {path}\n}}\n"
    body = (PORTS_OFF +
            f"auth_mechanisms = {mechs}\n"
            "auth_verbose = yes\n"
            f"{extra}\n"
            "passdb {\n  driver = passwd-file\n"
            f"  args = scheme={scheme} username_format=%u {path}\n}}\n" + userdb)
    r = make_roost(roost_factory, auth_dir, body)
    r.start()
    wait_for(lambda: (r.base_dir / "auth-client").exists(), what="auth-client socket")
    return r


class AuthClient:
    """The client side of protocol 1.x over a unix socket."""

    def __init__(self, path, cpid=None, handshake=True):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(10)
        self.sock.connect(str(path))
        self.buf = b""
        self.server = []
        if handshake:
            while True:
                line = self.readline()
                self.server.append(line)
                if line == "DONE":
                    break
            self.cpid = cpid or os.getpid()
            self.send(f"VERSION\t1\t2\nCPID\t{self.cpid}")

    def readline(self):
        while b"\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("auth closed the connection")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode()

    def send(self, text):
        self.sock.sendall(text.encode() + b"\n")

    def fields(self):
        return self.readline().split("\t")

    def closed(self, timeout=5):
        self.sock.settimeout(timeout)
        try:
            while True:
                data = self.sock.recv(65536)
                if not data:
                    return True
                self.buf += data
        except ConnectionResetError:
            return True  # closed with our input unread
        except socket.timeout:
            return False

    def cookie(self):
        return [x.split("\t")[1] for x in self.server if x.startswith("COOKIE\t")][0]

    def close(self):
        self.sock.close()


def b64(data):
    return base64.b64encode(data).decode()


def plain_resp(user, password):
    return b64(b"\0" + user.encode() + b"\0" + password.encode())


def auth_plain(c, rid, user, password, service="imap", extra="\trip=198.51.100.25"):
    c.send(f"AUTH\t{rid}\tPLAIN\tservice={service}{extra}\tresp={plain_resp(user, password)}")
    return c.fields()


def auth_pid(r):
    for pid in r.children():
        try:
            cmd = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")
        except OSError:
            continue
        if os.path.basename(cmd[0].decode()) == "auth" and b"-w" not in cmd:
            return pid
    return None


USERS = ["john@example.com:{PLAIN}secret:1000:1000::/home/john::userdb_quota_rule=*:storage=1G",
         "# a comment",
         "",
         "short:{PLAIN}pw",
         "mary@example.com:{PLAIN}marypw:1001:1001::/home/mary"]


def test_handshake_and_plain(roost_factory, auth_dir):
    r = start_auth(roost_factory, auth_dir, USERS)
    c = AuthClient(r.base_dir / "auth-client")
    s = c.server
    assert s[0] == "VERSION\t1\t2"
    mechs = [x for x in s if x.startswith("MECH\t")]
    assert "MECH\tPLAIN\tplaintext" in mechs
    assert "MECH\tLOGIN\tplaintext" in mechs
    assert "MECH\tCRAM-MD5\tdictionary\tactive" in mechs
    assert "MECH\tSCRAM-SHA-256\tmutual-auth" in mechs
    # every MECH line comes before SPID, then CUID, COOKIE, DONE
    assert s.index("DONE") == len(s) - 1
    spid = [x for x in s if x.startswith("SPID\t")][0]
    assert max(s.index(m) for m in mechs) < s.index(spid)
    assert int(spid.split("\t")[1]) == auth_pid(r)
    assert re.fullmatch(r"CUID\t\d+", s[s.index(spid) + 1])
    assert re.fullmatch(r"COOKIE\t[0-9a-f]{32}", s[s.index(spid) + 2])
    assert auth_plain(c, 1, "john@example.com", "secret") == ["OK", "1", "user=john@example.com"]
    # auth_username_format = %Lu
    assert auth_plain(c, 2, "John@Example.COM", "secret") == ["OK", "2",
                                                               "user=john@example.com"]
    # a line with only user and password is a user too
    assert auth_plain(c, 3, "short", "pw")[0] == "OK"
    # PLAIN without initial response: empty challenge first
    c.send("AUTH\t4\tPLAIN\tservice=imap")
    assert c.fields() == ["CONT", "4", ""]
    c.send("CONT\t4\t" + plain_resp("mary@example.com", "marypw"))
    assert c.fields() == ["OK", "4", "user=mary@example.com"]


def test_login_mechanism(roost_factory, auth_dir):
    r = start_auth(roost_factory, auth_dir, USERS, extra="auth_failure_delay = 0")
    c = AuthClient(r.base_dir / "auth-client")
    c.send("AUTH\t1\tLOGIN\tservice=smtp\tlip=127.0.0.1\trip=127.0.0.1")
    f = c.fields()
    assert f[:2] == ["CONT", "1"] and base64.b64decode(f[2]) == b"Username:"
    c.send("CONT\t1\t" + b64(b"john@example.com"))
    f = c.fields()
    assert base64.b64decode(f[2]) == b"Password:"
    c.send("CONT\t1\t" + b64(b"secret"))
    assert c.fields() == ["OK", "1", "user=john@example.com"]
    c.send("AUTH\t2\tLOGIN\tservice=smtp")
    c.fields()
    c.send("CONT\t2\t" + b64(b"john@example.com"))
    c.fields()
    c.send("CONT\t2\t" + b64(b"nope"))
    assert c.fields()[:2] == ["FAIL", "2"]


def cram(c, rid, user, password):
    c.send(f"AUTH\t{rid}\tCRAM-MD5\tservice=imap\trip=198.51.100.25")
    f = c.fields()
    assert f[:2] == ["CONT", str(rid)]
    challenge = base64.b64decode(f[2])
    assert re.fullmatch(rb"<\d+\.\d+@[^>]+>", challenge)
    digest = hmac.new(password.encode(), challenge, hashlib.md5).hexdigest()
    c.send(f"CONT\t{rid}\t" + b64(f"{user} {digest}".encode()))
    return c.fields()


def test_cram_md5(roost_factory, auth_dir):
    cram_hash = pw("-s", "CRAM-MD5", "-p", "cramsecret")
    users = USERS + [f"carl:{cram_hash}", "sha:" + pw("-s", "SHA512-CRYPT", "-p", "x")]
    r = start_auth(roost_factory, auth_dir, users, extra="auth_failure_delay = 0")
    c = AuthClient(r.base_dir / "auth-client")
    assert cram(c, 1, "john@example.com", "secret") == ["OK", "1", "user=john@example.com"]
    assert cram(c, 2, "carl", "cramsecret") == ["OK", "2", "user=carl"]
    assert cram(c, 3, "carl", "wrong")[:2] == ["FAIL", "3"]
    # a stored scheme that cannot serve CRAM-MD5 fails, naming the scheme
    assert cram(c, 4, "sha", "x")[:2] == ["FAIL", "4"]
    r.wait_log("Requested CRAM-MD5 scheme, but we have only SHA512-CRYPT")


def scram(c, rid, user, password, hash_name="sha256", mech="SCRAM-SHA-256", tamper=False):
    cnonce = b64(os.urandom(18))
    first_bare = f"n={user},r={cnonce}"
    c.send(f"AUTH\t{rid}\t{mech}\tservice=imap\tresp=" + b64(("n,," + first_bare).encode()))
    f = c.fields()
    if f[0] != "CONT":
        return f, None
    server_first = base64.b64decode(f[2]).decode()
    attrs = dict(x.split("=", 1) for x in server_first.split(","))
    assert attrs["r"].startswith(cnonce) and len(attrs["r"]) > len(cnonce)
    salted = hashlib.pbkdf2_hmac(hash_name, password.encode(), base64.b64decode(attrs["s"]),
                                 int(attrs["i"]))
    client_key = hmac.new(salted, b"Client Key", hash_name).digest()
    stored_key = hashlib.new(hash_name, client_key).digest()
    final_wo_proof = "c=biws,r=" + attrs["r"]
    auth_message = ",".join([first_bare, server_first, final_wo_proof]).encode()
    signature = hmac.new(stored_key, auth_message, hash_name).digest()
    proof = bytes(a ^ b for a, b in zip(client_key, signature))
    if tamper:
        proof = bytes([proof[0] ^ 1]) + proof[1:]
    c.send(f"CONT\t{rid}\t" + b64(f"{final_wo_proof},p={b64(proof)}".encode()))
    server_key = hmac.new(salted, b"Server Key", hash_name).digest()
    expected = "v=" + b64(hmac.new(server_key, auth_message, hash_name).digest())
    return c.fields(), expected


def test_scram(roost_factory, auth_dir):
    users = USERS + ["sam:" + pw("-s", "SCRAM-SHA-256", "-p", "sampw"),
                     "sam1:" + pw("-s", "SCRAM-SHA-1", "-p", "sam1pw")]
    r = start_auth(roost_factory, auth_dir, users, extra="auth_failure_delay = 0")
    c = AuthClient(r.base_dir / "auth-client")
    for rid, (user, password, hname, mech) in enumerate([
            ("john@example.com", "secret", "sha256", "SCRAM-SHA-256"),
            ("sam", "sampw", "sha256", "SCRAM-SHA-256"),
            ("john@example.com", "secret", "sha1", "SCRAM-SHA-1"),
            ("sam1", "sam1pw", "sha1", "SCRAM-SHA-1")], 1):
        f, expected = scram(c, rid, user, password, hname, mech)
        assert f[:3] == ["OK", str(rid), f"user={user}"], f
        # the server proves it knows the key: server-final in resp=
        resp = [x for x in f if x.startswith("resp=")][0][5:]
        assert base64.b64decode(resp).decode() == expected
    f, _ = scram(c, 10, "sam", "sampw", tamper=True)
    assert f[:2] == ["FAIL", "10"]
    f, _ = scram(c, 11, "sam", "wrong")
    assert f[:2] == ["FAIL", "11"]
    # SCRAM-SHA-1 cannot be served from a SCRAM-SHA-256 entry
    f, _ = scram(c, 12, "sam", "sampw", "sha1", "SCRAM-SHA-1")
    assert f[:2] == ["FAIL", "12"]
    r.wait_log("Requested SCRAM-SHA-1 scheme, but we have only SCRAM-SHA-256")


def test_wrong_password_is_delayed_and_logged(roost_factory, auth_dir):
    r = start_auth(roost_factory, auth_dir, USERS)  # default auth_failure_delay = 2 secs
    c = AuthClient(r.base_dir / "auth-client")
    t = time.monotonic()
    f = auth_plain(c, 1, "john@example.com", "wrong", extra="\trip=198.51.100.25\tsession=abc123")
    elapsed = time.monotonic() - t
    assert f == ["FAIL", "1", "user=john@example.com"]
    assert 1.8 <= elapsed < 4, elapsed
    r.wait_log("auth: Info: passwd-file(john@example.com,198.51.100.25,<abc123>): "
               "Password mismatch")
    t = time.monotonic()
    assert auth_plain(c, 2, "nobody@example.com", "x")[:2] == ["FAIL", "2"]
    assert time.monotonic() - t >= 1.8
    r.wait_log("passwd-file(nobody@example.com,198.51.100.25): unknown user")
    # a good password is answered at once
    t = time.monotonic()
    assert auth_plain(c, 3, "john@example.com", "secret")[0] == "OK"
    assert time.monotonic() - t < 1
    assert "secret" not in r.log() and "wrong" not in r.log()


def test_user_names_cannot_forge_log_fields(roost_factory, auth_dir):
    r = start_auth(roost_factory, auth_dir, USERS, extra="auth_failure_delay = 0")
    c = AuthClient(r.base_dir / "auth-client")
    # refused by auth_username_chars, logged sanitised
    assert auth_plain(c, 1, "x, rip=203.0.113.98", "pw")[:2] == ["FAIL", "1"]
    r.wait_log("Username character disallowed by auth_username_chars")
    assert "rip=203.0.113.98" not in r.log()
    assert ",203.0.113.98" not in r.log()


def test_user_names_cannot_forge_log_fields_without_char_limits(roost_factory, auth_dir):
    r = start_auth(roost_factory, auth_dir, USERS,
                   extra="auth_failure_delay = 0\nauth_username_chars =")
    c = AuthClient(r.base_dir / "auth-client")
    assert auth_plain(c, 1, "x,203.0.113.98) rip=203.0.113.98\nfoo", "pw")[:2] == ["FAIL", "1"]
    r.wait_log("unknown user")
    line = [x for x in r.log().splitlines() if "unknown user" in x][0]
    assert line.count("(") == 1 and "203.0.113.98," not in line and " rip=" not in line
    assert "198.51.100.25" in line


def test_garbage_is_refused_and_others_are_served(roost_factory, auth_dir):
    r = start_auth(roost_factory, auth_dir, USERS, extra="auth_failure_delay = 0")
    path = r.base_dir / "auth-client"
    good = AuthClient(path)
    # wrong major VERSION: disconnected
    bad = AuthClient(path)
    bad.sock.close()
    bad = AuthClient(path, handshake=False)
    while bad.readline() != "DONE":
        pass
    bad.send("VERSION\t2\t0\nCPID\t1")
    assert bad.closed()
    # request-level errors: FAIL, connection stays
    c = AuthClient(path)
    c.send("AUTH\t1\tNOSUCHMECH\tservice=imap")
    assert c.fields()[:2] == ["FAIL", "1"]
    c.send("AUTH\t2\tPLAIN\tservice=imap\tresp=%%%not-base64")
    assert c.fields()[:2] == ["FAIL", "2"]
    c.send("CONT\t77\tAAAA")
    assert c.fields()[:2] == ["FAIL", "77"]
    c.send("AUTH\t3\tPLAIN\tservice=imap")
    assert c.fields() == ["CONT", "3", ""]
    c.send("CONT\t3\t!!")
    assert c.fields()[:2] == ["FAIL", "3"]
    assert auth_plain(c, 4, "john@example.com", "secret")[0] == "OK"
    # protocol errors: disconnected
    c.send("HELLO\tworld")
    assert c.closed()
    c = AuthClient(path)
    c.send("AUTH\tx\tPLAIN\tservice=imap")
    assert c.closed()
    c = AuthClient(path)
    c.send("AUTH\t1\tPLAIN")  # no service
    assert c.closed()
    # an over-long line, sent while the good client keeps working
    c = AuthClient(path)
    errors = []

    def flood():
        try:
            c.sock.sendall(b"AUTH\t1\tPLAIN\tservice=imap\tresp=" + b"A" * 100000)
        except OSError as e:
            errors.append(e)
    t = threading.Thread(target=flood)
    t.start()
    for i in range(5):
        assert auth_plain(good, 10 + i, "john@example.com", "secret")[0] == "OK"
    t.join(10)
    assert c.closed()
    r.wait_log("too long line")
    # the service is still the same process and serves new clients
    assert auth_plain(AuthClient(path), 1, "mary@example.com", "marypw")[0] == "OK"
    assert auth_plain(good, 20, "john@example.com", "secret")[0] == "OK"


def test_temporary_failure(roost_factory, auth_dir):
    r = start_auth(roost_factory, auth_dir, USERS, extra="auth_failure_delay = 0")
    os.chmod(os.path.join(auth_dir, "users"), 0)  # auth runs as default_internal_user
    c = AuthClient(r.base_dir / "auth-client")
    f = auth_plain(c, 1, "john@example.com", "secret")
    assert f[:2] == ["FAIL", "1"] and "temp" in f and "code=temp_fail" in f
    r.wait_log("Permission denied")
    # for Postfix (service=smtp) the connection is closed instead
    c.send(f"AUTH\t2\tPLAIN\tservice=smtp\tresp={plain_resp('john@example.com', 'secret')}")
    assert c.closed()
    os.chmod(os.path.join(auth_dir, "users"), 0o644)
    assert auth_plain(AuthClient(r.base_dir / "auth-client"), 1, "john@example.com",
                      "secret")[0] == "OK"


def test_passwd_file_reread_on_change(roost_factory, auth_dir):
    r = start_auth(roost_factory, auth_dir, USERS, extra="auth_failure_delay = 0")
    c = AuthClient(r.base_dir / "auth-client")
    assert auth_plain(c, 1, "new@example.com", "newpw")[0] == "FAIL"
    write_users(auth_dir, USERS + ["new@example.com:{PLAIN}newpw"])
    assert auth_plain(c, 2, "new@example.com", "newpw")[0] == "OK"


def test_blf_crypt_runs_in_worker_without_blocking(roost_factory, auth_dir):
    slow = pw("-s", "BLF-CRYPT", "-r", "13", "-p", "slowpw")
    r = start_auth(roost_factory, auth_dir, USERS + [f"slow:{slow}"],
                   extra="auth_failure_delay = 0")
    a = AuthClient(r.base_dir / "auth-client")
    b = AuthClient(r.base_dir / "auth-client")
    t = time.monotonic()
    a.send(f"AUTH\t1\tPLAIN\tservice=imap\tresp={plain_resp('slow', 'slowpw')}")
    time.sleep(0.05)
    assert auth_plain(b, 1, "john@example.com", "secret")[0] == "OK"
    fast = time.monotonic() - t
    assert a.fields() == ["OK", "1", "user=slow"]
    slow_elapsed = time.monotonic() - t
    assert fast < slow_elapsed / 2, (fast, slow_elapsed)
    # the hash was checked by an `auth -w` process started by the master
    workers = [p for p in r.children()
               if b"-w" in open(f"/proc/{p}/cmdline", "rb").read().split(b"\0")]
    assert workers
    a.send(f"AUTH\t2\tPLAIN\tservice=imap\tresp={plain_resp('slow', 'bad')}")
    assert a.fields()[:2] == ["FAIL", "2"]


def master_session(path, lines):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(str(path))
    c = AuthClient.__new__(AuthClient)
    c.sock, c.buf, c.server = s, b"", []
    assert c.readline() == "VERSION\t1\t0"
    assert c.readline().startswith("SPID\t")
    c.send("VERSION\t1\t0")
    out = []
    for line in lines:
        c.send(line)
        out.append(c.fields())
    return c, out


def test_master_protocol_and_request(roost_factory, auth_dir):
    r = start_auth(roost_factory, auth_dir, USERS, extra="auth_failure_delay = 0")
    client = AuthClient(r.base_dir / "auth-client", cpid=4242)
    assert auth_plain(client, 7, "john@example.com", "secret")[0] == "OK"
    cookie = client.cookie()
    m, out = master_session(r.base_dir / "auth-master", [
        "USER\t1\tjohn@example.com\tservice=imap",
        "USER\t2\tnobody\tservice=imap",
        "PASS\t3\tmary@example.com\tservice=imap",
        f"REQUEST\t4\t4242\t7\t{'0' * 32}",
        f"REQUEST\t5\t4242\t7\t{cookie}",
        f"REQUEST\t6\t4242\t7\t{cookie}",
    ])
    assert out[0][:3] == ["USER", "1", "john@example.com"]
    assert {"uid=1000", "gid=1000", "home=/home/john", "quota_rule=*:storage=1G"} <= set(out[0])
    assert out[1] == ["NOTFOUND", "2"]
    assert out[2][:3] == ["PASS", "3", "user=mary@example.com"]
    assert "password={PLAIN}marypw" in out[2]
    assert out[3] == ["NOTFOUND", "4"]  # wrong cookie
    assert out[4][:3] == ["USER", "5", "john@example.com"] and "uid=1000" in out[4]
    assert out[5] == ["NOTFOUND", "6"]  # redeemed once
    m.send("LIST\t8")
    users = []
    while True:
        f = m.fields()
        if f[0] == "DONE":
            assert f == ["DONE", "8"]
            break
        users.append(f[2])
    assert sorted(users) == ["john@example.com", "mary@example.com", "short"]
    m.send("BOGUS\t1")
    assert m.closed()
    # the userdb socket refuses PASS and REQUEST
    u, out = master_session(r.base_dir / "auth-userdb", ["USER\t1\tmary@example.com\tservice=lmtp"])
    assert out[0][:3] == ["USER", "1", "mary@example.com"]
    u.send("PASS\t2\tmary@example.com\tservice=imap")
    assert u.closed()


def test_static_userdb_resolves_names(roost_factory, auth_dir):
    userdb = ("userdb {\n  driver = static\n"
              "  args = uid=vmail gid=vmail home=/var/mail/vhosts/%d/%n\n}\n")
    r = start_auth(roost_factory, auth_dir, USERS, userdb=userdb)
    p = roostadm(r, "user", "mary@example.com", check=True)
    vmail = pwd.getpwnam("vmail")
    assert p.stdout.splitlines() == [
        "field\tvalue", "user\tmary@example.com", f"uid\t{vmail.pw_uid}",
        f"gid\t{vmail.pw_gid}", "home\t/var/mail/vhosts/example.com/mary"]
    # without allow_all_users a user must be known to the passdb
    p = roostadm(r, "user", "ghost@example.com")
    assert p.returncode == 67 and "doesn't exist" in p.stderr


def test_roostadm_auth_test_lookup_user(roost_factory, auth_dir):
    userdb = ("userdb {\n  driver = static\n"
              "  args = uid=5000 gid=5000 home=/var/mail/vhosts/%d/%n\n}\n")
    users = ["johndoe@andromed.cloud:" + pw("-s", "SHA512-CRYPT", "-p", "MotDePasse123!")]
    r = start_auth(roost_factory, auth_dir, users, userdb=userdb, scheme="SHA512-CRYPT",
                   mechs="plain login")
    p = roostadm(r, "auth", "test", "johndoe@andromed.cloud", "MotDePasse123!", check=True)
    assert p.stdout.splitlines() == [
        "passdb: johndoe@andromed.cloud auth succeeded",
        "extra fields:",
        "  user=johndoe@andromed.cloud",
        "userdb: johndoe@andromed.cloud",
        "  home      : /var/mail/vhosts/andromed.cloud/johndoe",
        "  uid       : 5000",
        "  gid       : 5000",
    ]
    p = roostadm(r, "auth", "test", "johndoe@andromed.cloud", "wrong")
    assert p.returncode == 77
    assert p.stdout.splitlines()[0] == "passdb: johndoe@andromed.cloud auth failed"
    p = roostadm(r, "auth", "lookup", "johndoe@andromed.cloud", check=True)
    lines = p.stdout.splitlines()
    assert lines[0] == "passdb: johndoe@andromed.cloud"
    assert lines[1] == "  user      : johndoe@andromed.cloud"
    assert lines[2].startswith("  password  : {SHA512-CRYPT}$6$")
    p = roostadm(r, "auth", "lookup", "nobody@andromed.cloud")
    assert p.returncode == 67 and "doesn't exist" in p.stdout


def test_roostadm_pw():
    h = pw("-s", "SHA512-CRYPT", "-p", "x")
    assert h.startswith("{SHA512-CRYPT}$6$")
    raw = h[len("{SHA512-CRYPT}"):]
    assert crypt.crypt("x", raw) == raw
    assert crypt.crypt("y", raw) != raw
    assert pw("-t", h, "-p", "x") == h + " (verified)"
    p = subprocess.run([build_path("src", "admin", "roostadm"), "pw", "-t", h, "-p", "y"],
                       capture_output=True, text=True)
    assert p.returncode != 0 and "Password mismatch" in p.stderr
    # rounds, and the same hash verified by Python for SHA256-CRYPT
    h = pw("-s", "SHA256-CRYPT", "-r", "6000", "-p", "pass")
    assert "$5$rounds=6000$" in h
    assert crypt.crypt("pass", h[len("{SHA256-CRYPT}"):]) == h[len("{SHA256-CRYPT}"):]
    # no -p: asks twice on the terminal, without echo
    out, status = on_terminal([build_path("src", "admin", "roostadm"), "pw", "-s", "SSHA256"],
                              [("Enter new password:", "abc"),
                               ("Retype new password:", "abc")])
    assert status == 0, out
    hashed = [x for x in out.split("\n") if x.startswith("{SSHA256}")][0].strip()
    assert pw("-t", hashed, "-p", "abc") == hashed + " (verified)"
    assert "abc" not in out.replace(hashed, "")
    out, status = on_terminal([build_path("src", "admin", "roostadm"), "pw"],
                              [("Enter new password:", "abc"),
                               ("Retype new password:", "abd")])
    assert status != 0 and "Passwords don't match!" in out


def on_terminal(argv, dialogue, timeout=20):
    """Runs argv on a new pseudo-terminal (its /dev/tty), answering each
    prompt; returns everything it showed and its exit status."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(argv[0], argv)
    out = b""
    deadline = time.monotonic() + timeout
    steps = list(dialogue)
    while time.monotonic() < deadline:
        if steps and steps[0][0].encode() in out:
            out = out.replace(steps[0][0].encode(), b"[" + steps[0][0].encode() + b"]", 1)
            os.write(fd, steps.pop(0)[1].encode() + b"\n")
        if not select.select([fd], [], [], 0.5)[0]:
            continue
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        out += data
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return out.decode(errors="replace").replace("\r", ""), os.waitstatus_to_exitcode(status)


def test_startup_refuses_mechanism_the_scheme_cannot_serve(roost_factory, auth_dir):
    path = write_users(auth_dir, USERS)
    r = make_roost(roost_factory, auth_dir, PORTS_OFF + "auth_mechanisms = plain cram-md5\n"
                   "passdb {\n  driver = passwd-file\n"
                   f"  args = scheme=SHA512-CRYPT {path}\n}}\n")
    r.start()
    wait_for(lambda: (r.base_dir / "auth-client").exists(), what="auth-client socket")
    # auth starts on demand: a client makes the master start it
    with pytest.raises((EOFError, OSError)):
        AuthClient(r.base_dir / "auth-client")
    r.wait_log("CRAM-MD5 needs the password in PLAIN or CRAM-MD5 scheme, but passdb "
               "passwd-file stores passwords as SHA512-CRYPT")


def digest_md5(c, rid, user, password, service="imap", realm=None, authzid=None,
               extra="\trip=198.51.100.25"):
    """One DIGEST-MD5 exchange on the auth socket. Returns the final
    reply's fields and the challenge's attributes."""
    c.send(f"AUTH\t{rid}\tDIGEST-MD5\tservice={service}{extra}")
    f = c.fields()
    assert f[:2] == ["CONT", str(rid)], f
    challenge = base64.b64decode(f[2])
    answer, rspauth = digest_md5_answer(challenge, user, password, service, realm=realm,
                                        authzid=authzid)
    c.send(f"CONT\t{rid}\t{b64(answer)}")
    f = c.fields()
    if f[0] == "CONT":
        # the server proves it knows the password too, then the client
        # answers with an empty response
        assert base64.b64decode(f[2]).decode() == f"rspauth={rspauth}"
        c.send(f"CONT\t{rid}\t")
        f = c.fields()
    return f, digest_md5_parse(challenge)


def test_digest_md5_through_libsasl2(roost_factory, auth_dir):
    users = USERS + ["sha:" + pw("-s", "SHA512-CRYPT", "-p", "shapw"),
                     "b64user:{PLAIN.B64}" + b64(b"b64pw")]
    r = start_auth(roost_factory, auth_dir, users, extra="auth_failure_delay = 0",
                   mechs="plain digest-md5")
    c = AuthClient(r.base_dir / "auth-client")
    # libsasl2's flags, as Dovecot announces DIGEST-MD5
    assert "MECH\tDIGEST-MD5\tdictionary\tactive\tmutual-auth" in c.server
    f, challenge = digest_md5(c, 1, "john@example.com", "secret")
    assert f == ["OK", "1", "user=john@example.com"], f
    # no auth_realms: the realm offered is the host name, qop is auth only
    assert challenge["realm"] == socket.gethostname()
    assert challenge["qop"] == "auth" and "cipher" not in challenge
    # auth_username_format = %Lu applies
    f, _ = digest_md5(c, 2, "Mary@Example.COM", "marypw")
    assert f == ["OK", "2", "user=mary@example.com"], f
    assert digest_md5(c, 3, "b64user", "b64pw")[0][:2] == ["OK", "3"]
    # wrong password, unknown user
    assert digest_md5(c, 4, "john@example.com", "wrong")[0] == ["FAIL", "4",
                                                                 "user=john@example.com"]
    r.wait_log("digest-md5(john@example.com,198.51.100.25): Password mismatch")
    assert digest_md5(c, 5, "nobody@example.com", "x")[0][:2] == ["FAIL", "5"]
    r.wait_log("passwd-file(nobody@example.com,198.51.100.25): unknown user")
    # a one-way hash cannot serve it: the log names the scheme
    assert digest_md5(c, 6, "sha", "shapw")[0][:2] == ["FAIL", "6"]
    r.wait_log("digest-md5(sha,198.51.100.25): Requested PLAIN scheme for DIGEST-MD5 "
               "(libsasl2 needs the password), but we have only SHA512-CRYPT")
    # the digest-uri names another service
    assert digest_md5(c, 7, "john@example.com", "secret", service="smtp",
                      extra="\tservice=imap")[0][:2] == ["FAIL", "7"]
    # an authorization identity of another user (a master login) is refused
    f, _ = digest_md5(c, 8, "john@example.com", "secret", authzid="mary@example.com")
    assert f[:2] == ["FAIL", "8"]
    r.wait_log("Authorization identity mary@example.com differs from the authenticated user")
    # the same user as authorization identity is fine
    f, _ = digest_md5(c, 9, "john@example.com", "secret", authzid="john@example.com")
    assert f == ["OK", "9", "user=john@example.com"]
    # garbage as digest-response
    c.send("AUTH\t10\tDIGEST-MD5\tservice=imap")
    assert c.fields()[:2] == ["CONT", "10"]
    c.send("CONT\t10\t" + b64(b'username="john@example.com",,,=,"'))
    assert c.fields()[:2] == ["FAIL", "10"]
    # the requests were redeemable: REQUEST after OK works as for PLAIN
    assert "secret" not in r.log() and "marypw" not in r.log()
    assert digest_md5(c, 11, "john@example.com", "secret")[0][0] == "OK"


def test_digest_md5_realms_and_default_realm(roost_factory, auth_dir):
    users = ["john@example.com:{PLAIN}secret", "john@example.org:{PLAIN}orgpw",
             "bare:{PLAIN}barepw"]
    r = start_auth(roost_factory, auth_dir, users, mechs="plain digest-md5",
                   extra="auth_failure_delay = 0\nauth_realms = example.com example.org\n"
                         "auth_default_realm = example.com\nauth_username_format = %Lu")
    c = AuthClient(r.base_dir / "auth-client")
    # the first of auth_realms is offered; the realm the client uses
    # becomes the user's domain
    f, challenge = digest_md5(c, 1, "john", "secret")
    assert challenge["realm"] == "example.com"
    assert f == ["OK", "1", "user=john@example.com"], f
    f, _ = digest_md5(c, 2, "john", "orgpw", realm="example.org")
    assert f == ["OK", "2", "user=john@example.org"], f
    # a name with a domain keeps it
    f, _ = digest_md5(c, 3, "john@example.org", "orgpw", realm="example.org")
    assert f == ["OK", "3", "user=john@example.org"], f
    # the digest is over the name as the client typed it; the lookup uses
    # the normalised one (%Lu)
    f, _ = digest_md5(c, 7, "JOHN", "orgpw", realm="Example.ORG")
    assert f == ["OK", "7", "user=john@example.org"], f
    # PLAIN: auth_default_realm completes names without a domain
    assert auth_plain(c, 4, "john", "secret") == ["OK", "4", "user=john@example.com"]
    assert auth_plain(c, 8, "JoHn", "secret") == ["OK", "8", "user=john@example.com"]
    assert auth_plain(c, 5, "john@example.org", "orgpw") == ["OK", "5",
                                                             "user=john@example.org"]
    assert auth_plain(c, 6, "bare", "barepw")[:2] == ["FAIL", "6"]
    r.wait_log("passwd-file(bare@example.com,198.51.100.25): unknown user")


def test_cyrus_mechanisms_at_startup(roost_factory, auth_dir):
    path = write_users(auth_dir, USERS)
    # a one-way default scheme cannot serve DIGEST-MD5
    r = make_roost(roost_factory, auth_dir, PORTS_OFF + "auth_mechanisms = plain digest-md5\n"
                   "passdb {\n  driver = passwd-file\n"
                   f"  args = scheme=SHA512-CRYPT {path}\n}}\n")
    r.start()
    wait_for(lambda: (r.base_dir / "auth-client").exists(), what="auth-client socket")
    with pytest.raises((EOFError, OSError)):
        AuthClient(r.base_dir / "auth-client")
    r.wait_log("DIGEST-MD5 needs the password in PLAIN scheme, but passdb passwd-file "
               "stores passwords as SHA512-CRYPT")
    r.stop()
    # pam checks passwords in workers: libsasl2 cannot wait for them
    pam = ("passdb {\n  driver = pam\n}\npassdb {\n  driver = passwd-file\n"
           f"  args = scheme=PLAIN {path}\n}}\nuserdb {{\n  driver = passwd\n}}\n")
    r = make_roost(roost_factory, auth_dir, PORTS_OFF + "auth_mechanisms = plain digest-md5\n"
                   + pam)
    r.base_dir = pathlib.Path(auth_dir) / "run2"
    r.write_config(PORTS_OFF + "auth_mechanisms = plain digest-md5\n" + pam)
    (r.base_dir / "login").mkdir(parents=True, exist_ok=True)
    r.start()
    wait_for(lambda: (r.base_dir / "auth-client").exists(), what="auth-client socket")
    with pytest.raises((EOFError, OSError)):
        AuthClient(r.base_dir / "auth-client")
    r.wait_log("DIGEST-MD5 is run by libsasl2, which needs the password during its own "
               "call, but passdb pam checks passwords in auth workers")
    r.stop()
    # limited to other mechanisms, pam is fine; a mechanism unknown to
    # Roost and to libsasl2 is a start-up error, a known one a warning
    limited = pam.replace("driver = pam\n", "driver = pam\n  mechanisms = plain login\n")
    body = PORTS_OFF + "auth_mechanisms = plain digest-md5 gssapi\n" + limited
    r = make_roost(roost_factory, auth_dir, body)
    r.base_dir = pathlib.Path(auth_dir) / "run3"
    r.write_config(body)
    (r.base_dir / "login").mkdir(parents=True, exist_ok=True)
    r.start()
    wait_for(lambda: (r.base_dir / "auth-client").exists(), what="auth-client socket")
    c = AuthClient(r.base_dir / "auth-client")
    assert [x.split("\t")[1] for x in c.server if x.startswith("MECH\t")] == ["PLAIN",
                                                                              "DIGEST-MD5"]
    assert digest_md5(c, 1, "john@example.com", "secret")[0][0] == "OK"
    r.wait_log("auth_mechanisms: GSSAPI is not built into Roost and no installed libsasl2 "
               "plugin offers it (Debian package libsasl2-modules-gssapi-mit); it is not "
               "offered")
    r.stop()
    body = PORTS_OFF + "auth_mechanisms = plain x-no-such-mech\n" + limited
    r = make_roost(roost_factory, auth_dir, body)
    r.base_dir = pathlib.Path(auth_dir) / "run4"
    r.write_config(body)
    (r.base_dir / "login").mkdir(parents=True, exist_ok=True)
    r.start()
    wait_for(lambda: (r.base_dir / "auth-client").exists(), what="auth-client socket")
    with pytest.raises((EOFError, OSError)):
        AuthClient(r.base_dir / "auth-client")
    r.wait_log("auth_mechanisms: unknown mechanism 'x-no-such-mech'")
