"""The post-login IMAP server (issue 6, part 1) through roost-imap-stdio:
one authenticated session on a socketpair (or a pipe, with imaplib's
IMAP4_stream), driven with raw IMAP dialogues and Python's imaplib.
Covers SELECT/FETCH/STORE/SEARCH/COPY/MOVE/APPEND/EXPUNGE/IDLE with checks
of the actual responses, a 5 MB message fetched intact, 1000 pipelined
commands answered in order, malformed commands answered with BAD while the
session goes on, and scripted dialogues compared with Debian's Dovecot
2.3 imap on copies of the same Maildir: the base protocol, CONDSTORE with
ESEARCH and SEARCHRES, and I18NLEVEL=1 SEARCH on encoded messages."""
import base64
import difflib
import imaplib
import os
import pathlib
import tempfile
import re
import shutil
import signal
import socket
import subprocess
import time

import pytest

from conftest import build_path
from storage_util import NOBODY, ImapLineClient


def stdio_path():
    return build_path("src", "imap", "roost-imap-stdio")


MSG1 = (b"From: Alice <alice@example.com>\r\nTo: bob@example.com\r\n"
        b"Subject: Hello there\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n"
        b"Message-ID: <1@example.com>\r\n\r\nFirst body line\r\nsecret word: pineapple\r\n")
MSG2 = (b"From: carol@example.org\nTo: bob@example.com\nSubject: Second\n"
        b"Date: Tue, 2 Jan 2024 11:00:00 +0000\nMIME-Version: 1.0\n"
        b"Content-Type: multipart/mixed; boundary=\"XX\"\n\n"
        b"--XX\nContent-Type: text/plain\n\npart one\n--XX\n"
        b"Content-Type: text/html\n\n<b>part two</b>\n--XX--\n")
MSG3 = b"Subject: third\r\nFrom: dave@example.net\r\n\r\nsmall\r\n"


@pytest.fixture
def maildir(tmp_path):
    path = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (path / sub).mkdir(parents=True)
    return path


def seed(maildir, messages=(MSG1, MSG2, MSG3), mtimes=None):
    """Writes messages straight into cur/, as a delivery agent would;
    mtimes (seconds after the first) gives their arrival times."""
    for i, data in enumerate(messages):
        name = maildir / "new" / f"{1700000000 + i}.M{i}P1.host"
        name.write_bytes(data)
        t = 1700000000 + (i * 3600 if mtimes is None else mtimes[i])
        os.utime(name, (t, t))


def seed_claimed(maildir, messages=(MSG1, MSG2, MSG3)):
    """seed(), then a session selects INBOX and takes the messages'
    \\Recent flags, as a mail client that checked the mailbox before
    would have: later sessions see the flags without \\Recent."""
    seed(maildir, messages)
    s = Session(maildir)
    s.cmd("a", "SELECT INBOX")
    s.cmd("z", "LOGOUT")
    s.close()


class Session(ImapLineClient):
    """roost-imap-stdio with a raw client on a socketpair."""

    def __init__(self, maildir, *options):
        parent, child = socket.socketpair()
        self.log_path = os.path.join(os.path.dirname(str(maildir)), "imap.log")
        self.log_file = open(self.log_path, "ab")
        cmd = [stdio_path(), "-u", "testuser", "-o", f"mail_location=maildir:{maildir}"]
        for opt in options:
            cmd += ["-o", opt]
        self.proc = subprocess.Popen(cmd, stdin=child, stdout=child, stderr=self.log_file,
                                     close_fds=True)
        child.close()
        self.sock = parent
        self.sock.settimeout(30)
        self.buf = b""
        self.greeting = self.readline()

    def close(self):
        self.sock.close()
        rc = self.proc.wait(timeout=30)
        self.log_file.close()
        return rc


class SocketIMAP(imaplib.IMAP4):
    """imaplib on a given socket; starts in the authenticated state."""

    def __init__(self, sock):
        self._given = sock
        super().__init__("roost-imap-stdio", 0, timeout=30)
        self.state = "AUTH"

    def _create_socket(self, timeout):
        self._given.settimeout(timeout)
        return self._given


def imaplib_session(maildir):
    parent, child = socket.socketpair()
    proc = subprocess.Popen([stdio_path(), "-u", "testuser", "-o",
                             f"mail_location=maildir:{maildir}"],
                            stdin=child, stdout=child, stderr=subprocess.DEVNULL,
                            close_fds=True)
    child.close()
    return SocketIMAP(parent), proc


def test_greeting_capability_logout(maildir):
    s = Session(maildir)
    assert s.greeting.startswith(b"* PREAUTH [CAPABILITY IMAP4rev1 ")
    assert b"] Logged in as " in s.greeting
    caps = s.greeting.split(b"[CAPABILITY ")[1].split(b"]")[0].split()
    for c in (b"IDLE", b"UIDPLUS", b"MOVE", b"UNSELECT", b"NAMESPACE", b"LITERAL+"):
        assert c in caps
    r = s.cmd("a", "CAPABILITY")
    assert r[0] == b"* CAPABILITY " + b" ".join(caps)
    assert r[-1] == b"a OK Capability completed."
    assert s.cmd("b", "NOOP") == [b"b OK NOOP completed."]
    assert s.cmd("c", "ID NIL")[-1] == b"c OK ID completed."
    assert s.cmd("d", "LOGOUT") == [b"* BYE Logging out", b"d OK Logout completed."]
    assert s.close() == 0


def test_clean_bye_on_shutdown(maildir):
    s = Session(maildir)
    s.cmd("a", "NOOP")
    s.proc.send_signal(signal.SIGTERM)
    assert s.readline() == b"* BYE Server shutting down."
    assert s.close() == 0
    with open(s.log_path) as f:
        assert "Disconnected: Server shutting down in=" in f.read()


def test_select_examine_shape(maildir):
    seed(maildir)
    s = Session(maildir)
    r = s.cmd("a", "SELECT INBOX")
    assert r[0] == b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)"
    assert r[1] == (b"* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)]"
                    b" Flags permitted.")
    assert r[2] == b"* 3 EXISTS"
    assert re.fullmatch(rb"\* \d RECENT", r[3])
    assert r[4] == b"* OK [UNSEEN 1] First unseen."
    assert re.fullmatch(rb"\* OK \[UIDVALIDITY \d+\] UIDs valid", r[5])
    assert r[6] == b"* OK [UIDNEXT 4] Predicted next UID"
    assert re.fullmatch(rb"\* OK \[HIGHESTMODSEQ \d+\] Highest", r[7])
    assert r[8] == b"a OK [READ-WRITE] Select completed."
    r = s.cmd("b", "EXAMINE INBOX")
    assert r[0] == b"* OK [CLOSED] Previous mailbox closed."
    assert b"* OK [PERMANENTFLAGS ()] Read-only mailbox." in r
    assert r[-1] == b"b OK [READ-ONLY] Examine completed."
    r = s.cmd("c", "STORE 1 +FLAGS (\\Seen)")
    assert r == [b"c OK Store ignored with read-only mailbox."]
    assert s.cmd("d", "UNSELECT") == [b"d OK Unselect completed."]
    assert s.cmd("e", "FETCH 1 FLAGS") == [b"e BAD No mailbox selected."]
    assert s.cmd("f", "SELECT nosuch")[-1].startswith(b"f NO [NONEXISTENT]")
    s.cmd("z", "LOGOUT")
    s.close()


def test_mailbox_management(maildir):
    s = Session(maildir)
    assert s.cmd("a", "CREATE Work") == [b"a OK Create completed."]
    assert s.cmd("b", "CREATE Work.Sub") == [b"b OK Create completed."]
    assert s.cmd("c", "CREATE Work")[-1].startswith(b"c NO [ALREADYEXISTS]")
    r = s.cmd("d", 'LIST "" *')
    assert b'* LIST (\\HasChildren) "." Work' in r
    assert b'* LIST (\\HasNoChildren) "." Work.Sub' in r
    assert b'* LIST (\\HasNoChildren) "." INBOX' in r
    assert s.cmd("e", 'LIST "" %')[:-1].count(b'* LIST (\\HasNoChildren) "." Work.Sub') == 0
    assert s.cmd("f", 'LIST "" ""')[0] == b'* LIST (\\Noselect) "." ""'
    assert s.cmd("g", "SUBSCRIBE Work") == [b"g OK Subscribe completed."]
    assert b'* LSUB () "." Work' in s.cmd("h", 'LSUB "" *')
    assert s.cmd("i", "UNSUBSCRIBE Work") == [b"i OK Unsubscribe completed."]
    assert s.cmd("j", 'LSUB "" *') == [b"j OK Lsub completed."]
    assert s.cmd("k", "RENAME Work.Sub Play") == [b"k OK Rename completed."]
    r = s.cmd("l", 'LIST "" *')
    assert b'* LIST (\\HasNoChildren) "." Play' in r
    assert s.cmd("m", "DELETE Play") == [b"m OK Delete completed."]
    assert s.cmd("n", "DELETE INBOX")[-1].startswith(b"n NO")
    r = s.cmd("o", "STATUS INBOX (MESSAGES UIDNEXT UNSEEN RECENT)")
    # the items in Dovecot's order, whatever the request's
    assert r[0] == b"* STATUS INBOX (MESSAGES 0 RECENT 0 UIDNEXT 1 UNSEEN 0)"
    assert s.cmd("p", "NAMESPACE")[0] == b'* NAMESPACE (("" ".")) NIL NIL'
    # a non-ASCII name goes out in modified UTF-7 and comes back
    assert s.cmd("q", "CREATE &AOQ-pfel") == [b"q OK Create completed."]
    assert b'* LIST (\\HasNoChildren) "." &AOQ-pfel' in s.cmd("r", 'LIST "" *')
    s.cmd("z", "LOGOUT")
    s.close()


