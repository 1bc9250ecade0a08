#!/usr/bin/python3
"""Memory per idle IMAP connection, for doc/status.md (not a test).

Starts a private Roost (run as root, from a build dir) with one vmail uid
for every user, opens N sessions that log in and SELECT an INBOX of M
messages, and leaves them idle. Then it reads PSS and RSS
(/proc/PID/smaps_rollup) of the imap processes and of the imap-login
processes, at a small count N1 and at N, and prints

    (memory at N - memory at N1) / (N - N1)

per connection, for:
  - imap with client_limit large enough for all sessions in one process;
  - imap-login in Dovecot's "high-performance" mode (service_count = 0,
    one process proxying every TLS connection), over implicit TLS;
  - imap-login in the default mode (service_count = 1: one process per
    connection, so a connection costs a whole process);
  - imap in the default mode (client_limit = 1: one process per session).
Plaintext sessions (from 127.0.0.1, which counts as secure) are handed to
imap as the socket itself: no imap-login memory stays behind.

Usage: bench/idle-memory.py [-b BUILD_DIR] [-n N] [-m MESSAGES]

The same measurement for Dovecot 2.3 and Cyrus 3.6 next to Roost (whole
process trees, default and shared modes) is bench/run.py --only idle-memory;
this script keeps the split between imap and imap-login.
"""
import argparse
import os
import pathlib
import pwd
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

PASSWORD = "bench-pw"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children_of(pid):
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(entry))
    return out


def program(pid):
    try:
        return os.path.basename(open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")[0]
                                .decode())
    except OSError:
        return ""


def mem_kib(pid):
    """(Pss, Rss) in KiB."""
    pss = rss = 0
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith("Pss:"):
                pss = int(line.split()[1])
            elif line.startswith("Rss:"):
                rss = int(line.split()[1])
    return pss, rss


def total(master_pid, name):
    pids = [p for p in children_of(master_pid) if program(p) == name]
    pss = rss = 0
    for p in pids:
        a, b = mem_kib(p)
        pss += a
        rss += b
    return len(pids), pss, rss


