"""The LMTP service through the real master and the real auth service
(passwd-file users with the vmail uid): Python's smtplib.LMTP over the unix
socket and TCP, pipelined multi-recipient transactions with per-recipient
replies, BDAT, SMTPUTF8, recipient_delimiter and lmtp_save_to_detail_mailbox,
size limits, the trace headers, the UIDs in the Maildir (read back with
roost-test-storage as the mail user), the fsync order of a delivery under
strace, and a throughput figure."""
import email
import imaplib
import os
import pathlib
import pwd
import re
import shutil
import smtplib
import socket
import subprocess
import tempfile
import time

import pytest

from conftest import build_path, wait_for, children_of
from storage_util import cli_path
from strace_util import read_calls, fd_path

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

VMAIL = pwd.getpwnam("vmail") if any(p.pw_name == "vmail" for p in pwd.getpwall()) else None


@pytest.fixture(scope="module", autouse=True)
def vmail_user():
    global VMAIL
    if VMAIL is None:
        # conftest's session fixture may have created it after this module
        # was imported
        try:
            VMAIL = pwd.getpwnam("vmail")
        except KeyError:
            subprocess.run(["useradd", "--system", "--no-create-home", "--shell",
                            "/usr/sbin/nologin", "vmail"], check=True)
            VMAIL = pwd.getpwnam("vmail")
    return VMAIL


@pytest.fixture
def work_dir():
    """World-traversable: auth runs unprivileged and reads the users file;
    the lmtp process delivers as vmail below it."""
    d = tempfile.mkdtemp(prefix="roost-lmtp-")
    os.chmod(d, 0o755)
    yield pathlib.Path(d)
    shutil.rmtree(d, ignore_errors=True)


class Env:
    def __init__(self, roost, work_dir, port, users):
        self.r = roost
        self.dir = work_dir
        self.port = port
        self.users = users

    @property
    def socket(self):
        return str(self.r.base_dir / "lmtp")

    def home(self, user):
        return self.dir / "home" / user

    def maildir(self, user):
        return self.home(user) / "Maildir"

    def storage(self, user, *args):
        """roost-test-storage as the mail user (never creates root files)."""
        res = subprocess.run([cli_path(), "-o", f"mail_location=maildir:{self.maildir(user)}",
                              *args], capture_output=True, timeout=60,
                             user=VMAIL.pw_uid, group=VMAIL.pw_gid)
        assert res.returncode == 0, res.stderr.decode()
        return res.stdout

    def uids(self, user, mailbox="INBOX"):
        out = self.storage(user, "fetch", mailbox).decode()
        return [int(line.split()[0]) for line in out.splitlines()]

    def message(self, user, uid, mailbox="INBOX"):
        return self.storage(user, "cat", mailbox, str(uid))

    def lmtp_unix(self):
        c = smtplib.LMTP(self.socket, timeout=30)
        return c

    def lmtp_tcp(self):
        return smtplib.LMTP("127.0.0.1", self.port, timeout=30)


USERS = ["john", "mary", "jörg"]


def start(roost_factory, work_dir, extra=""):
    vm = VMAIL
    lines = []
    for u in USERS:
        home = work_dir / "home" / u
        home.mkdir(parents=True)
        os.chown(home, vm.pw_uid, vm.pw_gid)
        os.chmod(home, 0o700)
        lines.append(f"{u}@example.com:{{PLAIN}}pw:{vm.pw_uid}:{vm.pw_gid}::{home}::")
    users = work_dir / "users"
    users.write_text("\n".join(lines) + "\n")
    os.chmod(users, 0o644)
    port = __import__("conftest").free_port()
    body = (PORTS_OFF +
            "auth_verbose = yes\n"
            "mail_location = maildir:~/Maildir\n"
            "first_valid_uid = 100\n"
            f"passdb {{\n  driver = passwd-file\n  args = {users}\n}}\n"
            f"userdb {{\n  driver = passwd-file\n  args = {users}\n}}\n"
            "service lmtp {\n"
            f"  inet_listener lmtp {{\n    port = {port}\n  }}\n"
            "}\n" + extra)
    r = roost_factory(body)
    r.base_dir = work_dir / "run"
    r.write_config(body)
    (r.base_dir / "login").mkdir(parents=True, exist_ok=True)
    r.start()
    wait_for(lambda: (r.base_dir / "auth-userdb").exists() and (r.base_dir / "lmtp").exists(),
             what="auth-userdb and lmtp sockets")
    return Env(r, work_dir, port, users)