def test_fetch_items(maildir):
    seed(maildir)
    s = Session(maildir)
    s.cmd("a", "SELECT INBOX")
    r = s.cmd("b", "FETCH 1 (UID FLAGS RFC822.SIZE INTERNALDATE ENVELOPE)")
    # the first session to select the mailbox gets what was there as \Recent
    assert r[0].startswith(b"* 1 FETCH (UID 1 FLAGS (\\Recent) RFC822.SIZE %d INTERNALDATE \""
                           % len(MSG1))
    assert b'ENVELOPE ("Mon, 1 Jan 2024 10:00:00 +0000" "Hello there" (("Alice" NIL "alice"' in r[0]
    r = s.cmd("c", "FETCH 2 BODYSTRUCTURE")
    assert r[0].startswith(b'* 2 FETCH (BODYSTRUCTURE (("text" "plain"')
    assert b'"mixed" ("boundary" "XX")' in r[0]
    # a bare-LF message goes out with CRLF and the right literal size
    r = s.cmd("d", "FETCH 2 BODY.PEEK[]")
    assert r[0] == b"* 2 FETCH (BODY[] {%d}\r\n" % len(MSG2.replace(b"\n", b"\r\n")) + \
        MSG2.replace(b"\n", b"\r\n") + b")"
    r = s.cmd("e", "FETCH 2 (BODY.PEEK[1] BODY.PEEK[2.MIME] BODY.PEEK[HEADER.FIELDS (Subject)])")
    assert r[0] == (b"* 2 FETCH (BODY[1] {8}\r\npart one BODY[2.MIME] {27}\r\n"
                    b"Content-Type: text/html\r\n\r\n BODY[HEADER.FIELDS (SUBJECT)] {19}\r\n"
                    b"Subject: Second\r\n\r\n)")
    r = s.cmd("f", "FETCH 1 BODY.PEEK[TEXT]<6.4>")
    assert r[0] == b"* 1 FETCH (BODY[TEXT]<6> {4}\r\nbody)"
    # non-PEEK sets \Seen and says so
    r = s.cmd("g", "FETCH 3 RFC822.TEXT")
    assert r[0] == b"* 3 FETCH (FLAGS (\\Seen \\Recent) RFC822.TEXT {7}\r\nsmall\r\n)"
    r = s.cmd("h", "UID FETCH 3 FLAGS")
    assert r[0] == b"* 3 FETCH (UID 3 FLAGS (\\Seen \\Recent))"
    r = s.cmd("i", "FETCH 1:* FAST")
    assert len(r) == 4 and r[1].startswith(b"* 2 FETCH (FLAGS (\\Recent) INTERNALDATE ")
    assert s.cmd("j", "FETCH 1 RFC822.HEADER")[0] == \
        b"* 1 FETCH (RFC822.HEADER {%d}\r\n" % (MSG1.index(b"\r\n\r\n") + 4) + \
        MSG1[:MSG1.index(b"\r\n\r\n") + 4] + b")"
    assert s.cmd("k", "FETCH 4 FLAGS") == [b"k BAD Error in IMAP command FETCH: Invalid messageset."]
    assert s.cmd("l", "UID FETCH 4:9 FLAGS") == [b"l OK Fetch completed."]
    s.cmd("z", "LOGOUT")
    s.close()


def test_imaplib_store_search_copy_move_expunge(maildir):
    seed(maildir)
    m, proc = imaplib_session(maildir)
    typ, data = m.select("INBOX")
    assert typ == "OK" and data == [b"3"]
    typ, data = m.store("1:2", "+FLAGS", "(\\Flagged $Important)")
    assert typ == "OK"
    assert data[0] == b"1 (FLAGS (\\Flagged \\Recent $Important))"
    typ, data = m.store("2", "-FLAGS.SILENT", "(\\Flagged)")
    assert typ == "OK" and data == [None]
    assert m.search(None, "FLAGGED") == ("OK", [b"1"])
    assert m.search(None, "KEYWORD", "$Important") == ("OK", [b"1 2"])
    assert m.search(None, "FROM", "ALICE") == ("OK", [b"1"])
    assert m.search(None, "BODY", "pineapple") == ("OK", [b"1"])
    assert m.search(None, "TEXT", '"part two"') == ("OK", [b"2"])
    assert m.search(None, "OR", "SUBJECT", "third", "SUBJECT", "second") == ("OK", [b"2 3"])
    assert m.search(None, "NOT", "(FLAGGED)") == ("OK", [b"2 3"])
    assert m.search(None, "LARGER", str(len(MSG3))) == ("OK", [b"1 2"])
    assert m.search(None, "SENTSINCE", "2-Jan-2024") == ("OK", [b"2"])
    assert m.search(None, "HEADER", "Message-ID", "1@example") == ("OK", [b"1"])
    assert m.uid("SEARCH", "UID", "2:*") == ("OK", [b"2 3"])
    assert m.search(None, "2,3") == ("OK", [b"2 3"])
    assert m.search("UTF-8", "ALL") == ("OK", [b"1 2 3"])
    typ, data = m.create("Archive")
    typ, data = m.copy("1", "Archive")
    assert typ == "OK"
    assert re.fullmatch(rb"\[COPYUID \d+ 1 1\] Copy completed.", data[0])
    typ, data = m.copy("1", "Nowhere")
    assert typ == "NO" and data[0].startswith(b"[TRYCREATE]")
    typ, data = m.uid("MOVE", "2", "Archive")
    assert typ == "OK"
    assert re.fullmatch(rb"\[COPYUID \d+ 2 2\] Moved UIDs.", m.untagged_responses["OK"][-1])
    assert m.untagged_responses.pop("EXPUNGE") == [b"2"]
    assert m.status("Archive", "(MESSAGES)")[1] == [b"Archive (MESSAGES 2)"]
    m.store("1", "+FLAGS", "\\Deleted")
    typ, data = m.expunge()
    assert typ == "OK" and data == [b"1"]
    typ, data = m.fetch("1", "(UID)")
    assert data == [b"1 (UID 3)"]
    m.select("Archive")
    m.uid("STORE", "2", "+FLAGS", "\\Deleted")
    typ, data = m.uid("EXPUNGE", "1")
    assert data == [None]
    typ, data = m.uid("EXPUNGE", "2")
    assert typ == "OK" and m.untagged_responses.pop("EXPUNGE") == [b"2"]
    assert m.close()[0] == "OK"
    m.logout()
    assert proc.wait(timeout=10) == 0


def test_append_uidplus_over_imap4_stream(maildir, tmp_path):
    m = imaplib.IMAP4_stream(f"{stdio_path()} -u testuser -o mail_location=maildir:{maildir}")
    m.state = "AUTH"
    typ, data = m.append("INBOX", "(\\Seen \\Draft)", '"05-Jan-2024 10:00:00 +0100"', MSG1)
    assert typ == "OK"
    mm = re.fullmatch(rb"\[APPENDUID (\d+) 1\] Append completed.", data[0])
    assert mm
    typ, data = m.select("INBOX")
    assert data == [b"1"]
    typ, data = m.fetch("1", "(FLAGS INTERNALDATE BODY.PEEK[])")
    assert data[0][1] == MSG1
    assert b"FLAGS (\\Seen \\Draft \\Recent)" in data[0][0]
    assert imaplib.Internaldate2tuple(data[0][0]) is not None
    assert int(time.mktime(imaplib.Internaldate2tuple(data[0][0]))) == 1704445200
    typ, data = m.append("Nowhere", None, None, MSG3)
    assert typ == "NO" and data[0].startswith(b"[TRYCREATE]")
    # the selected mailbox learns of its new message
    typ, data = m.append("INBOX", None, None, MSG3)
    assert typ == "OK"
    assert m.untagged_responses.get("EXISTS")[-1] == b"2"
    m.logout()


