"""The post-login process model through the real master, imap-login,
pop3-login, auth and anvil: one imap (or pop3) process serves many sessions
of one uid and never two uids, client_limit = 1 gives one process per
connection; roostadm kick and who with many sessions per process,
mail_max_userip_connections, autologout, imap_logout_format, imap_capability
and the BYE every session gets at shutdown."""
import imaplib
import os
import pathlib
import pwd
import re
import signal
import socket
import subprocess

import pytest

from conftest import build_path, free_port, wait_for, proc_uid
from login_util import Client, LoginServer, log_lines, wait_log_re, processes_named
from login_util import login_root, login_certs  # noqa: F401

PASSWORD = "pw-Secret1"
VMAIL_USERS = ["ann@example.com", "bob@example.com", "cat@example.com", "dan@example.com"]
# numeric uids/gids that need not exist in /etc/passwd
OTHER_UID = 5101
THIRD_UID = 5102


def users_file(root, users):
    """users: {name: (uid, gid)}; passwd-file lines with uid, gid and home."""
    lines = []
    for name, (uid, gid) in users.items():
        home = root / "mail" / name
        (home).mkdir(parents=True, exist_ok=True)
        os.chown(home, uid, gid)
        home.chmod(0o700)
        lines.append(f"{name}:{{PLAIN}}{PASSWORD}:{uid}:{gid}::{home}::")
    path = root / "users"
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o644)
    return path


def server_config(root, certs, ports, users, extra):
    path = users_file(root, users)
    mail = root / "mail"
    mail.chmod(0o755)
    return f"""
protocols = imap pop3
mail_location = maildir:~/Maildir
ssl = yes
ssl_cert = <{certs}/cert.pem
ssl_key = <{certs}/key.pem
auth_mechanisms = plain login
first_valid_uid = 100
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {path}
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {path}
}}
service imap-login {{
  inet_listener imap {{
    port = {ports['imap']}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    port = {ports['pop3']}
  }}
  inet_listener pop3s {{
    port = 0
  }}
}}
{extra}
"""


@pytest.fixture
def server_factory(roost_factory, login_root, login_certs):  # noqa: F811
    def make(users, extra="", name="roost"):
        ports = {k: free_port() for k in ("imap", "pop3")}
        r = roost_factory("", name=name)
        r.base_dir = login_root / f"run-{name}"
        r.log_path = login_root / f"{name}.log"
        r.write_config(server_config(login_root, login_certs, ports, users, extra))
        r.start()
        wait_for(lambda: (r.base_dir / "login" / "login").exists(), what="auth login socket")
        wait_for(lambda: (r.base_dir / "anvil").exists(), what="anvil socket")
        return LoginServer(r, login_root, ports)
    return make


def vmail_ids():
    v = pwd.getpwnam("vmail")
    return v.pw_uid, v.pw_gid


MULTI = """
service imap {
  client_limit = 10
  service_count = 0
}
service pop3 {
  client_limit = 10
  service_count = 0
}
"""


class Session:
    """A logged-in plaintext IMAP session from 127.0.0.1 (secured: local)."""

    def __init__(self, server, user, tag="a1"):
        before = len(log_lines(server, rf"imap-login: Info: Login: user=<{re.escape(user)}>"))
        self.c = Client.connect(server.ports["imap"])
        greeting = self.c.readline()
        assert greeting.startswith("* OK "), greeting
        self.c.send(f"{tag} LOGIN {user} {PASSWORD}")
        self.login_reply = self.c.readline()
        assert self.login_reply.startswith(f"{tag} OK [CAPABILITY "), self.login_reply
        lines = wait_for(lambda: (lambda ls: ls if len(ls) > before else None)(
            log_lines(server, rf"imap-login: Info: Login: user=<{re.escape(user)}>")),
            what=f"login line of {user}")
        self.pid = int(re.search(r"mpid=(\d+)", lines[-1]).group(1))
        self.user = user

    def cmd(self, tag, command):
        self.c.send(f"{tag} {command}")
        out = []
        while True:
            line = self.c.readline()
            out.append(line)
            if line.startswith(f"{tag} "):
                return out

    def close(self):
        self.c.close()


