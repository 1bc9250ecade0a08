"""The post-login POP3 server (issue 7) through roost-pop3-stdio: one
authenticated client on a socketpair, driven with Python's poplib. Covers
every TRANSACTION-state command with good and bad arguments, dot-stuffing
and CRLF conversion, deletes that survive QUIT but not a dropped
connection, the session lock, the idle timeout, a 50 MB RETR with bounded
memory, and UIDL/LIST/RETR answers byte-identical to Debian's Dovecot 2.3
on copies of the same Maildir."""
import hashlib
import os
import pathlib
import poplib
import re
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

from conftest import build_path, wait_for
from storage_util import Doveadm, NOBODY


def stdio_path():
    return build_path("src", "pop3", "roost-pop3-stdio")


class StdioPOP3(poplib.POP3):
    """poplib on one end of a socketpair instead of a TCP connection."""

    def __init__(self, sock, timeout=30):
        self._given_sock = sock
        super().__init__("roost-pop3-stdio", 0, timeout=timeout)

    def _create_socket(self, timeout):
        self._given_sock.settimeout(timeout)
        return self._given_sock


class Session:
    """A running roost-pop3-stdio with a poplib client on its stdin/stdout."""

    def __init__(self, maildir, *options, log=None, connect=True, env=None):
        parent, child = socket.socketpair()
        self.log_path = log or os.path.join(os.path.dirname(str(maildir)), "pop3.log")
        self.log_file = open(self.log_path, "ab")
        cmd = [stdio_path(), "-u", "testuser", "-o", f"mail_location=maildir:{maildir}"]
        for opt in options:
            cmd += ["-o", opt] if "=" in opt and not opt.startswith("-") else [opt]
        self.proc = subprocess.Popen(cmd, stdin=child, stdout=child, stderr=self.log_file,
                                     close_fds=True, env=env)
        child.close()
        self.sock = parent
        self.pop = StdioPOP3(parent) if connect else None

    def raw(self, data):
        self.sock.sendall(data)

    def wait(self, timeout=30):
        rc = self.proc.wait(timeout=timeout)
        self.log_file.close()
        return rc

    def drop(self):
        """The client goes away without QUIT."""
        self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        return self.wait()

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")


@pytest.fixture
def maildir(tmp_path):
    path = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (path / sub).mkdir(parents=True)
    return path


def deliver(maildir, name, data):
    (maildir / "new" / name).write_bytes(data)


MSG1 = b"From: a@example.com\nSubject: one\n\n.starts with a dot\nplain\n..two dots\n.\nend\n"
MSG2 = b"From: b@example.com\r\nSubject: two\r\n\r\nline 1\r\nline 2\r\nline 3\r\n"
MSG3 = b"Subject: no final newline\n\nlast line"


def wire(data):
    """What RETR must send for data: CRLF lines, then the final CRLF."""
    data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data


def vsize(data):
    """The virtual size (LIST, STAT, "+OK n octets"): CRLF lines; the CRLF
    that RETR adds after a message without a final newline is not counted
    (as in Dovecot)."""
    return len(data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))


def three_messages(maildir):
    deliver(maildir, "1000.M1P1.host", MSG1)
    deliver(maildir, "1001.M1P2.host", MSG2)
    deliver(maildir, "1002.M1P3.host", MSG3)


