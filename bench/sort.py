#!/usr/bin/python3
"""SORT and THREAD times, Roost against Dovecot 2.3 (not a test).

Generates a Maildir of N messages (varied senders, subjects with Re:/Fwd:
and RFC 2047 words, dates, References chains; written without fsync),
copies it for Dovecot, and runs one session of each server's post-login
imap over stdin/stdout (roost-imap-stdio, Debian's /usr/lib/dovecot/imap
as nobody). In each session: SELECT, then THREAD REFERENCES once with an
empty cache (it reads every message file and caches the header fields
every command below needs), then each command 3 times (median shown);
then a new session runs them again (from the cache only). Times are
from sending the command to its tagged reply.

Usage: bench/sort.py [-b BUILD_DIR] [-n N ...] [--dovecot PATH]
"""
import argparse
import os
import pathlib
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

COMMANDS = ["SORT (DATE) UTF-8 ALL", "SORT (SUBJECT) UTF-8 ALL", "THREAD REFERENCES UTF-8 ALL"]
NOBODY = 65534


def message(i, rnd):
    who = rnd.randrange(500)
    subj_base = f"topic {rnd.randrange(i // 4 + 1)}"
    prefix = rnd.choice(["", "", "Re: ", "RE: Re: ", "Fwd: ", "[list] Re: "])
    subject = prefix + subj_base
    if i % 10 == 0:
        subject = "=?UTF-8?Q?" + subject.replace(" ", "_") + "_=C3=A9t=C3=A9?="
    day = 1 + rnd.randrange(28)
    lines = [f"From: \"Person {who}\" <p{who}@example.com>",
             f"To: list{who % 7}@example.org",
             f"Subject: {subject}",
             f"Date: Mon, {day} Jan 2024 {rnd.randrange(24):02d}:{rnd.randrange(60):02d}:00 +0000",
             f"Message-ID: <{i}@example.org>"]
    if i > 1 and rnd.random() < 0.6:
        parent = rnd.randrange(max(1, i - 50), i)
        refs = " ".join(f"<{j}@example.org>" for j in (parent // 3, parent) if j > 0)
        lines.append(f"References: {refs}")
    body = "Body line\n" * (1 + rnd.randrange(30))
    return ("\n".join(lines) + "\n\n" + body).encode()


def build(maildir, count):
    rnd = random.Random(count)
    for d in ("cur", "new", "tmp"):
        (maildir / d).mkdir(parents=True)
    for i in range(1, count + 1):
        path = maildir / "cur" / f"{1700000000 + i}.M{i}P1.bench:2,S"
        path.write_bytes(message(i, rnd))
        os.utime(path, (1700000000 + i, 1700000000 + i))


class Session:
    def __init__(self, cmd, user=None, env=None):
        parent, child = socket.socketpair()
        self.proc = subprocess.Popen(cmd, stdin=child, stdout=child, stderr=subprocess.DEVNULL,
                                     user=user, group=user, env=env, close_fds=True)
        child.close()
        self.sock = parent
        self.f = parent.makefile("rb")
        self.f.readline()
        self.n = 0

    def cmd(self, text):
        self.n += 1
        tag = b"t%d" % self.n
        start = time.monotonic()
        self.sock.sendall(tag + b" " + text.encode() + b"\r\n")
        size = 0
        while True:
            line = self.f.readline()
            if not line:
                raise EOFError(text)
            size += len(line)
            if line.startswith(tag + b" "):
                break
        if not line.startswith(tag + b" OK"):
            raise RuntimeError(line)
        return time.monotonic() - start, size

    def close(self):
        self.cmd("LOGOUT")
        self.sock.close()
        self.proc.wait()


def run(name, make_session, out):
    s = make_session()
    s.cmd("SELECT INBOX")
    cold, _ = s.cmd("THREAD REFERENCES UTF-8 ALL")
    out[(name, "cold THREAD REFERENCES")] = cold
    for c in COMMANDS:
        out[(name, c)] = statistics.median(s.cmd(c)[0] for _ in range(3))
    s.close()
    s = make_session()
    s.cmd("SELECT INBOX")
    for c in COMMANDS:
        out[(name, "new session " + c)] = s.cmd(c)[0]
    s.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-b", "--build", default="build-w")
    ap.add_argument("-n", type=int, nargs="+", default=[20000, 100000])
    ap.add_argument("--dovecot", default=os.environ.get("DOVECOT_IMAP", "/usr/lib/dovecot/imap"))
    args = ap.parse_args()
    stdio = os.path.abspath(os.path.join(args.build, "src", "imap", "roost-imap-stdio"))
    for count in args.n:
        work = pathlib.Path(tempfile.mkdtemp(prefix="roost-bench-sort-", dir="/tmp"))
        os.chmod(work, 0o755)
        try:
            t = time.monotonic()
            build(work / "roost" / "Maildir", count)
            shutil.copytree(work / "roost" / "Maildir", work / "dovecot" / "Maildir")
            for root, dirs, files in os.walk(work / "dovecot"):
                os.chown(root, NOBODY, NOBODY)
                for f in files:
                    os.chown(os.path.join(root, f), NOBODY, NOBODY)
            print(f"{count} messages generated in {time.monotonic() - t:.1f} s", flush=True)
            conf = work / "dovecot" / "dovecot.conf"
            conf.write_text(f"mail_location = maildir:{work}/dovecot/Maildir\n"
                            f"log_path = {work}/dovecot.log\nssl = no\n"
                            "namespace inbox {\n  inbox = yes\n  separator = .\n}\n")
            out = {}
            roost_cmd = [stdio, "-u", "bench", "-o", f"mail_location=maildir:{work}/roost/Maildir"]
            run("roost", lambda: Session(roost_cmd), out)
            env = dict(os.environ, USER="nobody", HOME=str(work / "dovecot"))
            run("dovecot", lambda: Session([args.dovecot, "-c", str(conf)], user=NOBODY,
                                           env=env), out)
            print(f"{'':36} {'roost':>9} {'dovecot':>9} {'ratio':>6}")
            for key in sorted({k for _, k in out}, key=lambda k: (k.startswith("new"), k)):
                r, d = out[("roost", key)], out[("dovecot", key)]
                print(f"{key:36} {r * 1000:7.0f}ms {d * 1000:7.0f}ms {r / d:6.2f}")
            sys.stdout.flush()
        finally:
            shutil.rmtree(work)


if __name__ == "__main__":
    main()