def imap_pids(server):
    return processes_named(server, "imap")


def test_one_uid_shares_one_process(server_factory):
    uid, gid = vmail_ids()
    server = server_factory({u: (uid, gid) for u in VMAIL_USERS}, MULTI)
    sessions = [Session(server, u) for u in VMAIL_USERS]
    pids = {s.pid for s in sessions}
    assert len(pids) == 1, pids
    pid = pids.pop()
    assert proc_uid(pid) == uid
    assert imap_pids(server) == [pid]
    # every session works, in its own mailbox, with its own log prefix
    for i, s in enumerate(sessions):
        r = s.cmd("s1", "SELECT INBOX")
        assert r[-1].startswith("s1 OK [READ-WRITE]"), r
        r = s.cmd("s2", f"CREATE Box{i}")
        assert r[-1] == "s2 OK Create completed.", r
    for i, s in enumerate(sessions):
        r = s.cmd("s3", 'LIST "" "Box*"')
        assert r[:-1] == [f'* LIST (\\HasNoChildren) "." Box{i}'], r
        assert os.path.isdir(server.mail_root / s.user / "Maildir" / f".Box{i}")
    for s in sessions:
        r = s.cmd("s4", "LOGOUT")
        assert r[-1] == "s4 OK Logout completed.", r
        s.close()
    for u in VMAIL_USERS:
        wait_log_re(server, rf"imap\({re.escape(u)}\)<{pid}><[^>]+>: Info: Disconnected: Logged out ")
    # the process stays for the next logins (service_count = 0)
    again = Session(server, VMAIL_USERS[0])
    assert again.pid == pid
    again.close()


def test_two_uids_never_share_a_process(server_factory):
    uid, gid = vmail_ids()
    users = {"ann@example.com": (uid, gid), "bob@example.com": (uid, gid),
             "oth@example.com": (OTHER_UID, OTHER_UID),
             "thi@example.com": (THIRD_UID, THIRD_UID)}
    server = server_factory(users, MULTI)
    a = Session(server, "ann@example.com")
    b = Session(server, "bob@example.com")
    assert a.pid == b.pid
    # another uid is handed back by ann's process and lands on a new one
    o = Session(server, "oth@example.com")
    assert o.pid != a.pid
    assert proc_uid(o.pid) == OTHER_UID and proc_uid(a.pid) == uid
    t = Session(server, "thi@example.com")
    assert t.pid not in (a.pid, o.pid) and proc_uid(t.pid) == THIRD_UID
    more = [Session(server, u) for u in ("bob@example.com", "oth@example.com",
                                         "ann@example.com", "thi@example.com")]
    everyone = [a, b, o, t] + more
    for s in everyone:
        # the process serving the session runs as the session's user
        assert proc_uid(s.pid) == users[s.user][0], (s.user, s.pid)
        r = s.cmd("n1", "SELECT INBOX")
        assert r[-1].startswith("n1 OK [READ-WRITE]"), r
    by_pid = {}
    for s in everyone:
        by_pid.setdefault(s.pid, set()).add(users[s.user][0])
    assert all(len(uids) == 1 for uids in by_pid.values()), by_pid
    # a login was never refused on the way
    assert not log_lines(server, r"Internal login failure|Error:")
    for s in everyone:
        s.close()


def test_client_limit_1_is_one_process_per_connection(server_factory):
    uid, gid = vmail_ids()
    server = server_factory({u: (uid, gid) for u in VMAIL_USERS})
    sessions = [Session(server, VMAIL_USERS[0]), Session(server, VMAIL_USERS[0]),
                Session(server, VMAIL_USERS[1])]
    assert len({s.pid for s in sessions}) == 3
    for s in sessions:
        r = s.cmd("x", "NOOP")
        assert r[-1] == "x OK NOOP completed."
        s.close()


def roostadm(server, *args):
    return subprocess.run([build_path("src", "admin", "roostadm"), "-c", str(server.config_path),
                           *args], capture_output=True, text=True, timeout=30)