def test_all_commands_good_arguments(maildir):
    three_messages(maildir)
    s = Session(maildir)
    pop = s.pop
    assert pop.getwelcome() == b"+OK Logged in."
    capa = pop.capa()
    for cap in ("TOP", "UIDL", "USER", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "UTF8",
                "IMPLEMENTATION"):
        assert cap in capa, capa
    assert "STLS" not in capa and "SASL" not in capa
    sizes = [vsize(m) for m in (MSG1, MSG2, MSG3)]
    assert pop.stat() == (3, sum(sizes))
    resp, lines, _ = pop.list()
    assert resp == b"+OK 3 messages:"
    assert lines == [f"{i + 1} {n}".encode() for i, n in enumerate(sizes)]
    assert pop.list(2) == f"+OK 2 {sizes[1]}".encode()
    resp, uidls, _ = pop.uidl()
    assert resp == b"+OK" and len(uidls) == 3
    assert len({u.split()[1] for u in uidls}) == 3
    assert pop.uidl(3) == b"+OK " + uidls[2]
    # RETR: LIST's size is the number of octets RETR sends (before stuffing)
    for i, msg in enumerate((MSG1, MSG2, MSG3)):
        resp, lines, octets = pop.retr(i + 1)
        assert resp == f"+OK {sizes[i]} octets".encode()
        assert b"\r\n".join(lines) + b"\r\n" == wire(msg)
        assert octets == len(wire(msg))  # poplib counts after un-stuffing
    # TOP: the header, the empty line, n body lines
    resp, lines, _ = pop.top(2, 2)
    assert resp == b"+OK"
    assert lines == [b"From: b@example.com", b"Subject: two", b"", b"line 1", b"line 2"]
    assert pop.top(2, 0)[1] == [b"From: b@example.com", b"Subject: two", b""]
    assert pop.top(1, 100)[1] == wire(MSG1)[:-2].split(b"\r\n")
    assert pop.noop() == b"+OK"
    assert pop.dele(1) == b"+OK Marked to be deleted."
    assert pop.stat() == (2, sizes[1] + sizes[2])
    assert pop.list()[1] == [f"2 {sizes[1]}".encode(), f"3 {sizes[2]}".encode()]
    assert [u.split()[0] for u in pop.uidl()[1]] == [b"2", b"3"]
    assert pop.rset() == b"+OK"
    assert pop.stat() == (3, sum(sizes))
    assert pop.quit() == b"+OK Logging out."
    assert s.wait() == 0
    assert "Disconnected: Logged out top=3/" in s.log()
    assert "retr=3/" in s.log() and "del=0/3" in s.log()


def test_bad_commands_and_arguments(maildir):
    three_messages(maildir)
    s = Session(maildir)
    pop = s.pop
    bad = [
        ("FOO", b"-ERR Unknown command: FOO"),
        ("LAST", b"-ERR Unknown command: LAST"),  # pop3_enable_last = no
        ("USER bob", b"-ERR Unknown command: USER"),  # login is pop3-login's
        ("RETR", b"-ERR Invalid message number: "),
        ("RETR x", b"-ERR Invalid message number: x"),
        ("RETR 0", b"-ERR There's no message 0."),
        ("RETR 4", b"-ERR There's no message 4."),
        ("RETR -1", b"-ERR Invalid message number: -1"),
        ("RETR 1 2", b"-ERR Noise after message number:  2"),
        ("RETR 99999999999", b"-ERR Message number too large: 99999999999"),
        ("LIST 9", b"-ERR There's no message 9."),
        ("LIST a", b"-ERR Invalid message number: a"),
        ("UIDL 0", b"-ERR There's no message 0."),
        ("UIDL 1x", b"-ERR Noise after message number: x"),
        ("DELE", b"-ERR Invalid message number: "),
        ("DELE 5", b"-ERR There's no message 5."),
        ("TOP 1", b"-ERR Noise after message number: "),
        ("TOP 1 x", b"-ERR Invalid size: x"),
        ("TOP 1 -1", b"-ERR Invalid size: -1"),
        ("TOP 1 2 3", b"-ERR Noise after size:  3"),
        ("TOP 4 1", b"-ERR There's no message 4."),
        ("TOP 1 99999999999999999999", b"-ERR Size too large: 99999999999999999999"),
    ]
    for cmd, answer in bad:
        pop.noop()  # a good command between keeps the bad-command limit away
        with pytest.raises(poplib.error_proto) as e:
            pop._shortcmd(cmd)
        assert e.value.args[0] == answer, cmd
    # deleted messages cannot be used
    pop.dele(2)
    for cmd in ("RETR 2", "LIST 2", "UIDL 2", "TOP 2 1", "DELE 2"):
        with pytest.raises(poplib.error_proto) as e:
            pop._shortcmd(cmd)
        assert e.value.args[0] == b"-ERR Message is deleted.", cmd
    # lower case and a NUL byte
    assert pop._shortcmd("stat").startswith(b"+OK 2 ")
    s.raw(b"NO\0OP\r\n")
    with pytest.raises(poplib.error_proto) as e:
        pop._getresp()
    assert e.value.args[0].startswith(b"-ERR Unknown command")
    pop.quit()
    assert s.wait() == 0
    # DELE 2 went through at QUIT
    assert len(os.listdir(maildir / "new")) + len(os.listdir(maildir / "cur")) == 2