def msg(subject, size=0):
    text = (f"From: sender@example.org\r\nTo: john@example.com\r\nSubject: {subject}\r\n"
            f"Message-ID: <{subject}@example.org>\r\n\r\nHello {subject}\r\n")
    if size:
        line = "x" * 76 + "\r\n"
        while len(text) < size:
            text += line
    return text.encode()


def read_replies(sock, count, buf=b""):
    """count SMTP replies (multi-line aware) from sock: [(code, text)]."""
    out = []
    sock.settimeout(30)
    while len(out) < count:
        while b"\r\n" not in buf:
            data = sock.recv(65536)
            if not data:
                raise EOFError(f"closed after {out}")
            buf += data
        line, buf = buf.split(b"\r\n", 1)
        line = line.decode("utf-8", "replace")
        if line[3:4] == "-":
            continue
        out.append((int(line[:3]), line[4:]))
    return out, buf


def test_single_recipient_unix_socket_headers_and_uid(roost_factory, work_dir):
    env = start(roost_factory, work_dir, "hostname = mx.roost.test\n")
    c = env.lmtp_unix()
    code, text = c.ehlo("client.example")
    assert code == 250
    feats = text.decode().splitlines()
    assert feats[0] == "mx.roost.test"
    for ext in ("PIPELINING", "ENHANCEDSTATUSCODES", "8BITMIME", "CHUNKING", "SMTPUTF8"):
        assert ext in feats
    assert any(f.startswith("SIZE") for f in feats)
    assert not any(f.startswith("XCLIENT") for f in feats)  # a unix peer is not trusted
    refused = c.sendmail("sender@example.org", ["john@example.com"], msg("one"))
    assert refused == {}
    c.quit()
    assert env.uids("john") == [1]
    data = env.message("john", 1)
    m = email.message_from_bytes(data)
    assert data.startswith(b"Return-Path: <sender@example.org>\r\nDelivered-To: john@example.com\r\n"
                           b"Received: from client.example\r\n\tby mx.roost.test with LMTP id ")
    assert "for <john@example.com>;" in m["Received"]
    assert m["Subject"] == "one"
    assert data.endswith(b"Hello one\r\n")
    # the files belong to the mail user, never to root
    for root, dirs, files in os.walk(env.home("john")):
        for name in dirs + files:
            st = os.lstat(os.path.join(root, name))
            assert (st.st_uid, st.st_gid) == (VMAIL.pw_uid, VMAIL.pw_gid), name
    log = env.r.log()
    assert "john@example.com: from=<sender@example.org>" in log and "saved mail to INBOX uid=1" in log


def test_pipelined_multi_recipient_tcp_per_recipient_replies(roost_factory, work_dir):
    env = start(roost_factory, work_dir, "lmtp_max_mail_size = 20k\n")
    s = socket.create_connection(("127.0.0.1", env.port), timeout=30)
    (greet,), buf = read_replies(s, 1)
    assert greet[0] == 220
    # everything up to DATA in one write (PIPELINING)
    s.sendall(b"LHLO client.example\r\nMAIL FROM:<sender@example.org>\r\n"
              b"RCPT TO:<john@example.com>\r\nRCPT TO:<ghost@example.com>\r\n"
              b"RCPT TO:<mary+lists@example.com>\r\nRCPT TO:<john@example.com>\r\n"
              b"DATA\r\n")
    replies, buf = read_replies(s, 7, buf)
    assert [r[0] for r in replies] == [250, 250, 250, 550, 250, 250, 354]
    assert replies[3][1] == ("5.1.1 <ghost@example.com> User doesn't exist: ghost@example.com")
    # body with dot-stuffing, then the next transaction and QUIT pipelined
    body = (b"Subject: multi\r\n\r\n..leading dot\r\nplain\r\n.\r\n"
            b"MAIL FROM:<>\r\nRCPT TO:<mary@example.com>\r\nDATA\r\n")
    s.sendall(body)
    replies, buf = read_replies(s, 6, buf)
    codes = [r[0] for r in replies]
    assert codes == [250, 250, 250, 250, 250, 354], replies
    # one reply per accepted recipient, in RCPT order
    assert replies[0][1].startswith("2.0.0 <john@example.com> ")
    assert replies[1][1].startswith("2.0.0 <mary+lists@example.com> ")
    assert replies[2][1].startswith("2.0.0 <john@example.com> ")
    # over the size limit: 552 5.3.4 for the recipient, nothing saved
    s.sendall(b"Subject: big\r\n\r\n" + b"y" * 30000 + b"\r\n.\r\nQUIT\r\n")
    replies, buf = read_replies(s, 2, buf)
    assert replies[0] == (552, "5.3.4 <mary@example.com> Message size exceeds fixed maximum "
                               "message size")
    assert replies[1][0] == 221
    s.close()
    assert env.uids("john") == [1, 2]
    assert env.uids("mary") == [1]
    m = env.message("mary", 1)
    # several recipients: no Delivered-To, no "for"
    assert b"Delivered-To:" not in m and b"\tfor <" not in m
    assert m.startswith(b"Return-Path: <sender@example.org>\r\nReceived: from client.example"
                        b" ([127.0.0.1])\r\n")
    assert m.endswith(b"\r\n\r\n.leading dot\r\nplain\r\n")
    # SIZE= over the limit is refused at MAIL
    c = env.lmtp_tcp()
    c.ehlo("client.example")
    assert c.mail("a@example.org", ["SIZE=999999"])[0] == 552
    c.quit()