def pop3_login(server, user):
    c = Client.connect(server.ports["pop3"])
    assert c.readline().startswith("+OK")
    c.send(f"USER {user}")
    assert c.readline().startswith("+OK")
    c.send(f"PASS {PASSWORD}")
    line = c.readline()
    assert line.startswith("+OK"), line
    return c


def test_kick_closes_one_users_sessions_only(server_factory):
    uid, gid = vmail_ids()
    server = server_factory({u: (uid, gid) for u in VMAIL_USERS}, MULTI)
    ann1 = Session(server, "ann@example.com")
    bob = Session(server, "bob@example.com")
    ann2 = Session(server, "ann@example.com")
    cat = Session(server, "cat@example.com")
    assert len({ann1.pid, bob.pid, ann2.pid, cat.pid}) == 1
    for s in (ann1, ann2, bob):
        s.cmd("i1", "SELECT INBOX")
    # one of ann's sessions is in IDLE: it gets the BYE too
    ann2.c.send("i2 IDLE")
    assert ann2.c.readline() == "+ idling"
    pop = pop3_login(server, "ann@example.com")
    pop_bob = pop3_login(server, "bob@example.com")
    rows = wait_for(lambda: (lambda r: r if len(r) == 5 else None)(
        roostadm(server, "who").stdout.splitlines()[1:]), what="5 sessions in who")
    assert any(re.match(rf"^ann@example\.com +2 imap +\({ann1.pid}\) +\(127\.0\.0\.1\)$", r)
               for r in rows), rows
    assert any(re.match(r"^ann@example\.com +1 pop3 +\(\d+\)", r) for r in rows), rows
    assert any(re.match(rf"^bob@example\.com +1 imap +\({ann1.pid}\)", r) for r in rows), rows

    p = roostadm(server, "kick", "ann@example.com")
    assert p.returncode == 0, p.stderr
    assert p.stdout == "kicked connections from the following users:\nann@example.com \n"
    for s in (ann1, ann2):
        rest = s.c.read_until_closed()
        assert "* BYE Server shutting down.\r\n" in rest, rest
    assert pop.read_until_closed() == "-ERR [SYS/TEMP] Server shutting down.\r\n"
    # the others in the same process go on
    r = bob.cmd("b1", "NOOP")
    assert r[-1] == "b1 OK NOOP completed.", r
    r = cat.cmd("c1", "SELECT INBOX")
    assert r[-1].startswith("c1 OK [READ-WRITE]"), r
    pop_bob.send("STAT")
    assert pop_bob.readline().startswith("+OK 0 0")
    wait_log_re(server, rf"imap\(ann@example\.com\)<{ann1.pid}><[^>]+>: "
                        r"Info: Disconnected: Kicked by admin in=")
    rows = wait_for(lambda: (lambda r: r if len(r) == 3 else None)(
        roostadm(server, "who").stdout.splitlines()[1:]), what="ann gone from who")
    assert not any(r.startswith("ann@") for r in rows), rows
    assert os.path.exists(f"/proc/{bob.pid}")
    # nobody left to kick: doveadm's answer and exit code
    p = roostadm(server, "kick", "ann@example.com")
    assert p.returncode == 68 and p.stdout == "no users kicked\n"
    # masks
    p = roostadm(server, "kick", "*@example.com")
    assert p.returncode == 0
    assert p.stdout == ("kicked connections from the following users:\n"
                        "bob@example.com cat@example.com \n")
    assert "* BYE Server shutting down." in bob.c.read_until_closed()
    for s in (bob, cat, pop_bob):
        s.close()


