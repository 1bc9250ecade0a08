"""Real IMAP clients through the real login path (imap-login over implicit
TLS, hand-off, the post-login imap process on the user's Maildir): mbsync
(isync) syncing both ways with flags and an expunge, fetchmail fetching over
IMAP and marking the messages \\Seen, and curl appending and fetching by UID."""
import imaplib
import os
import re
import subprocess
import time

import pytest

from login_util import USER, PASSWORD, client_tls_context, wait_log_re
from login_util import login_server, login_server_factory, login_root  # noqa: F401


@pytest.fixture(scope="module")
def login_certs(tmp_path_factory):
    """The server certificate, issued to the address the clients connect
    to, so that mbsync's host check passes with the certificate trusted
    through CertificateFile (it overrides login_util's fixture here)."""
    d = tmp_path_factory.mktemp("client-certs")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-keyout", str(d / "key.pem"),
                    "-out", str(d / "cert.pem")], check=True, capture_output=True, timeout=60)
    return d


def imap(server):
    m = imaplib.IMAP4_SSL("127.0.0.1", server.ports["imaps"], ssl_context=client_tls_context())
    m.login(USER, PASSWORD)
    return m


def msg(subject, body="hello"):
    return (f"From: a@example.com\r\nTo: {USER}\r\nSubject: {subject}\r\n"
            f"Message-ID: <{subject}@example.com>\r\n\r\n{body}\r\n").encode()


