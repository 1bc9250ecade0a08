"""IMAP extensions of issue 6 on top of the base protocol: LIST-EXTENDED
(RFC 5258) and LIST-STATUS (RFC 5819), SPECIAL-USE and CREATE-SPECIAL-USE
(RFC 6154), STATUS=SIZE (RFC 8438), APPENDLIMIT (RFC 7889), LITERAL-
(RFC 7888), BINARY (RFC 3516), MULTIAPPEND's all-or-nothing, and the
special-use folders of 15-mailboxes.conf created and subscribed for a
fresh user at login. Driven through roost-imap-stdio with raw IMAP, and
through imap-login over TLS with imaplib (the responses the Dovecot 2.3
comparison in test_imap_stdio.py does not cover are checked here against
what Dovecot answers, see tests/imap-dovecot-differences.md)."""
import base64
import imaplib
import os
import pathlib
import poplib
import re
import socket
import subprocess
import time

from test_imap_stdio import Session, stdio_path, rss_kib
from login_util import USER, PASSWORD, client_tls_context
from login_util import login_server_factory, login_root, login_certs  # noqa: F401

# the folders of the seed's "LIST" dialogue, from 15-mailboxes.conf
SEED_MAILBOXES = r"""
  mailbox Drafts {
    special_use = \Drafts
    auto = subscribe
  }
  mailbox Sent {
    special_use = \Sent
    auto = subscribe
  }
  mailbox Trash {
    special_use = \Trash
    auto = subscribe
  }
  mailbox Spam {
    auto = subscribe
  }
  mailbox Archive {
    auto = create
  }
  mailbox Junk {
    special_use = \Junk
  }
"""

SEED_LIST = {
    b'* LIST (\\HasNoChildren \\Drafts) "." Drafts',
    b'* LIST (\\HasNoChildren \\Sent) "." Sent',
    b'* LIST (\\HasNoChildren \\Trash) "." Trash',
    b'* LIST (\\HasNoChildren) "." Spam',
    b'* LIST (\\HasNoChildren) "." Archive',
    b'* LIST (\\HasNoChildren) "." INBOX',
}


class ConfSession(Session):
    """roost-imap-stdio with a configuration file (mailbox sections and
    plugin settings do not fit in -o)."""

    def __init__(self, maildir, namespace="", root=""):
        conf = pathlib.Path(os.path.dirname(str(maildir))) / "roost-test.conf"
        conf.write_text(f"mail_location = maildir:{maildir}\n{root}\n"
                        "namespace inbox {\n  inbox = yes\n  separator = .\n"
                        f"{namespace}\n}}\n")
        parent, child = socket.socketpair()
        self.log_path = os.path.join(os.path.dirname(str(maildir)), "imap.log")
        self.log_file = open(self.log_path, "ab")
        self.proc = subprocess.Popen([stdio_path(), "-c", str(conf), "-u", "testuser"],
                                     stdin=child, stdout=child, stderr=self.log_file,
                                     close_fds=True)
        child.close()
        self.sock = parent
        self.sock.settimeout(30)
        self.buf = b""
        self.greeting = self.readline()

    def caps(self):
        return self.greeting.split(b"[CAPABILITY ")[1].split(b"]")[0].split()

    def append(self, tag, mailbox, data, flags=""):
        self.sock.sendall(f"{tag} APPEND {mailbox} {flags}{{{len(data)}+}}\r\n".encode() +
                          data + b"\r\n")
        return self.read_response(tag)

    def logout(self):
        assert self.cmd("z", "LOGOUT")[-1] == b"z OK Logout completed."
        assert self.close() == 0


def untagged(reply):
    return set(reply[:-1])


# ---- special-use folders at login ----