class Roost:
    def __init__(self, build, root, login_mode, client_limit, imap_limit):
        self.build = build
        self.root = root
        self.ports = {"imap": free_port(), "imaps": free_port()}
        libexec = root / "libexec"
        libexec.mkdir(exist_ok=True)
        for name, sub in (("auth", "auth"), ("anvil", "anvil"), ("imap-login", "imap-login"),
                          ("imap", "imap")):
            link = libexec / name
            if not link.exists():
                link.symlink_to(build / "src" / sub / name)
        login = ("service_count = 0\n  process_min_avail = 1\n  process_limit = 1\n"
                 f"  client_limit = {client_limit}\n") if login_mode == "performance" else \
            f"process_limit = {client_limit}\n"
        v = pwd.getpwnam("vmail")
        self.log = root / "roost.log"
        self.conf = root / "roost.conf"
        self.conf.write_text(f"""base_dir = {root}/run
libexec_dir = {libexec}
log_path = {self.log}
listen = 127.0.0.1
protocols = imap
mail_location = maildir:~/Maildir
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
auth_mechanisms = plain
mail_max_userip_connections = 0
default_client_limit = {client_limit}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={v.pw_uid} gid={v.pw_gid} home={root}/mail/%n
}}
service imap-login {{
  inet_listener imap {{
    port = {self.ports['imap']}
  }}
  inet_listener imaps {{
    port = {self.ports['imaps']}
    ssl = yes
  }}
  {login}
}}
service imap {{
  client_limit = {imap_limit}
  service_count = {0 if imap_limit > 1 else 1}
  process_limit = {4 if imap_limit > 1 else client_limit}
}}
service anvil {{
  client_limit = {client_limit}
}}
""")
        self.proc = subprocess.Popen([str(build / "src" / "master" / "roost"), "-F", "-c",
                                      str(self.conf)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while not (root / "run" / "login" / "login").exists():
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise SystemExit("roost did not start: " + self.proc.stderr.read().decode())
            time.sleep(0.05)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)


def read_until(sock, tag):
    buf = b""
    while not re.search(rb"(^|\r\n)" + tag + rb" [^\r\n]*\r\n", buf):
        data = sock.recv(65536)
        if not data:
            raise SystemExit(f"connection closed waiting for {tag!r}: {buf[-300:]!r}")
        buf += data
    return buf


def open_session(port, user, tls):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    if tls:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        s = ctx.wrap_socket(s)
    s.recv(4096)
    s.sendall(f"a LOGIN {user} {PASSWORD}\r\n".encode())
    read_until(s, b"a")
    s.sendall(b"b SELECT INBOX\r\n")
    out = read_until(s, b"b")
    if b"b OK" not in out:
        raise SystemExit(f"SELECT failed: {out[-200:]!r}")
    return s


def fill_maildir(root, user, count):
    v = pwd.getpwnam("vmail")
    md = root / "mail" / user / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (md / sub).mkdir(parents=True, exist_ok=True)
    for i in range(count):
        body = (f"From: a{i}@example.com\r\nTo: {user}@example.com\r\nSubject: message {i}\r\n"
                f"Message-ID: <{i}@bench>\r\n\r\n" + "text line\r\n" * 20).encode()
        (md / "cur" / f"{1700000000 + i}.M{i}P1.bench,S={len(body)}:2,S").write_bytes(body)
    for dirpath, dirs, files in os.walk(root / "mail" / user):
        os.chown(dirpath, v.pw_uid, v.pw_gid)
        for f in files:
            os.chown(os.path.join(dirpath, f), v.pw_uid, v.pw_gid)


def measure(build, root, n_small, n, messages, tls, login_mode, imap_shared):
    users = [f"user{i}" for i in range(20)]
    limit = max(n + 16, 64)
    r = Roost(build, root, login_mode, limit, limit if imap_shared else 1)
    sockets = []
    try:
        port = r.ports["imaps" if tls else "imap"]
        points = {}
        for target in (n_small, n):
            while len(sockets) < target:
                sockets.append(open_session(port, users[len(sockets) % len(users)], tls))
            time.sleep(1.0)
            points[target] = (total(r.proc.pid, "imap"), total(r.proc.pid, "imap-login"))
        return points
    finally:
        for s in sockets:
            s.close()
        r.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-b", "--build", default=os.environ.get("ROOST_BUILD_DIR", "build-w"))
    ap.add_argument("-n", type=int, default=500)
    ap.add_argument("-m", "--messages", type=int, default=100)
    args = ap.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("run as root (the post-login processes become vmail)")
    build = pathlib.Path(args.build).resolve()
    n_small = max(10, args.n // 10)
    base = pathlib.Path(tempfile.mkdtemp(prefix="roost-bench-"))
    os.chmod(base, 0o755)
    try:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=bench", "-keyout", str(base / "key.pem"), "-out",
                        str(base / "cert.pem")], check=True, capture_output=True)
        (base / "users").write_text("".join(f"user{i}:{{PLAIN}}{PASSWORD}::::\n"
                                            for i in range(20)))
        (base / "mail").mkdir()
        os.chmod(base / "mail", 0o755)
        for i in range(20):
            fill_maildir(base, f"user{i}", args.messages)
        print(f"{args.n} idle sessions after SELECT of {args.messages} messages "
              f"(per connection: memory at {args.n} minus memory at {n_small}, "
              f"divided by {args.n - n_small})")
        for label, tls, mode, shared in (
                ("plaintext (fd passed to imap)", False, "performance", True),
                ("implicit TLS, imap-login service_count=0", True, "performance", True),
                ("implicit TLS, imap-login service_count=1", True, "default", True),
                ("plaintext, imap client_limit=1", False, "performance", False)):
            root = base / re.sub(r"\W+", "-", label)
            root.mkdir()
            shutil.copy(base / "users", root / "users")
            shutil.copy(base / "cert.pem", root / "cert.pem")
            shutil.copy(base / "key.pem", root / "key.pem")
            os.symlink(base / "mail", root / "mail")
            if (mode == "default" or not shared) and args.n > 300:
                n = 300  # one process each: keep the machine usable
            else:
                n = args.n
            pts = measure(build, root, n_small, n, args.messages, tls, mode, shared)
            (i0, l0), (i1, l1) = pts[n_small], pts[n]
            d = n - n_small
            print(f"\n{label}: {n} sessions")
            print(f"  imap:       {i1[0]} process(es); per connection "
                  f"PSS {(i1[1] - i0[1]) / d:6.1f} KiB, RSS {(i1[2] - i0[2]) / d:6.1f} KiB")
            print(f"  imap-login: {l1[0]} process(es); per connection "
                  f"PSS {(l1[1] - l0[1]) / d:6.1f} KiB, RSS {(l1[2] - l0[2]) / d:6.1f} KiB")
            print(f"  total:      per connection PSS "
                  f"{(i1[1] - i0[1] + l1[1] - l0[1]) / d:6.1f} KiB")
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