def server_messages(server):
    """{subject: set(flags)} of INBOX, seen through imaplib."""
    m = imap(server)
    m.select("INBOX")
    typ, data = m.fetch("1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    out = {}
    if typ == "OK" and data != [None]:
        for item in data:
            if not isinstance(item, tuple):
                continue
            flags = set(re.search(rb"FLAGS \(([^)]*)\)", item[0]).group(1).decode().split())
            subject = re.search(rb"Subject: (\S+)", item[1]).group(1).decode()
            out[subject] = flags
    m.logout()
    return out


def local_messages(maildir):
    """{subject: maildir info flags} of a local Maildir (cur and new)."""
    out = {}
    for sub in ("cur", "new"):
        d = maildir / sub
        if not d.is_dir():
            continue
        for name in os.listdir(d):
            data = (d / name).read_bytes()
            subject = re.search(rb"Subject: (\S+)", data).group(1).decode()
            out[subject] = name.split(":2,", 1)[1] if ":2," in name else ""
    return out


def run_mbsync(rc):
    p = subprocess.run(["mbsync", "-c", str(rc), "-a"], capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 0, (p.stdout, p.stderr)
    return p


def test_mbsync_syncs_both_ways_with_flags_and_expunge(login_server, tmp_path, login_certs):
    m = imap(login_server)
    for s, flags in (("one", r"(\Flagged)"), ("two", None), ("three", r"(\Seen)")):
        typ, _ = m.append("INBOX", flags, None, msg(s))
        assert typ == "OK"
    m.logout()

    local = tmp_path / "local"
    local.mkdir()
    rc = tmp_path / "mbsyncrc"
    rc.write_text(f"""
IMAPAccount roost
Host 127.0.0.1
Port {login_server.ports['imaps']}
User {USER}
Pass {PASSWORD}
SSLType IMAPS
CertificateFile {login_certs}/cert.pem
AuthMechs LOGIN PLAIN

IMAPStore remote
Account roost

MaildirStore local
Path {local}/
Inbox {local}/INBOX
SubFolders Verbatim

Channel inbox
Far :remote:INBOX
Near :local:INBOX
Create Near
CopyArrivalDate yes
Expunge Both
SyncState *
Sync All

Channel archive
Far :remote:Archive
Near :local:Archive
Create Far
Expunge Both
SyncState *
Sync All
""")
    # A local folder that the server does not have yet: mbsync creates it.
    for sub in ("cur", "new", "tmp"):
        (local / "Archive" / sub).mkdir(parents=True)
    (local / "Archive" / "cur" / "1700000000.arch1.host:2,S").write_bytes(msg("old"))
    # 1. pull: the three messages arrive locally with their flags.
    run_mbsync(rc)
    got = local_messages(local / "INBOX")
    assert set(got) == {"one", "two", "three"}, got
    assert "F" in got["one"] and "S" not in got["one"]
    assert got["two"] == ""
    assert "S" in got["three"]
    m = imap(login_server)
    typ, data = m.list('""', "Archive")
    assert typ == "OK" and data[0] is not None and data[0].endswith(b"Archive"), data
    m.select("Archive")
    typ, data = m.fetch("1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    assert len([x for x in data if isinstance(x, tuple)]) == 1, data
    assert b"\\Seen" in data[0][0] and b"Subject: old" in data[0][1], data
    m.logout()

    # 2. push: a new local message, a local flag change and a local deletion.
    inbox = local / "INBOX"
    (inbox / "new" / "1700000000.local1.host").write_bytes(msg("four"))
    os.utime(inbox / "new" / "1700000000.local1.host", (1700000000, 1700000000))
    for sub in ("cur", "new"):
        for name in os.listdir(inbox / sub):
            data = (inbox / sub / name).read_bytes()
            base = name.split(":2,")[0]
            if b"Subject: two" in data:
                os.rename(inbox / sub / name, inbox / "cur" / (base + ":2,RS"))
            if b"Subject: three" in data:
                os.rename(inbox / sub / name, inbox / "cur" / (base + ":2,ST"))
    run_mbsync(rc)
    srv = server_messages(login_server)
    assert set(srv) == {"one", "two", "four"}, srv
    assert srv["two"] >= {"\\Seen", "\\Answered"}, srv
    assert "\\Flagged" in srv["one"] and "\\Seen" not in srv["one"]
    # CopyArrivalDate: APPEND carried the file's date as INTERNALDATE.
    m = imap(login_server)
    m.select("INBOX")
    typ, data = m.search(None, "SUBJECT", "four")
    typ, data = m.fetch(data[0].split()[0], "(INTERNALDATE)")
    assert imaplib.Internaldate2tuple(data[0]) is not None, data
    assert int(time.mktime(imaplib.Internaldate2tuple(data[0]))) == 1700000000, data
    m.logout()

    # 3. pull again: server-side flag change and deletion reach the Maildir.
    m = imap(login_server)
    m.select("INBOX")
    typ, data = m.search(None, "SUBJECT", "one")
    one = data[0].split()[0]
    m.store(one, "+FLAGS", r"(\Deleted)")
    m.expunge()
    typ, data = m.search(None, "SUBJECT", "four")
    m.store(data[0].split()[0], "+FLAGS", r"(\Flagged)")
    m.logout()
    run_mbsync(rc)
    got = local_messages(inbox)
    assert set(got) == {"two", "four"}, got
    assert "F" in got["four"] and "R" in got["two"] and "S" in got["two"]
    # A further run changes nothing.
    run_mbsync(rc)
    assert local_messages(inbox) == got
    assert set(server_messages(login_server)) == {"two", "four"}


def test_fetchmail_fetches_over_imap_and_marks_seen(login_server, tmp_path):
    m = imap(login_server)
    for s in ("fm1", "fm2"):
        assert m.append("INBOX", None, None, msg(s, "body of " + s))[0] == "OK"
    m.logout()
    mda_out = tmp_path / "delivered"
    mda_out.mkdir()
    mda = tmp_path / "mda.sh"
    mda.write_text(f"#!/bin/sh\ncat > {mda_out}/$$.$(date +%s%N)\n")
    mda.chmod(0o755)
    rc = tmp_path / "fetchmailrc"
    rc.write_text(f"""
set no syslog
poll 127.0.0.1 service {login_server.ports['imaps']} protocol IMAP
  user "{USER}" password "{PASSWORD}" is "root" here
  ssl no sslcertck
  keep
  mda "{mda}"
""")
    rc.chmod(0o600)
    env = dict(os.environ, HOME=str(tmp_path))
    p = subprocess.run(["fetchmail", "-f", str(rc), "--nodetach", "-v",
                        "--pidfile", str(tmp_path / "fm.pid"),
                        "--idfile", str(tmp_path / "fm.ids")],
                       capture_output=True, text=True, timeout=60, env=env)
    assert p.returncode == 0, (p.stdout, p.stderr)
    bodies = [f.read_bytes() for f in mda_out.iterdir()]
    assert len(bodies) == 2, (bodies, p.stderr)
    joined = b"".join(bodies)
    assert b"body of fm1" in joined and b"body of fm2" in joined
    assert b"Subject: fm1" in joined
    srv = server_messages(login_server)
    assert set(srv) == {"fm1", "fm2"}
    assert all("\\Seen" in f for f in srv.values()), srv
    # A second poll finds nothing new (exit code 1: no mail).
    p = subprocess.run(["fetchmail", "-f", str(rc), "--nodetach",
                        "--pidfile", str(tmp_path / "fm.pid"),
                        "--idfile", str(tmp_path / "fm.ids")],
                       capture_output=True, text=True, timeout=60, env=env)
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert len(list(mda_out.iterdir())) == 2


def test_curl_appends_and_fetches_by_uid(login_server, tmp_path):
    base = f"imaps://127.0.0.1:{login_server.ports['imaps']}"
    user = ["--user", f"{USER}:{PASSWORD}"]
    for s in ("c1", "c2"):
        f = tmp_path / f"{s}.eml"
        f.write_bytes(msg(s, "curl body " + s))
        p = subprocess.run(["curl", "-sSk", "-T", str(f), f"{base}/INBOX", *user],
                           capture_output=True, timeout=30)
        assert p.returncode == 0, p
    m = imap(login_server)
    m.select("INBOX")
    typ, data = m.uid("SEARCH", None, "ALL")
    uids = data[0].split()
    assert len(uids) == 2
    m.logout()
    for uid, s in zip(uids, ("c1", "c2")):
        p = subprocess.run(["curl", "-sSk", f"{base}/INBOX;UID={uid.decode()}", *user],
                           capture_output=True, timeout=30)
        assert p.returncode == 0 and p.stdout == msg(s, "curl body " + s), p
    # A section of one message by UID.
    p = subprocess.run(["curl", "-sSk", f"{base}/INBOX;UID={uids[1].decode()};SECTION=TEXT",
                        *user], capture_output=True, timeout=30)
    assert p.returncode == 0 and p.stdout == b"curl body c2\r\n", p
    # curl's URL search (SELECT then SEARCH) finds the second message.
    p = subprocess.run(["curl", "-sSk", f"{base}/INBOX?SUBJECT%20c2", *user],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0 and p.stdout.strip() == "* SEARCH 2", p
    # An unknown UID fails.
    p = subprocess.run(["curl", "-sSk", f"{base}/INBOX;UID=999", *user],
                       capture_output=True, timeout=30)
    assert p.returncode != 0 and p.stdout == b"", p
    log = login_server.log()
    assert "Error" not in log and "Panic" not in log and "Fatal" not in log, log
    # Appending to a missing mailbox fails.
    f = tmp_path / "c1.eml"
    p = subprocess.run(["curl", "-sSk", "-T", str(f), f"{base}/NoSuchBox", *user],
                       capture_output=True, timeout=30)
    assert p.returncode == 25 and b"Upload failed" in p.stderr, p
    # ... because the server answers APPEND with NO [TRYCREATE], as RFC 3501 asks.
    m = imap(login_server)
    typ, data = m.append("NoSuchBox", None, None, msg("x"))
    assert typ == "NO" and data[0].startswith(b"[TRYCREATE]"), (typ, data)
    m.logout()


@pytest.mark.parametrize("mech", ["SCRAM-SHA-256", "DIGEST-MD5"])
def test_mbsync_sasl_mechanisms(login_server_factory, tmp_path, login_certs, mech):
    """mbsync authenticates through libsasl2's client side: SCRAM (which
    checks the server's final proof) and DIGEST-MD5 (which checks rspauth,
    served by libsasl2 in the auth process)."""
    server = login_server_factory("auth_mechanisms = plain login scram-sha-256 digest-md5\n")
    m = imap(server)
    assert m.append("INBOX", None, None, msg("sasl"))[0] == "OK"
    m.logout()
    local = tmp_path / "local"
    local.mkdir()
    rc = tmp_path / "mbsyncrc"
    rc.write_text(f"""
IMAPAccount roost
Host 127.0.0.1
Port {server.ports['imaps']}
User {USER}
Pass {PASSWORD}
SSLType IMAPS
CertificateFile {login_certs}/cert.pem
AuthMechs {mech}

IMAPStore remote
Account roost

MaildirStore local
Path {local}/
Inbox {local}/INBOX

Channel inbox
Far :remote:INBOX
Near :local:INBOX
Create Near
SyncState *
Sync Pull
""")
    run_mbsync(rc)
    assert set(local_messages(local / "INBOX")) == {"sasl"}
    wait_log_re(server, rf"imap-login: Info: Login: user=<john@example\.com>, method={mech}, ")
    rc.write_text(rc.read_text().replace(f"Pass {PASSWORD}", "Pass wrong"))
    p = subprocess.run(["mbsync", "-c", str(rc), "-a"], capture_output=True, text=True,
                       timeout=60)
    assert p.returncode != 0