def test_too_long_line_and_too_many_bad_commands(maildir):
    three_messages(maildir)
    s = Session(maildir)
    s.raw(b"NOOP " + b"x" * 10000 + b"\r\n")
    with pytest.raises(poplib.error_proto) as e:
        s.pop._getresp()
    assert e.value.args[0] == b"-ERR Input line too long."
    assert s.wait() == 0
    s = Session(maildir)
    for _ in range(19):
        with pytest.raises(poplib.error_proto):
            s.pop._shortcmd("BOGUS")
    with pytest.raises(poplib.error_proto):
        s.pop._shortcmd("BOGUS")
    with pytest.raises(poplib.error_proto) as e:
        s.pop._getresp()
    assert e.value.args[0] == b"-ERR Too many bad commands."
    assert s.wait() == 0


def test_pipelining(maildir):
    three_messages(maildir)
    s = Session(maildir)
    s.raw(b"STAT\r\nRETR 2\r\nNOOP\r\nLIST 1\r\nQUIT\r\n")
    data = b""
    while True:
        chunk = s.sock.recv(65536)
        if not chunk:
            break
        data += chunk
    assert data.startswith(b"+OK 3 ")
    assert b"+OK %d octets\r\n" % len(wire(MSG2)) + wire(MSG2) + b".\r\n+OK\r\n+OK 1 " in data
    assert data.endswith(b"+OK Logging out.\r\n")
    assert s.wait() == 0


def test_deletes_survive_quit_not_a_dropped_connection(maildir):
    three_messages(maildir)
    s = Session(maildir)
    uidls = s.pop.uidl()[1]
    s.pop.dele(1)
    s.pop.dele(3)
    s.pop.retr(2)
    assert s.drop() == 0
    assert "Disconnected: Connection closed" in s.log()
    # nothing changed: three messages, the retrieved one not \Seen
    s = Session(maildir)
    assert s.pop.stat()[0] == 3
    assert s.pop.uidl()[1] == uidls
    s.pop.dele(1)
    s.pop.dele(3)
    s.pop.retr(2)
    assert s.pop.quit() == b"+OK Logging out, messages deleted."
    assert s.wait() == 0
    assert "del=2/3" in s.log()
    # a new session sees one message, with its old UIDL, and it is \Seen
    s = Session(maildir)
    assert s.pop.stat() == (1, len(wire(MSG2)))
    assert s.pop.uidl()[1] == [b"1 " + uidls[1].split()[1]]
    assert s.pop.retr(1)[1] == wire(MSG2)[:-2].split(b"\r\n")
    s.pop.quit()
    s.wait()
    files = os.listdir(maildir / "cur") + os.listdir(maildir / "new")
    assert len(files) == 1 and files[0].startswith("1001.M1P2.host") and files[0].endswith(
        ":2,S"), files


def test_no_flag_updates_and_last(maildir):
    three_messages(maildir)
    s = Session(maildir, "pop3_no_flag_updates=yes", "pop3_enable_last=yes")
    assert s.pop._shortcmd("LAST") == b"+OK 0"
    s.pop.retr(2)
    assert s.pop._shortcmd("LAST") == b"+OK 2"
    s.pop.quit()
    s.wait()
    assert not [f for f in os.listdir(maildir / "cur") if f.endswith("S")]
    s = Session(maildir, "pop3_enable_last=yes")
    s.pop.retr(3)
    s.pop.quit()
    s.wait()
    s = Session(maildir, "pop3_enable_last=yes")
    assert s.pop._shortcmd("LAST") == b"+OK 3"  # message 3 is \Seen now
    assert s.pop.rset() == b"+OK"  # RFC 1460: RSET clears \Seen too
    assert s.pop._shortcmd("LAST") == b"+OK 0"
    s.pop.quit()
    s.wait()
    assert not [f for f in os.listdir(maildir / "cur") if f.endswith("S")]


def test_lock_session(maildir):
    three_messages(maildir)
    first = Session(maildir, "pop3_lock_session=yes")
    assert first.pop.stat()[0] == 3
    second = Session(maildir, "pop3_lock_session=yes", connect=False)
    line = second.sock.makefile("rb").readline()
    assert line.startswith(b"-ERR [IN-USE] "), line
    assert second.wait() == 0
    # without the setting a second session is allowed
    third = Session(maildir)
    assert third.pop.stat()[0] == 3
    third.pop.quit()
    third.wait()
    first.pop.quit()
    first.wait()
    fourth = Session(maildir, "pop3_lock_session=yes")
    assert fourth.pop.stat()[0] == 3
    fourth.pop.quit()
    fourth.wait()


