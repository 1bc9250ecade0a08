"""contrib/fail2ban with Debian's fail2ban-regex on the log of real failed
and successful logins through the real master: every failure line matches
with the client's real address (also when a user name tries to forge
rip=), no successful login matches, in log_path files and in syslog form."""
import re
import shutil
import subprocess
import os

from conftest import wait_for
from login_util import USER, PASSWORD, Client
from login_util import login_server, login_server_factory, login_root, login_certs  # noqa: F401

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FAILURE = re.compile(r"-login: (?:Info: )?(?:Disconnected|Aborted login)(?:: [^(]+)? "
                     r"\((?:auth failed|tried to use disallowed)")


def imap_attempt(server, user, password, port="imap", source="127.0.0.1", tls=False):
    c = Client.connect(server.ports[port], source=source, tls=tls)
    c.readline()
    c.send(f'a1 LOGIN "{user}" "{password}"')
    reply = c.readline()
    while reply.startswith("* BAD"):
        reply = c.readline()
    c.close()
    return reply


def pop3_attempt(server, user, password, source="127.0.0.1"):
    c = Client.connect(server.ports["pop3"], source=source)
    c.readline()
    c.send(f"USER {user}")
    reply = c.readline()
    if reply == "+OK":
        c.send(f"PASS {password}")
        reply = c.readline()
    c.send("QUIT")
    c.close()
    return reply


def fail2ban_regex(tmp_path, log_path):
    """Runs fail2ban-regex with the filter installed next to Debian's
    common.conf, as an admin would install it; returns the matched IPs."""
    cfg = tmp_path / "fail2ban"
    if not cfg.exists():
        shutil.copytree("/etc/fail2ban", cfg)
        shutil.copy(os.path.join(TOP, "contrib", "fail2ban", "filter.d", "roost.conf"),
                    cfg / "filter.d" / "roost.conf")
        shutil.copy(os.path.join(TOP, "contrib", "fail2ban", "jail.d", "roost.conf"),
                    cfg / "jail.d" / "roost.conf")
    p = subprocess.run(["fail2ban-regex", "--config", str(cfg), "-o", "ip", str(log_path),
                        "roost"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    return [line for line in p.stdout.splitlines() if line.strip()]


def test_fail2ban_matches_failures_only(login_server, tmp_path):
    s = login_server
    assert imap_attempt(s, USER, "wrong").startswith("a1 NO [AUTHENTICATIONFAILED]")
    assert imap_attempt(s, USER, "wrong", port="imaps", tls=True).startswith("a1 NO")
    assert imap_attempt(s, "x, rip=203.0.113.98", "wrong").startswith("a1 NO")
    assert imap_attempt(s, "x>, rip=203.0.113.99, y", "wrong").startswith("a1 NO")
    assert imap_attempt(s, USER, PASSWORD, source="127.0.0.2").startswith(
        "a1 NO [PRIVACYREQUIRED]")
    assert pop3_attempt(s, USER, "wrong") == "-ERR [AUTH] Authentication failed."
    assert pop3_attempt(s, USER, PASSWORD, source="127.0.0.2").startswith("-ERR [AUTH] Plain")
    # successes and a harmless disconnect
    ok = imap_attempt(s, USER, PASSWORD)
    assert ok.startswith("a1 OK [CAPABILITY ") and ok.endswith("] Logged in"), ok
    assert pop3_attempt(s, USER, PASSWORD) == "+OK Logged in."
    c = Client.connect(s.ports["imap"])
    c.readline()
    c.close()

    def complete():
        log = s.log()
        return (len([x for x in log.splitlines() if FAILURE.search(x)]) == 7 and
                log.count(": Login: ") == 2 and "(no auth attempts" in log)
    wait_for(complete, timeout=15, what="all login lines")
    log = s.log()
    failures = [x for x in log.splitlines() if FAILURE.search(x)]

    ips = fail2ban_regex(tmp_path, s.log_path)
    assert len(ips) == len(failures) == 7, (ips, failures)
    assert sorted(set(ips)) == ["127.0.0.1", "127.0.0.2"]
    assert ips.count("127.0.0.2") == 2

    # only the failure lines: no Login line matches
    logins = tmp_path / "logins.log"
    logins.write_text("\n".join(x for x in log.splitlines() if ": Login: " in x) + "\n")
    assert len(logins.read_text().splitlines()) == 2
    assert fail2ban_regex(tmp_path, logins) == []

    # the same lines as syslog writes them (ident "roost", no level)
    syslog = tmp_path / "mail.log"
    out = []
    for line in log.splitlines():
        m = re.match(r"^(\w{3} [ \d]\d \d\d:\d\d:\d\d) (\S+: )(?:Info: )?(.*)$", line)
        if m:
            out.append(f"{m.group(1)} mail roost[4242]: {m.group(2)}{m.group(3)}")
    syslog.write_text("\n".join(out) + "\n")
    assert fail2ban_regex(tmp_path, syslog) == ips
