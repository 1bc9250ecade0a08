"""Shared fixtures: start a real `roost` master with a private configuration
on free loopback ports, talk to it over real sockets, and stop it leaving
nothing running."""
import os
import signal
import socket
import subprocess
import time

import pytest

BUILD_DIR = os.environ.get("ROOST_BUILD_DIR")


def build_path(*parts):
    if not BUILD_DIR:
        raise RuntimeError("ROOST_BUILD_DIR is not set: run the tests through tests/run-all.sh")
    return os.path.join(BUILD_DIR, *parts)


# Programs the master starts, and where the build puts them.
SERVICE_PROGRAMS = {
    "roost-test-echo": ("tests", "services"),
    "roost-test-tls": ("tests", "services"),
    "auth": ("src", "auth"),
    "anvil": ("src", "anvil"),
    "imap-login": ("src", "imap-login"),
    "pop3-login": ("src", "pop3-login"),
    "imap": ("src", "imap"),
    "pop3": ("src", "pop3"),
    "lmtp": ("src", "lmtp"),
}


def make_libexec(dir_path):
    """A libexec_dir like an installed one: symlinks to the built programs."""
    dir_path.mkdir(parents=True, exist_ok=True)
    for name, parts in SERVICE_PROGRAMS.items():
        target = build_path(*parts, name)
        link = dir_path / name
        if os.path.exists(target) and not link.exists():
            link.symlink_to(target)
    return dir_path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout=5.0, interval=0.02, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def children_of(pid):
    """Pids whose parent is pid."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            out.append(int(entry))
    return sorted(out)


def proc_uid(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("Uid:"):
                return int(line.split()[1])
    raise AssertionError("no Uid line")


class Roost:
    """One running master with its own base_dir, config and log."""

    def __init__(self, tmp_path, config_body, name="roost"):
        self.dir = tmp_path / name
        self.dir.mkdir(exist_ok=True)
        self.base_dir = self.dir / "run"
        self.log_path = self.dir / "roost.log"
        self.config_path = self.dir / "roost.conf"
        self.proc = None
        self.libexec_dir = make_libexec(self.dir / "libexec")
        self.write_config(config_body)

    def write_config(self, body):
        header = (
            f"base_dir = {self.base_dir}\n"
            f"libexec_dir = {self.libexec_dir}\n"
            f"log_path = {self.log_path}\n"
            "listen = 127.0.0.1\n"
        )
        self.config_path.write_text(header + body)

    def start(self, expect_ok=True):
        cmd = [build_path("src", "master", "roost"), "-F", "-c", str(self.config_path)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
        if expect_ok:
            wait_for(lambda: (self.base_dir / "master.pid").exists() or
                     self.proc.poll() is not None, what="master.pid")
            if self.proc.poll() is not None:
                raise AssertionError("roost exited: " + self.proc.stderr.read())
        return self

    def log(self):
        try:
            return self.log_path.read_text()
        except FileNotFoundError:
            return ""

    def wait_log(self, text, timeout=5.0):
        return wait_for(lambda: text in self.log(), timeout, what=f"log line {text!r}")

    def children(self):
        return children_of(self.proc.pid)

    def signal(self, signo):
        self.proc.send_signal(signo)

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        kids = self.children()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("roost did not stop on SIGTERM")
        for pid in kids:
            wait_for(lambda: not os.path.exists(f"/proc/{pid}") or
                     open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] == "Z",
                     what=f"child {pid} to exit")


# The users the built-in services run as when the master is root
# (default_internal_user, default_login_user) and the usual mail user.
SYSTEM_USERS = ("roost", "roostnull", "vmail")


@pytest.fixture(scope="session", autouse=True)
def system_users():
    """A fresh machine has none of them: create them once (tests run as root)."""
    import pwd
    if os.geteuid() != 0:
        return
    for name in SYSTEM_USERS:
        try:
            pwd.getpwnam(name)
        except KeyError:
            subprocess.run(["useradd", "--system", "--no-create-home", "--shell",
                            "/usr/sbin/nologin", name], check=True, timeout=60)


@pytest.fixture
def roost_factory(tmp_path):
    started = []

    def make(config_body, name="roost"):
        r = Roost(tmp_path, config_body, name)
        started.append(r)
        return r

    yield make
    for r in started:
        r.stop()


class LineClient:
    """A tiny line-based client for the echo test service."""

    def __init__(self, sock):
        self.sock = sock
        self.sock.settimeout(5)
        self.buf = b""

    @classmethod
    def tcp(cls, port, host="127.0.0.1"):
        return cls(socket.create_connection((host, port), timeout=5))

    @classmethod
    def unix(cls, path):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5)
        s.connect(str(path))
        return cls(s)

    def readline(self):
        while b"\n" not in self.buf:
            data = self.sock.recv(4096)
            if not data:
                raise EOFError("connection closed")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return line.rstrip(b"\r").decode()

    def send(self, line):
        self.sock.sendall(line.encode() + b"\r\n")

    def close(self):
        self.sock.close()