def test_size_line_limits_and_command_errors(roost_factory, work_dir):
    env = start(roost_factory, work_dir)
    c = env.lmtp_unix()
    assert c.mail("a@example.org")[0] == 503  # before LHLO
    c.ehlo("client.example")
    assert c.rcpt("john@example.com")[0] == 503  # before MAIL
    assert c.docmd("DATA")[0] == 503
    assert c.docmd("VRFY", "john@example.com") == (252, b"2.3.3 Try RCPT instead")
    assert c.docmd("HELO", "x")[0] == 500
    assert c.docmd("FOO")[0] == 500
    assert c.noop()[0] == 250
    assert c.mail("a@example.org")[0] == 250
    assert c.mail("b@example.org")[0] == 503
    assert c.docmd("DATA")[0] == 554  # no valid recipients
    assert c.rcpt("<bad address>")[0] == 501
    assert c.rset()[0] == 250
    assert c.docmd("X" * 5000)[0] == 500  # too long, and the session goes on
    assert c.noop()[0] == 250
    # a non-ASCII address without SMTPUTF8
    assert c.mail("a@example.org")[0] == 250
    c.send("RCPT TO:<jörg@example.com>\r\n".encode())
    assert c.getreply()[0] == 553
    c.quit()


def test_bdat_chunking(roost_factory, work_dir):
    env = start(roost_factory, work_dir)
    c = env.lmtp_tcp()
    c.ehlo("client.example")
    assert c.mail("sender@example.org", ["BODY=BINARYMIME"])[0] == 250
    assert c.rcpt("john@example.com")[0] == 250
    assert c.rcpt("mary@example.com")[0] == 250
    part1 = b"Subject: chunked\r\n\r\nfirst part\r\n.\r\n"
    part2 = b"second part\r\n"
    c.send(b"BDAT %d\r\n" % len(part1) + part1)
    code, text = c.getreply()
    assert code == 250 and text.startswith(b"2.0.0")
    c.send(b"BDAT %d LAST\r\n" % len(part2) + part2)
    r1 = c.getreply()
    r2 = c.getreply()
    assert r1[0] == 250 and b"<john@example.com>" in r1[1]
    assert r2[0] == 250 and b"<mary@example.com>" in r2[1]
    # BDAT without a transaction: refused, and its chunk is skipped
    c.send(b"BDAT 5 LAST\r\nhello")
    assert c.getreply()[0] == 503
    assert c.noop()[0] == 250
    c.quit()
    for user in ("john", "mary"):
        data = env.message(user, env.uids(user)[-1])
        # BDAT bodies are taken as they are: no dot-unstuffing
        assert data.endswith(b"\r\n\r\nfirst part\r\n.\r\nsecond part\r\n")


def test_smtputf8_recipient(roost_factory, work_dir):
    # Dovecot's default auth_username_chars refuses non-ASCII user names
    env = start(roost_factory, work_dir, "auth_username_chars =\n")
    c = env.lmtp_unix()
    c.ehlo("client.example")
    data = "Subject: grüße\r\n\r\nHallo Jörg\r\n".encode()
    refused = c.sendmail("sénder@exämple.org", ["jörg@example.com"], data,
                         mail_options=["SMTPUTF8", "BODY=8BITMIME"])
    assert refused == {}
    c.quit()
    out = env.message("jörg", 1)
    assert out.startswith("Return-Path: <sénder@exämple.org>\r\nDelivered-To: jörg@example.com\r\n"
                          .encode())
    assert out.endswith("Hallo Jörg\r\n".encode())