def test_big_message_intact(maildir):
    body = b"".join(b"line %07d of a big message, with some padding text.....\n" % i
                    for i in range(90000))
    big = b"Subject: big\nFrom: x@y.z\n\n" + body
    assert len(big) > 5 * 1024 * 1024
    s = Session(maildir)
    s.sock.sendall(b"a APPEND INBOX {%d}\r\n" % len(big))
    assert s.readline() == b"+ OK"
    s.sock.sendall(big + b"\r\n")
    r = s.read_response("a")
    assert r[-1].startswith(b"a OK [APPENDUID ")
    s.cmd("b", "SELECT INBOX")
    crlf = big.replace(b"\n", b"\r\n")
    r = s.cmd("c", "FETCH 1 (RFC822.SIZE BODY[])")
    assert r[0] == b"* 1 FETCH (FLAGS (\\Seen \\Recent) RFC822.SIZE %d BODY[] {%d}\r\n" % (
        len(crlf), len(crlf)) + crlf + b")"
    r = s.cmd("d", "FETCH 1 BODY.PEEK[]<5000000.100>")
    assert r[0] == b"* 1 FETCH (BODY[]<5000000> {100}\r\n" + crlf[5000000:5000100] + b")"
    s.cmd("z", "LOGOUT")
    s.close()


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_slow_reader_bounded_memory(maildir):
    """A client that does not read while FETCHing 3 x 6 MB must not make
    the server buffer the data: its RSS stays within a fixed bound."""
    body = b"".join(b"%07d padding padding padding padding padding padding padding\n" % i
                    for i in range(100000))
    big = b"Subject: big\n\n" + body
    (maildir / "cur" / "1.M1P1.host:2,").write_bytes(big)
    s = Session(maildir)
    s.cmd("a", "SELECT INBOX")
    s.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    before = rss_kib(s.proc.pid)
    s.sock.sendall(b"b FETCH 1 BODY.PEEK[]\r\nc FETCH 1 BODY.PEEK[]\r\nd FETCH 1 BODY.PEEK[]\r\n")
    time.sleep(1.0)
    during = rss_kib(s.proc.pid)
    # far below the 19 MB the three answers add up to (ASAN builds need
    # some slack of their own)
    assert during - before < 4096, (before, during)
    crlf = big.replace(b"\n", b"\r\n")
    for tag in "bcd":
        r = s.read_response(tag)
        assert r[0] == b"* 1 FETCH (BODY[] {%d}\r\n" % len(crlf) + crlf + b")"
        assert r[1] == tag.encode() + b" OK Fetch completed."
    s.cmd("z", "LOGOUT")
    s.close()


def test_literals(maildir):
    s = Session(maildir)
    # a synchronising literal gets "+ OK", a LITERAL+ one does not
    s.sock.sendall(b"a CREATE {4}\r\n")
    assert s.readline() == b"+ OK"
    s.sock.sendall(b"Sent\r\n")
    assert s.read_response("a") == [b"a OK Create completed."]
    s.sock.sendall(b"b SELECT {4+}\r\nSent\r\n")
    assert s.read_response("b")[-1] == b"b OK [READ-WRITE] Select completed."
    # APPEND with the mailbox as a literal, then MULTIAPPEND-style flags
    s.sock.sendall(b"c APPEND {4+}\r\nSent (\\Seen) {%d+}\r\n" % len(MSG3) + MSG3 + b"\r\n")
    r = s.read_response("c")
    assert r[-1].startswith(b"c OK [APPENDUID "), r
    # MULTIAPPEND: two messages in one command, one transaction
    s.sock.sendall(b"m APPEND Sent {%d+}\r\n" % len(MSG1) + MSG1 +
                   b" (\\Flagged) {%d+}\r\n" % len(MSG2) + MSG2 + b"\r\n")
    r = s.read_response("m")
    assert re.fullmatch(rb"m OK \[APPENDUID \d+ 2:3\] Append completed.", r[-1]), r
    r = [re.sub(rb" ?\\Recent", b"", x) for x in s.cmd("n", "FETCH 2:3 (FLAGS RFC822.SIZE)")]
    assert r[-3] == b"* 2 FETCH (FLAGS () RFC822.SIZE %d)" % len(MSG1)
    assert r[-2] == b"* 3 FETCH (FLAGS (\\Flagged) RFC822.SIZE %d)" % len(
        MSG2.replace(b"\n", b"\r\n"))
    # an APPEND whose literal is refused before the data is sent
    s.sock.sendall(b"d APPEND Nowhere {10}\r\n")
    assert s.readline() == b"d NO [TRYCREATE] Mailbox doesn't exist: Nowhere."
    assert s.cmd("e", "NOOP")[-1] == b"e OK NOOP completed."
    s.cmd("z", "LOGOUT")
    s.close()


def test_pipelined_commands_in_order(maildir):
    seed(maildir)
    s = Session(maildir)
    s.cmd("s", "SELECT INBOX")
    cmds = []
    for i in range(1000):
        cmds.append(f"p{i} " + ("NOOP" if i % 3 == 0 else
                                "FETCH 1:3 (UID FLAGS)" if i % 3 == 1 else "UID SEARCH ALL"))
    s.sock.sendall(("\r\n".join(cmds) + "\r\n").encode())
    for i in range(1000):
        r = s.read_response(f"p{i}")
        assert r[-1].startswith(f"p{i} OK".encode())
        if i % 3 == 1:
            assert len(r) == 4
    s.cmd("z", "LOGOUT")
    s.close()


def test_malformed_commands_session_goes_on(maildir):
    seed(maildir)
    s = Session(maildir)
    s.cmd("a", "SELECT INBOX")
    assert s.cmd("b", "FOO") == [b"b BAD Error in IMAP command FOO: Unknown command."]
    assert s.cmd("c", "FETCH 1 (FLAGS")[0].startswith(b"c BAD ")
    assert s.cmd("d", "FETCH x FLAGS") == [b"d BAD Error in IMAP command FETCH: Invalid messageset."]
    assert s.cmd("e", "FETCH 1 NONSENSE")[0].startswith(b"e BAD Error in IMAP command FETCH: ")
    assert s.cmd("f", "SEARCH FOO")[0].startswith(b"f BAD Error in IMAP command SEARCH: ")
    assert s.cmd("g", "STORE 1 FLAGS (\\Bogus)")[0].startswith(b"g BAD ")
    assert s.cmd("h", "UID BOGUS 1")[0].startswith(b"h BAD ")
    assert s.cmd("i", "SELECT")[0].startswith(b"i BAD ")
    s.sock.sendall(b"* NOOP\r\n")
    assert s.readline() == b"* BAD Error in IMAP command received by server."
    assert s.cmd("j", "NOOP") == [b"j OK NOOP completed."]
    # a synchronising literal over the limit is refused before "+"
    s.sock.sendall(b"j2 SELECT {100000000}\r\n")
    assert s.readline() == b"j2 BAD Error in IMAP command: Literal too large."
    assert s.cmd("j3", "NOOP") == [b"j3 OK NOOP completed."]
    # an over-long line: a clear BAD and BYE, no memory blow-up
    s.sock.sendall(b"k NOOP " + b"x" * 70000 + b"\r\n")
    # the tag of a line that was never read whole is unknown
    assert s.readline() == b"* BAD Error in IMAP command: Too long argument."
    assert s.readline().startswith(b"* BYE ")
    assert s.close() == 0


def test_nonsync_literal_over_limit_disconnects(maildir):
    s = Session(maildir)
    s.sock.sendall(b"a SELECT {100000000+}\r\n")
    assert s.readline() == b"a BAD Error in IMAP command: Literal too large."
    assert s.readline() == b"* BYE Too long argument."
    assert s.close() == 0


def test_idle_sees_other_session(maildir):
    seed(maildir)
    s = Session(maildir)
    s.cmd("a", "SELECT INBOX")
    s.sock.sendall(b"b IDLE\r\n")
    assert s.readline() == b"+ idling"
    other = Session(maildir)
    sent = time.monotonic()
    other.sock.sendall(b"x APPEND INBOX {%d+}\r\n" % len(MSG3) + MSG3 + b"\r\n")
    assert other.read_response("x")[-1].startswith(b"x OK")
    assert s.readline() == b"* 4 EXISTS"
    # pushed while idling, within the 200 ms budget
    assert time.monotonic() - sent < 0.2
    other.cmd("y", "SELECT INBOX")
    other.cmd("y2", "STORE 1 +FLAGS (\\Deleted)")
    other.cmd("y3", "EXPUNGE")
    line = s.readline()
    while line.endswith(b" RECENT") or b" FETCH " in line:
        line = s.readline()
    assert line == b"* 1 EXPUNGE"
    s.sock.sendall(b"DONE\r\n")
    r = s.read_response("b")
    assert r[-1] == b"b OK Idle completed."
    other.cmd("z", "LOGOUT")
    other.close()
    s.cmd("z", "LOGOUT")
    s.close()


def test_idle_keepalive(maildir):
    s = Session(maildir, "imap_idle_notify_interval=1s")
    s.sock.sendall(b"b IDLE\r\n")
    assert s.readline() == b"+ idling"
    start = time.monotonic()
    assert s.readline() == b"* OK Still here"
    assert 0.8 < time.monotonic() - start < 3
    s.sock.sendall(b"DONE\r\n")
    r = s.read_response("b")
    assert r == [b"b OK Idle completed."]
    s.cmd("z", "LOGOUT")
    s.close()


# ---- the same dialogue against Debian's Dovecot 2.3 ----

# quoted-printable, base64 (with NULs), 8bit and a message/rfc822 part with
# a base64 body
BINARY_MSG = (
    b"From: a@example.com\r\nSubject: bin\r\nMIME-Version: 1.0\r\n"
    b"Content-Type: multipart/mixed; boundary=\"B\"\r\n\r\npreamble\r\n--B\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable"
    b"\r\n\r\ncaf=C3=A9 line with soft=\r\nbreak and =3D equals\r\ntrailing space=20\r\n"
    b"--B\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64"
    b"\r\n\r\n" + base64.encodebytes(bytes(range(256)) * 2).replace(b"\n", b"\r\n") +
    b"--B\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    b"plain 8bit \xc3\xa9\r\n"
    b"--B\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\naGVsbG8gd29ybGQ=\r\n--B--\r\n")

