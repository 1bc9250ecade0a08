"""Helpers for the storage tests: the roost-test-storage CLI and Debian's
Dovecot 2.3 doveadm on a private configuration."""
import os
import re
import socket
import subprocess

from conftest import build_path

NOBODY = 65534


def cli_path():
    return build_path("tests", "services", "roost-test-storage")


def roost(maildir, *args, stdin=None, fsync=None, check=True, env=None):
    """Runs roost-test-storage on maildir; returns its stdout (text)."""
    cmd = [cli_path(), "-o", f"mail_location=maildir:{maildir}"]
    if fsync:
        cmd += ["-o", f"mail_fsync={fsync}"]
    cmd += list(args)
    res = subprocess.run(cmd, input=stdin, capture_output=True, timeout=120, env=env)
    if check and res.returncode != 0:
        raise AssertionError(f"{cmd} failed ({res.returncode}): {res.stderr.decode()}")
    return res.stdout.decode()


def roost_fetch(maildir, mailbox):
    """{uid: (size, frozenset(flags))} as the index reports them."""
    out = {}
    for line in roost(maildir, "fetch", mailbox).splitlines():
        head, flags = line.split(" (", 1)
        uid, size, _vsize = head.split()
        out[int(uid)] = (int(size), frozenset(flags.rstrip(")").split()))
    return out


def roost_status(maildir, mailbox):
    line = roost(maildir, "status", mailbox).strip()
    return {k: int(v) for k, v in (f.split("=") for f in line.split())}


def loop_message(token, i):
    """The message roost-test-storage save-loop writes for token (its i)."""
    text = f"From: loop@example.com\nSubject: {token}\nMessage-ID: <{token}@roost.test>\n\n"
    for k in range(5 + i % 40):
        text += f"{token} line {k}\n"
    return text.encode()


class Doveadm:
    """doveadm of Debian's Dovecot 2.3 with a private config; it runs as
    nobody (Dovecot refuses root) on a Maildir that nobody owns."""

    def __init__(self, workdir, maildir):
        self.workdir = str(workdir)
        self.maildir = str(maildir)
        self.conf = os.path.join(self.workdir, "dovecot.conf")
        run = os.path.join(self.workdir, "dovecot-run")
        os.makedirs(run, exist_ok=True)
        with open(self.conf, "w") as f:
            f.write(f"""base_dir = {run}
log_path = {self.workdir}/dovecot.log
mail_location = maildir:{self.maildir}
ssl = no
mail_uid = {NOBODY}
mail_gid = {NOBODY}
first_valid_uid = 0
first_valid_gid = 0
namespace inbox {{
  inbox = yes
  separator = .
  prefix =
}}
""")
        self.chown()

    def chown(self):
        """Gives the Maildir (and what Roost wrote as root) to nobody."""
        os.makedirs(self.maildir, exist_ok=True)
        for root, dirs, files in os.walk(self.maildir):
            os.chown(root, NOBODY, NOBODY)
            for name in files:
                os.chown(os.path.join(root, name), NOBODY, NOBODY)

    def run(self, *args, stdin=None):
        env = dict(os.environ, USER="nobody", HOME=self.workdir)
        res = subprocess.run(["doveadm", "-c", self.conf] + list(args), input=stdin,
                             capture_output=True, timeout=60, env=env, cwd=self.workdir)
        err = res.stderr.decode()
        if res.returncode != 0 or "rror" in err or "orrupt" in err:
            raise AssertionError(f"doveadm {args} failed ({res.returncode}): {err}")
        return res.stdout.decode()

    def fetch(self, mailbox):
        """{uid: (size, frozenset(flags without \\Recent))}"""
        out = {}
        uid = size = None
        for line in self.run("fetch", "uid size.physical flags", "mailbox", mailbox,
                             "all").splitlines():
            if line.startswith("uid: "):
                uid = int(line[5:])
            elif line.startswith("size.physical: "):
                size = int(line[15:])
            elif line.startswith("flags:"):
                flags = frozenset(f for f in line[6:].split() if f != "\\Recent")
                out[uid] = (size, flags)
        return out

    def status(self, mailbox):
        line = self.run("mailbox", "status", "uidvalidity uidnext messages", mailbox).strip()
        fields = line.split()[1:]
        return {k: int(v) for k, v in (f.split("=") for f in fields)}

    def list(self, subscribed=False):
        args = ["mailbox", "list"] + (["-s"] if subscribed else [])
        return set(self.run(*args).split())