def test_idle_timeout(maildir):
    three_messages(maildir)
    s = Session(maildir, "-t", "1")
    with pytest.raises(poplib.error_proto) as e:
        s.pop._getresp()
    assert e.value.args[0] == b"-ERR Disconnected for inactivity."
    assert s.wait() == 0


def test_workarounds_and_xuidl(maildir):
    deliver(maildir, "1000.M1P1.host", b"Subject: nul\nX-UIDL: legacy-uidl-1\n\na\0b\n")
    deliver(maildir, "1001.M1P2.host", b"Subject: header only\n")
    s = Session(maildir, "pop3_client_workarounds=outlook-no-nuls oe-ns-eoh",
                "pop3_reuse_xuidl=yes")
    assert s.pop.retr(1)[1][-1] == b"a\x80b"
    assert s.pop.retr(2)[1] == [b"Subject: header only", b""]
    uidls = s.pop.uidl()[1]
    assert uidls[0] == b"1 legacy-uidl-1"
    assert uidls[1] != b"2 legacy-uidl-1"
    s.pop.quit()
    s.wait()


def test_logout_format(maildir):
    three_messages(maildir)
    s = Session(maildir, "pop3_logout_format=retr=%{retr_count} msgs=%m bytes=%s")
    s.pop.retr(1)
    s.pop.quit()
    s.wait()
    total = sum(vsize(m) for m in (MSG1, MSG2, MSG3))
    assert f"Disconnected: Logged out retr=1 msgs=3 bytes={total}" in s.log()


def vm_hwm_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM")