def test_detail_mailbox_and_autocreate(roost_factory, work_dir):
    env = start(roost_factory, work_dir, "lmtp_save_to_detail_mailbox = yes\n")
    env.storage("john", "create", "lists")
    c = env.lmtp_unix()
    c.ehlo("client.example")
    for rcpt in ("john+lists@example.com", "john+nosuch@example.com"):
        assert c.sendmail("s@example.org", [rcpt], msg("detail")) == {}
    c.quit()
    assert env.uids("john", "lists") == [1]
    assert env.uids("john") == [1]  # the missing folder falls back to INBOX
    assert b"Delivered-To: john+lists@example.com\r\n" in env.message("john", 1, "lists")
    assert b"lists\n" in env.storage("john", "list") and b"nosuch" not in env.storage("john", "list")


def test_detail_mailbox_autocreate_subscribe(roost_factory, work_dir):
    env = start(roost_factory, work_dir, "lmtp_save_to_detail_mailbox = yes\n"
                "lda_mailbox_autocreate = yes\nlda_mailbox_autosubscribe = yes\n")
    c = env.lmtp_unix()
    c.ehlo("client.example")
    assert c.sendmail("s@example.org", ["mary-news@example.com", "mary+news@example.com"],
                      msg("auto")) == {"mary-news@example.com":
                                       (550, b"5.1.1 <mary-news@example.com> User doesn't "
                                             b"exist: mary-news@example.com")}
    c.quit()
    assert env.uids("mary", "news") == [1]
    assert b"news" in env.storage("mary", "list", "-s")


def test_userdb_unavailable_is_temporary(roost_factory, work_dir):
    env = start(roost_factory, work_dir)
    os.chmod(env.users, 0)  # auth runs unprivileged: the lookup fails
    try:
        c = env.lmtp_unix()
        c.ehlo("client.example")
        assert c.mail("s@example.org")[0] == 250
        code, text = c.rcpt("john@example.com")
        assert (code, text[:5]) == (451, b"4.3.0")
        c.quit()
    finally:
        os.chmod(env.users, 0o644)


def test_storage_error_affects_only_that_recipient(roost_factory, work_dir):
    env = start(roost_factory, work_dir)
    # mary's home is not writable for her: her delivery fails, john's works
    os.chown(env.home("mary"), 0, 0)
    os.chmod(env.home("mary"), 0o755)
    c = env.lmtp_unix()
    c.ehlo("client.example")
    c.mail("s@example.org")
    c.rcpt("mary@example.com")
    c.rcpt("john@example.com")
    r1 = c.data(msg("partial"))
    r2 = c.getreply()
    c.quit()
    assert r1[0] == 451 and r1[1].startswith(b"4.3.0 <mary@example.com>")
    assert r2[0] == 250
    assert env.uids("john") == [1]
    assert not (env.maildir("mary") / "new").exists()


def test_xclient_from_trusted_network(roost_factory, work_dir):
    env = start(roost_factory, work_dir, "login_trusted_networks = 127.0.0.0/8\n")
    c = env.lmtp_tcp()
    code, text = c.ehlo("relay.example")
    assert b"XCLIENT" in text
    code, text = c.docmd("XCLIENT", "ADDR=198.51.100.9 HELO=orig.example")
    assert code == 220
    c.ehlo("relay.example")
    assert c.sendmail("s@example.org", ["john@example.com"], msg("xclient")) == {}
    c.quit()
    assert b"Received: from relay.example ([198.51.100.9])" in env.message("john", 1)


TRACE = "openat,write,fsync,fdatasync,rename,renameat,renameat2,link,linkat"


