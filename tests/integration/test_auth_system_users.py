"""System users (auth-system.conf.ext): the pam passdb, whose PAM calls run
in auth workers, and the passwd userdb, for a real user that the test
creates with useradd and a password set by chpasswd, then removes. Checked
with roostadm auth test and an IMAP login through imap-login that reaches
a post-login imap process running as that user in its home."""
import os
import re
import subprocess

import pytest

from conftest import build_path, free_port, wait_for, proc_uid
from login_util import Client, login_config, log_lines, processes_named, wait_log_re
from login_util import login_root, login_certs  # noqa: F401

PAM_PASSWORD = "Pam-Passw0rd!"


@pytest.fixture
def system_user(login_root):
    name = f"roostpam{os.getpid() % 100000}"
    subprocess.run(["userdel", "-r", name], capture_output=True)  # a leftover
    (login_root / "home").mkdir()
    home = login_root / "home" / name
    subprocess.run(["useradd", "-m", "-d", str(home), "-s", "/usr/sbin/nologin", name],
                   check=True, capture_output=True, timeout=60)
    try:
        subprocess.run(["chpasswd"], input=f"{name}:{PAM_PASSWORD}\n", text=True, check=True,
                       capture_output=True, timeout=60)
        yield name, home
    finally:
        subprocess.run(["userdel", "-r", name], capture_output=True, timeout=60)


def test_pam_passdb_and_passwd_userdb(roost_factory, login_root, login_certs, system_user):
    import pwd
    name, home = system_user
    pw = pwd.getpwnam(name)
    ports = {k: free_port() for k in ("imap", "imaps", "pop3", "pop3s")}
    r = roost_factory("", name="pam")
    r.base_dir = login_root / "run-pam"
    r.log_path = login_root / "pam.log"
    conf = login_config(login_root, login_certs, ports)
    conf, n = re.subn(r"passdb \{.*?\n\}\nuserdb \{.*?\n\}\n",
                      "passdb {\n  driver = pam\n}\nuserdb {\n  driver = passwd\n}\n", conf,
                      flags=re.S)
    assert n == 1
    r.write_config(conf)
    r.start()
    wait_for(lambda: (r.base_dir / "login" / "login").exists(), what="auth login socket")

    def roostadm(*args):
        return subprocess.run([build_path("src", "admin", "roostadm"), "-c",
                               str(r.config_path), *args], capture_output=True, text=True,
                              timeout=60)
    p = roostadm("auth", "test", name, PAM_PASSWORD)
    assert p.returncode == 0, p.stdout + p.stderr
    lines = p.stdout.splitlines()
    assert lines[0] == f"passdb: {name} auth succeeded", lines
    assert f"userdb: {name}" in lines
    assert f"  uid       : {pw.pw_uid}" in lines and f"  gid       : {pw.pw_gid}" in lines
    assert f"  home      : {home}" in lines
    p = roostadm("auth", "test", name, "wrong")
    assert p.returncode == 77 and p.stdout.splitlines()[0] == f"passdb: {name} auth failed"

    # PAM ran in an auth worker (root), not in the unprivileged auth process
    workers = [x for x in processes_named(r, "auth")
               if b"-w" in open(f"/proc/{x}/cmdline", "rb").read().split(b"\0")]
    assert workers and all(proc_uid(x) == 0 for x in workers)

    c = Client.connect(ports["imaps"], tls=True)
    c.readline()
    c.send(f"a1 LOGIN {name} wrong")
    assert c.readline() == "a1 NO [AUTHENTICATIONFAILED] Authentication failed."
    c.send(f'a2 LOGIN {name} "{PAM_PASSWORD}"')
    line = c.readline()
    assert line.startswith("a2 OK [CAPABILITY IMAP4rev1 ") and line.endswith("] Logged in")
    c.send("a3 SELECT INBOX")
    line = c.readline()
    while not line.startswith("a3 "):
        line = c.readline()
    assert line.startswith("a3 OK [READ-WRITE]"), line
    # the post-login process runs as the system user, in its home
    login = wait_log_re(r, rf"imap-login: Info: Login: user=<{name}>, method=PLAIN")[0]
    mpid = re.search(r"mpid=(\d+)", login).group(1)
    assert proc_uid(int(mpid)) == pw.pw_uid
    wait_log_re(r, re.escape(f"imap({name})<{mpid}>") + r"<[^>]+>: Info: Logged in: " +
                re.escape(f"uid={pw.pw_uid}, gid={pw.pw_gid}, home={home}"))
    assert os.stat(home / "Maildir").st_uid == pw.pw_uid
    c.send("a4 LOGOUT")
    c.close()
    assert not log_lines(r, PAM_PASSWORD)
    r.stop()
