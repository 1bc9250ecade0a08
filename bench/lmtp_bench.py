#!/usr/bin/env python3
"""LMTP delivery throughput: messages per second with fsync on, parallel
LMTP sessions, Roost against Debian's Dovecot 2.3 lmtp on the same machine.

Not part of the test suite. Run as root (both servers switch to the vmail
uid per delivery):

    python3 bench/lmtp_bench.py --build-dir build-w [--clients 8] [--seconds 10]

Each server runs privately: its own base_dir, config and Maildirs under a
temporary directory, a unix LMTP socket only. Every client is one LMTP
session that delivers one message per transaction, back to back, to its own
user (--same-user: all to one user, one mailbox). Both servers use their
defaults for durability (Roost: mail_fsync = optimized: file, directory and
uidlist synced before the 250; Dovecot: fsync_mode optimized as well).
Dovecot needs the Debian package dovecot-lmtpd (apt-get install
dovecot-lmtpd); without it only Roost is measured."""
import argparse
import os
import pwd
import shutil
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time

DOVECOT = "/usr/sbin/dovecot"
DOVECOT_LMTP = "/usr/lib/dovecot/lmtp"


def message(size):
    text = ("From: bench@example.org\r\nTo: user@example.com\r\nSubject: bench\r\n"
            "Message-ID: <bench@example.org>\r\n\r\n")
    line = "x" * 76 + "\r\n"
    while len(text) < size:
        text += line
    return text.encode()


def wait_for(pred, timeout=15.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.02)
    raise RuntimeError(f"timed out waiting for {what}")


def write_users(top, count, vmail):
    lines = []
    for i in range(count):
        home = top / "home" / f"user{i}"
        home.mkdir(parents=True)
        os.chown(home, vmail.pw_uid, vmail.pw_gid)
        lines.append(f"user{i}@example.com:{{PLAIN}}pw:{vmail.pw_uid}:{vmail.pw_gid}::{home}::")
    users = top / "users"
    users.write_text("\n".join(lines) + "\n")
    os.chmod(users, 0o644)
    return users