def test_strace_fsync_before_250(roost_factory, work_dir, tmp_path):
    env = start(roost_factory, work_dir)
    trace = tmp_path / "trace"
    st = subprocess.Popen(["strace", "-f", "-y", "-s", "256", "-e", f"trace={TRACE}",
                           "-o", str(trace), "-p", str(env.r.proc.pid)],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        time.sleep(1.0)  # strace attaches
        c = env.lmtp_unix()
        c.ehlo("client.example")
        c.mail("s@example.org")
        c.rcpt("john@example.com")
        c.rcpt("mary@example.com")
        assert c.data(msg("traced"))[0] == 250
        assert c.getreply()[0] == 250
        c.quit()
        time.sleep(0.5)
    finally:
        st.terminate()
        st.wait(timeout=10)
    calls = [c[1:] for c in read_calls(trace)]
    # the first 250 reply with an address is written after every save
    i_reply = next(i for i, (n, a, r) in enumerate(calls)
                   if n == "write" and "250 2.0.0 <john@example.com>" in a)
    for user in ("john", "mary"):
        md = str(env.maildir(user))
        renames = [(i, a) for i, (n, a, r) in enumerate(calls)
                   if n.startswith("rename") and f'"{md}/tmp/' in a and f'"{md}/new/' in a]
        assert len(renames) == 1, renames
        i_rename, args = renames[0]
        tmp_file = re.search(r'"([^"]+/tmp/[^"]+)"', args).group(1)
        fsyncs = [i for i, (n, a, r) in enumerate(calls)
                  if n in ("fsync", "fdatasync") and fd_path(a) == tmp_file and r == "0"]
        links = [(i, a) for i, (n, a, r) in enumerate(calls)
                 if n.startswith("link") and f'"{tmp_file}"' in a and r == "0"]
        if user == "john":
            assert fsyncs and fsyncs[0] < i_rename, "file fsynced before its rename"
            john_new = re.findall(r'"([^"]+)"', args)[1]
        else:
            # mary's copy is a hard link of john's file, which was fsynced
            # and renamed into new/ before
            assert len(links) == 1 and f'"{john_new}"' in links[0][1], links
            assert links[0][0] < i_rename
        dsyncs = [i for i, (n, a, r) in enumerate(calls)
                  if n == "fsync" and fd_path(a) == f"{md}/new" and i > i_rename]
        assert dsyncs and dsyncs[0] < i_reply, "new/ fsynced before the 250"
        usyncs = [i for i, (n, a, r) in enumerate(calls)
                  if n in ("fsync", "fdatasync") and (fd_path(a) or "").startswith(
                      md + "/dovecot-uidlist") and i > i_rename]
        assert usyncs and usyncs[0] < i_reply, "uidlist synced before the 250"


@pytest.mark.parametrize("size", [4096, 102400])
def test_throughput(roost_factory, work_dir, size):
    env = start(roost_factory, work_dir)
    data = msg("perf", size)
    count = 100 if size <= 4096 else 40
    c = env.lmtp_unix()
    c.ehlo("client.example")
    t0 = time.monotonic()
    for _ in range(count):
        assert c.sendmail("s@example.org", ["john@example.com"], data) == {}
    elapsed = time.monotonic() - t0
    c.quit()
    assert env.uids("john") == list(range(1, count + 1))
    print(f"\nLMTP throughput, {size // 1024} KB messages, fsync on (mail_fsync=optimized): "
          f"{count / elapsed:.1f} messages/s ({count} in {elapsed:.2f}s)")


def test_postfix_delivers_through_lmtp_socket(roost_factory, work_dir):
    """A real Postfix (private instance, chroot off) takes mail with swaks,
    authenticating through Roost's auth socket (smtpd_sasl_type = dovecot),
    and hands it to Roost's LMTP socket in its private/ directory."""
    from test_postfix_sasl import MASTER_CF
    from conftest import free_port
    if shutil.which("postfix") is None:
        pytest.fail("postfix is not installed (tests/run-all.sh installs it)")
    top = work_dir / "postfix"
    conf, queue, data = top / "conf", top / "queue", top / "data"
    conf.mkdir(parents=True)
    queue.mkdir()
    os.chmod(top, 0o755)
    smtp_port = free_port()
    (conf / "main.cf").write_text(f"""\
compatibility_level = 3.6
queue_directory = {queue}
data_directory = {data}
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = roost-test.localdomain
mydestination =
relay_domains =
virtual_mailbox_domains = example.com
virtual_transport = lmtp:unix:private/dovecot-lmtp
maillog_file_prefixes = {top}
maillog_file = {top}/maillog
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = private/auth
smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
smtpd_tls_security_level = none
""")
    (conf / "master.cf").write_text(MASTER_CF.format(port=f"127.0.0.1:{smtp_port}") +
                                    "lmtp unix - - n - - lmtp\n")
    lmtp_sock = queue / "private" / "dovecot-lmtp"
    auth_sock = queue / "private" / "auth"
    p = subprocess.run(["postfix", "-c", str(conf), "start"], capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    try:
        env = start(roost_factory, work_dir,
                    "service lmtp {\n"
                    f"  unix_listener {lmtp_sock} {{\n"
                    "    mode = 0600\n    user = postfix\n    group = postfix\n  }\n}\n"
                    "service auth {\n"
                    f"  unix_listener {auth_sock} {{\n"
                    "    mode = 0660\n    user = postfix\n    group = postfix\n  }\n}\n")
        wait_for(lambda: lmtp_sock.exists() and auth_sock.exists(), what="sockets in private/")
        assert os.stat(lmtp_sock).st_mode & 0o777 == 0o600
        assert pwd.getpwuid(os.stat(lmtp_sock).st_uid).pw_name == "postfix"
        out = subprocess.run(["swaks", "--server", f"127.0.0.1:{smtp_port}", "--auth", "PLAIN",
                              "--auth-user", "mary@example.com", "--auth-password", "pw",
                              "--from", "mary@example.com", "--to", "john+x@example.com",
                              "--header", "Subject: via postfix", "--body", "through the chain",
                              "--timeout", "30"], capture_output=True, text=True, timeout=60)
        assert "235 2.7.0" in out.stdout and "250 2.0.0 Ok: queued" in out.stdout, out.stdout
        wait_for(lambda: (env.maildir("john") / "new").exists() and
                 any((env.maildir("john") / "new").iterdir()), timeout=30,
                 what="delivery by postfix")
        data = env.message("john", 1)
        assert data.startswith(b"Return-Path: <mary@example.com>\r\n"
                               b"Delivered-To: john+x@example.com\r\nReceived: from ")
        assert b"with LMTP id" in data and b"Subject: via postfix" in data
        assert b"through the chain" in data
        # and read back through IMAP, as a mail client would see it
        imap_bin = build_path("src", "imap", "roost-imap-stdio")
        m = imaplib.IMAP4_stream(f"runuser -u vmail -- {imap_bin} -u john "
                                 f"-o mail_location=maildir:{env.maildir('john')}")
        assert m.select("INBOX")[0] == "OK"
        typ, fetched = m.fetch("1", "(BODY.PEEK[])")
        assert typ == "OK"
        assert fetched[0][1].replace(b"\r\n", b"\n") == data.replace(b"\r\n", b"\n")
        m.logout()
        wait_for(lambda: "status=sent (250 2.0.0 <john+x@example.com>" in
                 (top / "maillog").read_text(), timeout=10, what="postfix status=sent")
    finally:
        subprocess.run(["postfix", "-c", str(conf), "stop"], capture_output=True, timeout=60)
        wait_for(lambda: subprocess.run(["postfix", "-c", str(conf), "status"],
                                        capture_output=True).returncode != 0,
                 timeout=20, what="postfix to stop")


def test_disk_full_is_temporary_and_leaves_nothing(roost_factory, work_dir):
    """john's home is a 1 MB tmpfs: once it is full his delivery gets the
    documented 452 4.3.1 (doc/lmtp.md), nothing partial stays in the
    Maildir, mary's delivery in the same transaction succeeds, and john's
    succeeds again once there is space."""
    env = start(roost_factory, work_dir)
    home = env.home("john")
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size=1m,mode=0700,uid={VMAIL.pw_uid},"
                    f"gid={VMAIL.pw_gid}", "tmpfs", str(home)], check=True)
    try:
        c = env.lmtp_unix()
        c.ehlo("client.example")
        assert c.sendmail("s@example.org", ["john@example.com"], msg("first")) == {}
        filler = home / "filler"
        with open(filler, "wb") as f:
            try:
                while True:
                    f.write(b"\0" * 65536)
                    f.flush()
            except OSError:
                pass
        c.mail("s@example.org")
        c.rcpt("john@example.com")
        c.rcpt("mary@example.com")
        r1 = c.data(msg("full", 200000))
        r2 = c.getreply()
        assert r1 == (452, b"4.3.1 <john@example.com> Insufficient system storage"), r1
        assert r2[0] == 250
        md = env.maildir("john")
        assert os.listdir(md / "tmp") == []
        assert len(os.listdir(md / "new")) == 1
        assert env.uids("john") == [1]
        filler.unlink()
        assert c.sendmail("s@example.org", ["john@example.com"], msg("after", 200000)) == {}
        c.quit()
        assert env.uids("john") == [1, 2]
        assert env.uids("mary") == [1]
    finally:
        subprocess.run(["umount", "-l", str(home)], check=False)