DIALOGUE = [
    'LIST "" *',
    "SELECT INBOX",
    "FETCH 1:* (UID FLAGS RFC822.SIZE)",
    "FETCH 1 ENVELOPE",
    "FETCH 2 BODYSTRUCTURE",
    "FETCH 2 BODY",
    "FETCH 2 (BODY.PEEK[1] BODY.PEEK[2.MIME] BODY.PEEK[HEADER.FIELDS (Subject From)])",
    "FETCH 1 BODY.PEEK[TEXT]<3.10>",
    "FETCH 3 BODY[]",
    "NOOP",
    "STORE 1 +FLAGS (\\Flagged)",
    "STORE 1 -FLAGS.SILENT (\\Flagged)",
    "NOOP",
    "SEARCH SEEN",
    "SEARCH FROM alice",
    "UID SEARCH OR SUBJECT third SUBJECT second",
    "SEARCH BODY pineapple",
    "CREATE Archive",
    "STATUS Archive (MESSAGES UIDNEXT UNSEEN)",
    "UID FETCH 1:* FLAGS",
    "STORE 3 +FLAGS (\\Deleted)",
    "EXPUNGE",
    "FETCH 4 FLAGS",
    "FOO",
    "FETCH 1 NONSENSE",
    "UID STORE 1:2 +FLAGS (\\Answered $Label1)",
    "FETCH 1:* (FLAGS)",
    "SEARCH KEYWORD $Label1",
    "SEARCH UNANSWERED",
    "SEARCH NOT (OR SEEN ANSWERED)",
    "SEARCH LARGER 100 SMALLER 250",
    "SEARCH SENTBEFORE 2-Jan-2024",
    "SEARCH HEADER Message-ID example",
    "SEARCH 2:*",
    "SEARCH CHARSET UTF-8 TEXT part",
    "SEARCH BOGUS",
    "COPY 1:2 Archive",
    "COPY 1 Nowhere",
    "UID MOVE 2 Archive",
    "STATUS Archive (MESSAGES UIDNEXT UNSEEN)",
    "CREATE Archive.2024",
    'LIST "" *',
    'LIST "" %',
    'LIST Archive %',
    'LIST "" ""',
    "SUBSCRIBE Archive",
    'LSUB "" *',
    # LIST-EXTENDED (RFC 5258), LIST-STATUS (RFC 5819), STATUS=SIZE
    "SUBSCRIBE Archive.2024",
    'LIST (SUBSCRIBED) "" *',
    'LIST (SUBSCRIBED RECURSIVEMATCH) "" %',
    'LIST (SUBSCRIBED) "" % RETURN (CHILDREN)',
    'LIST "" * RETURN (SUBSCRIBED CHILDREN)',
    'LIST "" ("INBOX" "Arch*")',
    'LIST () "" %',
    'LIST (REMOTE) "" % RETURN ()',
    'LIST "" % RETURN (STATUS (MESSAGES UNSEEN UIDNEXT SIZE))',
    'LIST (SUBSCRIBED) "" * RETURN (STATUS (UIDNEXT MESSAGES))',
    'LIST (SPECIAL-USE) "" *',
    'LIST "" * RETURN (SPECIAL-USE)',
    'LIST "Archive" "" RETURN (CHILDREN)',
    'LIST (SUBSCRIBED) "" ""',
    'LIST (RECURSIVEMATCH) "" *',
    'LIST (BOGUS) "" *',
    'LIST "" * RETURN (BOGUS)',
    'LIST "" * RETURN (STATUS ())',
    'LIST "" * RETURN (STATUS (MESSAGES BOGUS))',
    'LIST "" * RETURN',
    "UNSUBSCRIBE Archive.2024",
    "STATUS Archive (SIZE UNSEEN MESSAGES)",
    "STATUS INBOX (MESSAGES)",
    "STATUS INBOX ()",
    "UNSUBSCRIBE Archive",
    "RENAME Archive.2024 Old",
    "DELETE Old",
    "DELETE Nowhere",
    "NAMESPACE",
    "EXAMINE Archive",
    "FETCH 1:* (UID FLAGS)",
    "STORE 1 +FLAGS (\\Deleted)",
    "FETCH 1 BODY[HEADER.FIELDS.NOT (Subject Date Message-ID)]",
    "FETCH 2 BODY[TEXT]<0.5>",
    "FETCH 2 (BODY.PEEK[1.HEADER] BODY.PEEK[3])",
    "SELECT INBOX",
    "FETCH 1 ALL",
    "FETCH 1 FULL",
    "UNSELECT",
    "FETCH 1 FLAGS",
    "SELECT Archive",
    "STORE 1 +FLAGS.SILENT (\\Deleted)",
    "UID EXPUNGE 2",
    "EXPUNGE",
    "CLOSE",
    "ENABLE FOO",
    # BINARY (RFC 3516): decoded sections, sizes, partials, literal8
    "CREATE Bin",
    "APPEND Bin {%d+}\r\n%s" % (len(BINARY_MSG), BINARY_MSG.decode("latin-1")),
    "SELECT Bin",
    "FETCH 1 (BINARY.SIZE[1] BINARY.SIZE[2] BINARY.SIZE[3] BINARY.SIZE[4] BINARY.SIZE[4.1])",
    "FETCH 1 BINARY.PEEK[1]",
    "FETCH 1 BINARY.PEEK[2]",
    "FETCH 1 BINARY.PEEK[2]<10.20>",
    "FETCH 1 BINARY.PEEK[4]",
    "FETCH 1 (BINARY.PEEK[] BINARY.SIZE[])",
    "FETCH 1 BINARY.PEEK[9]",
    "FETCH 1 BINARY[3]",
    "FETCH 1 BINARY.SIZE",
    "LOGOUT",
]

# CONDSTORE, ESEARCH and SEARCHRES on the same messages. "{mN}" in a
# command is the N-th smallest modseq the server has shown so far, so both
# servers get the same question in their own numbers; in the answers each
# modseq is replaced by its rank ("m3") before comparing.
EXT_DIALOGUE = [
    "ENABLE CONDSTORE",
    "SELECT INBOX",
    "FETCH 1:* (UID FLAGS MODSEQ)",
    "STORE 1 +FLAGS (\\Flagged)",
    "STORE 1 +FLAGS (\\Flagged)",
    "STORE 2 +FLAGS.SILENT (\\Answered)",
    "UID STORE 3 +FLAGS ($Label1)",
    "UID STORE 3 +FLAGS.SILENT ($Label2)",
    "FETCH 1:* (FLAGS) (CHANGEDSINCE {m1})",
    "UID FETCH 1:* (FLAGS) (CHANGEDSINCE {m2})",
    "FETCH 1:3 MODSEQ",
    "STORE 1:3 (UNCHANGEDSINCE {m2}) +FLAGS (\\Seen)",
    "UID STORE 1:3 (UNCHANGEDSINCE 0) -FLAGS (\\Seen)",
    "STORE 2 (UNCHANGEDSINCE 9000000000000000000) -FLAGS.SILENT (\\Seen)",
    "SEARCH MODSEQ {m3}",
    'UID SEARCH MODSEQ "/flags/\\\\Seen" all {m1}',
    "SEARCH MODSEQ 9000000000000000000",
    "SEARCH RETURN (MIN MAX ALL COUNT) MODSEQ {m2}",
    "SEARCH RETURN (COUNT) MODSEQ 9000000000000000000",
    "FETCH 1 (FLAGS) (CHANGEDSINCE x)",
    "FETCH 1 (FLAGS) (FOO 1)",
    "STORE 1 (UNCHANGEDSINCE x) +FLAGS (\\Seen)",
    "STORE 1 (FOO 1) +FLAGS (\\Seen)",
    "SEARCH MODSEQ x",
    'SEARCH MODSEQ "/flags/\\\\Seen" bogus 1',
    "CREATE Other",
    "FETCH 3 BODY[TEXT]",
    "FETCH 3 (FLAGS MODSEQ)",
    "EXAMINE INBOX (CONDSTORE)",
    "FETCH 1:* (UID MODSEQ)",
    "SELECT INBOX ()",
    "STORE 1:3 -FLAGS (\\Seen \\Flagged \\Answered)",
    "SEARCH RETURN (MIN MAX ALL COUNT) ALL",
    "SEARCH RETURN () UNSEEN",
    "UID SEARCH RETURN (COUNT MIN) 2:*",
    "SEARCH RETURN (MIN MAX) KEYWORD $Label1 UNKEYWORD $Label1",
    "SEARCH RETURN (MIN MAX ALL COUNT) KEYWORD $Label1 UNKEYWORD $Label1",
    "SEARCH RETURN (FOO) ALL",
    "SEARCH RETURN ALL ALL",
    "SEARCH RETURN (SAVE) 2:3",
    "FETCH $ (UID FLAGS)",
    "SEARCH $",
    "UID SEARCH UID $",
    "SEARCH RETURN (SAVE MIN) ALL",
    "UID FETCH $ FLAGS",
    "SEARCH RETURN (SAVE COUNT) FROM alice",
    "STORE $ +FLAGS (\\Deleted)",
    "COPY $ Other",
    "SEARCH RETURN (SAVE) BOGUS",
    "FETCH $ UID",
    "SEARCH RETURN (SAVE) CHARSET BOGUS-CHARSET SUBJECT x",
    "FETCH $ UID",
    "SEARCH RETURN (SAVE) 1:2",
    "MOVE $ Other",
    "SEARCH $",
    "SEARCH $,1",
    "FETCH $:2 FLAGS",
    "UNSELECT",
    "SELECT INBOX",
    "FETCH $ FLAGS",
    "UID EXPUNGE $",
    "LOGOUT",
]


