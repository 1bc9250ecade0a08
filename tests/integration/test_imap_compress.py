"""COMPRESS=DEFLATE (RFC 4978): after `COMPRESS DEFLATE` both directions
are raw deflate streams. Driven with Python's zlib on a raw socket,
through roost-imap-stdio and through imap-login over TLS (the imap process
compresses what the TLS proxy carries)."""
import re
import socket
import ssl
import time
import zlib

from login_util import (login_server_factory, login_root, login_certs,  # noqa: F401
                        USER, PASSWORD)
from storage_util import ImapLineClient
from test_imap_stdio import Session, seed_claimed, MSG1, MSG2, MSG3, maildir  # noqa: F401


class Deflated(ImapLineClient):
    """A compressed IMAP session over sock (after COMPRESS's OK): the
    line client's reads go through the inflater, its sends through the
    deflater."""

    def __init__(self, sock, pending=b""):
        self.sock = sock
        self.comp = zlib.compressobj(6, zlib.DEFLATED, -15)
        self.dec = zlib.decompressobj(-15)
        self.buf = self.dec.decompress(pending)
        self.raw_in = len(pending)

    def send(self, data):
        self.sock.sendall(self.comp.compress(data) + self.comp.flush(zlib.Z_SYNC_FLUSH))

    def _more(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError(self.buf)
        self.raw_in += len(data)
        self.buf += self.dec.decompress(data)

    def readline(self):
        while b"\r\n" not in self.buf:
            self._more()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def read_bytes(self, n):
        while len(self.buf) < n:
            self._more()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def cmd(self, tag, text):
        self.send(f"{tag} {text}\r\n".encode())
        return self.read_response(tag)


def start_compression(s):
    """COMPRESS on a plain Session; returns the Deflated view of it."""
    assert b" COMPRESS=DEFLATE" in s.greeting
    assert s.cmd("c0", "COMPRESS") == [b"c0 BAD Error in IMAP command COMPRESS: Invalid arguments."]
    assert s.cmd("c1", "COMPRESS GZIP") == [b"c1 NO Unknown compression mechanism."]
    s.sock.sendall(b"c2 COMPRESS DEFLATE\r\n")
    assert s.readline() == b"c2 OK Begin compression."
    return Deflated(s.sock, s.buf)


def test_compressed_session(maildir):
    big = b"Subject: big\r\n\r\n" + b"".join(b"line %06d of a long and repetitive body\r\n" % i
                                             for i in range(30000))
    seed_claimed(maildir, (MSG1, MSG2, MSG3, big))
    s = Session(maildir)
    d = start_compression(s)
    assert d.cmd("a", "COMPRESS DEFLATE") == [
        b"a NO [COMPRESSIONACTIVE] COMPRESSION=DEFLATE already enabled."]
    r = d.cmd("b", "SELECT INBOX")
    assert r[-1] == b"b OK [READ-WRITE] Select completed."
    assert b"* 4 EXISTS" in r
    # a 1.3 MB body comes back whole and much smaller on the wire
    before = d.raw_in
    r = d.cmd("c", "FETCH 4 BODY.PEEK[]")
    assert r[0] == b"* 4 FETCH (BODY[] {%d}\r\n" % len(big) + big + b")"
    assert d.raw_in - before < len(big) // 5
    # many pipelined commands in one compressed batch, answered in order
    d.send(b"".join(b"p%d NOOP\r\n" % i for i in range(500)))
    for i in range(500):
        assert d.read_response(f"p{i}") == [b"p%d OK NOOP completed." % i]
    # APPEND with a literal, compressed
    data = b"Subject: appended\r\n\r\n" + b"x" * 100000 + b"\r\n"
    d.send(b"e APPEND INBOX {%d}\r\n" % len(data))
    assert d.readline().startswith(b"+ ")
    d.send(data + b"\r\n")
    r = d.read_response("e")
    assert r[-1].startswith(b"e OK [APPENDUID "), r
    assert d.cmd("f", "FETCH 5 RFC822.SIZE")[0] == b"* 5 FETCH (RFC822.SIZE %d)" % len(data)
    # IDLE: another session's delivery is pushed, compressed
    d.send(b"g IDLE\r\n")
    assert d.readline() == b"+ idling"
    other = Session(maildir)
    other.sock.sendall(b"x APPEND INBOX {%d+}\r\n" % len(MSG3) + MSG3 + b"\r\n")
    assert other.read_response("x")[-1].startswith(b"x OK")
    assert d.readline() == b"* 6 EXISTS"
    d.send(b"DONE\r\n")
    assert d.read_response("g")[-1] == b"g OK Idle completed."
    other.cmd("xz", "LOGOUT")
    other.close()
    assert d.cmd("z", "LOGOUT") == [b"* BYE Logging out", b"z OK Logout completed."]
    assert s.close() == 0


def test_garbage_after_compress_disconnects(maildir):
    seed_claimed(maildir)
    s = Session(maildir)
    start_compression(s)
    s.sock.sendall(b"a NOOP\r\n")  # not deflate data
    s.sock.settimeout(10)
    data = b""
    while True:
        chunk = s.sock.recv(65536)
        if not chunk:
            break
        data += chunk
    assert b"NOOP completed" not in zlib.decompressobj(-15).decompress(data)
    assert s.close() == 0
    log = open(s.log_path, "rb").read()
    assert b"read failed" in log or b"Disconnected" in log, log


def test_compress_through_imap_login_over_tls(login_server_factory):  # noqa: F811
    server = login_server_factory()
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    sock = ctx.wrap_socket(socket.create_connection(("127.0.0.1", server.ports["imaps"]),
                                                    timeout=30))
    f = sock.makefile("rb")
    assert b"COMPRESS" not in f.readline()  # pre-login: not offered, as Dovecot
    sock.sendall(f"l LOGIN {USER} {PASSWORD}\r\n".encode())
    reply = f.readline()
    assert reply.startswith(b"l OK [CAPABILITY ") and b" COMPRESS=DEFLATE" in reply, reply
    sock.sendall(b"c COMPRESS DEFLATE\r\n")
    assert f.readline() == b"c OK Begin compression.\r\n"
    # the server says nothing more until the client speaks: f holds nothing
    d = Deflated(sock)
    r = d.cmd("a", "LIST \"\" *")
    assert r[-1] == b"a OK List completed.", r
    r = d.cmd("b", "SELECT INBOX")
    assert r[-1] == b"b OK [READ-WRITE] Select completed."
    assert d.cmd("z", "LOGOUT")[-1] == b"z OK Logout completed."
    sock.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and "Logged out" not in server.log():
        time.sleep(0.1)
    assert re.search(r"imap\(" + re.escape(USER) + r"\).*Logged out in=\d+ out=\d+", server.log())