def lmtp_pids(r):
    out = []
    for pid in children_of(r.proc.pid):
        try:
            with open(f"/proc/{pid}/comm") as f:
                if f.read().strip() == "lmtp":
                    out.append(pid)
        except OSError:
            pass
    return out


def test_sigkill_during_data(roost_factory, work_dir):
    """SIGKILL of the lmtp process at seeded points of 200 transactions:
    before the body ends, right after the final dot, a few ms after it, and
    after the 250. Every message that got 250 is in the Maildir; every
    message file there is complete; an unanswered message is absent or
    complete (the duplicate window is counted and printed)."""
    import random
    import signal
    seed = int(os.environ.get("ROOST_FAULT_SEED", str(int(time.time()))))
    print(f"\nSIGKILL fault test seed={seed} (rerun with ROOST_FAULT_SEED={seed})")
    rng = random.Random(seed)
    env = start(roost_factory, work_dir)
    bodies, acked, unacked = {}, set(), set()
    kills = 0
    for i in range(200):
        token = f"fault-{i}"
        body = (f"Subject: {token}\r\n\r\n" + f"{token} line\r\n" * rng.randint(1, 3000)).encode()
        bodies[token] = body
        mode = rng.randrange(4)
        s = socket.create_connection(("127.0.0.1", env.port), timeout=30)
        _, buf = read_replies(s, 1)
        s.sendall(b"LHLO fault\r\nMAIL FROM:<s@example.org>\r\nRCPT TO:<john@example.com>\r\n"
                  b"DATA\r\n")
        replies, buf = read_replies(s, 4, buf)
        assert [r[0] for r in replies] == [250, 250, 250, 354], replies
        got_250 = False
        pids = lmtp_pids(env.r)  # before the body, so that the kill is immediate
        if mode == 0:
            s.sendall(body[:rng.randrange(len(body))])
            time.sleep(0.002)
        else:
            s.sendall(body + b".\r\n")
            if mode == 2:
                time.sleep(rng.random() * 0.005)
            elif mode == 3:
                (rep,), buf = read_replies(s, 1, buf)
                assert rep[0] == 250
                got_250 = True
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
            kills += 1
        if not got_250:
            # a reply may still have been written before the kill
            s.settimeout(2)
            try:
                data = buf + s.recv(4096)
                got_250 = b"250 2.0.0 <john@example.com>" in data
            except (OSError, socket.timeout):
                pass
        s.close()
        (acked if got_250 else unacked).add(token)
    assert kills >= 200
    # every visible message is complete and belongs to exactly one token
    found = {}
    md = env.maildir("john")
    for sub in ("new", "cur"):
        for name in os.listdir(md / sub):
            data = (md / sub / name).read_bytes()
            m = re.search(rb"Subject: (fault-\d+)\r\n", data)
            assert m, name
            token = m.group(1).decode()
            assert data.startswith(b"Return-Path: <s@example.org>\r\n")
            assert data.endswith(bodies[token]), f"{name} is partial"
            found[token] = found.get(token, 0) + 1
    missing = acked - set(found)
    assert not missing, f"acknowledged but lost: {sorted(missing)}"
    assert all(n == 1 for n in found.values())
    saved_unacked = set(found) & unacked
    # the index agrees with the files
    assert len(env.uids("john")) == len(found)
    print(f"kills={kills} acknowledged={len(acked)} unacknowledged={len(unacked)} "
          f"saved-but-unacknowledged (duplicates on retry)={len(saved_unacked)}")


