"""The scripted IMAP dialogues (every command and extension of issue 6,
compared with Debian's Dovecot 2.3 in test_imap_stdio.py) driven through
the real login path: implicit TLS on the imaps port and STARTTLS on the
imap port, imap-login, auth, the hand-off, and the post-login imap
process running as the mail user. Each answer must be the one
roost-imap-stdio gives on an identical Maildir, line for line, after the
same normalisation (UIDVALIDITY, modseq values, timing text)."""
import os
import pwd
import re
import shutil
import socket
import ssl

import pytest

from login_util import (login_server_factory, login_root, login_certs,  # noqa: F401
                        USER, PASSWORD)
from test_imap_stdio import (DIALOGUE, EXT_DIALOGUE, I18N_DIALOGUE, I18N_MESSAGES, MSG1,
                             MSG2, MSG3, QRESYNC_DIALOGUE, SORT_DIALOGUE, SORT_MESSAGES,
                             SORT_MTIMES, METADATA_DIALOGUE, seed, exchange, normalise,
                             run_dialogue, stdio_path)

# name: (dialogue, messages, keep HIGHESTMODSEQ lines, arrival times)
DIALOGUES = {
    "base": (DIALOGUE, (MSG1, MSG2, MSG3), False, None),
    "condstore": (EXT_DIALOGUE, (MSG1, MSG2, MSG3), True, None),
    "i18n": (I18N_DIALOGUE, I18N_MESSAGES, False, None),
    "qresync": (QRESYNC_DIALOGUE, (MSG1, MSG2, MSG3, MSG1, MSG2), True, None),
    "sort": (SORT_DIALOGUE, SORT_MESSAGES, False, SORT_MTIMES),
}


def tls_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def open_imaps(port):
    raw = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock = tls_context().wrap_socket(raw, server_hostname="mail.example.com")
    f = sock.makefile("rb")
    assert f.readline().startswith(b"* OK [CAPABILITY IMAP4rev1 ")
    return sock, f


def open_starttls(port):
    # from 127.0.0.2: plaintext LOGIN would be refused, so the login
    # below proves the session is on TLS
    raw = socket.create_connection(("127.0.0.1", port), timeout=30,
                                   source_address=("127.0.0.2", 0))
    f = raw.makefile("rb")
    greeting = f.readline()
    assert b" STARTTLS" in greeting and b" LOGINDISABLED" in greeting, greeting
    raw.sendall(b"s STARTTLS\r\n")
    assert f.readline() == b"s OK Begin TLS negotiation now.\r\n"
    sock = tls_context().wrap_socket(raw, server_hostname="mail.example.com")
    return sock, sock.makefile("rb")


def seed_user_maildir(server, messages, mtimes=None):
    """The user's Maildir, owned by the mail user, before the first login."""
    vmail = pwd.getpwnam("vmail")
    local, domain = USER.split("@")
    home = server.mail_root / domain / local
    maildir = home / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    seed(maildir, messages, mtimes)
    for root, dirs, files in os.walk(server.mail_root):
        os.chown(root, vmail.pw_uid, vmail.pw_gid)
        for name in files:
            os.chown(os.path.join(root, name), vmail.pw_uid, vmail.pw_gid)
    return maildir


@pytest.mark.parametrize("name", sorted(DIALOGUES))
@pytest.mark.parametrize("transport", ["imaps", "starttls"])
def test_dialogue_over_tls_matches_stdio(login_server_factory, tmp_path, name,  # noqa: F811
                                         transport):
    dialogue, messages, keep_highestmodseq, mtimes = DIALOGUES[name]
    server = login_server_factory()
    seed_user_maildir(server, messages, mtimes)
    reference = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (reference / sub).mkdir(parents=True)
    seed(reference, messages, mtimes)

    if transport == "imaps":
        sock, f = open_imaps(server.ports["imaps"])
    else:
        sock, f = open_starttls(server.ports["imap"])
    sock.sendall(f"l LOGIN {USER} {PASSWORD}\r\n".encode())
    login_reply = f.readline()
    assert re.match(rb"l OK \[CAPABILITY IMAP4rev1 .*\] Logged in\r\n$", login_reply), \
        login_reply
    over_tls = exchange(sock, f, dialogue, lambda: server.log())
    assert f.readline() == b"", "the server closes the connection after LOGOUT"
    sock.close()

    local = run_dialogue([stdio_path(), "-u", "testuser", "-o",
                          f"mail_location=maildir:{reference}"], dialogue=dialogue)
    tn = normalise(over_tls, keep_highestmodseq)
    ln = normalise(local, keep_highestmodseq)
    assert len(tn) > 30
    assert tn == ln
    # and the post-login process that answered ran as the mail user
    log = server.log()
    assert re.search(rf"imap\({re.escape(USER)}\)<\d+><[^>]+>: (Info: )?Disconnected: "
                     r"Logged out", log), log[-2000:]
    shutil.rmtree(reference)