# QRESYNC (RFC 7162 3.2): ENABLE, SELECT/EXAMINE (QRESYNC ...), VANISHED
# instead of EXPUNGE, UID FETCH (CHANGEDSINCE n VANISHED), and Dovecot's
# errors for bad parameters. {uv}: the UIDVALIDITY the server told.
QRESYNC_DIALOGUE = [
    "SELECT INBOX (QRESYNC (1 1))",
    "ENABLE CONDSTORE",
    "SELECT INBOX",
    "STORE 2 +FLAGS (\\Deleted)",
    "UID FETCH 1:* FLAGS (CHANGEDSINCE 1 VANISHED)",
    "SELECT INBOX (QRESYNC ({uv} 1))",
    "ENABLE QRESYNC",
    "SELECT INBOX",
    "EXPUNGE",
    "STORE 1 +FLAGS (\\Seen)",
    "STORE 4 +FLAGS (\\Deleted)",
    "UID EXPUNGE 4:5",
    "UID EXPUNGE 4:5",
    "NOOP",
    "SELECT INBOX (QRESYNC ({uv} {m0}))",
    "EXAMINE INBOX (QRESYNC ({uv} {m1}))",
    "EXAMINE INBOX (QRESYNC ({uv} {m1} 1:10))",
    "EXAMINE INBOX (QRESYNC ({uv} {m1} 3:10))",
    "EXAMINE INBOX (QRESYNC ({uv} {m1} 1:10 (1:3 1:3)))",
    "EXAMINE INBOX (QRESYNC ({uv} {m3}))",
    "EXAMINE INBOX (QRESYNC ({uv} 9000000000))",
    "EXAMINE INBOX (QRESYNC (1 {m0}))",
    "EXAMINE INBOX (CONDSTORE QRESYNC ({uv} {m0} 2:4))",
    "UID FETCH 1:* FLAGS (CHANGEDSINCE {m0} VANISHED)",
    "UID FETCH 2:3 FLAGS (CHANGEDSINCE {m0} VANISHED)",
    "UID FETCH 1:* (FLAGS MODSEQ) (VANISHED CHANGEDSINCE {m3})",
    "UID FETCH 3,1 FLAGS (CHANGEDSINCE 0 VANISHED)",
    "UID FETCH 10:20 FLAGS (CHANGEDSINCE {m0} VANISHED)",
    "FETCH 1:* FLAGS (CHANGEDSINCE {m0} VANISHED)",
    "UID FETCH 1:* FLAGS (VANISHED)",
    "SELECT INBOX (QRESYNC ({uv}))",
    "SELECT INBOX (QRESYNC ({uv} {m0} *))",
    "SELECT INBOX (QRESYNC ({uv} {m0} 1:*))",
    "SELECT INBOX (QRESYNC ({uv} {m0} 1:3 (1:2 1:3)))",
    "SELECT INBOX (QRESYNC ({uv} {m0} 1:3 (1:2 1:2)))",
    "SELECT INBOX (QRESYNC ({uv} {m0} 1:3 (1:2 1:2) x))",
    "SELECT INBOX (QRESYNC ({uv} {m0} 1:3 (1:3)))",
    "SELECT INBOX (QRESYNC ({uv} 0))",
    "SELECT INBOX (QRESYNC (x 1))",
    "SELECT INBOX (QRESYNC)",
    "SELECT INBOX (QRESYNC {uv} 1)",
    "SELECT INBOX",
    "STORE 1 +FLAGS (\\Deleted)",
    "CLOSE",
    "SELECT INBOX (QRESYNC ({uv} {m1}))",
    "UNSELECT",
    "LOGOUT",
]


def sort_list_replies(lines):
    """LIST/LSUB replies (each with the STATUS line LIST-STATUS puts after
    it) in name order: Dovecot answers in directory order."""
    groups, rest = [], []
    for line in lines:
        if line.startswith((b"* LIST ", b"* LSUB ")):
            groups.append([line])
        elif line.startswith(b"* STATUS ") and groups:
            groups[-1].append(line)
        else:
            rest.append(line)
    groups.sort()
    return [x for g in groups for x in g] + rest


def _literal(prefix, text):
    data = text.encode()
    return prefix.encode() + b"{%d+}\r\n" % len(data) + data


# Messages with RFC 2047 words, quoted-printable and base64 bodies in
# ISO-8859-1, UTF-8 and KOI8-R, and an attachment, for i;unicode-casemap
# SEARCH (I18NLEVEL=1).
I18N_MESSAGES = (
    b"From: =?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <jm@example.com>\r\nTo: bob@example.com\r\n"
    b"Subject: =?ISO-8859-1?Q?Gr=FC=DFe_aus_K=F6ln?=\r\nMIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=iso-8859-1\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    b"Sch=F6ne Gr=FC=DFe vom Rhein, STRASSE und Stra=DFe.\r\nZweite Zeile mit =\r\nUmbruch.\r\n",
    b"From: alice@example.com\r\nSubject: =?UTF-8?B?" +
    base64.b64encode("Ελληνικά νέα".encode()) + b"?=\r\nMIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
    base64.encodebytes("Καλημέρα κόσμε, ΑΘΉΝΑ".encode()).replace(b"\n", b"\r\n"),
    b"From: carol@example.org\r\nSubject: plain ascii\r\nMIME-Version: 1.0\r\n"
    b"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\npreamble\r\n--b1\r\n"
    b"Content-Type: text/plain; charset=koi8-r\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
    "Привет мир".encode("koi8-r") + b"\r\n--b1\r\n"
    b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
    base64.encodebytes(b"hidden treasure in attachment").replace(b"\n", b"\r\n") + b"--b1--\r\n",
    b"From: dave@example.net\r\nSubject: r\xc3\xa9sum\xc3\xa9 of the year\r\n\r\n"
    b"Body with UTF-8 raw: \xc3\x85ngstr\xc3\xb6m, na\xc3\xafve caf\xc3\xa9\r\n",
)

I18N_DIALOGUE = [
    "SELECT INBOX",
    _literal("SEARCH CHARSET UTF-8 SUBJECT ", "grüße"),
    _literal("SEARCH CHARSET UTF-8 SUBJECT ", "köln"),
    _literal("SEARCH CHARSET UTF-8 BODY ", "SCHÖNE"),
    _literal("SEARCH CHARSET UTF-8 BODY ", "straße"),
    'SEARCH BODY "mit Umbruch"',
    _literal("SEARCH CHARSET UTF-8 FROM ", "jürgen"),
    _literal("SEARCH CHARSET UTF-8 SUBJECT ", "ΕΛΛΗΝΙΚΆ"),
    _literal("SEARCH CHARSET UTF-8 SUBJECT ", "ελληνικα"),
    _literal("SEARCH CHARSET UTF-8 BODY ", "καλημέρα"),
    _literal("SEARCH CHARSET UTF-8 BODY ", "αθήνα"),
    _literal("SEARCH CHARSET UTF-8 TEXT ", "привет"),
    _literal("SEARCH CHARSET UTF-8 BODY ", "МИР"),
    "SEARCH BODY treasure",
    "SEARCH TEXT preamble",
    "SEARCH BODY koi8-r",
    "SEARCH TEXT koi8-r",
    'SEARCH TEXT "Content-Type: application"',
    _literal("SEARCH CHARSET UTF-8 SUBJECT ", "RÉSUMÉ"),
    _literal("SEARCH CHARSET UTF-8 BODY ", "ångström"),
    _literal("SEARCH CHARSET UTF-8 BODY ", "NAÏVE CAFÉ"),
    _literal("SEARCH CHARSET UTF-8 BODY ", "naive"),
    b"SEARCH CHARSET ISO-8859-1 SUBJECT {5+}\r\ngr\xfc\xdfe",
    b"SEARCH CHARSET ISO-8859-1 BODY {4+}\r\nsch\xf6",
    _literal("SEARCH CHARSET UTF-8 HEADER Subject ", "aus kö"),
    'SEARCH HEADER Subject ""',
    'SEARCH HEADER X-Nope ""',
    "SEARCH CHARSET BOGUS-CHARSET SUBJECT x",
    "SEARCH RETURN (COUNT) CHARSET UTF-8 BODY ruhr",
    "LOGOUT",
]

def _msg(headers, body="body\r\n"):
    return ("".join(h + "\r\n" for h in headers) + "\r\n" + body).encode()