def lda(env, *args, stdin=b"", as_vmail=True):
    kw = {"user": VMAIL.pw_uid, "group": VMAIL.pw_gid} if as_vmail else {}
    conf = env.dir / "lda.conf"  # readable for the mail user
    shutil.copyfile(env.r.config_path, conf)
    os.chmod(conf, 0o644)
    return subprocess.run([build_path("src", "lmtp", "roost-lda"), "-c", str(conf),
                           *args], input=stdin, capture_output=True, timeout=60, **kw)


def test_lda_exit_codes_and_delivery(roost_factory, work_dir):
    env = start(roost_factory, work_dir)
    env.storage("john", "create", "Work")
    text = b"From sender@example.org Thu Jan  1 00:00:00 2026\nSubject: lda\n\nvia lda\n"
    # as the mail user (Postfix's mailbox_command), into a named mailbox
    p = lda(env, "-d", "john@example.com", "-f", "sender@example.org", "-m", "Work",
            stdin=text)
    assert p.returncode == 0, p.stderr
    assert env.message("john", 1, "Work") == (b"Return-Path: <sender@example.org>\n"
                                              b"Delivered-To: john@example.com\n"
                                              b"Subject: lda\n\nvia lda\n")
    # as root: the delivery switches to the user's ids; a missing -m mailbox
    # falls back to INBOX
    p = lda(env, "-d", "mary@example.com", "-a", "mary+x@example.com", "-m", "Nope",
            stdin=b"Subject: root\r\n\r\nbody\r\n", as_vmail=False)
    assert p.returncode == 0, p.stderr
    assert env.message("mary", 1).startswith(b"Return-Path: <MAILER-DAEMON>\r\n"
                                             b"Delivered-To: mary+x@example.com\r\n")
    for root, dirs, files in os.walk(env.home("mary")):
        for name in dirs + files:
            assert os.lstat(os.path.join(root, name)).st_uid == VMAIL.pw_uid
    # unknown user: 67 (EX_NOUSER); userdb failing: 75 (EX_TEMPFAIL)
    assert lda(env, "-d", "ghost@example.com", stdin=text).returncode == 67
    os.chmod(env.users, 0)
    try:
        assert lda(env, "-d", "john@example.com", stdin=text).returncode == 75
    finally:
        os.chmod(env.users, 0o644)
    assert lda(env, "-x").returncode == 64
    # a configuration the user cannot read: retry later, never bounce
    p = subprocess.run([build_path("src", "lmtp", "roost-lda"), "-c", str(env.r.config_path),
                        "-d", "john@example.com"], input=text, capture_output=True,
                       timeout=60, user=VMAIL.pw_uid, group=VMAIL.pw_gid)
    assert p.returncode == 75, p.stderr