def test_who_lists_many_sessions_per_process(server_factory):
    uid, gid = vmail_ids()
    server = server_factory({u: (uid, gid) for u in VMAIL_USERS}, MULTI)
    sessions = [Session(server, "ann@example.com") for _ in range(3)]
    sessions += [Session(server, "bob@example.com") for _ in range(2)]
    pid = sessions[0].pid
    assert {s.pid for s in sessions} == {pid}
    rows = wait_for(lambda: (lambda r: r if len(r) == 2 else None)(
        roostadm(server, "who").stdout.splitlines()[1:]), what="two users in who")
    assert re.match(rf"^ann@example\.com +3 imap +\({pid}\) +\(127\.0\.0\.1\)$", rows[0]), rows
    assert re.match(rf"^bob@example\.com +2 imap +\({pid}\) +\(127\.0\.0\.1\)$", rows[1]), rows
    assert roostadm(server, "who", "b*").stdout.splitlines()[1:] == [rows[1]]
    sessions[0].cmd("l", "LOGOUT")
    sessions[0].close()
    wait_for(lambda: re.match(r"^ann@example\.com +2 imap",
                              roostadm(server, "who").stdout.splitlines()[1]),
             what="one ann session less")
    for s in sessions[1:]:
        s.close()


def test_mail_max_userip_connections(server_factory):
    uid, gid = vmail_ids()
    server = server_factory({u: (uid, gid) for u in VMAIL_USERS},
                            MULTI + "mail_max_userip_connections = 2\n"
                            "protocol pop3 {\n  mail_max_userip_connections = 1\n}\n")
    first = [Session(server, "ann@example.com") for _ in range(2)]
    c = Client.connect(server.ports["imap"])
    c.readline()
    c.send(f"a1 LOGIN ann@example.com {PASSWORD}")
    assert c.readline() == ("a1 NO [UNAVAILABLE] Maximum number of connections from user+IP "
                            "exceeded (mail_max_userip_connections=2)")
    assert c.read_until_closed() == ""
    wait_log_re(server, r"imap-login: Info: Maximum number of connections from user\+IP exceeded "
                        r"\(mail_max_userip_connections=2\): user=<ann@example\.com>, "
                        r"method=PLAIN, rip=127\.0\.0\.1, lip=127\.0\.0\.1, secured")
    # other users, and the same user from another IP, are counted apart
    other = Session(server, "bob@example.com")
    # POP3 has its own count and its own limit
    pop = pop3_login(server, "ann@example.com")
    c = Client.connect(server.ports["pop3"])
    c.readline()
    c.send("USER ann@example.com")
    c.readline()
    c.send(f"PASS {PASSWORD}")
    assert c.readline() == ("-ERR [SYS/TEMP] Maximum number of connections from user+IP "
                            "exceeded (mail_max_userip_connections=1)")
    # a session that ends frees its slot
    first[0].cmd("z", "LOGOUT")
    first[0].close()
    wait_for(lambda: len(roostadm(server, "who", "ann@*").stdout.splitlines()) == 3 and
             re.search(r"ann@example\.com +1 imap", roostadm(server, "who").stdout),
             what="ann's session gone")
    again = Session(server, "ann@example.com")
    for s in (again, other, first[1], pop):
        s.close()


def test_shutdown_says_bye_to_every_session(server_factory):
    uid, gid = vmail_ids()
    server = server_factory({u: (uid, gid) for u in VMAIL_USERS}, MULTI)
    sessions = [Session(server, u) for u in VMAIL_USERS for _ in range(2)]
    pid = sessions[0].pid
    assert {s.pid for s in sessions} == {pid}
    sessions[0].cmd("s", "SELECT INBOX")
    sessions[0].c.send("i IDLE")
    assert sessions[0].c.readline() == "+ idling"
    pop = pop3_login(server, "ann@example.com")
    server.stop()
    for s in sessions:
        assert s.c.read_until_closed().endswith("* BYE Server shutting down.\r\n")
    assert pop.read_until_closed() == "-ERR [SYS/TEMP] Server shutting down.\r\n"
    lines = log_lines(server, rf"imap\([a-z]+@example\.com\)<{pid}><[^>]+>: Info: Disconnected: "
                              r"Server shutting down\. in=\d+ out=\d+ deleted=0")
    assert len(lines) == len(sessions), lines


