"""More real IMAP clients through the real login path (imap-login over
implicit TLS, hand-off, the post-login imap process): neomutt, driven through
a pseudo-terminal with the server's certificate pre-trusted, opens INBOX,
reads a message and deletes one; offlineimap syncs a folder both ways."""
import imaplib
import os
import re
import subprocess

import pexpect
import pytest

from login_util import USER, PASSWORD, client_tls_context
from login_util import login_server, login_server_factory, login_root  # noqa: F401


@pytest.fixture(scope="module")
def login_certs(tmp_path_factory):
    """A certificate issued to 127.0.0.1, so host checks pass once the
    client trusts it (overrides login_util's fixture)."""
    d = tmp_path_factory.mktemp("client-certs2")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(d / "key.pem"), "-out", str(d / "cert.pem")],
                   check=True, capture_output=True, timeout=60)
    return d


def imap(server):
    m = imaplib.IMAP4_SSL("127.0.0.1", server.ports["imaps"], ssl_context=client_tls_context())
    m.login(USER, PASSWORD)
    return m


def msg(subject, body):
    return (f"From: Alice <alice@example.com>\r\nTo: {USER}\r\nSubject: {subject}\r\n"
            f"Date: Tue, 24 Nov 2026 10:00:00 +0000\r\n"
            f"Message-ID: <{subject}@example.com>\r\n\r\n{body}\r\n").encode()


def subjects_and_flags(server, mailbox="INBOX"):
    m = imap(server)
    m.select(mailbox)
    typ, data = m.fetch("1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    out = {}
    for item in data:
        if isinstance(item, tuple):
            flags = set(re.search(rb"FLAGS \(([^)]*)\)", item[0]).group(1).decode().split())
            out[re.search(rb"Subject: (\S+)", item[1]).group(1).decode()] = flags
    m.logout()
    return out


def test_neomutt_opens_reads_and_deletes(login_server, login_certs, tmp_path):
    m = imap(login_server)
    for s in ("apple", "banana", "cherry"):
        assert m.append("INBOX", None, None, msg(s, f"the body of {s} is here"))[0] == "OK"
    m.logout()
    home = tmp_path / "home"
    home.mkdir()
    muttrc = home / ".neomuttrc"
    port = login_server.ports["imaps"]
    muttrc.write_text(f"""
set imap_user = "{USER}"
set imap_pass = "{PASSWORD}"
set folder = "imaps://127.0.0.1:{port}/"
set spoolfile = "+INBOX"
set certificate_file = "{login_certs}/cert.pem"
set ssl_verify_host = yes
set ssl_force_tls = yes
set header_cache = ""
set message_cachedir = ""
set mail_check_stats = no
set sort = date-sent
set pager_stop = yes
set delete = yes
set confirmappend = no
set quit = yes
set move = no
set mark_old = no
set index_format = "IDX %4C %-8.8F %s"
set pager_format = "PAGER %s"
set pager_index_lines = 0
set sidebar_visible = no
set help = no
set wait_key = no
set timeout = 1
""")
    env = dict(os.environ, HOME=str(home), TERM="vt100", LANG="C.UTF-8",
               MUTT=str(muttrc))
    child = pexpect.spawn("neomutt", ["-n", "-F", str(muttrc)], env=env, cwd=str(home),
                          dimensions=(40, 120), timeout=20, encoding="utf-8")
    try:
        # The index lists the three messages of INBOX.
        child.expect("IDX +3 ")
        screen = child.before + child.after
        child.expect("cherry")
        # Open the first message (cursor on the first line): its body is shown.
        child.send("1\r")
        child.send("\r")
        child.expect("the body of (apple|banana|cherry) is here")
        read_subject = child.match.group(1)
        child.send("q")
        child.expect("IDX")
        # Delete the message read, then sync ($) and quit.
        child.send("d")
        child.send("$")
        child.expect(r"IDX")
        child.send("q")
        child.expect(pexpect.EOF)
    except (pexpect.TIMEOUT, pexpect.EOF):
        raise AssertionError("neomutt screen:\n" + str(child.before))
    finally:
        child.close(force=True)
    assert "Alice" in screen or "alice" in screen, screen
    left = subjects_and_flags(login_server)
    assert read_subject not in left, left
    assert len(left) == 2, left
    log = login_server.log()
    assert "Panic" not in log and "Fatal" not in log, log


def test_offlineimap_syncs_both_ways(login_server, login_certs, tmp_path):
    m = imap(login_server)
    m.create("Work")
    for s in ("w1", "w2"):
        assert m.append("Work", r"(\Flagged)" if s == "w1" else None, None,
                        msg(s, "work " + s))[0] == "OK"
    assert m.append("INBOX", None, None, msg("i1", "inbox one"))[0] == "OK"
    m.logout()
    local = tmp_path / "local"
    meta = tmp_path / "meta"
    rc = tmp_path / "offlineimaprc"
    rc.write_text(f"""
[general]
accounts = roost
metadata = {meta}
ui = basic

[Account roost]
localrepository = local
remoterepository = remote

[Repository local]
type = Maildir
localfolders = {local}

[Repository remote]
type = IMAP
remotehost = 127.0.0.1
remoteport = {login_server.ports['imaps']}
remoteuser = {USER}
remotepass = {PASSWORD}
ssl = yes
sslcacertfile = {login_certs}/cert.pem
folderfilter = lambda f: f in ['INBOX', 'Work']
""")

    def run():
        p = subprocess.run(["offlineimap", "-c", str(rc), "-o", "-u", "basic"],
                           capture_output=True, text=True, timeout=120,
                           env=dict(os.environ, HOME=str(tmp_path)))
        assert p.returncode == 0, (p.stdout, p.stderr)
        assert "ERROR" not in p.stdout + p.stderr, (p.stdout, p.stderr)
        return p

    run()
    work = {}
    for sub in ("cur", "new"):
        for name in os.listdir(local / "Work" / sub):
            data = (local / "Work" / sub / name).read_bytes()
            subj = re.search(rb"Subject: (\S+)", data).group(1).decode()
            work[subj] = name.split(":2,", 1)[1] if ":2," in name else ""
            assert data == msg(subj, "work " + subj).replace(b"\r\n", b"\n") or \
                data == msg(subj, "work " + subj), data
    assert set(work) == {"w1", "w2"}, work
    assert "F" in work["w1"] and "F" not in work["w2"]
    inbox_files = [f for sub in ("cur", "new") for f in (local / "INBOX" / sub).iterdir()]
    assert len(inbox_files) == 1

    # Local changes: mark w2 seen, delete w1, add a new message; sync pushes them.
    for sub in ("cur", "new"):
        for name in os.listdir(local / "Work" / sub):
            path = local / "Work" / sub / name
            data = path.read_bytes()
            base = name.split(":2,")[0]
            if b"Subject: w1" in data:
                path.unlink()
            elif b"Subject: w2" in data:
                os.rename(path, local / "Work" / "cur" / (base + ":2,S"))
    (local / "Work" / "new" / "1700000000.local.host").write_bytes(msg("w3", "work w3"))
    run()
    srv = subjects_and_flags(login_server, "Work")
    assert set(srv) == {"w2", "w3"}, srv
    assert "\\Seen" in srv["w2"], srv
    # A further run changes nothing on either side.
    run()
    assert subjects_and_flags(login_server, "Work") == srv