def test_identical_copies_are_hard_linked(roost_factory, work_dir):
    """Several recipients of one uid on one filesystem: the message is
    written once and the other copies are hard links of it."""
    env = start(roost_factory, work_dir)
    c = env.lmtp_unix()
    c.ehlo("client.example")
    c.mail("s@example.org")
    for rcpt in ("john@example.com", "mary@example.com", "john@example.com"):
        assert c.rcpt(rcpt)[0] == 250
    assert c.data(msg("linked", 50000))[0] == 250
    assert c.getreply()[0] == 250 and c.getreply()[0] == 250
    c.quit()
    assert env.uids("john") == [1, 2] and env.uids("mary") == [1]
    files = [env.maildir(u) / "new" / n for u in ("john", "mary")
             for n in os.listdir(env.maildir(u) / "new")]
    inodes = {os.stat(f).st_ino for f in files}
    assert len(files) == 3 and len(inodes) == 1
    assert os.stat(files[0]).st_nlink == 3
    assert env.message("mary", 1) == env.message("john", 2)


def test_recipient_limit_mixed_pipelined(roost_factory, work_dir):
    """One pipelined transaction with valid, unknown and over-limit
    recipients: 1000 accepted (999 john + mary), the unknown one 550 and
    not counted, the 1001st 452 4.5.3 (RFC 5321 4.5.3.1.8: the client
    sends it again later); after the body exactly one reply per accepted
    recipient, in order, and all copies saved in one group commit as hard
    links."""
    env = start(roost_factory, work_dir)
    s = socket.create_connection(("127.0.0.1", env.port), timeout=60)
    _, buf = read_replies(s, 1)
    cmds = [b"LHLO client.example", b"MAIL FROM:<s@example.org>"]
    cmds += [b"RCPT TO:<john@example.com>"] * 999
    cmds += [b"RCPT TO:<ghost@example.com>", b"RCPT TO:<mary@example.com>",
             b"RCPT TO:<john@example.com>", b"DATA"]
    s.sendall(b"\r\n".join(cmds) + b"\r\n")
    replies, buf = read_replies(s, len(cmds), buf)
    codes = [r[0] for r in replies]
    assert codes[:1001] == [250] * 1001
    assert replies[1001][0] == 550 and "ghost@example.com" in replies[1001][1]
    assert replies[1002] == (250, "2.1.5 OK")
    assert replies[1003] == (452, "4.5.3 Too many recipients")
    assert replies[1004][0] == 354
    s.sendall(b"Subject: many\r\n\r\nmany\r\n.\r\nQUIT\r\n")
    replies, buf = read_replies(s, 1001, buf)
    assert all(r[0] == 250 and r[1].startswith("2.0.0 <john@example.com> ")
               for r in replies[:999]), replies[:3]
    assert replies[999][0] == 250 and replies[999][1].startswith("2.0.0 <mary@example.com> ")
    assert replies[1000][0] == 221
    s.close()
    assert env.uids("john") == list(range(1, 1000))
    assert env.uids("mary") == [1]
    new = env.maildir("john") / "new"
    inodes = {os.stat(new / n).st_ino for n in os.listdir(new)}
    assert len(inodes) == 1 and os.stat(env.maildir("mary") / "new" /
                                        os.listdir(env.maildir("mary") / "new")[0]).st_ino in inodes