def test_autologout_outside_idle(server_factory):
    uid, gid = vmail_ids()
    server = server_factory({u: (uid, gid) for u in VMAIL_USERS},
                            MULTI + "imap_autologout_timeout = 2 secs\n")
    idle = Session(server, "ann@example.com")
    idle.cmd("s", "SELECT INBOX")
    idle.c.send("i IDLE")
    assert idle.c.readline() == "+ idling"
    quiet = Session(server, "bob@example.com")
    busy = Session(server, "cat@example.com")
    import time
    start = time.monotonic()
    for _ in range(6):
        time.sleep(0.6)
        assert busy.cmd("n", "NOOP")[-1] == "n OK NOOP completed."
    rest = quiet.c.read_until_closed()
    assert rest == "* BYE Disconnected for inactivity.\r\n", rest
    assert time.monotonic() - start < 10
    wait_log_re(server, r"imap\(bob@example\.com\)<\d+><[^>]+>: Info: Disconnected: "
                        r"Inactivity - no input for [23] secs in=")
    # IDLE is not inactivity; after it, the session is still there
    idle.c.send("DONE")
    assert idle.c.readline() == "i OK Idle completed."
    assert busy.cmd("n2", "NOOP")[-1] == "n2 OK NOOP completed."
    idle.close()
    busy.close()


MSG = (b"From: a@example.com\r\nTo: b@example.com\r\nSubject: stats\r\n\r\n"
       b"body line one\r\nbody line two\r\n")


TRASH = """
namespace inbox {
  inbox = yes
  mailbox Trash {
    auto = create
    special_use = \\Trash
  }
}
"""


def test_logout_format_counts(server_factory):
    uid, gid = vmail_ids()
    server = server_factory({u: (uid, gid) for u in VMAIL_USERS}, MULTI + TRASH)
    m = imaplib.IMAP4("127.0.0.1", server.ports["imap"])
    m.login("ann@example.com", PASSWORD)
    for _ in range(3):
        assert m.append("INBOX", None, None, MSG)[0] == "OK"
    assert m.select("INBOX")[0] == "OK"
    hdr_len = MSG.index(b"\r\n\r\n") + 4
    typ, data = m.fetch("1:2", "(BODY.PEEK[HEADER])")
    assert typ == "OK"
    typ, data = m.fetch("1", "(BODY.PEEK[] BODY.PEEK[TEXT])")
    assert typ == "OK"
    assert b"Trash" in b" ".join(m.list()[1])
    assert m.copy("3", "Trash")[0] == "OK"
    assert m.store("1:2", "+FLAGS", "(\\Deleted)")[0] == "OK"
    # already deleted: not counted twice
    assert m.store("2", "+FLAGS", "(\\Deleted)")[0] == "OK"
    assert m.expunge()[0] == "OK"
    m.logout()
    line = wait_log_re(server, r"imap\(ann@example\.com\).*Info: Disconnected: Logged out ")[-1]
    stats = dict(kv.split("=") for kv in line.split("Logged out ")[1].split())
    body = len(MSG) + (len(MSG) - hdr_len)
    assert stats == {"in": stats["in"], "out": stats["out"], "deleted": "2", "expunged": "2",
                     "trashed": "1", "hdr_count": "2", "hdr_bytes": str(2 * hdr_len),
                     "body_count": "2", "body_bytes": str(body)}, stats
    assert int(stats["in"]) > 200 and int(stats["out"]) > int(stats["hdr_bytes"]) + body


def test_logout_format_setting_and_capability(server_factory):
    uid, gid = vmail_ids()
    server = server_factory(
        {u: (uid, gid) for u in VMAIL_USERS},
        MULTI + "imap_logout_format = bytes=%i/%o session=%{session} added=%{appended}\n"
        "imap_capability = +XROOST XOTHER\n"
        "protocol imap {\n  mail_max_userip_connections = 20\n}\n")
    c = Client.connect(server.ports["imap"])
    greeting = c.readline()
    assert greeting.startswith("* OK [CAPABILITY IMAP4rev1 ")
    assert re.search(r" XROOST XOTHER( |\])", greeting), greeting
    c.close()
    s = Session(server, "ann@example.com")
    caps = re.match(r"a1 OK \[CAPABILITY (.*)\] Logged in$", s.login_reply).group(1).split()
    assert caps[0] == "IMAP4rev1" and "LITERAL+" in caps and caps[-2:] == ["XROOST", "XOTHER"], caps
    r = s.cmd("c", "CAPABILITY")
    assert r[0] == "* CAPABILITY " + " ".join(caps)
    s.cmd("l", "LOGOUT")
    s.close()
    line = wait_log_re(server, r"imap\(ann@example\.com\).*Info: Disconnected: Logged out ")[-1]
    session = re.search(r"<(\d+)><([^>]+)>: ", line).group(2)
    assert re.search(rf"Logged out bytes=\d+/\d+ session={re.escape(session)} added=0$",
                     line), line