# SORT and THREAD: every key, ties (equal dates, sizes and arrival times:
# then mailbox order), missing headers, RFC 2047 names and subjects,
# reply/forward decorations and blobs, References/In-Reply-To chains with
# missing parents, a loop, a duplicate Message-ID and one without any.
SORT_MESSAGES = (
    _msg(["From: \"Zed Zulu\" <zed@b.example>", "To: amy@x.example", "Cc: carl@x.example",
          "Subject: Re: Project plan", "Date: Mon, 1 Jan 2024 10:00:00 +0000",
          "Message-ID: <p1@x>", "In-Reply-To: <p0@x>"]),
    _msg(["From: amy@x.example", "To: \"Bob\" <bob@x.example>", "Subject: Project plan",
          "Date: Sun, 31 Dec 2023 09:00:00 +0000", "Message-ID: <p0@x>"]),
    _msg(["From: =?UTF-8?Q?=C3=89mile?= <emile@y.example>", "To: zed@b.example",
          "Subject: Fwd: [list] Re: project PLAN (fwd)", "Date: Mon, 1 Jan 2024 11:00:00 +0100",
          "Message-ID: <p2@x>", "References: <p0@x>\r\n <p1@x>"]),
    _msg(["From: bob@x.example", "Subject: =?ISO-8859-1?Q?=DCber_alles?=",
          "Date: Tue, 2 Jan 2024 08:00:00 -0800", "Message-ID: <u1@x>"]),
    _msg(["To: undisclosed-recipients:;"], "no from, subject, date, id\r\n"),
    _msg(["From: \"amy\" <Amy@X.example>", "Subject: [PATCH] [v2] hello", "Date: garbage",
          "Message-ID: <h1@x>", "In-Reply-To: <missing@x>"]),
    _msg(["From: carl@x.example", "Subject: Re: Re: re: Fw: Hello",
          "Date: Wed, 3 Jan 2024 12:00:00 +0100", "Message-ID: <h2@x>",
          "In-Reply-To: Your message of <missing@x>"]),
    _msg(["From: dave@z.example", "To: =?utf-8?b?w4VzYQ==?= <asa@x.example>",
          "Subject: [only blob]", "Date: Wed, 3 Jan 2024 12:00:00 +0100", "Message-ID: <l1@x>",
          "References: <l2@x>"]),
    _msg(["From: dave@z.example", "Subject: loop two", "Date: Thu, 4 Jan 2024 00:00:00 +0000",
          "Message-ID: <l2@x>", "References: <l1@x>"]),
    _msg(["From: \"Zed Zulu\" <zed@b.example>", "Subject: RE: project plan",
          "Date: Fri, 5 Jan 2024 10:00:00 +0000", "Message-ID: <p1@x>", "References: <p0@x>"]),
    _msg(["From: undisclosed:;", "Subject:   spaces\t and\r\n\ttabs  (fwd)",
          "Date: Sat, 6 Jan 2024 10:00:00 +0000", "Message-ID: <s1@x>",
          "References: <gone1@x> <gone2@x>"]),
    _msg(["From: nobody", "Cc: \"=?utf-8?b?w4VzYQ==?=\" <asa@x.example>, b@x.example",
          "Subject: [Fwd: Project plan]", "Date: Sun, 31 Dec 2023 09:00:00 +0000",
          "In-Reply-To: <p0@x>"]),
    _msg(["From: <>", "To: \"\" <x@y.example>", "Subject: hello",
          "Date: Sun, 7 Jan 2024 10:00:00 +0000", "Message-ID: <s2@x>",
          "References: <gone2@x>"]),
    _msg(["From: size@x.example", "Subject: same size A", "Date: Mon, 8 Jan 2024 10:00:00 +0000",
          "Message-ID: <z1@x>"]),
    _msg(["From: size@x.example", "Subject: same size B", "Date: Mon, 8 Jan 2024 10:00:00 +0000",
          "Message-ID: <z2@x>"]),
)
# arrival times (seconds after the first): some equal
SORT_MTIMES = (0, 7200, 3600, 3600, 0, 10800, 14400, 14400, 18000, 18000, 21600, 25200, 28800,
               32400, 32400)

SORT_DIALOGUE = [
    "SELECT INBOX",
    "SORT (ARRIVAL) UTF-8 ALL",
    "SORT (REVERSE ARRIVAL) UTF-8 ALL",
    "SORT (DATE) UTF-8 ALL",
    "SORT (REVERSE DATE) UTF-8 ALL",
    "SORT (SIZE) UTF-8 ALL",
    "SORT (REVERSE SIZE SUBJECT) UTF-8 ALL",
    "SORT (SUBJECT) UTF-8 ALL",
    "SORT (SUBJECT REVERSE DATE) UTF-8 ALL",
    "SORT (REVERSE SUBJECT) UTF-8 ALL",
    "SORT (FROM) UTF-8 ALL",
    "SORT (REVERSE FROM DATE) US-ASCII ALL",
    "SORT (TO) UTF-8 ALL",
    "SORT (CC) UTF-8 ALL",
    "SORT (DISPLAYFROM) UTF-8 ALL",
    "SORT (REVERSE DISPLAYFROM) UTF-8 ALL",
    "SORT (DISPLAYTO) UTF-8 ALL",
    "SORT (CC DISPLAYTO REVERSE ARRIVAL) UTF-8 ALL",
    "SORT (REVERSE REVERSE DATE) UTF-8 ALL",
    "sort (reverse subject size) us-ascii all",
    "UID SORT (SUBJECT) UTF-8 ALL",
    "SORT (DATE) UTF-8 FROM dave",
    "SORT (DATE) UTF-8 2:6 NOT DELETED",
    "SORT (SUBJECT) ISO-8859-1 ALL",
    _literal("SORT (DATE) UTF-8 SUBJECT ", "über"),
    "SORT (SUBJECT) BOGUS ALL",
    "SORT RETURN (MIN MAX COUNT ALL) (SUBJECT) UTF-8 ALL",
    "SORT RETURN (MIN MAX COUNT ALL) (ARRIVAL) UTF-8 ALL",
    "UID SORT RETURN (ALL) (DATE) UTF-8 ALL",
    "SORT RETURN (COUNT) (DATE) UTF-8 NOT ALL",
    "SORT RETURN (MIN) (DATE) UTF-8 NOT ALL",
    "SORT RETURN (SAVE) (DATE) UTF-8 1:4",
    "SORT (REVERSE SIZE) UTF-8 $",
    "SORT RETURN (SAVE MAX) (REVERSE DATE) UTF-8 ALL",
    "SEARCH $",
    "SORT RETURN () (FROM) UTF-8 UID 1:5",
    "SORT RETURN (SAVE) (DATE) BOGUS ALL",
    "SEARCH $",
    "SORT",
    "SORT DATE UTF-8 ALL",
    "SORT () UTF-8 ALL",
    "SORT (FOO) UTF-8 ALL",
    "SORT (DATE REVERSE) UTF-8 ALL",
    "SORT (DATE (SIZE)) UTF-8 ALL",
    "SORT (DATE)",
    "SORT (DATE) UTF-8",
    "SORT (DATE) UTF-8 FOO",
    "SORT RETURN (FOO) (DATE) UTF-8 ALL",
    "UID SORT (FOO) UTF-8 ALL",
    "THREAD REFERENCES UTF-8 ALL",
    "UID THREAD REFERENCES UTF-8 ALL",
    "THREAD REFS UTF-8 ALL",
    "UID THREAD REFS UTF-8 ALL",
    "THREAD ORDEREDSUBJECT UTF-8 ALL",
    "UID THREAD ORDEREDSUBJECT UTF-8 ALL",
    "THREAD REFERENCES UTF-8 NOT FROM dave",
    "THREAD REFERENCES UTF-8 1,3,10",
    "THREAD REFS UTF-8 2:9",
    "THREAD ORDEREDSUBJECT US-ASCII 1:5",
    "THREAD REFERENCES UTF-8 NOT ALL",
    "THREAD REFERENCES BOGUS ALL",
    "THREAD FOO UTF-8 ALL",
    "THREAD REFERENCES",
    "THREAD",
    "THREAD (REFERENCES) UTF-8 ALL",
    "THREAD REFERENCES UTF-8",
    "UID THREAD FOO UTF-8 ALL",
    "UNSELECT",
    "SORT (DATE) UTF-8 ALL",
    "THREAD REFS UTF-8 ALL",
    "LOGOUT",
]


# Known and justified differences: see tests/imap-dovecot-differences.md.
DIFF_FILTERS = [
    re.compile(rb"^\* OK \[HIGHESTMODSEQ \S+\] Highest$"),
]

MODSEQ_RE = re.compile(rb"(HIGHESTMODSEQ |MODSEQ \(|MODSEQ )(\d+)")


METADATA_PAIR_RE = re.compile(rb'(\S+) (NIL|\{(\d+)\}\r\n)')


def sort_metadata_entries(line):
    """* METADATA mbox (e1 v1 e2 v2): Dovecot lists entries in its hash
    order, Roost sorted; compare them as a set (see
    tests/imap-dovecot-differences.md)."""
    m = re.match(rb"(\* METADATA (?:\"[^\"]*\"|\S+) \()(.*)\)$", line, re.S)
    if m is None:
        return line
    body, pairs, pos = m.group(2), [], 0
    while pos < len(body):
        pm = METADATA_PAIR_RE.match(body, pos)
        assert pm, line
        end = pm.end() + (int(pm.group(3)) if pm.group(3) else 0)
        pairs.append(body[pos:end])
        pos = end + 1  # the space between pairs
    return m.group(1) + b" ".join(sorted(pairs)) + b")"