def test_fresh_user_gets_special_use_folders(tmp_path):
    maildir = tmp_path / "Maildir"   # does not exist yet
    s = ConfSession(maildir, SEED_MAILBOXES)
    r = s.cmd("a", 'LIST "" *')
    assert r[-1] == b"a OK List completed."
    assert untagged(r) == SEED_LIST
    # subscribed without a LIST first: created at login
    assert (maildir / ".Drafts" / "cur").is_dir()
    assert not (maildir / ".Junk").exists()
    r = s.cmd("b", 'LSUB "" *')
    assert untagged(r) == {b'* LSUB (\\Drafts) "." Drafts', b'* LSUB (\\Sent) "." Sent',
                           b'* LSUB (\\Trash) "." Trash', b'* LSUB () "." Spam'}
    r = s.cmd("c", 'LIST (SPECIAL-USE) "" *')
    assert untagged(r) == {b'* LIST (\\Drafts) "." Drafts', b'* LIST (\\Sent) "." Sent',
                           b'* LIST (\\Trash) "." Trash'}
    s.logout()
    subs = (maildir / "subscriptions").read_text()
    assert subs.split("\n")[2:] == ["Drafts", "Sent", "Trash", "Spam", ""]
    # the user deletes one: it comes back at the next login, once
    s = ConfSession(maildir, SEED_MAILBOXES)
    assert s.cmd("d", "DELETE Spam")[-1] == b"d OK Delete completed."
    s.logout()
    s = ConfSession(maildir, SEED_MAILBOXES)
    assert untagged(s.cmd("e", 'LIST "" *')) == SEED_LIST
    s.logout()
    assert (maildir / "subscriptions").read_text() == subs


# ---- LIST-EXTENDED, LIST-STATUS ----

def test_list_extended(tmp_path):
    maildir = tmp_path / "Maildir"
    s = ConfSession(maildir, SEED_MAILBOXES)
    for i, name in enumerate(("Archive.2024", "Work.Sub.Deep")):
        assert s.cmd(f"c{i}", f"CREATE {name}")[-1].endswith(b"OK Create completed.")
    for i, name in enumerate(("Archive.2024", "Work.Sub.Deep", "INBOX")):
        assert s.cmd(f"s{i}", f"SUBSCRIBE {name}")[-1].endswith(b"OK Subscribe completed.")

    # plain LIST: a parent that is no mailbox is \Noselect
    r = s.cmd("a", 'LIST "" Work*')
    assert untagged(r) == {b'* LIST (\\Noselect \\HasChildren) "." Work',
                           b'* LIST (\\Noselect \\HasChildren) "." Work.Sub',
                           b'* LIST (\\HasNoChildren) "." Work.Sub.Deep'}
    # extended: only the attributes asked for, \NonExistent
    r = s.cmd("b", 'LIST "" Work* RETURN (CHILDREN)')
    assert untagged(r) == {b'* LIST (\\NonExistent \\HasChildren) "." Work',
                           b'* LIST (\\NonExistent \\HasChildren) "." Work.Sub',
                           b'* LIST (\\HasNoChildren) "." Work.Sub.Deep'}
    r = s.cmd("c", 'LIST (SUBSCRIBED) "" *')
    assert untagged(r) == {b'* LIST (\\Subscribed) "." ' + n for n in
                           (b"Archive.2024", b"Work.Sub.Deep", b"INBOX", b"Drafts", b"Sent",
                            b"Trash", b"Spam")}
    r = s.cmd("d", 'LIST (SUBSCRIBED RECURSIVEMATCH) "" %')
    assert untagged(r) == {
        b'* LIST () "." Archive (CHILDINFO ("SUBSCRIBED"))',
        b'* LIST (\\NonExistent) "." Work (CHILDINFO ("SUBSCRIBED"))',
        b'* LIST (\\Subscribed) "." INBOX', b'* LIST (\\Subscribed) "." Drafts',
        b'* LIST (\\Subscribed) "." Sent', b'* LIST (\\Subscribed) "." Trash',
        b'* LIST (\\Subscribed) "." Spam'}
    r = s.cmd("e", 'LIST (SUBSCRIBED RECURSIVEMATCH) "" Work.%')
    assert r[:-1] == [b'* LIST (\\NonExistent) "." Work.Sub (CHILDINFO ("SUBSCRIBED"))']
    # with "*" the subscribed child answers for itself
    r = s.cmd("f", 'LIST (SUBSCRIBED RECURSIVEMATCH) "" Arch*')
    assert r[:-1] == [b'* LIST (\\Subscribed) "." Archive.2024']
    # several patterns, INBOX in any case, each mailbox once
    r = s.cmd("g", 'LIST "" ("inbox" Arch* "Archive")')
    assert r[:-1] == [b'* LIST () "." Archive', b'* LIST () "." Archive.2024',
                      b'* LIST () "." INBOX']
    r = s.cmd("h", 'LIST (SPECIAL-USE) "" * RETURN (CHILDREN)')
    assert untagged(r) == {b'* LIST (\\HasNoChildren \\Drafts) "." Drafts',
                           b'* LIST (\\HasNoChildren \\Sent) "." Sent',
                           b'* LIST (\\HasNoChildren \\Trash) "." Trash'}
    r = s.cmd("i", 'LIST (SPECIAL-USE SUBSCRIBED) "" % RETURN (SPECIAL-USE)')
    assert untagged(r) == {b'* LIST (\\Subscribed \\Drafts) "." Drafts',
                           b'* LIST (\\Subscribed \\Sent) "." Sent',
                           b'* LIST (\\Subscribed \\Trash) "." Trash'}
    # LSUB "%": the parents of subscribed children are \Noselect
    r = s.cmd("j", 'LSUB "" %')
    assert {b'* LSUB (\\Noselect) "." Archive', b'* LSUB (\\Noselect) "." Work',
            b'* LSUB () "." INBOX'} <= untagged(r)
    # a subscription that outlives its mailbox
    assert s.cmd("k", "DELETE Work.Sub.Deep")[-1] == b"k OK Delete completed."
    r = s.cmd("l", 'LIST (SUBSCRIBED) "" Work* RETURN (CHILDREN)')
    assert r[:-1] == [b'* LIST (\\Subscribed \\NonExistent \\HasNoChildren) "." Work.Sub.Deep']
    # without SUBSCRIBED selection only what exists (and its parents)
    r = s.cmd("m", 'LIST "" Work* RETURN (SUBSCRIBED)')
    assert r == [b"m OK List completed."]
    # the extended form of "" names nothing; with a reference it names it
    assert s.cmd("n", 'LIST (SUBSCRIBED) "" ""') == [b"n OK List completed."]
    assert s.cmd("o", 'LIST "Archive" "" RETURN (CHILDREN)') == [
        b'* LIST (\\HasChildren) "." Archive', b"o OK List completed."]
    for tag, cmd, error in (
            ("p1", 'LIST (RECURSIVEMATCH) "" *', b"RECURSIVEMATCH must not be the only selection"),
            ("p2", 'LIST (BOGUS) "" *', b"Unknown select options"),
            ("p3", 'LIST "" * RETURN (BOGUS)', b"Unknown return options"),
            ("p4", 'LIST "" * RETURN (STATUS ())', b"Empty status list"),
            ("p5", 'LIST "" * RETURN (STATUS (DELETED))', b"Invalid status item DELETED"),
            ("p6", 'LIST "" * RETURN', b"Extra arguments"),
            ("p7", 'LIST "" (* (x))', b"Invalid pattern list")):
        assert s.cmd(tag, cmd) == [f"{tag} BAD Error in IMAP command LIST: ".encode() +
                                   error + b"."]
    s.logout()