def test_capability_replaced(server_factory):
    uid, gid = vmail_ids()
    server = server_factory({u: (uid, gid) for u in VMAIL_USERS},
                            "imap_capability = IMAP4rev1 IDLE XONLY\n")
    c = Client.connect(server.ports["imap"])
    greeting = c.readline()
    # as in Dovecot, the login process adds what depends on the connection
    assert greeting.startswith("* OK [CAPABILITY IMAP4rev1 IDLE XONLY STARTTLS AUTH=PLAIN "), \
        greeting
    c.close()
    s = Session(server, "ann@example.com")
    assert s.login_reply == "a1 OK [CAPABILITY IMAP4rev1 IDLE XONLY] Logged in"
    assert s.cmd("c", "CAPABILITY")[0] == "* CAPABILITY IMAP4rev1 IDLE XONLY"
    s.close()


def test_pop3_shares_process_of_one_uid(server_factory):
    uid, gid = vmail_ids()
    users = {u: (uid, gid) for u in VMAIL_USERS}
    users["oth@example.com"] = (OTHER_UID, OTHER_UID)
    server = server_factory(users, MULTI)
    conns = [pop3_login(server, u) for u in VMAIL_USERS[:3]]
    other = pop3_login(server, "oth@example.com")
    lines = wait_for(lambda: (lambda ls: ls if len(ls) == 4 else None)(
        log_lines(server, r"pop3-login: Info: Login: ")), what="4 pop3 logins")
    pids = [int(re.search(r"mpid=(\d+)", ln).group(1)) for ln in lines]
    by_user = {re.search(r"user=<([^>]+)>", ln).group(1): p for ln, p in zip(lines, pids)}
    vm = {by_user[u] for u in VMAIL_USERS[:3]}
    assert len(vm) == 1 and by_user["oth@example.com"] not in vm
    assert proc_uid(by_user["oth@example.com"]) == OTHER_UID and proc_uid(vm.pop()) == uid
    for c in conns + [other]:
        c.send("QUIT")
        assert c.readline().startswith("+OK")
        c.close()


def test_concurrent_logins_of_two_uids(server_factory):
    """Logins racing into fresh processes: the ones that arrive while a
    process is binding to its first user's uid wait, the others of another
    uid are handed back and retried; every login succeeds and no process
    serves two uids."""
    import threading
    uid, gid = vmail_ids()
    users = {u: (uid, gid) for u in VMAIL_USERS}
    users.update({"oth@example.com": (OTHER_UID, OTHER_UID),
                  "thi@example.com": (THIRD_UID, THIRD_UID)})
    server = server_factory(users, MULTI.replace("client_limit = 10", "client_limit = 40"))
    names = list(users) * 4
    sessions, errors = [], []

    def login(user):
        try:
            sessions.append(Session(server, user))
        except Exception as e:  # reported below
            errors.append(f"{user}: {e!r}")

    threads = [threading.Thread(target=login, args=(u,)) for u in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert len(sessions) == len(names)
    by_pid = {}
    for s in sessions:
        assert proc_uid(s.pid) == users[s.user][0], (s.user, s.pid)
        by_pid.setdefault(s.pid, set()).add(users[s.user][0])
    assert all(len(u) == 1 for u in by_pid.values()), by_pid
    for s in sessions:
        assert s.cmd("n", "NOOP")[-1] == "n OK NOOP completed."
        s.close()