def normalise(lines, keep_highestmodseq=False):
    out = []
    modseqs = sorted({int(m.group(2)) for line in lines for m in MODSEQ_RE.finditer(line)})
    for line in lines:
        line = MODSEQ_RE.sub(lambda m: m.group(1) + b"m%d" % modseqs.index(int(m.group(2))),
                             line)
        line = re.sub(rb" \(\d+\.\d+ \+ \d+\.\d+( \+ \d+\.\d+)? secs\)\.$", b".", line)
        line = re.sub(rb"\[UIDVALIDITY \d+\]", b"[UIDVALIDITY X]", line)
        line = re.sub(rb"\[(COPYUID|APPENDUID) \d+ ", rb"[\1 X ", line)
        if line.startswith(b"* LIST "):
            # RFC 5258 \Marked/\UnMarked: Dovecot's hints, Roost sends none
            line = re.sub(rb" ?\\(Un)?Marked", b"", line).replace(b"( ", b"(")
        if line.startswith(b"* METADATA "):
            line = sort_metadata_entries(line)
        filters = DIFF_FILTERS[1:] if keep_highestmodseq else DIFF_FILTERS
        if any(f.match(line) for f in filters):
            continue
        out.append(line)
    return out


def run_dialogue(cmd, env=None, user=None, dialogue=DIALOGUE):
    """Sends the dialogue one command at a time (Dovecot runs pipelined
    commands in parallel, which would only reorder the tagged lines).
    Commands may be bytes (literals in a charset) or text with {mN}
    modseq placeholders and {uv} for the last UIDVALIDITY seen."""
    parent, child = socket.socketpair()
    proc = subprocess.Popen(cmd, stdin=child, stdout=child, stderr=subprocess.PIPE, env=env,
                            user=user, group=user, close_fds=True)
    child.close()
    f = parent.makefile("rb")
    f.readline()  # the greetings name the programs differently
    lines = exchange(parent, f, dialogue, lambda: proc.stderr.read())
    parent.close()
    assert proc.wait(timeout=30) == 0
    return lines


def exchange(sock, f, dialogue, why_eof=lambda: "connection closed"):
    """Sends each command of dialogue on sock and reads its replies from
    f (literals included); returns every line, LIST replies sorted."""
    lines = []
    modseqs = set()
    uidvalidity = b"0"
    for i, c in enumerate(dialogue):
        tag = f"t{i}"
        if isinstance(c, str):
            ranks = sorted(modseqs)
            c = re.sub(r"\{m(\d+)\}", lambda m: str(ranks[int(m.group(1))]), c)
            c = c.replace("{uv}", uidvalidity.decode()).encode("latin-1")
        sock.sendall(tag.encode() + b" " + c + b"\r\n")
        reply = []
        while True:
            line = f.readline()
            assert line, why_eof()
            # a response line may hold several literals
            while (m := re.search(rb"\{(\d+)\}\r\n$", line)) is not None:
                line += f.read(int(m.group(1)))
                line += f.readline()
            line = line.rstrip(b"\r\n")
            modseqs.update(int(m.group(2)) for m in MODSEQ_RE.finditer(line))
            m = re.search(rb"\[UIDVALIDITY (\d+)\]", line)
            if m:
                uidvalidity = m.group(1)
            reply.append(line)
            if line.startswith(tag.encode() + b" "):
                break
        lines.extend(sort_list_replies(reply))
    return lines


def test_dialogue_matches_dovecot():
    compare_with_dovecot(DIALOGUE)


def test_condstore_esearch_searchres_dialogue_matches_dovecot():
    # once CONDSTORE is on, Dovecot shows HIGHESTMODSEQ too: compared
    compare_with_dovecot(EXT_DIALOGUE, keep_highestmodseq=True)


def test_qresync_dialogue_matches_dovecot():
    compare_with_dovecot(QRESYNC_DIALOGUE, messages=(MSG1, MSG2, MSG3, MSG1, MSG2),
                         keep_highestmodseq=True)


def test_i18n_search_dialogue_matches_dovecot():
    compare_with_dovecot(I18N_DIALOGUE, messages=I18N_MESSAGES)


def test_sort_thread_dialogue_matches_dovecot():
    compare_with_dovecot(SORT_DIALOGUE, messages=SORT_MESSAGES, mtimes=SORT_MTIMES)


def compare_with_dovecot(dialogue, messages=(MSG1, MSG2, MSG3), keep_highestmodseq=False,
                         mtimes=None, dovecot_config="", roost_config="", min_lines=30,
                         check=None, dovecot_conf=(), roost_options=()):
    """mtimes: the messages' arrival times; dovecot_config / roost_config:
    more configuration text for each server (Roost's stdio does not expand
    $mail_plugins); dovecot_conf: extra lines for Dovecot's config,
    roost_options: -o settings for Roost ("{maildir}" in either is the
    Maildir's path); check(tmp_path) runs after both dialogues, on the two
    Maildirs."""
    tmp_path = pathlib.Path(tempfile.mkdtemp(prefix="roost-imap-cmp-", dir="/tmp"))
    try:
        _compare_with_dovecot(tmp_path, dialogue, messages, keep_highestmodseq, mtimes,
                              dovecot_config, roost_config, min_lines, dovecot_conf,
                              roost_options)
        if check is not None:
            check(tmp_path)
    finally:
        shutil.rmtree(tmp_path)


def _compare_with_dovecot(tmp_path, dialogue, messages, keep_highestmodseq, mtimes=None,
                          dovecot_config="", roost_config="", min_lines=30, dovecot_conf=(),
                          roost_options=()):
    base = tmp_path / "base"
    for sub in ("cur", "new", "tmp"):
        (base / sub).mkdir(parents=True)
    seed(base, messages, mtimes)
    roost_md = tmp_path / "roost" / "Maildir"
    dove_md = tmp_path / "dovecot" / "Maildir"
    shutil.copytree(base, roost_md)
    shutil.copytree(base, dove_md)
    conf = tmp_path / "dovecot" / "dovecot.conf"
    conf.write_text(f"mail_location = maildir:{dove_md}\nlog_path = {tmp_path}/dovecot.log\n"
                    "ssl = no\nnamespace inbox {\n  inbox = yes\n  separator = .\n}\n" +
                    dovecot_config +
                    "".join(line.replace("{maildir}", str(dove_md)) + "\n"
                            for line in dovecot_conf))
    for root, dirs, files in os.walk(tmp_path / "dovecot"):
        os.chown(root, NOBODY, NOBODY)
        for name in files:
            os.chown(os.path.join(root, name), NOBODY, NOBODY)
    os.chmod(tmp_path, 0o755)
    env = dict(os.environ, USER="nobody", HOME=str(tmp_path / "dovecot"))
    # DOVECOT_IMAP: another copy of Debian's binary (e.g. unpacked from its .deb)
    dovecot_imap = os.environ.get("DOVECOT_IMAP", "/usr/lib/dovecot/imap")
    dove = run_dialogue([dovecot_imap, "-c", str(conf)], env=env, user=NOBODY,
                        dialogue=dialogue)
    roost_cmd = [stdio_path(), "-u", "testuser", "-o", f"mail_location=maildir:{roost_md}"]
    if roost_config:
        roost_conf = tmp_path / "roost.conf"
        roost_conf.write_text(roost_config)
        roost_cmd += ["-c", str(roost_conf)]
    for opt in roost_options:
        roost_cmd += ["-o", opt.replace("{maildir}", str(roost_md))]
    roost = run_dialogue(roost_cmd, dialogue=dialogue)
    dn = normalise(dove, keep_highestmodseq)
    rn = normalise(roost, keep_highestmodseq)
    # CAPABILITY lists differ by design (part 2 adds the rest): compare
    # everything else line by line
    assert len(dn) > min_lines
    diff = "\n".join(difflib.unified_diff([x.decode(errors="replace") for x in dn],
                                         [x.decode(errors="replace") for x in rn],
                                         "dovecot", "roost", lineterm="", n=1))
    assert rn == dn, diff


def test_untagged_updates_from_other_session(maildir):
    seed(maildir)
    a = Session(maildir)
    a.cmd("a1", "SELECT INBOX")
    b = Session(maildir)
    b.cmd("b1", "SELECT INBOX")
    b.cmd("b2", "STORE 2 +FLAGS.SILENT (\\Flagged)")
    b.cmd("b3", "STORE 3 +FLAGS.SILENT (\\Deleted)")
    b.cmd("b4", "EXPUNGE")
    # FETCH by sequence number must not see the EXPUNGE (RFC 3501 7.4.1)
    r = a.cmd("a2", "FETCH 3 (UID)")
    assert r == [b"* 3 FETCH (UID 3)", b"a2 OK Fetch completed."]
    r = a.cmd("a3", "NOOP")
    assert b"* 3 EXPUNGE" in r
    # a selected first: the messages are \Recent in its session only
    assert b"* 2 FETCH (FLAGS (\\Flagged \\Recent))" in r
    assert b"* 2 RECENT" in r
    assert r[-1] == b"a3 OK NOOP completed."
    assert a.cmd("a4", "NOOP") == [b"a4 OK NOOP completed."]
    b.sock.sendall(b"b5 APPEND INBOX {%d+}\r\n" % len(MSG3) + MSG3 + b"\r\n")
    b.read_response("b5")
    # SEARCH answers on the current view; the new message is announced
    # before the tagged reply
    r = a.cmd("a5", "UID SEARCH ALL")
    # b's session saw (and took) the new message first
    assert r == [b"* SEARCH 1 2", b"* 3 EXISTS", b"a5 OK Search completed."]
    assert a.cmd("a6", "CHECK") == [b"a6 OK Check completed."]
    for s, t in ((a, "az"), (b, "bz")):
        s.cmd(t, "LOGOUT")
        assert s.close() == 0


