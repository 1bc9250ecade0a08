"""Helpers for the storage tests: the roost-test-storage CLI and Debian's
Dovecot 2.3 doveadm on a private configuration."""
import os
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
