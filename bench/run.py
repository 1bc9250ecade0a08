#!/usr/bin/python3
"""Roost's benchmark suite: Roost against Debian's Dovecot 2.3 and Cyrus 3.6.

Not part of the test suite (tests/run-all.sh never runs it). Run as root from
the repository, after building:

    python3 bench/run.py -b build-w [--quick] [--only WORKLOAD] [--dir DIR]

Every server runs privately: its own configuration, base directory, mail
directories, high loopback ports and unix sockets under one temporary
directory (default under /var/tmp: a real disk, so fsync means something).
The system's own daemons and configuration are never used. Cyrus is measured
when the Debian package cyrus-imapd (and sasl2-bin for its password file) is
installed; doc/benchmarks.md says how to install it without starting it.

Workloads (--only takes one of these names, or a comma-separated list):
  imaps-logins  N parallel clients: TLS handshake, LOGIN, LOGOUT, for T s;
                logins/s and server CPU ms per login (from /proc)
  lmtp          durable deliveries/s, 8 LMTP sessions, 4 KB and 100 KB
  select        SELECT of the 20k mailbox in a fresh session, warm, median
  fetch, search, sort
                commands on the 20k (and, in full mode, 100k) mailbox
  idle-memory   PSS of the server's processes per idle IMAPS connection
  idle-push     delay from LMTP's final 250 to "* n EXISTS" in IDLE

The table at the end gives each figure, the ratio of Roost's to the best
peer's, the project's target and PASS/FAIL. doc/benchmarks.md explains the
configurations and the figures measured.
"""
import argparse
import email.utils
import json
import multiprocessing
import os
import pathlib
import pwd
import random
import re
import resource
import shutil
import signal
import smtplib
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lmtp_bench  # noqa: E402  (message() and run_clients() of the LMTP bench)

PASSWORD = "bench-pw"
DOMAIN = "example.com"
DOVECOT = "/usr/sbin/dovecot"
CYRUS_BIN = "/usr/lib/cyrus/bin"  # master, lmtpd, ctl_cyrusdb: package cyrus-common
CYRUS_MASTER = CYRUS_BIN + "/master"
# imapd and idled come in cyrus-imapd, which conflicts with dovecot-imapd: it is
# unpacked here instead of installed (doc/benchmarks.md)
CYRUS_IMAPD_DIRS = [CYRUS_BIN, "/opt/roost-bench/cyrus-imapd/usr/lib/cyrus/bin"]
SASLPASSWD2 = "/usr/sbin/saslpasswd2"
EATMYDATA = "/usr/lib/x86_64-linux-gnu/libeatmydata.so"
SMALL_USERS = [f"user{i}" for i in range(20)]   # logins and idle sessions
SMALL_MESSAGES = 100
LMTP_USERS = [f"lmtp{i}" for i in range(8)]
PUSH_USER = "push"
WORKLOADS = ["imaps-logins", "lmtp", "select", "fetch", "search", "sort", "idle-memory",
             "idle-push"]
CLK_TCK = os.sysconf("SC_CLK_TCK")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(pred, timeout=30.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.05)
    raise RuntimeError(f"timed out waiting for {what}")


# ---------------------------------------------------------------- /proc