def roost_imap_cmd(maildir):
    """Roost's post-login IMAP server on stdin/stdout for maildir."""
    return [build_path("src", "imap", "roost-imap-stdio"), "-u", "testuser", "-o",
            f"mail_location=maildir:{maildir}"]


def dovecot_imap_cmd(workdir, maildir):
    """Debian's Dovecot 2.3 imap (dovecot-imapd) on stdin/stdout for
    maildir; run it as nobody (see ImapSession), maildir owned by nobody."""
    conf = os.path.join(str(workdir), "dovecot-imap.conf")
    with open(conf, "w") as f:
        f.write(f"mail_location = maildir:{maildir}\nlog_path = {workdir}/dovecot-imap.log\n"
                "ssl = no\nnamespace inbox {\n  inbox = yes\n  separator = .\n}\n")
    return [os.environ.get("DOVECOT_IMAP", "/usr/lib/dovecot/imap"), "-c", conf]


class ImapLineClient:
    """A raw IMAP line client over self.sock (set by the subclass, with
    self.buf = b""): cmd() returns the response lines, literals inlined
    as bytes, up to the tagged one."""

    def readline(self):
        while b"\r\n" not in self.buf:
            data = self.sock.recv(1 << 20)
            if not data:
                raise EOFError(self.buf)
            self.buf += data
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def read_bytes(self, n):
        while len(self.buf) < n:
            data = self.sock.recv(1 << 20)
            if not data:
                raise EOFError
            self.buf += data
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def read_response(self, tag):
        """Lines until the tagged one; literals are inlined as bytes."""
        lines = []
        while True:
            line = self.readline()
            m = re.search(rb"\{(\d+)\}$", line)
            while m:
                line += b"\r\n" + self.read_bytes(int(m.group(1)))
                rest = self.readline()
                line += rest
                m = re.search(rb"\{(\d+)\}$", rest)
            lines.append(line)
            if line.startswith(tag.encode() + b" "):
                return lines

    def cmd(self, tag, text):
        self.sock.sendall(f"{tag} {text}\r\n".encode())
        return self.read_response(tag)


class ImapSession(ImapLineClient):
    """One IMAP session on a socketpair (a program speaking IMAP on its
    stdin/stdout)."""

    def __init__(self, cmd, user=None, env=None, stderr=None, prefix=None):
        parent, child = socket.socketpair()
        if user is not None:
            env = dict(env or os.environ, USER="nobody", HOME="/tmp")
        self.proc = subprocess.Popen((prefix or []) + cmd, stdin=child, stdout=child,
                                     stderr=stderr if stderr is not None else subprocess.DEVNULL,
                                     env=env, user=user, group=user, close_fds=True)
        child.close()
        self.sock = parent
        self.sock.settimeout(120)
        self.buf = b""
        self.greeting = self.readline()

    def append(self, tag, mailbox, flags, data):
        """APPEND with a synchronising literal; returns the response."""
        self.sock.sendall(f"{tag} APPEND {mailbox} ({flags}) {{{len(data)}}}\r\n".encode())
        line = self.readline()
        assert line.startswith(b"+"), line
        self.sock.sendall(data + b"\r\n")
        return self.read_response(tag)

    def close(self):
        self.cmd("zz", "LOGOUT")
        self.sock.close()
        return self.proc.wait(timeout=60)


def normalise_imap(lines):
    """Drops what legitimately differs between two servers' answers:
    timings in tagged OKs, UIDVALIDITY values."""
    out = []
    for line in lines:
        line = re.sub(rb" \(\d+\.\d+ \+ \d+\.\d+( \+ \d+\.\d+)? secs\)\.$", b".", line)
        line = re.sub(rb"\[UIDVALIDITY \d+\]", b"[UIDVALIDITY X]", line)
        line = re.sub(rb"\[(COPYUID|APPENDUID) \d+ ", rb"[\1 X ", line)
        out.append(line)
    return out