def test_retr_50mb_bounded_memory(maildir):
    line = b"0123456789abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ.\n"
    body = line * (50 * 1024 * 1024 // len(line) + 1)
    msg = b"From: big@example.com\nSubject: big\n\n" + body
    deliver(maildir, "1000.M1P1.host", msg)
    # under -Dsanitize=true, ASan's quarantine of freed memory would count
    asan = os.environ.get("ASAN_OPTIONS", "")
    env = dict(os.environ, ASAN_OPTIONS=(asan + ":" if asan else "") + "quarantine_size_mb=0")
    s = Session(maildir, env=env)
    base = vm_hwm_kb(s.proc.pid)
    s.pop._putcmd("RETR 1")
    first = s.pop._getline()[0]
    assert first == f"+OK {len(wire(msg))} octets".encode()
    # read slowly at first so that the server has to wait for us
    digest = hashlib.sha256()
    received = 0
    f = s.pop.file
    while True:
        chunk = f.readline()
        if chunk == b".\r\n":
            break
        assert chunk, "connection closed early"
        received += len(chunk)
        digest.update(chunk)
        if received < 2 * 1024 * 1024:
            time.sleep(0.0001)
    assert received == len(wire(msg))
    assert digest.hexdigest() == hashlib.sha256(wire(msg)).hexdigest()
    peak = vm_hwm_kb(s.proc.pid)
    print("VmHWM before/after RETR (kB):", base, peak)
    assert peak - base < 8 * 1024, (base, peak)
    s.pop.quit()
    s.wait()


# ---- the same Maildir served by Debian's Dovecot 2.3 ----

@pytest.fixture
def workdir():
    """A directory nobody can reach (tmp_path is under root's 0700 directory)."""
    path = tempfile.mkdtemp(prefix="roost-pop3-")
    os.chmod(path, 0o711)
    yield pathlib.Path(path)
    shutil.rmtree(path)


def dovecot_pop3(dove, commands, options=(), with_log=False):
    """Runs Dovecot's pop3 binary in stdio mode as nobody; returns its output
    (and its log when with_log)."""
    cmd = ["runuser", "-u", "nobody", "--", "env", "-i", "USER=nobody",
           f"HOME={dove.workdir}", "/usr/lib/dovecot/pop3", "-c", dove.conf]
    for opt in options:
        cmd += ["-o", opt]
    res = subprocess.run(cmd, input=commands, capture_output=True, timeout=60,
                         cwd=dove.workdir)
    err = res.stderr.decode(errors="replace")
    assert res.returncode == 0 and "rror" not in err, err
    return (res.stdout, err) if with_log else res.stdout


def roost_pop3(maildir, commands, options=()):
    cmd = [stdio_path(), "-u", "testuser", "-o", f"mail_location=maildir:{maildir}"]
    for opt in options:
        cmd += ["-o", opt]
    res = subprocess.run(cmd, input=commands, capture_output=True, timeout=60)
    assert res.returncode == 0, res.stderr
    greeting, rest = res.stdout.split(b"\r\n", 1)
    assert greeting == b"+OK Logged in."
    return rest


@pytest.mark.parametrize("uidl_format", ["%08Xu%08Xv", "%v.%u", "%f", "%u-%Xv-%f", "%g"])
def test_uidl_identical_to_dovecot(workdir, uidl_format):
    maildir = workdir / "Maildir"
    dove = Doveadm(workdir, maildir)
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    # delivered by an MTA into new/, then by Dovecot itself (doveadm save)
    deliver(maildir, "1700000000.M1P1.mx", MSG1)
    deliver(maildir, "1700000001.M2P1.mx", MSG2)
    deliver(maildir, "1700000002.M3P1.mx", MSG3)
    dove.chown()
    dove.run("save", "-m", "INBOX", stdin=b"From: c@example.com\nSubject: saved\n\nsaved\n")
    options = [f"pop3_uidl_format={uidl_format}"]
    commands = (b"UIDL\r\nLIST\r\nSTAT\r\nUIDL 2\r\nRETR 1\r\nRETR 2\r\nRETR 3\r\n"
                b"RETR 4\r\nTOP 1 1\r\nTOP 3 0\r\nLIST 9\r\nQUIT\r\n")
    # Dovecot serves first: it assigns the UIDs and UIDVALIDITY
    dove_out = dovecot_pop3(dove, commands, options)
    assert dove_out.count(b"\r\n.\r\n") >= 6, dove_out
    copy = workdir / "RoostCopy"
    shutil.copytree(maildir, copy, symlinks=True)
    roost_out = roost_pop3(copy, commands, options)
    assert roost_out == dove_out
    # and the other way: Roost first on a fresh Maildir, then Dovecot
    fresh = workdir / "Fresh"
    for sub in ("cur", "new", "tmp"):
        (fresh / sub).mkdir(parents=True)
    deliver(fresh, "1700000100.M1P1.mx", MSG2)
    deliver(fresh, "1700000101.M2P1.mx", MSG1)
    roost_out = roost_pop3(fresh, b"UIDL\r\nLIST\r\nQUIT\r\n", options)
    dove2 = Doveadm(workdir / "d2", fresh)
    dove_out = dovecot_pop3(dove2, b"UIDL\r\nLIST\r\nQUIT\r\n", options)
    assert roost_out == dove_out


# ---- pop3_save_uidl and pop3_deleted_flag ----

def uidl_list(maildir, *options):
    s = Session(maildir, *options)
    uidls = s.pop.uidl()[1]
    s.pop.quit()
    assert s.wait() == 0
    return uidls


def test_save_uidl_keeps_uidls_across_format_changes(maildir):
    three_messages(maildir)
    uidlist = maildir / "dovecot-uidlist"
    default = uidl_list(maildir)
    other = uidl_list(maildir, "pop3_uidl_format=%v.%u")
    # without pop3_save_uidl a new format means new UIDLs
    assert other != default and all(a != b for a, b in zip(default, other))
    assert not re.search(r"^\d+ (\S+ )*P\S* :", uidlist.read_text(), re.M)
    # with it, each UIDL shown is kept: one by "UIDL 1" on a connection
    # that is dropped (as Dovecot, the client may have it already)...
    s = Session(maildir, "pop3_save_uidl=yes")
    assert s.pop.uidl(1) == b"+OK " + default[0]
    assert s.drop() == 0
    assert re.search(r"^1 (.* )?P%s :" % re.escape(default[0].split()[1].decode()),
                     uidlist.read_text(), re.M), uidlist.read_text()
    # ... the others by a full UIDL and QUIT, in the format of that session
    assert uidl_list(maildir, "pop3_save_uidl=yes", "pop3_uidl_format=%v.%u") == \
        [default[0]] + other[1:]
    # kept UIDLs win over any format, with or without the setting
    assert uidl_list(maildir) == [default[0]] + other[1:]
    assert uidl_list(maildir, "pop3_uidl_format=%f") == [default[0]] + other[1:]
    # a new message gets the format of the day; a deleted one is not kept
    deliver(maildir, "1003.M1P4.host", MSG2)
    assert uidl_list(maildir)[3] == b"4 " + b"%08x%08x" % (4, int(re.match(
        r"3 V(\d+)", uidlist.read_text()).group(1)))
    s = Session(maildir, "pop3_save_uidl=yes")
    s.pop.uidl()
    s.pop.dele(4)
    s.pop.quit()
    assert s.wait() == 0
    assert re.search(r"^4 :1003", uidlist.read_text(), re.M)
    assert len(os.listdir(maildir / "new")) + len(os.listdir(maildir / "cur")) == 3


def test_save_uidl_compatible_with_dovecot(workdir):
    """Dovecot's kept UIDLs (its 'P' fields, including the bare 'P' for
    the base file name that %f produces) are served by Roost whatever its
    format, and the reverse."""
    maildir = workdir / "Maildir"
    dove = Doveadm(workdir, maildir)
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    deliver(maildir, "1700000000.M1P1.mx", MSG1)
    deliver(maildir, "1700000001.M2P1.mx", MSG2)
    dove.chown()
    dove.run("save", "-m", "INBOX", stdin=b"From: c@example.com\nSubject: saved\n\nsaved\n")
    commands = b"UIDL\r\nUIDL 2\r\nQUIT\r\n"
    dove_out = dovecot_pop3(dove, commands, ["pop3_uidl_format=%f", "pop3_save_uidl=yes"])
    assert re.search(rb"^1 (\S+ )*P :", (maildir / "dovecot-uidlist").read_bytes(), re.M)
    copy = workdir / "RoostCopy"
    shutil.copytree(maildir, copy, symlinks=True)
    assert roost_pop3(copy, commands, ["pop3_uidl_format=%08Xu%08Xv"]) == dove_out
    # the other way: Roost keeps %v.%u, Dovecot with its default shows them
    fresh = workdir / "Fresh"
    for sub in ("cur", "new", "tmp"):
        (fresh / sub).mkdir(parents=True)
    deliver(fresh, "1700000100.M1P1.mx", MSG2)
    deliver(fresh, "1700000101.M2P1.mx", MSG1)
    roost_out = roost_pop3(fresh, commands, ["pop3_uidl_format=%v.%u", "pop3_save_uidl=yes"])
    assert re.search(rb"^2 (\S+ )*P\d+\.2 :", (fresh / "dovecot-uidlist").read_bytes(), re.M)
    dove2 = Doveadm(workdir / "d2", fresh)
    assert dovecot_pop3(dove2, commands) == roost_out
    assert roost_pop3(fresh, commands) == roost_out


def test_deleted_flag_instead_of_expunge(maildir):
    three_messages(maildir)
    flag = "pop3_deleted_flag=$POP3Deleted"
    s = Session(maildir, flag)
    uidls = s.pop.uidl()[1]
    s.pop.dele(2)
    s.pop.retr(3)
    assert s.pop.quit() == b"+OK Logging out, messages deleted."
    assert s.wait() == 0
    assert "del=1/3" in s.log()
    files = sorted(os.listdir(maildir / "cur") + os.listdir(maildir / "new"))
    assert len(files) == 3  # nothing expunged
    keywords = (maildir / "dovecot-keywords").read_text().split()
    letter = chr(ord("a") + int(keywords[keywords.index("$POP3Deleted") - 1]))
    flagged = [f for f in files if f.startswith("1001.")][0]
    assert flagged.endswith(":2," + letter), flagged  # the keyword, not \Seen
    assert [f for f in files if f.startswith("1002.")][0].endswith(":2,S")
    # the flagged message is no longer part of the maildrop
    s = Session(maildir, flag)
    assert s.pop.stat() == (2, vsize(MSG1) + vsize(MSG3))
    assert s.pop.uidl()[1] == [b"1 " + uidls[0].split()[1], b"2 " + uidls[2].split()[1]]
    assert s.pop.retr(2)[1] == wire(MSG3)[:-2].split(b"\r\n")
    s.pop.quit()
    s.wait()
    # pop3_delete_type = expunge: hidden ones stay hidden, DELE expunges
    s = Session(maildir, flag, "pop3_delete_type=expunge")
    assert s.pop.stat()[0] == 2
    s.pop.dele(1)
    s.pop.quit()
    assert s.wait() == 0
    files = sorted(os.listdir(maildir / "cur") + os.listdir(maildir / "new"))
    assert len(files) == 2 and not [f for f in files if f.startswith("1000.")]
    # without the setting the flagged message is served again
    s = Session(maildir)
    assert s.pop.stat()[0] == 2
    s.pop.quit()
    s.wait()
    # flag without a keyword to set is a configuration error
    s = Session(maildir, "pop3_delete_type=flag", connect=False)
    assert s.wait() != 0
    assert "pop3_delete_type=flag, but pop3_deleted_flag not set" in s.log()


def test_uidl_duplicates_rename_as_dovecot(workdir):
    """pop3_uidl_duplicates = rename: the same UIDLs as Dovecot's, for
    X-UIDL duplicates including one that collides with a renamed UIDL."""
    maildir = workdir / "Maildir"
    dove = Doveadm(workdir, maildir)
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    for i, xuidl in enumerate(["dup", "dup", "dup-2", "other", "dup", "dup-2"]):
        deliver(maildir, f"17000000{i:02d}.M{i}P1.mx",
                f"Subject: {i}\nX-UIDL: {xuidl}\n\nbody {i}\n".encode())
    dove.chown()
    commands = b"UIDL 2\r\nUIDL\r\nQUIT\r\n"
    options = ["pop3_reuse_xuidl=yes", "pop3_uidl_duplicates=rename"]
    dove_out = dovecot_pop3(dove, commands, options)
    assert b"2 dup-2\r\n" in dove_out and b"3 dup-2-2\r\n" in dove_out, dove_out
    copy = workdir / "RoostCopy"
    shutil.copytree(maildir, copy, symlinks=True)
    assert roost_pop3(copy, commands, options) == dove_out
    # allow (the default) leaves them alone
    out = roost_pop3(copy, b"UIDL\r\nQUIT\r\n", ["pop3_reuse_xuidl=yes"])
    assert out.count(b" dup\r\n") == 3 and out.count(b" dup-2\r\n") == 2, out


def test_logout_uidl_change_as_dovecot(workdir):
    """%{uidl_change} in pop3_logout_format: the same text as Dovecot's,
    each session on its own copy of one Maildir."""
    pristine = workdir / "Pristine"
    for sub in ("cur", "new", "tmp"):
        (pristine / sub).mkdir(parents=True)
    for i in range(4):
        deliver(pristine, f"17000000{i:02d}.M{i}P1.mx", f"Subject: {i}\n\nbody {i}\n".encode())
    option = "pop3_logout_format=change=<%{uidl_change}> del=%d"
    sessions = [
        b"STAT\r\nQUIT\r\n",  # no UIDL: empty
        b"UIDL\r\nRETR 2\r\nRETR 3\r\nDELE 2\r\nDELE 4\r\nQUIT\r\n",
        b"UIDL 3\r\nDELE 1\r\nQUIT\r\n",  # a single UIDL counts too
        b"DELE 1\r\nUIDL\r\nRETR 3\r\nRSET\r\nQUIT\r\n",  # deleted ones too
    ]
    changes = []
    for n, commands in enumerate(sessions):
        dove_dir = workdir / f"d{n}"
        shutil.copytree(pristine, dove_dir / "Maildir")
        dove = Doveadm(dove_dir, dove_dir / "Maildir")
        dove_log = dovecot_pop3(dove, commands, [option], with_log=True)[1]
        dove_line = re.search(r"Disconnected: Logged out (.*)", dove_log)
        copy = workdir / f"r{n}"
        shutil.copytree(pristine, copy)
        res = subprocess.run([stdio_path(), "-u", "testuser", "-o",
                              f"mail_location=maildir:{copy}", "-o", option],
                             input=commands, capture_output=True, timeout=60)
        roost_line = re.search(r"Disconnected: Logged out (.*)", res.stderr.decode())
        assert dove_line and roost_line, (dove_log, res.stderr)
        assert roost_line.group(1) == dove_line.group(1), commands
        changes.append(roost_line.group(1))
    assert changes[0] == "change=<> del=0"
    assert re.fullmatch(r"change=<1/[0-9a-f]{8} -> 2/[0-9a-f]{8}> del=2", changes[1])
    assert re.fullmatch(r"change=<4/[0-9a-f]{8} -> 3/[0-9a-f]{8}> del=1", changes[2])
    assert re.fullmatch(r"change=<2/[0-9a-f]{8} -> 4/[0-9a-f]{8}> del=0", changes[3])