def process_tree(root_pid):
    parent = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parent[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                pass
    tree, todo = [], [root_pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        todo.extend(c for c, pp in parent.items() if pp == p)
    return tree


def start_time(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[19])
    except OSError:
        return None


def tree_cpu_seconds(root_pid):
    """CPU of every process of the tree, living ones and reaped ones (their
    time is in their parent's cutime/cstime)."""
    total = 0
    for p in process_tree(root_pid):
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
    return total / CLK_TCK


def tree_pss_kib(root_pid):
    total, count = 0, 0
    for p in process_tree(root_pid):
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        count += 1
                        break
        except OSError:
            pass
    return total, count


# ---------------------------------------------------------------- mail data

WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike "
         "november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee "
         "zulu meeting report invoice budget travel review draft urgent weekly notes").split()
NAMES = ["Ann Smith", "Bob Jones", "Carla Diaz", "Dmitri Ivanov", "Eve Martin", "Fumiko Sato",
         "Gus Olsen", "Hana Novak", "Ivo Petrov", "Jan de Vries"]
BODY_LINES = []
_r = random.Random(1)
for _ in range(1000):
    BODY_LINES.append(" ".join(_r.choice(WORDS) for _ in range(11)) + "\r\n")
SUBJECT_NEEDLE = "quasar"     # in 1 % of the subjects
BODY_NEEDLE = "nebulous"      # in 1 % of the bodies
BASE_DATE = 1577836800        # 2020-01-01


def bench_message(i, user):
    """A deterministic, varied message (0.8 to 6 KB); returns (bytes, date)."""
    r = random.Random(i)
    subject = " ".join(r.choice(WORDS) for _ in range(r.randint(2, 6)))
    if i % 100 == 7:
        subject += " " + SUBJECT_NEEDLE
    if i % 10 == 3:
        subject = "Re: " + subject
    date = BASE_DATE + r.randrange(0, 3 * 365 * 86400)
    name = r.choice(NAMES)
    sender = f"{name} <{name.split()[0].lower()}{r.randint(1, 99)}@example.org>"
    lines = r.choices(BODY_LINES, k=r.randint(10, 80))
    if i % 100 == 42:
        lines.insert(len(lines) // 2, f"the {BODY_NEEDLE} part\r\n")
    head = (f"From: {sender}\r\nTo: {user}@{DOMAIN}\r\nSubject: {subject}\r\n"
            f"Date: {email.utils.formatdate(date)}\r\nMessage-ID: <{i}.{user}@bench>\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n")
    return (head + "".join(lines)).encode(), date


def fill_maildir(mail_root, user, count):
    md = mail_root / user / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (md / sub).mkdir(parents=True, exist_ok=True)
    for i in range(count):
        data, date = bench_message(i, user)
        flags = "S" if i % 5 else ""
        path = md / "cur" / f"{date}.M{i}P1.bench,S={len(data)}:2,{flags}"
        with open(path, "wb") as f:
            f.write(data)
        os.utime(path, (date, date))


def build_mail_root(mail_root, big_sizes):
    """Maildirs of every user for Roost (Dovecot gets a copy)."""
    mail_root.mkdir(parents=True)
    for u in SMALL_USERS:
        fill_maildir(mail_root, u, SMALL_MESSAGES)
    for u in LMTP_USERS + [PUSH_USER]:
        fill_maildir(mail_root, u, 0)
    for n in big_sizes:
        t0 = time.monotonic()
        fill_maildir(mail_root, f"big{n // 1000}k", n)
        log(f"  Maildir of {n} messages written in {time.monotonic() - t0:.1f} s")
    v = pwd.getpwnam("vmail")
    subprocess.run(["chown", "-R", f"{v.pw_uid}:{v.pw_gid}", str(mail_root)], check=True)


def users_of(big_sizes):
    return SMALL_USERS + LMTP_USERS + [PUSH_USER] + [f"big{n // 1000}k" for n in big_sizes]


# ---------------------------------------------------------------- IMAP client

class Imap:
    def __init__(self, port, tls=False, timeout=600):
        s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        if tls:
            s = tls_context().wrap_socket(s)
        self.sock = s
        self.buf = bytearray()
        self.n = 0
        self.greeting = self.read_line()

    def read_line(self):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line = bytes(self.buf[:i])
                del self.buf[:i + 2]
                return line
            data = self.sock.recv(65536)
            if not data:
                raise RuntimeError("connection closed")
            self.buf += data

    def command(self, text):
        """Sends one command, returns (response bytes, seconds to the tagged line)."""
        self.n += 1
        tag = b"T%d" % self.n
        t0 = time.perf_counter()
        self.sock.sendall(tag + b" " + text.encode() + b"\r\n")
        buf = self.buf
        pat = b"\r\n" + tag + b" "
        pos = 0
        while True:
            if buf.startswith(tag + b" "):
                i = -2
            else:
                i = buf.find(pat, pos)
            if i != -1:
                end = buf.find(b"\r\n", i + 2)
                if end >= 0:
                    elapsed = time.perf_counter() - t0
                    out = bytes(buf[:end + 2])
                    self.buf = bytearray(buf[end + 2:])
                    status = out[i + 2 + len(tag) + 1:end].split(b" ", 1)[0]
                    if status != b"OK":
                        raise RuntimeError(f"{text[:60]!r}: {out[-300:]!r}")
                    return out, elapsed
            else:
                pos = max(0, len(buf) - len(pat))
            data = self.sock.recv(1 << 20)
            if not data:
                raise RuntimeError(f"connection closed during {text[:60]!r}")
            buf += data

    def login(self, user):
        return self.command(f"LOGIN {user} {PASSWORD}")[0]

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


_tls_ctx = None


def tls_context():
    """The same client TLS for every server: TLS 1.3 (TLS_AES_256_GCM_SHA384,
    X25519 with OpenSSL 3's defaults), no session resumption."""
    global _tls_ctx
    if _tls_ctx is None:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        _tls_ctx = ctx
    return _tls_ctx


# ---------------------------------------------------------------- servers

class Server:
    name = "?"
    proc = None

    def __init__(self, ctx, top, label):
        self.ctx = ctx
        self.top = top
        self.label = label
        self.imap_port = free_port()
        self.imaps_port = free_port()
        top.mkdir(parents=True)
        os.chmod(top, 0o755)

    @property
    def pid(self):
        return self.proc.pid

    def stop(self):
        """SIGTERM to the master; what is left after 20 s (Cyrus's master
        can spin on SIGTERM) is killed, master and children by pid."""
        if self.proc is None or self.proc.poll() is not None:
            return
        tree = [(p, start_time(p)) for p in process_tree(self.proc.pid)]
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        time.sleep(0.2)
        for p, started in tree[1:]:
            try:
                if started is not None and start_time(p) == started:  # not a reused pid
                    os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def wait_port(self, port):
        def up():
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.label} exited: {self.stderr_text()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return True
            except OSError:
                return False
        wait_for(up, 60, f"{self.label} on port {port}")

    def stderr_text(self):
        try:
            return self.proc.stderr.read().decode(errors="replace")[-2000:]
        except Exception:
            return ""

    def rcpt(self, user):
        return f"{user}@{DOMAIN}"

    def count_delivered(self, user):
        new = self.mail / user / "Maildir" / "new"
        cur = self.mail / user / "Maildir" / "cur"
        return sum(len(os.listdir(d)) for d in (new, cur) if d.exists())


def passwd_file(path, users, vmail):
    path.write_text("".join(f"{u}:{{PLAIN}}{PASSWORD}:{vmail.pw_uid}:{vmail.pw_gid}::"
                            f"%HOME%/{u}::\n" for u in users))


class Roost(Server):
    name = "roost"

    def __init__(self, ctx, top, mode, mail_src):
        super().__init__(ctx, top, f"roost ({mode})")
        self.mode = mode
        b = ctx.build
        libexec = top / "libexec"
        libexec.mkdir()
        for prog in ("auth", "anvil", "imap-login", "imap", "lmtp"):
            (libexec / prog).symlink_to(b / "src" / prog / prog)
        self.mail = top / "mail"
        copy_mail(mail_src, self.mail)
        v = pwd.getpwnam("vmail")
        users = top / "users"
        users.write_text(ctx.users_text.replace("%HOME%", str(self.mail)))
        limit = ctx.max_conns + 64
        if mode == "shared":
            login = ("  service_count = 0\n  process_min_avail = 2\n"
                     f"  client_limit = {limit}\n")
            imap = f"  client_limit = {limit}\n  service_count = 0\n"
        else:
            login = ""
            imap = ""
        self.conf = top / "roost.conf"
        self.conf.write_text(f"""\
base_dir = {top}/run
libexec_dir = {libexec}
log_path = {top}/roost.log
listen = 127.0.0.1
protocols = imap lmtp
mail_location = maildir:~/Maildir
first_valid_uid = 100
ssl = yes
ssl_cert = <{ctx.cert}
ssl_key = <{ctx.key}
auth_mechanisms = plain
mail_max_userip_connections = 0
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%n {users}
}}
userdb {{
  driver = passwd-file
  args = username_format=%n {users}
}}
service imap-login {{
  inet_listener imap {{
    port = {self.imap_port}
  }}
  inet_listener imaps {{
    port = {self.imaps_port}
    ssl = yes
  }}
  process_limit = {limit}
{login}}}
service imap {{
  process_limit = {limit}
{imap}}}
service anvil {{
  client_limit = {2 * limit + 100}
}}
service auth {{
  client_limit = {2 * limit + 100}
}}
""")
        self.proc = subprocess.Popen([str(b / "src" / "master" / "roost"), "-F", "-c",
                                      str(self.conf)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        self.lmtp = top / "run" / "lmtp"
        self.wait_port(self.imaps_port)
        wait_for(lambda: self.lmtp.exists(), 30, "roost's lmtp socket")


class Dovecot(Server):
    name = "dovecot"

    def __init__(self, ctx, top, mode, mail_src):
        super().__init__(ctx, top, f"dovecot ({mode})")
        self.mode = mode
        self.mail = top / "mail"
        copy_mail(mail_src, self.mail)
        users = top / "users"
        users.write_text(ctx.users_text.replace("%HOME%", str(self.mail)))
        limit = ctx.max_conns + 64
        login = ("  service_count = 0\n  process_min_avail = 2\n"
                 f"  client_limit = {limit}\n") if mode == "performance" else ""
        (top / "state").mkdir()
        self.conf = top / "dovecot.conf"
        self.conf.write_text(f"""\
base_dir = {top}/run
state_dir = {top}/state
log_path = {top}/dovecot.log
protocols = imap lmtp
listen = 127.0.0.1
ssl = yes
ssl_cert = <{ctx.cert}
ssl_key = <{ctx.key}
disable_plaintext_auth = no
auth_mechanisms = plain
mail_location = maildir:~/Maildir
first_valid_uid = 100
default_process_limit = {limit}
default_client_limit = {4 * limit}
protocol imap {{
  mail_max_userip_connections = 100000
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%n {users}
}}
userdb {{
  driver = passwd-file
  args = username_format=%n {users}
}}
service imap-login {{
  inet_listener imap {{
    port = {self.imap_port}
  }}
  inet_listener imaps {{
    port = {self.imaps_port}
    ssl = yes
  }}
{login}}}
service lmtp {{
  unix_listener lmtp {{
    mode = 0666
  }}
}}
""")
        self.proc = subprocess.Popen([DOVECOT, "-F", "-c", str(self.conf)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.lmtp = top / "run" / "lmtp"
        self.wait_port(self.imaps_port)
        wait_for(lambda: self.lmtp.exists(), 30, "dovecot's lmtp socket")


def copy_mail(src, dst):
    if src is None:
        return
    subprocess.run(["cp", "-a", str(src), str(dst)], check=True)


class Cyrus(Server):
    """Cyrus 3.6 from Debian: its master with a private imapd.conf and
    cyrus.conf; users in a private sasldb; mailboxes created by the admin
    and filled through its LMTP."""
    name = "cyrus"

    def __init__(self, ctx, top):
        super().__init__(ctx, top, "cyrus")
        cy = pwd.getpwnam("cyrus")
        for d in ("config", "spool", "socket", "proc", "lock", "tls"):
            (top / d).mkdir()
        shutil.copy(ctx.cert, top / "tls" / "cert.pem")
        shutil.copy(ctx.key, top / "tls" / "key.pem")
        self.sasldb = top / "config" / "sasldb2"
        for u in ["cyrus"] + ctx.all_users:
            subprocess.run([SASLPASSWD2, "-p", "-c", "-f", str(self.sasldb), "-u", "localhost",
                            u], input=PASSWORD.encode(), check=True)
        self.lmtp = top / "socket" / "lmtp"
        self.imapd_conf = top / "imapd.conf"
        self.imapd_conf.write_text(f"""\
configdirectory: {top}/config
defaultpartition: default
partition-default: {top}/spool
servername: localhost
admins: cyrus
altnamespace: no
unixhierarchysep: no
virtdomains: userid
defaultdomain: {DOMAIN}
hashimapspool: true
lmtp_downcase_rcpt: yes
allowplaintext: yes
sasl_pwcheck_method: auxprop
sasl_auxprop_plugin: sasldb
sasl_sasldb_path: {self.sasldb}
sasl_mech_list: PLAIN
tls_server_cert: {top}/tls/cert.pem
tls_server_key: {top}/tls/key.pem
tls_sessions_db_path: {top}/config/tls_sessions.db
lmtpsocket: {self.lmtp}
idlesocket: {top}/socket/idle
notifysocket: {top}/socket/notify
proc_path: {top}/proc
mboxname_lockpath: {top}/lock
syslog_prefix: cyrus-bench
maxlogins_per_user: 0
duplicatesuppression: 0
umask: 077
""")
        limit = ctx.max_conns + 64
        c = self.imapd_conf
        imapd_dir = ctx.cyrus_imapd_dir
        self.cyrus_conf = top / "cyrus.conf"
        self.cyrus_conf.write_text(f"""\
START {{
  recover cmd="/usr/lib/cyrus/bin/ctl_cyrusdb -C {c} -r"
}}
SERVICES {{
  imap cmd="{imapd_dir}/imapd -C {c}" listen="127.0.0.1:{self.imap_port}" prefork=2 maxchild={limit}
  imaps cmd="{imapd_dir}/imapd -C {c} -s" listen="127.0.0.1:{self.imaps_port}" prefork=2 maxchild={limit}
  lmtpunix cmd="/usr/lib/cyrus/bin/lmtpd -C {c}" listen="{self.lmtp}" prefork=1 maxchild=50
}}
EVENTS {{
  checkpoint cmd="/usr/lib/cyrus/bin/ctl_cyrusdb -C {c} -c" period=30
}}
DAEMON {{
  idled cmd="{imapd_dir}/idled -C {c}"
}}
""")
        subprocess.run(["chown", "-R", f"{cy.pw_uid}:{cy.pw_gid}", str(top)], check=True)
        self.launch(fast=True)
        adm = Imap(self.imap_port)
        adm.login("cyrus")
        for u in ctx.all_users:
            adm.command(f"CREATE user.{u}")
        adm.command("LOGOUT")
        adm.close()

    def launch(self, fast=False):
        """fast: fsync turned into a no-op (libeatmydata) while the mailboxes
        are filled; every measurement runs on a restart without it."""
        env = dict(os.environ)
        if fast and os.path.exists(EATMYDATA):
            env["LD_PRELOAD"] = EATMYDATA
        self.proc = subprocess.Popen([CYRUS_MASTER, "-C", str(self.imapd_conf), "-M",
                                      str(self.cyrus_conf), "-p", str(self.top / "master.pid")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        self.wait_port(self.imaps_port)
        wait_for(lambda: self.lmtp.exists(), 30, "cyrus's lmtp socket")

    def restart(self):
        self.stop()
        self.lmtp.unlink(missing_ok=True)
        self.launch()

    def count_delivered(self, user):
        # Cyrus 3.6 keeps mailboxes in directories named by UUID: ask it
        c = Imap(self.imap_port)
        c.login(user)
        out, _ = c.command("STATUS INBOX (MESSAGES)")
        c.command("LOGOUT")
        c.close()
        return int(re.search(rb"MESSAGES (\d+)", out).group(1))

    def fill(self, jobs, sessions=8):
        """Delivers the messages the Maildirs hold through LMTP; jobs:
        [(user, count)]."""
        work = [(u, i) for u, n in jobs for i in range(n)]
        errors = []
        lock = threading.Lock()

        def worker():
            try:
                c = smtplib.LMTP(str(self.lmtp), timeout=120)
                c.ehlo("bench.example")
                while not errors:
                    with lock:
                        if not work:
                            break
                        user, i = work.pop(0) if len(work) < 64 else work.pop()
                    data, _ = bench_message(i, user)
                    c.sendmail(f"bench@{DOMAIN}", [self.rcpt(user)], data)
                c.quit()
            except Exception as e:
                errors.append(repr(e))
        work.reverse()  # popped from the end: in order
        threads = [threading.Thread(target=worker) for k in range(sessions)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise RuntimeError(f"cyrus fill: {errors[0]}")


# ---------------------------------------------------------------- results

class Results:
    def __init__(self):
        self.rows = []

    def add(self, workload, values, unit, target=None, better="higher", absolute=False,
            note=""):
        """values: {server: number or None}; target: a ratio (Roost / best
        peer) or, when absolute, a bound on Roost's own figure."""
        self.rows.append(dict(workload=workload, values=values, unit=unit, target=target,
                              better=better, absolute=absolute, note=note))
        self.print_row(self.rows[-1], sys.stderr)

    @staticmethod
    def verdict(row):
        v = row["values"]
        roost = v.get("roost")
        peers = [x for k, x in v.items() if k != "roost" and x is not None]
        ratio = None
        if roost is not None and peers:
            best = max(peers) if row["better"] == "higher" else min(peers)
            if best > 0:
                ratio = roost / best
        if row["target"] is None:
            return ratio, "", "-"
        t = row["target"]
        x = roost if row["absolute"] else ratio
        sign = ">=" if row["better"] == "higher" else "<="
        tstr = f"{sign} {t:g}{' ' + row['unit'] if row['absolute'] else 'x peer'}"
        if x is None:
            return ratio, tstr, "n/a"
        ok = x >= t if row["better"] == "higher" else x <= t
        return ratio, tstr, "PASS" if ok else "FAIL"

    def print_row(self, row, f=sys.stdout):
        ratio, tstr, verdict = self.verdict(row)

        def fmt(x):
            if x is None:
                return "n/a"
            return f"{x:.3g}" if abs(x) < 100 else f"{x:.0f}"
        v = row["values"]
        print(f"{row['workload']:<48} {fmt(v.get('roost')):>9} {fmt(v.get('dovecot')):>9} "
              f"{fmt(v.get('cyrus')):>9} {('%.2f' % ratio) if ratio else '-':>6}  "
              f"{row['unit']:<10} {tstr:<16} {verdict}", file=f, flush=True)

    def table(self):
        print(f"{'workload':<48} {'Roost':>9} {'Dovecot':>9} {'Cyrus':>9} {'ratio':>6}  "
              f"{'unit':<10} {'target':<16} verdict")
        for r in self.rows:
            self.print_row(r)
        print("ratio = Roost / best peer (for times and memory lower is better)")


# ---------------------------------------------------------------- workloads

def login_worker(port, deadline, start_at, q):
    ctx = tls_context()
    n = 0
    while time.time() < start_at:
        time.sleep(0.001)
    try:
        while time.time() < deadline:
            s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=30))
            f = s.makefile("rb")
            f.readline()
            user = SMALL_USERS[n % len(SMALL_USERS)]
            s.sendall(f"a LOGIN {user} {PASSWORD}\r\n".encode())
            while True:
                line = f.readline()
                if not line:
                    raise RuntimeError("closed during LOGIN")
                if line.startswith(b"a "):
                    if not line.startswith(b"a OK"):
                        raise RuntimeError(line)
                    break
            s.sendall(b"b LOGOUT\r\n")
            while True:
                line = f.readline()
                if not line or line.startswith(b"b "):
                    break
            f.close()
            s.close()
            if time.time() <= deadline:
                n += 1
        q.put((n, None))
    except Exception as e:
        q.put((n, repr(e)))


def imaps_logins(server, clients, seconds):
    mp = multiprocessing.get_context("fork")
    # warm-up: the first logins start processes and fill caches
    probe = Imap(server.imaps_port, tls=True)
    cipher = probe.sock.cipher()
    probe.login(SMALL_USERS[0])
    probe.close()
    q = mp.Queue()
    start_at = time.time() + 0.5
    deadline = start_at + seconds
    procs = [mp.Process(target=login_worker, args=(server.imaps_port, deadline, start_at, q))
             for _ in range(clients)]
    for p in procs:
        p.start()
    while time.time() < start_at:
        time.sleep(0.001)
    cpu0 = tree_cpu_seconds(server.pid)
    total, errors = 0, []
    for _ in procs:
        n, err = q.get()
        total += n
        if err:
            errors.append(err)
    cpu1 = tree_cpu_seconds(server.pid)
    for p in procs:
        p.join()
    if errors:
        log(f"  {server.label}: {len(errors)} client errors, first: {errors[0]}")
    rate = total / seconds
    cpu_ms = 1000 * (cpu1 - cpu0) / total if total else None
    log(f"  {server.label}: {total} logins in {seconds} s, {cipher[0]}, "
        f"server CPU {cpu1 - cpu0:.2f} s")
    return rate, cpu_ms


def lmtp_rate(server, size, seconds):
    data = lmtp_bench.message(size)
    fmt = lambda i: server.rcpt(LMTP_USERS[i])  # noqa: E731
    lmtp_bench.run_clients(server.lmtp, 8, 0.5, data, False, rcpt_of=fmt)
    before = sum(server.count_delivered(u) for u in LMTP_USERS)
    count, elapsed = lmtp_bench.run_clients(server.lmtp, 8, seconds, data, False, rcpt_of=fmt)
    after = sum(server.count_delivered(u) for u in LMTP_USERS)
    if after - before != count:
        raise RuntimeError(f"{server.label}: {count} acknowledged but {after - before} "
                           "new files")
    return count / elapsed


def select_ms(server, user, runs):
    times = []
    for k in range(runs + 1):
        c = Imap(server.imap_port)
        c.login(user)
        out, t = c.command("SELECT INBOX")
        c.command("LOGOUT")
        c.close()
        if k:  # the first one is the warm-up
            times.append(1000 * t)
    return statistics.median(times)


def mailbox_commands(kind):
    if kind == "fetch":
        return [("FETCH flags/date/size/envelope",
                 "FETCH 1:* (FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)"),
                ("FETCH header fields",
                 "FETCH 1:* BODY.PEEK[HEADER.FIELDS (FROM TO SUBJECT DATE)]")]
    if kind == "search":
        return [("SEARCH SUBJECT", f"SEARCH SUBJECT {SUBJECT_NEEDLE}"),
                ("SEARCH BODY", f"SEARCH BODY {BODY_NEEDLE}")]
    return [("SORT (DATE)", "SORT (DATE) UTF-8 ALL"),
            ("SORT (SUBJECT)", "SORT (SUBJECT) UTF-8 ALL")]


def answer_size(out, cmd):
    if cmd.startswith("SEARCH") or cmd.startswith("SORT"):
        m = re.search(rb"\* (?:SEARCH|SORT)([ 0-9]*)\r\n", out)
        return len(m.group(1).split()) if m else -1
    return out.count(b" FETCH (")


def mailbox_command_ms(server, user, cmd, runs):
    c = Imap(server.imap_port)
    c.login(user)
    caps = c.command("CAPABILITY")[0]
    if cmd.startswith("SORT") and not re.search(rb"\bSORT\b", caps):
        c.close()
        return None, None
    c.command("SELECT INBOX")
    out, _ = c.command(cmd)  # warm-up: indexes and caches built
    times = []
    for _ in range(runs):
        out, t = c.command(cmd)
        times.append(1000 * t)
    c.command("LOGOUT")
    c.close()
    return statistics.median(times), answer_size(out, cmd)


def idle_memory(server, n_small, n):
    sessions = []
    points = {}
    try:
        for target in (n_small, n):
            while len(sessions) < target:
                c = Imap(server.imaps_port, tls=True, timeout=60)
                c.login(SMALL_USERS[len(sessions) % len(SMALL_USERS)])
                c.command("SELECT INBOX")
                sessions.append(c)
            time.sleep(1.5)
            points[target] = tree_pss_kib(server.pid)
    finally:
        for c in sessions:
            c.close()
    (p0, c0), (p1, c1) = points[n_small], points[n]
    log(f"  {server.label}: {c0} processes, PSS {p0} KiB at {n_small}; {c1} processes, "
        f"{p1} KiB at {n}")
    return (p1 - p0) / (n - n_small)


def idle_push_ms(server, runs):
    c = Imap(server.imap_port)
    c.login(PUSH_USER)
    c.command("SELECT INBOX")
    lines = []
    cond = threading.Condition()

    def reader():
        try:
            while True:
                line = c.read_line()
                with cond:
                    lines.append((time.perf_counter(), line))
                    cond.notify_all()
        except Exception:
            with cond:
                lines.append((time.perf_counter(), None))
                cond.notify_all()

    def wait_line(pred, timeout=120):
        deadline = time.monotonic() + timeout
        with cond:
            while True:
                for k, (t, line) in enumerate(lines):
                    if line is None:
                        raise RuntimeError("connection closed in IDLE")
                    if pred(line):
                        del lines[:k + 1]
                        return t
                if not cond.wait(max(0.0, deadline - time.monotonic())):
                    raise RuntimeError(f"{server.label}: nothing in {timeout} s of IDLE")

    th = threading.Thread(target=reader, daemon=True)
    th.start()
    data = lmtp_bench.message(4096)
    lat = []
    lm = smtplib.LMTP(str(server.lmtp), timeout=60)
    lm.ehlo("bench.example")
    try:
        for k in range(runs):
            c.sock.sendall(b"i IDLE\r\n")
            wait_line(lambda ln: ln.startswith(b"+"))
            time.sleep(0.3)
            lm.sendmail(f"bench@{DOMAIN}", [server.rcpt(PUSH_USER)], data)
            t250 = time.perf_counter()
            t = wait_line(lambda ln: ln.startswith(b"* ") and ln.endswith(b" EXISTS"))
            lat.append(1000 * (t - t250))
            if lat[-1] > 5000:
                log(f"  {server.label}: {lat[-1] / 1000:.0f} s: a poll, not a push; one run")
                break
            c.sock.sendall(b"DONE\r\n")
            wait_line(lambda ln: ln.startswith(b"i "))
    finally:
        lm.quit()
        c.sock.shutdown(socket.SHUT_RDWR)
        c.close()
    log(f"  {server.label}: push latencies {', '.join('%.1f' % x for x in lat)} ms")
    return statistics.median(lat)


# ---------------------------------------------------------------- driver

class Ctx:
    pass


def make_cert(d):
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=localhost", "-keyout", str(d / "key.pem"), "-out",
                    str(d / "cert.pem")], check=True, capture_output=True)
    os.chmod(d / "key.pem", 0o644)  # private test key; login processes read it as root
    return d / "cert.pem", d / "key.pem"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-b", "--build", default=os.environ.get("ROOST_BUILD_DIR", "build-w"))
    ap.add_argument("--quick", action="store_true", help="a few minutes: 20k only, short runs")
    ap.add_argument("--only", help="comma-separated workloads: " + ", ".join(WORKLOADS))
    ap.add_argument("--sizes", help="mailbox sizes (default 20000 quick, 20000,100000 full)")
    ap.add_argument("--servers", default="roost,dovecot,cyrus")
    ap.add_argument("--dir", default="/var/tmp", help="where the private directories go")
    ap.add_argument("--keep", action="store_true", help="keep the private directories")
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root (the servers switch to their users)")
    only = WORKLOADS if not args.only else args.only.split(",")
    for w in only:
        if w not in WORKLOADS:
            sys.exit(f"unknown workload {w!r}; one of: {', '.join(WORKLOADS)}")
    quick = args.quick
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else \
        ([20000] if quick else [20000, 100000])
    need_big = any(w in only for w in ("select", "fetch", "search", "sort"))
    big = sizes if need_big else []
    if "select" in only and not need_big:
        big = [sizes[0]]
    servers = args.servers.split(",")
    cyrus_dirs = [d for d in CYRUS_IMAPD_DIRS if os.path.exists(d + "/imapd")]
    if "cyrus" in servers and not (os.path.exists(CYRUS_MASTER) and os.path.exists(SASLPASSWD2)
                                   and cyrus_dirs):
        log("Cyrus not installed (cyrus-common, sasl2-bin, cyrus-imapd unpacked in /opt/"
            "roost-bench: see doc/benchmarks.md): measuring Roost and Dovecot")
        servers.remove("cyrus")
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    ctx = Ctx()
    ctx.build = pathlib.Path(args.build).resolve()
    ctx.cyrus_imapd_dir = cyrus_dirs[0] if cyrus_dirs else None
    ctx.all_users = users_of(big)
    ctx.mem_n = (20, 100) if quick else (50, 400)
    ctx.max_conns = ctx.mem_n[1]
    v = pwd.getpwnam("vmail")
    ctx.users_text = "".join(f"{u}:{{PLAIN}}{PASSWORD}:{v.pw_uid}:{v.pw_gid}::%HOME%/{u}::\n"
                             for u in ctx.all_users)
    base = pathlib.Path(tempfile.mkdtemp(prefix="roost-bench-", dir=args.dir))
    os.chmod(base, 0o755)
    ctx.cert, ctx.key = make_cert(base)
    res = Results()
    running = []

    def start(cls, *a):
        t0 = time.monotonic()
        s = cls.__new__(cls)
        running.append(s)  # stopped at the end even when its start fails
        s.__init__(ctx, *a)
        log(f"started {s.label} in {time.monotonic() - t0:.1f} s")
        return s

    def stop(s):
        s.stop()
        running.remove(s)

    try:
        log(f"building mailboxes in {base}")
        mail_src = base / "maildirs"
        build_mail_root(mail_src, big)
        main_servers = {}
        if "roost" in servers:
            main_servers["roost"] = start(Roost, base / "roost", "default", mail_src)
        if "dovecot" in servers:
            main_servers["dovecot"] = start(Dovecot, base / "dovecot", "default", mail_src)
        if "cyrus" in servers:
            cy = main_servers["cyrus"] = start(Cyrus, base / "cyrus")
            t0 = time.monotonic()
            cy.fill([(u, SMALL_MESSAGES) for u in SMALL_USERS] +
                    [(f"big{n // 1000}k", n) for n in big])
            log(f"  cyrus mailboxes filled through LMTP in {time.monotonic() - t0:.0f} s")
            cy.restart()
        shutil.rmtree(mail_src)

        def each(fn, label_pick=None):
            out = {}
            for name in ("roost", "dovecot", "cyrus"):
                s = main_servers.get(name)
                try:
                    out[name] = fn(s) if s else None
                except Exception as e:
                    log(f"  {name}: {e}")
                    out[name] = None
            return out

        if "imaps-logins" in only:
            clients, secs = (8, 5) if quick else (16, 15)
            log(f"imaps-logins: {clients} clients, {secs} s")
            for mode, rmode, dmode in (("default", None, None),
                                       ("high-performance login", "shared", "performance")):
                srv = dict(main_servers)
                extra = []
                if rmode:
                    if "roost" in servers:
                        srv["roost"] = start(Roost, base / f"roost-{rmode}", rmode, None)
                        extra.append(srv["roost"])
                        setup_small(srv["roost"])
                    if "dovecot" in servers:
                        srv["dovecot"] = start(Dovecot, base / f"dovecot-{dmode}", dmode, None)
                        extra.append(srv["dovecot"])
                        setup_small(srv["dovecot"])
                rates, cpus = {}, {}
                for name in ("roost", "dovecot", "cyrus"):
                    s = srv.get(name)
                    if s is None:
                        continue
                    try:
                        rates[name], cpus[name] = imaps_logins(s, clients, secs)
                    except Exception as e:
                        log(f"  {name}: {e}")
                for s in extra:
                    stop(s)
                res.add(f"imaps-logins/s ({mode})", rates, "logins/s", 4.0)
                res.add(f"imaps CPU per login ({mode})", cpus, "ms", None, better="lower")

        if "lmtp" in only:
            secs = 4 if quick else 10
            for size in (4096, 102400):
                rates = each(lambda s: lmtp_rate(s, size, secs))
                res.add(f"lmtp deliveries/s, 8 sessions, {size // 1024} KB", rates, "msg/s",
                        2.0)

        if "select" in only:
            n = big[0]
            runs = 5 if quick else 11
            vals = each(lambda s: select_ms(s, f"big{n // 1000}k", runs))
            res.add(f"select-{n // 1000}k (fresh session, median)", vals, "ms", 5.0,
                    better="lower", absolute=True)

        for kind in ("fetch", "search", "sort"):
            if kind not in only:
                continue
            runs = 1 if quick else 3
            for label, cmd in mailbox_commands(kind):
                per_size = {}
                for n in big:
                    answers = {}

                    def one(s):
                        ms, size = mailbox_command_ms(s, f"big{n // 1000}k", cmd, runs)
                        answers[s.name] = size
                        return ms
                    vals = each(one)
                    per_size[n] = vals
                    got = {k: v for k, v in answers.items() if v is not None}
                    if len(set(got.values())) > 1:
                        log(f"  answers differ in size: {got}")
                    res.add(f"{label} {n // 1000}k", vals, "ms", 0.5, better="lower",
                            note=str(got))
                if len(big) > 1:
                    a, b = big[0], big[-1]
                    growth = {k: (per_size[b][k] / per_size[a][k]
                                  if per_size[a].get(k) and per_size[b].get(k) else None)
                              for k in ("roost", "dovecot", "cyrus")}
                    res.add(f"{label} growth {b // 1000}k/{a // 1000}k", growth, "x",
                            1.25 * b / a, better="lower", absolute=True)

        if "idle-memory" in only:
            n1, n = ctx.mem_n
            log(f"idle-memory: IMAPS sessions after SELECT of {SMALL_MESSAGES} messages, "
                f"({n} - {n1}) sessions")
            for mode, rmode, dmode in (("default", None, None),
                                       ("shared processes", "shared", "performance")):
                srv = dict(main_servers)
                extra = []
                if "cyrus" in srv:  # its processes of the earlier workloads stay
                    srv["cyrus"].restart()
                if rmode:
                    if "roost" in servers:
                        srv["roost"] = start(Roost, base / f"roost-m-{rmode}", rmode, None)
                        extra.append(srv["roost"])
                        setup_small(srv["roost"])
                    if "dovecot" in servers:
                        srv["dovecot"] = start(Dovecot, base / f"dovecot-m-{dmode}", dmode,
                                               None)
                        extra.append(srv["dovecot"])
                        setup_small(srv["dovecot"])
                vals = {}
                for name in ("roost", "dovecot", "cyrus"):
                    s = srv.get(name)
                    if s is None:
                        continue
                    try:
                        vals[name] = idle_memory(s, n1, n)
                    except Exception as e:
                        log(f"  {name}: {e}")
                for s in extra:
                    stop(s)
                label = ("default" if not rmode else
                         "shared processes / login service_count=0")
                res.add(f"idle IMAPS memory/conn ({label})", vals, "KiB", 64, better="lower",
                        absolute=True)

        if "idle-push" in only:
            runs = 5 if quick else 15
            vals = each(lambda s: idle_push_ms(s, runs))
            res.add("idle push after LMTP 250 (median)", vals, "ms", 50, better="lower",
                    absolute=True)
    finally:
        for s in list(running):
            s.stop()
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
        else:
            log(f"kept {base}")
    print()
    print(f"Roost benchmark, {time.strftime('%Y-%m-%d %H:%M')}, "
          f"{'quick' if quick else 'full'} mode, {os.cpu_count()} CPUs, "
          f"load {os.getloadavg()[0]:.2f}")
    res.table()
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res.rows, f, indent=1)
    return 0


def setup_small(server):
    """A login/memory-only instance: the small users' Maildirs."""
    server.mail.mkdir(exist_ok=True)
    for u in SMALL_USERS:
        fill_maildir(server.mail, u, SMALL_MESSAGES)
    v = pwd.getpwnam("vmail")
    subprocess.run(["chown", "-R", f"{v.pw_uid}:{v.pw_gid}", str(server.mail)], check=True)


if __name__ == "__main__":
    sys.exit(main())