def test_idle_push_over_tls(login_server_factory):  # noqa: F811
    """IDLE through imap-login's TLS proxy: another session's APPEND and
    EXPUNGE reach the idling client, the new mail within the issue's
    200 ms budget."""
    import time
    server = login_server_factory()
    seed_user_maildir(server, (MSG1, MSG2))
    sessions = []
    for _ in range(2):
        sock, f = open_imaps(server.ports["imaps"])
        sock.sendall(f"l LOGIN {USER} {PASSWORD}\r\n".encode())
        assert f.readline().startswith(b"l OK ")
        sessions.append((sock, f))
    (a, fa), (b, fb) = sessions
    assert exchange(a, fa, ["SELECT INBOX"])[-1].startswith(b"t0 OK [READ-WRITE]")
    a.sendall(b"i IDLE\r\n")
    assert fa.readline() == b"+ idling\r\n"
    sent = time.monotonic()
    b.sendall(b"x APPEND INBOX {%d+}\r\n" % len(MSG3) + MSG3 + b"\r\n")
    assert fb.readline().startswith(b"x OK [APPENDUID ")
    assert fa.readline() == b"* 3 EXISTS\r\n"
    assert time.monotonic() - sent < 0.2
    assert exchange(b, fb, ["SELECT INBOX", "STORE 1 +FLAGS.SILENT (\\Deleted)",
                            "EXPUNGE"])[-1].startswith(b"t2 OK")
    line = fa.readline()
    while b" FETCH " in line or line.endswith(b" RECENT\r\n"):
        line = fa.readline()
    assert line == b"* 1 EXPUNGE\r\n"
    a.sendall(b"DONE\r\n")
    line = fa.readline()
    while line.endswith(b" RECENT\r\n"):
        line = fa.readline()
    assert line == b"i OK Idle completed.\r\n"
    for sock, f in sessions:
        sock.sendall(b"z LOGOUT\r\n")
        sock.close()


@pytest.mark.parametrize("transport", ["imaps", "starttls"])
def test_metadata_over_tls(login_server_factory, tmp_path, transport):  # noqa: F811
    """METADATA through imap-login: advertised after login only, the
    dialogue answered as roost-imap-stdio answers it, the attributes kept
    in the file mail_attribute_dict names (%h expanded to the userdb home)."""
    server = login_server_factory(extra="imap_metadata = yes\n"
                                  "mail_attribute_dict = file:%h/Maildir/dovecot-attributes\n")
    maildir = seed_user_maildir(server, (MSG1, MSG2, MSG3))
    reference = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (reference / sub).mkdir(parents=True)
    seed(reference, (MSG1, MSG2, MSG3))

    if transport == "imaps":
        sock, f = open_imaps(server.ports["imaps"])
    else:
        sock, f = open_starttls(server.ports["imap"])
    sock.sendall(b"c CAPABILITY\r\n")
    pre = f.readline()
    assert pre.startswith(b"* CAPABILITY ") and b"METADATA" not in pre, pre
    assert f.readline().startswith(b"c OK ")
    sock.sendall(f"l LOGIN {USER} {PASSWORD}\r\n".encode())
    login_reply = f.readline()
    assert re.match(rb"l OK \[CAPABILITY IMAP4rev1 .* METADATA( .*)?\] Logged in\r\n$",
                    login_reply), login_reply
    over_tls = exchange(sock, f, METADATA_DIALOGUE, lambda: server.log())
    assert f.readline() == b"", "the server closes the connection after LOGOUT"
    sock.close()

    local = run_dialogue([stdio_path(), "-u", "testuser", "-o",
                          f"mail_location=maildir:{reference}", "-o", "imap_metadata=yes",
                          "-o", f"mail_attribute_dict=file:{reference}/dovecot-attributes"],
                         dialogue=METADATA_DIALOGUE)
    tn = normalise(over_tls)
    assert len(tn) > 60
    assert tn == normalise(local)
    data = (maildir / "dovecot-attributes").read_bytes()
    guid = re.search(rb" G([0-9a-f]+)", (maildir / "dovecot-uidlist").read_bytes()).group(1)
    assert (b"priv/" + guid + b"/vendor/vendor.dovecot/pvt/server/comment\nserver note\n"
            in data)
    assert b"priv/" + guid + b"/crlf\nline1\x01r\x01n\\\n" in data
    assert os.stat(maildir / "dovecot-attributes").st_uid == pwd.getpwnam("vmail").pw_uid