class Server:
    def __init__(self, name, top, socket_path, proc):
        self.name, self.top, self.socket, self.proc = name, top, socket_path, proc

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_roost(build_dir, top, users, extra):
    libexec = top / "libexec"
    libexec.mkdir()
    for name, sub in (("auth", "auth"), ("anvil", "anvil"), ("lmtp", "lmtp")):
        (libexec / name).symlink_to(os.path.join(build_dir, "src", sub, name))
    run = top / "run"
    conf = top / "roost.conf"
    conf.write_text(f"""\
base_dir = {run}
libexec_dir = {libexec}
log_path = {top}/roost.log
listen = 127.0.0.1
protocols = lmtp
mail_location = maildir:~/Maildir
first_valid_uid = 100
passdb {{
  driver = passwd-file
  args = {users}
}}
userdb {{
  driver = passwd-file
  args = {users}
}}
{extra}
""")
    proc = subprocess.Popen([os.path.join(build_dir, "src", "master", "roost"), "-F", "-c",
                             str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    sock = run / "lmtp"
    wait_for(lambda: sock.exists() and (run / "auth-userdb").exists() or
             proc.poll() is not None, what="roost's lmtp socket")
    if proc.poll() is not None:
        raise RuntimeError("roost exited: " + proc.stderr.read().decode())
    return Server("roost", top, sock, proc)


def start_dovecot(top, users, extra):
    run = top / "run"
    conf = top / "dovecot.conf"
    conf.write_text(f"""\
base_dir = {run}
state_dir = {top}/state
log_path = {top}/dovecot.log
protocols = lmtp
listen = 127.0.0.1
ssl = no
mail_location = maildir:~/Maildir
first_valid_uid = 100
passdb {{
  driver = passwd-file
  args = {users}
}}
userdb {{
  driver = passwd-file
  args = {users}
}}
service lmtp {{
  unix_listener lmtp {{
    mode = 0666
  }}
}}
{extra}
""")
    (top / "state").mkdir()
    proc = subprocess.Popen([DOVECOT, "-F", "-c", str(conf)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    sock = run / "lmtp"
    wait_for(lambda: sock.exists() or proc.poll() is not None, what="dovecot's lmtp socket")
    if proc.poll() is not None:
        raise RuntimeError("dovecot exited: " + proc.stderr.read().decode())
    return Server("dovecot", top, sock, proc)


def run_clients(sock, clients, seconds, data, same_user, rcpt_of=None):
    """rcpt_of(i): the recipient of session i (default userN@example.com)."""
    counts = [0] * clients
    errors = []
    start = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def client(i):
        if rcpt_of is not None:
            rcpt = rcpt_of(i)
        else:
            rcpt = "user0@example.com" if same_user else f"user{i}@example.com"
        try:
            c = smtplib.LMTP(str(sock), timeout=60)
            c.ehlo("bench.example")
            start.wait()
            while time.monotonic() < stop_at[0]:
                refused = c.sendmail("bench@example.org", [rcpt], data)
                if refused:
                    raise RuntimeError(f"refused: {refused}")
                counts[i] += 1
            c.quit()
        except Exception as e:  # report, never hang the barrier
            errors.append(f"client {i}: {e!r}")
            start.abort()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    stop_at[0] = time.monotonic() + 1e9
    start.wait()
    t0 = time.monotonic()
    stop_at[0] = t0 + seconds
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    if errors:
        raise RuntimeError("; ".join(errors))
    return sum(counts), elapsed


def count_files(top, users):
    n = 0
    for i in range(users):
        new = top / "home" / f"user{i}" / "Maildir" / "new"
        if new.exists():
            n += len(os.listdir(new))
    return n


def bench(kind, args, size):
    vmail = pwd.getpwnam("vmail")
    top = tempfile.mkdtemp(prefix=f"lmtp-bench-{kind}-", dir=args.dir)
    os.chmod(top, 0o755)
    import pathlib
    top = pathlib.Path(top)
    nusers = 1 if args.same_user else args.clients
    users = write_users(top, nusers, vmail)
    server = None
    try:
        if kind == "roost":
            server = start_roost(args.build_dir, top, users, args.roost_extra)
        else:
            server = start_dovecot(top, users, args.dovecot_extra)
        data = message(size)
        # warm-up: creates the Maildirs and indexes outside the measurement
        run_clients(server.socket, args.clients, 0.5, data, args.same_user)
        before = count_files(top, nusers)
        count, elapsed = run_clients(server.socket, args.clients, args.seconds, data,
                                     args.same_user)
        on_disk = count_files(top, nusers) - before
        if on_disk != count:
            raise RuntimeError(f"{kind}: {count} acknowledged but {on_disk} new files")
        return count / elapsed
    finally:
        if server is not None:
            server.stop()
        if not args.keep:
            shutil.rmtree(top, ignore_errors=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--build-dir", default="build-w")
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--sizes", default="4096,102400")
    p.add_argument("--same-user", action="store_true",
                   help="every session delivers to the same user (one mailbox)")
    p.add_argument("--only", choices=["roost", "dovecot"])
    p.add_argument("--roost-extra", default="", help="config lines added for Roost")
    p.add_argument("--dovecot-extra", default="", help="config lines added for Dovecot")
    p.add_argument("--dir", default=None, help="where the Maildirs go (default: $TMPDIR)")
    p.add_argument("--keep", action="store_true")
    args = p.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root")
    args.build_dir = os.path.abspath(args.build_dir)
    kinds = ["roost", "dovecot"] if args.only is None else [args.only]
    if "dovecot" in kinds and not os.path.exists(DOVECOT_LMTP):
        print("Dovecot's lmtp is not installed (apt-get install dovecot-lmtpd): "
              "measuring Roost only")
        kinds.remove("dovecot")
    print(f"{args.clients} parallel LMTP sessions, {args.seconds:g} s each, "
          f"{'one user' if args.same_user else 'one user per session'}, fsync on")
    for size in [int(s) for s in args.sizes.split(",")]:
        rates = {}
        for kind in kinds:
            rates[kind] = bench(kind, args, size)
            print(f"  {size // 1024:>4} KB  {kind:8} {rates[kind]:8.1f} messages/s", flush=True)
        if len(rates) == 2:
            print(f"  {size // 1024:>4} KB  roost/dovecot = {rates['roost'] / rates['dovecot']:.2f}")


if __name__ == "__main__":
    main()