METADATA_DIALOGUE = [
    'GETMETADATA "" /private/comment',
    'SETMETADATA "" (/private/comment "server note")',
    'GETMETADATA "" (/private/comment /shared/comment)',
    'SETMETADATA "" (/shared/comment "x")',
    'SETMETADATA INBOX (/private/comment "0123456789" /shared/comment "sh" '
    '/private/vendor/x/y "v" /private/vendor/x "w" /Private/MixedCase "m")',
    "GETMETADATA INBOX /private/comment",
    "GETMETADATA INBOX (/private/comment /shared/comment /private/none)",
    "GETMETADATA (MAXSIZE 1) INBOX /private/comment",
    "GETMETADATA (MAXSIZE 5) INBOX (/private/comment /shared/comment)",
    "GETMETADATA (DEPTH 0) INBOX /private/vendor",
    "GETMETADATA (DEPTH 1) INBOX /private/vendor",
    "GETMETADATA (DEPTH infinity) INBOX /private/vendor",
    "GETMETADATA (DEPTH infinity) INBOX /private",
    "GETMETADATA (DEPTH 1) INBOX /private",
    "GETMETADATA (DEPTH 1) INBOX /private/vendor/x/y",
    "GETMETADATA INBOX /private/mixedcase",
    "GETMETADATA INBOX /Private/MIXEDCASE",
    "GETMETADATA INBOX /shared",
    "GETMETADATA INBOX /private/vendor/vendor.dovecot/pvt/server/comment",
    'SETMETADATA INBOX (/private/vendor/vendor.dovecot/pvt/x "y")',
    b"SETMETADATA INBOX (/private/crlf {8+}\r\nline1\r\n\\)",
    "GETMETADATA INBOX /private/crlf",
    'SETMETADATA INBOX (/private/a "1" /private/a "2" /private/atom plain)',
    "GETMETADATA INBOX (/private/a /private/atom)",
    'SETMETADATA INBOX (/private/comment NIL)',
    "GETMETADATA INBOX /private/comment",
    'SETMETADATA INBOX (/private/comment "")',
    "GETMETADATA INBOX /private/comment",
    'SETMETADATA INBOX (/private/nothere NIL)',
    "SETMETADATA INBOX ()",
    "GETMETADATA INBOX ()",
    "CREATE Foo",
    'SETMETADATA Foo (/private/comment "foo" /shared/comment "bar")',
    "RENAME Foo Bar",
    "GETMETADATA Bar (/private/comment /shared/comment)",
    "DELETE Bar",
    "CREATE Bar",
    "GETMETADATA Bar (/private/comment /shared/comment)",
    "GETMETADATA Nowhere /private/comment",
    'SETMETADATA Nowhere (/private/comment "x")',
    "GETMETADATA INBOX",
    'GETMETADATA "" /private/comment /shared/comment',
    "GETMETADATA (FOO 1) INBOX /private",
    "GETMETADATA (DEPTH 2) INBOX /private",
    "GETMETADATA (MAXSIZE x) INBOX /private",
    "GETMETADATA INBOX /private/",
    "GETMETADATA INBOX private/comment",
    "GETMETADATA INBOX /private/a*b",
    "GETMETADATA INBOX /private/a%",
    "GETMETADATA INBOX //private",
    "GETMETADATA INBOX /private//x",
    b'GETMETADATA INBOX "/private/\xc3\xbc"',
    "GETMETADATA INBOX /foo",
    "SETMETADATA INBOX (/private/comment)",
    'SETMETADATA INBOX (/private/b "1" /foo "2")',
    "GETMETADATA INBOX /private/b",
    'SETMETADATA INBOX (/private/c ("x"))',
    "SETMETADATA INBOX /private/comment",
    "LOGOUT",
]

METADATA_CONF = ["imap_metadata = yes",
                 "mail_attribute_dict = file:{maildir}/dovecot-attributes"]


def test_metadata_dialogue_matches_dovecot():
    compare_with_dovecot(METADATA_DIALOGUE, dovecot_conf=METADATA_CONF,
                         roost_options=METADATA_CONF)


@pytest.mark.parametrize("conf,expect", [
    ([], "NO [CANNOT] Generic mailbox attributes not enabled"),
    (["imap_metadata = yes"], "NO [CANNOT] Mailbox attributes not enabled"),
    (["mail_attribute_dict = file:{maildir}/dovecot-attributes"],
     "NO [CANNOT] Generic mailbox attributes not enabled"),
])
def test_metadata_disabled_matches_dovecot(conf, expect):
    """METADATA is advertised only with both settings, as Dovecot does."""
    dialogue = ['GETMETADATA "" /private/comment',
                'SETMETADATA INBOX (/private/comment "x")', "LOGOUT"]
    compare_with_dovecot(dialogue, dovecot_conf=conf, roost_options=conf, min_lines=2)
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="roost-md-", dir="/tmp"))
    try:
        md = tmp / "Maildir"
        for sub in ("cur", "new", "tmp"):
            (md / sub).mkdir(parents=True)
        s = Session(md, *[c.replace("{maildir}", str(md)) for c in conf])
        caps = s.cmd("a", "CAPABILITY")
        assert b"METADATA" not in b"".join(caps)
        reply = s.cmd("b", 'GETMETADATA "" /private/comment')
        assert reply[-1].decode().startswith("b " + expect)
        s.cmd("z", "LOGOUT")
        s.close()
        assert not (md / "dovecot-attributes").exists()
    finally:
        shutil.rmtree(tmp)


def _run_on_maildir(server, md, tmp_path, dialogue):
    """Runs dialogue against Dovecot or Roost on the Maildir md with
    METADATA on; returns the normalised lines."""
    conf = [c.replace("{maildir}", str(md)) for c in METADATA_CONF]
    if server == "roost":
        cmd = [stdio_path(), "-u", "testuser", "-o", f"mail_location=maildir:{md}"]
        for c in conf:
            cmd += ["-o", c]
        return normalise(run_dialogue(cmd, dialogue=dialogue))
    cfg = tmp_path / "dovecot.conf"
    cfg.write_text(f"mail_location = maildir:{md}\nlog_path = {tmp_path}/dovecot.log\n"
                   "ssl = no\nnamespace inbox {\n  inbox = yes\n  separator = .\n}\n" +
                   "".join(c + "\n" for c in conf))
    for root, dirs, files in os.walk(tmp_path):
        os.chown(root, NOBODY, NOBODY)
        for name in files:
            os.chown(os.path.join(root, name), NOBODY, NOBODY)
    env = dict(os.environ, USER="nobody", HOME=str(tmp_path))
    dovecot_imap = os.environ.get("DOVECOT_IMAP", "/usr/lib/dovecot/imap")
    return normalise(run_dialogue([dovecot_imap, "-c", str(cfg)], env=env, user=NOBODY,
                                  dialogue=dialogue))


@pytest.mark.parametrize("writer,reader", [("dovecot", "roost"), ("roost", "dovecot")])
def test_metadata_file_compatible_with_dovecot(writer, reader):
    """Attributes one server wrote (values with CR, LF, TAB, 0x01 and a
    backslash; server, INBOX and another mailbox's entries) are read by the
    other from dovecot-attributes and the mailboxes' dovecot-uidlist GUIDs."""
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="roost-md-compat-", dir="/tmp"))
    os.chmod(tmp, 0o755)
    try:
        md = tmp / "Maildir"
        for sub in ("cur", "new", "tmp"):
            (md / sub).mkdir(parents=True)
        seed(md)
        write = ["CREATE Other",
                 b"SETMETADATA INBOX (/private/comment {10+}\r\na\r\nb\tc\x01d\\e"
                 b" /shared/vendor/x/y \"shared one\")",
                 'SETMETADATA Other (/private/comment "other")',
                 'SETMETADATA "" (/private/comment "server")',
                 "LOGOUT"]
        read = ["GETMETADATA INBOX (/private/comment /shared/vendor/x/y)",
                "GETMETADATA (DEPTH infinity) INBOX /shared",
                "GETMETADATA Other /private/comment",
                'GETMETADATA "" /private/comment',
                "LOGOUT"]
        _run_on_maildir(writer, md, tmp, write)
        data = (md / "dovecot-attributes").read_bytes()
        assert b"a\x01r\x01nb\x01tc\x011d\\e" in data
        got = _run_on_maildir(reader, md, tmp, read)
        assert got[0] == (b"* METADATA INBOX (/private/comment {10}\r\na\r\nb\tc\x01d\\e "
                          b"/shared/vendor/x/y {10}\r\nshared one)")
        assert got[2] == b"* METADATA INBOX (/shared/vendor/x/y {10}\r\nshared one)"
        assert got[4] == b"* METADATA Other (/private/comment {5}\r\nother)"
        assert got[6] == b'* METADATA "" (/private/comment {6}\r\nserver)'
        # and the file as both write it holds the same keys
        guid = re.search(rb" G([0-9a-f]+)", (md / "dovecot-uidlist").read_bytes()).group(1)
        assert b"priv/" + guid + b"/vendor/vendor.dovecot/pvt/server/comment\nserver\n" in data
    finally:
        shutil.rmtree(tmp)