def test_list_status_and_status_size(tmp_path):
    maildir = tmp_path / "Maildir"
    s = ConfSession(maildir, SEED_MAILBOXES)
    msgs = [b"Subject: one\r\n\r\nbody one\r\n", b"Subject: two\nFrom: x@y\n\nbare LF\n"]
    for i, m in enumerate(msgs):
        assert s.append(f"a{i}", "Archive", m)[-1].startswith(f"a{i} OK [APPENDUID".encode())
    s.cmd("a9", "CREATE Archive.2024")
    # RFC8438 SIZE: the messages' RFC822.SIZEs (CRLF line ends)
    size = sum(len(m.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")) for m in msgs)
    r = s.cmd("b", 'LIST "" Arch* RETURN (STATUS (SIZE UNSEEN MESSAGES))')
    assert r == [b'* LIST () "." Archive',
                 b"* STATUS Archive (MESSAGES 2 UNSEEN 2 SIZE %d)" % size,
                 b'* LIST () "." Archive.2024',
                 b"* STATUS Archive.2024 (MESSAGES 0 UNSEEN 0 SIZE 0)",
                 b"b OK List completed."]
    # no STATUS for a name that is no mailbox
    s.cmd("c", "CREATE Work.Sub")
    r = s.cmd("d", 'LIST "" Work RETURN (STATUS (MESSAGES) CHILDREN)')
    assert r == [b'* LIST (\\NonExistent \\HasChildren) "." Work', b"d OK List completed."]
    r = s.cmd("e", "STATUS Archive (SIZE MESSAGES)")
    assert r == [b"* STATUS Archive (MESSAGES 2 SIZE %d)" % size, b"e OK Status completed."]
    # the selected mailbox: answered, with Dovecot's CLIENTBUG hint
    s.cmd("f", "SELECT Archive")
    r = s.cmd("g", "STATUS Archive (MESSAGES)")
    assert r == [b"* STATUS Archive (MESSAGES 2)",
                 b"g OK [CLIENTBUG] Status on selected mailbox completed."]
    assert s.cmd("h", "STATUS Nowhere (MESSAGES)") == [b"h NO Mailbox doesn't exist: Nowhere."]
    s.logout()


# ---- CREATE-SPECIAL-USE ----

def test_create_special_use(tmp_path):
    maildir = tmp_path / "Maildir"
    s = ConfSession(maildir)
    assert b"CREATE-SPECIAL-USE" in s.caps() and b"SPECIAL-USE" in s.caps()
    assert s.cmd("a", "CREATE Old.Mail (USE (\\archive))") == [b"a OK Create completed."]
    assert s.cmd("b", "CREATE Bin (USE (\\Trash))") == [b"b OK Create completed."]
    assert s.cmd("c", "CREATE Plain ()") == [b"c OK Create completed."]
    r = s.cmd("d", 'LIST "" *')
    assert b'* LIST (\\HasNoChildren \\Archive) "." Old.Mail' in r
    assert b'* LIST (\\HasNoChildren \\Trash) "." Bin' in r
    assert b'* LIST (\\HasNoChildren) "." Plain' in r
    # it stays with the mailbox when renamed
    s.cmd("e", "RENAME Old.Mail Older")
    r = s.cmd("f", 'LIST (SPECIAL-USE) "" *')
    assert untagged(r) == {b'* LIST (\\Archive) "." Older', b'* LIST (\\Trash) "." Bin'}
    r = s.cmd("g", 'LIST (SPECIAL-USE RECURSIVEMATCH) "" %')
    assert b'* LIST (\\Archive) "." Older' in r
    refused = (("h1", "CREATE X1 (USE (\\All))", b"Unsupported special-use attribute \\All"),
               ("h2", "CREATE X2 (USE (\\Flagged))",
                b"Unsupported special-use attribute \\Flagged"),
               ("h3", "CREATE X3 (USE (\\Bogus))", b"Unsupported special-use attribute \\Bogus"),
               ("h4", "CREATE X4 (USE (\\Junk \\Trash))",
                b"Only one special-use attribute per mailbox is supported"))
    for tag, cmd, text in refused:
        assert s.cmd(tag, cmd) == [f"{tag} NO [USEATTR] ".encode() + text + b"."]
    assert s.cmd("i1", "CREATE X5 (FOO (\\Junk))") == [
        b"i1 BAD Error in IMAP command CREATE: Unknown CREATE parameter FOO."]
    assert s.cmd("i2", "CREATE X6 (USE \\Junk)")[0].startswith(b"i2 BAD ")
    # nothing was created by the refused commands
    r = s.cmd("j", 'LIST "" X*')
    assert r == [b"j OK List completed."]
    s.logout()


# ---- APPENDLIMIT, MULTIAPPEND ----

def test_appendlimit(tmp_path):
    maildir = tmp_path / "Maildir"
    s = ConfSession(maildir, root="plugin {\n  quota_max_mail_size = 1k\n}\n")
    assert b"APPENDLIMIT=1024" in s.caps()
    assert s.cmd("a", "STATUS INBOX (APPENDLIMIT MESSAGES)") == [
        b"* STATUS INBOX (MESSAGES 0 APPENDLIMIT 1024)", b"a OK Status completed."]
    toobig = b"NO [TOOBIG] Mail size is larger than the maximum size allowed by server " \
             b"configuration."
    # a synchronising literal is refused before the client sends it
    s.sock.sendall(b"b APPEND INBOX {1025}\r\n")
    assert s.readline() == b"b " + toobig
    assert s.cmd("c", "NOOP") == [b"c OK NOOP completed."]
    # a non-synchronising one is read and dropped; the session goes on
    assert s.append("d", "INBOX", b"x" * 5000) == [b"d " + toobig]
    # MULTIAPPEND is all or nothing
    s.sock.sendall(b"e APPEND INBOX {3+}\r\none {2000+}\r\n" + b"y" * 2000 + b"\r\n")
    assert s.read_response("e") == [b"e " + toobig]
    s.sock.sendall(b"f APPEND INBOX {3+}\r\none (\\Seen) {1024+}\r\n" + b"y" * 1024 + b"\r\n")
    assert re.fullmatch(rb"f OK \[APPENDUID \d+ 1:2\] Append completed.", s.read_response("f")[-1])
    assert s.cmd("g", "STATUS INBOX (MESSAGES SIZE)") == [
        b"* STATUS INBOX (MESSAGES 2 SIZE 1027)", b"g OK Status completed."]
    s.logout()

    # without a limit: the capability without a value, STATUS says NIL
    s = ConfSession(maildir)
    assert b"APPENDLIMIT" in s.caps()
    assert s.cmd("h", "STATUS INBOX (APPENDLIMIT)") == [
        b"* STATUS INBOX (APPENDLIMIT NIL)", b"h OK Status completed."]
    assert s.append("i", "INBOX", b"z" * 5000)[-1].startswith(b"i OK [APPENDUID ")
    s.logout()


# ---- LITERAL- ----

def test_literal_minus(tmp_path):
    maildir = tmp_path / "Maildir"
    s = ConfSession(maildir, root="imap_literal_minus = yes\n")
    assert b"LITERAL-" in s.caps() and b"LITERAL+" not in s.caps()
    # up to 4096 bytes without waiting
    name = b"N" * 200
    s.sock.sendall(b"a CREATE {200+}\r\n" + name + b"\r\n")
    assert s.read_response("a") == [b"a OK Create completed."]
    assert s.append("b", "INBOX", b"Subject: x\r\n\r\n" + b"x" * 4000)[-1].startswith(b"b OK")
    # a synchronising literal of any size still works
    s.sock.sendall(b"c APPEND INBOX {5000}\r\n")
    assert s.readline() == b"+ OK"
    s.sock.sendall(b"y" * 5000 + b"\r\n")
    assert s.read_response("c")[-1].startswith(b"c OK [APPENDUID ")
    # over 4096: BAD, and the connection ends (the data cannot be told
    # from commands)
    s.sock.sendall(b"d APPEND INBOX {4097+}\r\n" + b"x" * 4097 + b"\r\n")
    assert s.readline() == (b"d BAD [TOOBIG] Error in IMAP command: "
                            b"Non-synchronizing literal size too large.")
    assert s.readline() == b"* BYE Non-synchronizing literal size too large"
    try:
        assert s.sock.recv(100) == b""
    except ConnectionResetError:
        pass  # closed with the client's bytes unread
    assert s.close() == 0
    s = ConfSession(maildir)
    assert b"LITERAL+" in s.caps() and b"LITERAL-" not in s.caps()
    assert s.cmd("e", "STATUS INBOX (MESSAGES)")[0] == b"* STATUS INBOX (MESSAGES 2)"
    s.logout()


# ---- BINARY ----

BIN_PART = bytes(range(256)) * 3
BIN_MSG = (
    b"From: a@example.com\r\nSubject: bin\r\nMIME-Version: 1.0\r\n"
    b"Content-Type: multipart/mixed; boundary=\"B\"\r\n\r\n--B\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n"
    b"\r\ncaf=C3=A9 soft=\r\nbreak =3D\r\n"
    b"--B\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
    base64.encodebytes(BIN_PART).replace(b"\n", b"\r\n") +
    b"--B\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\naGVsbG8gd29ybGQ=\r\n--B--\r\n")
UNKNOWN_CTE_MSG = (b"Subject: uu\r\nContent-Type: multipart/mixed; boundary=X\r\n\r\n--X\r\n"
                   b"Content-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644 x\r\nend\r\n"
                   b"--X\r\n\r\nplain\r\n--X--\r\n")
BAD_B64_MSG = b"Subject: bad\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8*!!gd29y\r\n"


def test_binary_fetch(tmp_path):
    maildir = tmp_path / "Maildir"
    s = ConfSession(maildir)
    assert b"BINARY" in s.caps()
    for i, m in enumerate((BIN_MSG, UNKNOWN_CTE_MSG, BAD_B64_MSG)):
        s.append(f"a{i}", "INBOX", m)
    s.cmd("b", "SELECT INBOX")
    r = s.cmd("c", "FETCH 1 (BINARY.PEEK[1] BINARY.PEEK[2] BINARY.SIZE[2] BINARY.PEEK[3.1])")
    # the line end before a boundary is the boundary's
    assert r[0] == (b"* 1 FETCH (BINARY[1] ~{17}\r\ncaf\xc3\xa9 softbreak ="
                    b" BINARY[2] ~{768}\r\n" + BIN_PART + b" BINARY.SIZE[2] 768"
                    b" BINARY[3.1] ~{11}\r\nhello world)")
    r = s.cmd("d", "UID FETCH 1 (BINARY.PEEK[2]<250.10> BINARY.PEEK[2]<800.10>)")
    assert r[0] == (b"* 1 FETCH (UID 1 BINARY[2]<250> ~{10}\r\n" + BIN_PART[250:260] +
                    b" BINARY[2]<800> ~{0}\r\n)")
    # the encapsulated message, converted too
    r = s.cmd("e", "FETCH 1 BINARY.PEEK[3]")
    assert r[0] == (b"* 1 FETCH (BINARY[3] ~{64}\r\nSubject: inner\r\n"
                    b"Content-Transfer-Encoding: binary\r\n\r\nhello world)")
    # a part that is not there is empty; a non-PEEK fetch sets \Seen
    assert s.cmd("f", "FETCH 1 BINARY.PEEK[7]")[0] == b"* 1 FETCH (BINARY[7] {0}\r\n)"
    r = s.cmd("g", "FETCH 2 BINARY[2]")
    # (this session's SELECT took the appended messages' \\Recent, as in Dovecot)
    assert r[0] == b"* 2 FETCH (FLAGS (\\Seen \\Recent) BINARY[2] {5}\r\nplain)"
    # an encoding that cannot be undone: NO [UNKNOWN-CTE], the other
    # messages are answered
    r = s.cmd("h", "FETCH 1:2 BINARY.SIZE[1]")
    assert r == [b"* 1 FETCH (BINARY.SIZE[1] 17)",
                 b"h NO [UNKNOWN-CTE] Unknown Content-Transfer-Encoding."]
    assert s.cmd("i", "FETCH 2 BINARY.PEEK[]") == [
        b"i NO [UNKNOWN-CTE] Unknown Content-Transfer-Encoding."]
    assert s.cmd("j", "FETCH 3 BINARY.PEEK[1]") == [b"j NO [PARSE] Invalid data in MIME part."]
    for tag, item in (("k1", "BINARY.SIZE"), ("k2", "BINARY[1.HEADER]"), ("k3", "BINARY[0]"),
                      ("k4", "BINARY.SIZE[1]<0.5>"), ("k5", "BINARY[1]<1>")):
        assert s.cmd(tag, f"FETCH 1 {item}")[0].startswith(
            f"{tag} BAD Error in IMAP command FETCH: ".encode())
    s.logout()


def test_append_literal8_and_nuls(tmp_path):
    maildir = tmp_path / "Maildir"
    s = ConfSession(maildir)
    msg = b"Subject: nul\r\nContent-Transfer-Encoding: binary\r\n\r\nA\x00B\r\n"
    s.sock.sendall(b"a APPEND INBOX ~{%d+}\r\n" % len(msg) + msg + b"\r\n")
    assert s.read_response("a")[-1].startswith(b"a OK [APPENDUID ")
    s.sock.sendall(b"b APPEND INBOX (\\Seen) ~{%d}\r\n" % len(msg))
    assert s.readline() == b"+ OK"
    s.sock.sendall(msg + b"\r\n")
    assert s.read_response("b")[-1].startswith(b"b OK [APPENDUID ")
    s.cmd("c", "SELECT INBOX")
    for seq in (1, 2):
        r = s.cmd(f"d{seq}", f"FETCH {seq} (BINARY.PEEK[] BINARY.PEEK[1] BODY.PEEK[])")
        # BINARY gives the bytes as they are, in literal8; a plain
        # literal cannot hold a NUL: 0x80, as Dovecot sends it
        assert r[0] == (b"* %d FETCH (BINARY[] ~{%d}\r\n" % (seq, len(msg)) + msg +
                        b" BINARY[1] ~{5}\r\nA\x00B\r\n BODY[] {%d}\r\n" % len(msg) +
                        msg.replace(b"\x00", b"\x80") + b")")
    s.logout()


def test_binary_big_attachment_bounded_memory(tmp_path):
    """A 6 MB base64 attachment fetched decoded by a client that does not
    read: the server holds a bounded buffer, and the bytes arrive intact."""
    payload = os.urandom(6 * 1024 * 1024)
    msg = (b"Subject: big\r\nContent-Type: multipart/mixed; boundary=Z\r\n\r\n--Z\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\n" +
           base64.encodebytes(payload).replace(b"\n", b"\r\n") + b"--Z--\r\n")
    maildir = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (maildir / "cur" / "1.M1P1.host:2,").write_bytes(msg)
    s = ConfSession(maildir)
    s.cmd("a", "SELECT INBOX")
    s.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    before = rss_kib(s.proc.pid)
    s.sock.sendall(b"b FETCH 1 (BINARY.SIZE[1] BINARY.PEEK[1])\r\n")
    time.sleep(1.0)
    during = rss_kib(s.proc.pid)
    assert during - before < 4096, (before, during)
    r = s.read_response("b")
    assert r[0] == (b"* 1 FETCH (BINARY.SIZE[1] %d BINARY[1] ~{%d}\r\n" %
                    (len(payload), len(payload)) + payload + b")")
    assert r[1] == b"b OK Fetch completed."
    s.logout()


# ---- through imap-login over TLS ----

def imaps(server, user=USER, password=PASSWORD):
    m = imaplib.IMAP4_SSL("127.0.0.1", server.ports["imaps"], ssl_context=client_tls_context())
    typ, data = m.login(user, password)
    assert typ == "OK"
    return m


def raw_cmd(m, *args):
    """A command imaplib does not know, with its untagged lines."""
    tag = m._new_tag()
    m.send(tag + b" " + " ".join(args).encode() + b"\r\n")
    lines = []
    while True:
        line = m.readline().rstrip(b"\r\n")
        lit = re.search(rb"\{(\d+)\}$", line)
        if lit:
            line += b"\r\n" + m.read(int(lit.group(1)))
            line += m.readline().rstrip(b"\r\n")
        lines.append(line)
        if line.startswith(tag + b" "):
            return lines


def test_extensions_over_tls(login_server_factory):
    server = login_server_factory(
        "namespace inbox {\n  inbox = yes\n  separator = .\n" + SEED_MAILBOXES + "}\n"
        "plugin {\n  quota_max_mail_size = 64k\n}\n")
    m = imaps(server)
    typ, data = m.capability()
    caps = data[0].decode().split()
    for cap in ("LIST-EXTENDED", "LIST-STATUS", "SPECIAL-USE", "CREATE-SPECIAL-USE",
                "STATUS=SIZE", "BINARY", "MULTIAPPEND", "APPENDLIMIT=65536", "LITERAL+"):
        assert cap in caps, caps
    # the fresh user sees the seed's folders at once
    r = raw_cmd(m, 'LIST "" *')
    assert set(r[:-1]) == SEED_LIST
    assert r[-1].endswith(b" OK List completed.")
    typ, data = m.append("Drafts", r"(\Draft)", None, BIN_MSG)
    assert typ == "OK"
    r = raw_cmd(m, 'LIST (SPECIAL-USE) "" Dr* RETURN (STATUS (MESSAGES SIZE) SUBSCRIBED)')
    assert r[:-1] == [b'* LIST (\\Subscribed \\Drafts) "." Drafts',
                      b"* STATUS Drafts (MESSAGES 1 SIZE %d)" % len(BIN_MSG)]
    typ, data = m.append("INBOX", None, None, b"x" * 70000)
    assert typ == "NO" and data[0].startswith(b"[TOOBIG]")
    assert m.select("Drafts")[0] == "OK"
    typ, data = m.fetch("1", "(BINARY.PEEK[2] BINARY.SIZE[1])")
    assert typ == "OK"
    assert data[0][1] == BIN_PART
    assert b"BINARY.SIZE[1] 17" in data[1]
    r = raw_cmd(m, "CREATE", "Kept", "(USE (\\Archive))")
    assert r[-1].endswith(b" OK Create completed.")
    assert set(raw_cmd(m, 'LIST (SPECIAL-USE) "" K*')[:-1]) == {b'* LIST (\\Archive) "." Kept'}
    m.logout()

    # POP3 logins share the mail user set-up: the folders are there too
    home = server.mail_root / "example.com" / "mary"
    assert not home.exists()
    p = poplib.POP3_SSL("127.0.0.1", server.ports["pop3s"], context=client_tls_context())
    p.user("mary@example.com")
    p.pass_("marypw")
    p.quit()
    for name in ("Drafts", "Sent", "Trash", "Spam", "Archive"):
        assert (home / "Maildir" / f".{name}" / "cur").is_dir(), name
    assert (home / "Maildir" / "subscriptions").read_text().endswith(
        "\nDrafts\nSent\nTrash\nSpam\n")
