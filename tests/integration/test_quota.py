"""Quota (mail_plugins = quota, imap_quota) as Dovecot 2.3: IMAP QUOTA and
OVERQUOTA compared with Dovecot's imap, LMTP 552 at DATA and RCPT,
roost-lda exit codes, grace, the Trash rule, userdb quota_rule, warnings,
and a maildirsize that Dovecot's doveadm reads."""
import os
import pathlib

from test_imap_stdio import compare_with_dovecot

BIG = "x" * 600
SMALL = "y" * 100

QUOTA_PLUGIN = """plugin {
  quota = maildir:User quota
  quota_rule = *:storage=1k:messages=10
  quota_rule2 = Trash:storage=+100M
}
"""
DOVECOT_QUOTA = ("mail_plugins = quota\nprotocol imap {\n  mail_plugins = $mail_plugins imap_quota\n}\n"
                 + QUOTA_PLUGIN)
ROOST_QUOTA = "mail_plugins = quota\nprotocol imap {\n  mail_plugins = quota imap_quota\n}\n" + QUOTA_PLUGIN


def literal(text):
    return "{%d+}\r\n%s" % (len(text), text)


QUOTA_DIALOGUE = [
    # Dovecot gives the first APPEND into a never-synced Maildir UID 1
    "STATUS INBOX (MESSAGES UIDNEXT)",
    "GETQUOTAROOT INBOX",
    'GETQUOTA "User quota"',
    'GETQUOTA "nosuch"',
    'GETQUOTA ""',
    'SETQUOTA "User quota" (STORAGE 100)',
    "GETQUOTAROOT",
    "GETQUOTA",
    "CREATE Trash",
    "GETQUOTAROOT Trash",
    # 489 bytes used: 600 more do not fit, 100 do
    "APPEND INBOX " + literal(BIG),
    "APPEND INBOX " + literal(SMALL),
    'GETQUOTA "User quota"',
    # Trash may hold 100M more
    "APPEND Trash " + literal(BIG),
    "GETQUOTAROOT Trash",
    "SELECT Trash",
    "COPY 1 INBOX",
    # a move does not change the usage: not checked
    "MOVE 1 INBOX",
    'GETQUOTA "User quota"',
    "SELECT INBOX",
    "STORE 1:2 +FLAGS.SILENT (\\Deleted)",
    "EXPUNGE",
    'GETQUOTA "User quota"',
    "APPEND INBOX " + literal(SMALL),
    "LOGOUT",
]


def _same_maildirsize(tmp_path):
    roost = (tmp_path / "roost" / "Maildir" / "maildirsize").read_text()
    dove = (tmp_path / "dovecot" / "Maildir" / "maildirsize").read_text()
    # both recalculated at the first use, then one line per change
    assert roost.splitlines()[0] == dove.splitlines()[0] == "1024S,10C"
    total = [sum(int(x.split()[i]) for x in text.splitlines()[1:]) for text in (roost, dove)
             for i in (0, 1)]
    assert total[:2] == total[2:]


def test_quota_dialogue_matches_dovecot():
    compare_with_dovecot(QUOTA_DIALOGUE, dovecot_config=DOVECOT_QUOTA, roost_config=ROOST_QUOTA,
                         min_lines=25, check=_same_maildirsize)


# ---- LMTP and roost-lda, through the real master and auth ----

import socket  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402

import test_lmtp  # noqa: E402
from test_lmtp import read_replies, msg, work_dir, vmail_user  # noqa: E402,F401
from conftest import build_path, wait_for  # noqa: E402


def start_quota(roost_factory, work_dir, extra, fields=None):
    """test_lmtp.start() with userdb extra fields per user."""
    fields = fields or {}
    saved = test_lmtp.start.__globals__["USERS"]
    env = test_lmtp.start(roost_factory, work_dir, extra)
    lines = []
    for line in env.users.read_text().splitlines():
        user = line.split("@")[0]
        lines.append(line + fields.get(user, ""))
    assert saved == ["john", "mary", "jörg"]
    # passwd-file is read again when it changes
    time.sleep(1.1)
    env.users.write_text("\n".join(lines) + "\n")
    return env


def lmtp_session(env, rcpts, body):
    s = socket.create_connection(("127.0.0.1", env.port), timeout=30)
    _, buf = read_replies(s, 1)
    cmds = "LHLO client.example\r\nMAIL FROM:<sender@example.org> SMTPUTF8\r\n"
    cmds += "".join(f"RCPT TO:<{r}>\r\n" for r in rcpts)
    s.sendall(cmds.encode())
    replies, buf = read_replies(s, 2 + len(rcpts), buf)
    rcpt_replies = replies[2:]
    data_replies = []
    if any(r[0] == 250 for r in rcpt_replies):
        s.sendall(b"DATA\r\n")
        (r354,), buf = read_replies(s, 1, buf)
        assert r354[0] == 354
        s.sendall(body + b".\r\n")
        data_replies, buf = read_replies(s, sum(r[0] == 250 for r in rcpt_replies), buf)
    s.sendall(b"QUIT\r\n")
    s.close()
    return rcpt_replies, data_replies


WARN_SCRIPT = """#!/bin/sh
echo "$@" >> {out}
"""


def lmtp_quota_conf(work_dir, extra=""):
    out_dir = work_dir / "warnings"
    out_dir.mkdir()
    os.chown(out_dir, test_lmtp.VMAIL.pw_uid, test_lmtp.VMAIL.pw_gid)
    script = work_dir / "quota-warning.sh"
    script.write_text(WARN_SCRIPT.format(out=out_dir / "log"))
    os.chmod(script, 0o755)
    return (f"""auth_username_chars =
mail_plugins = $mail_plugins quota
plugin {{
  quota = maildir:User quota
  quota_rule = *:storage=10k
  quota_rule2 = Trash:storage=+100M
  quota_warning = storage=95%% quota-warning 95 %u
  quota_warning2 = storage=80%% quota-warning 80 %u
}}
service quota-warning {{
  executable = script {script}
  unix_listener quota-warning {{
    user = vmail
  }}
}}
""" + extra, out_dir / "log")


def test_lmtp_quota_data_rcpt_grace_userdb_warning(roost_factory, work_dir):
    conf, warn_log = lmtp_quota_conf(work_dir, "lmtp_rcpt_check_quota = yes\n")
    env = start_quota(roost_factory, work_dir, conf,
                      {"mary": "userdb_quota_rule=*:storage=10M"})
    # 8000 of 10240 bytes: crosses 80% (the warning runs once)
    rcpt, data = lmtp_session(env, ["john@example.com"], msg("first", 8000))
    assert [r[0] for r in rcpt + data] == [250, 250], (rcpt, data)
    wait_for(lambda: warn_log.exists() and warn_log.read_text(), what="quota warning")
    time.sleep(0.3)
    assert warn_log.read_text() == "80 john@example.com\n"
    # over the limit by less than quota_grace (10%): a delivery still fits
    rcpt, data = lmtp_session(env, ["john@example.com"], msg("second", 2500))
    assert [r[0] for r in rcpt + data] == [250, 250], (rcpt, data)
    # over quota now: refused at RCPT (lmtp_rcpt_check_quota)
    rcpt, data = lmtp_session(env, ["john@example.com", "mary@example.com"], msg("third", 100))
    assert rcpt[0] == (552, "5.2.2 <john@example.com> Quota exceeded (mailbox for user is full)")
    assert rcpt[1][0] == 250 and [d[0] for d in data] == [250]
    # jörg is empty: RCPT passes, the 20k message is refused at DATA;
    # mary's userdb quota_rule (10M) overrides the 10k rule
    rcpt, data = lmtp_session(env, ["jörg@example.com", "mary@example.com"],
                              msg("big", 20000))
    assert [r[0] for r in rcpt] == [250, 250]
    assert data[0] == (552, "5.2.2 <jörg@example.com> Quota exceeded (mailbox for user is full)")
    assert data[1][0] == 250
    assert env.uids("john") == [1, 2]
    assert env.uids("mary") == [1, 2]
    assert not os.path.exists(env.maildir("jörg") / "new") or \
        os.listdir(env.maildir("jörg") / "new") == []
    assert not os.listdir(env.maildir("jörg") / "tmp")
    # each threshold ran once, when crossed (95% by the second delivery)
    time.sleep(0.5)
    assert warn_log.read_text() == "80 john@example.com\n95 john@example.com\n"
    # maildirsize: the limits, then one line per delivery
    lines = (env.maildir("john") / "maildirsize").read_text().splitlines()
    assert lines[0] == "10240S"
    used = sum(int(x.split()[0]) for x in lines[1:])
    files = [env.maildir("john") / "new" / n for n in os.listdir(env.maildir("john") / "new")]
    assert used == sum(os.path.getsize(f) for f in files)


def test_lmtp_quota_at_data_without_rcpt_check(roost_factory, work_dir):
    conf, _ = lmtp_quota_conf(work_dir, "quota_full_tempfail = no\n")
    env = start_quota(roost_factory, work_dir, conf)
    rcpt, data = lmtp_session(env, ["john@example.com"], msg("fill", 10500))
    assert [r[0] for r in rcpt + data] == [250, 250]
    # without lmtp_rcpt_check_quota the over-quota user is refused at DATA
    rcpt, data = lmtp_session(env, ["john@example.com"], msg("more", 10))
    assert rcpt[0][0] == 250
    assert data == [(552, "5.2.2 <john@example.com> Quota exceeded (mailbox for user is full)")]


def test_lda_quota_exit_codes(roost_factory, work_dir):
    from test_lmtp import lda
    conf, _ = lmtp_quota_conf(work_dir, "plugin {\n  quota_exceeded_message = Mailbox full, sorry\n}\n")
    env = start_quota(roost_factory, work_dir, conf)
    big = b"Subject: big\n\n" + b"x" * 20000 + b"\n"
    p = lda(env, "-d", "john@example.com", stdin=big)
    # EX_NOPERM as dovecot-lda with quota_full_tempfail = no
    assert p.returncode == 77, p.stderr
    assert b"Mailbox full, sorry" in p.stderr
    assert lda(env, "-d", "john@example.com", stdin=b"Subject: s\n\nsmall\n").returncode == 0
    # quota_full_tempfail = yes: EX_TEMPFAIL, the MTA keeps the message
    with open(env.r.config_path, "a") as f:
        f.write("quota_full_tempfail = yes\n")
    assert lda(env, "-d", "john@example.com", stdin=big).returncode == 75
    assert env.uids("john") == [1]


def test_roostadm_and_doveadm_quota_get(roost_factory, work_dir):
    """roostadm quota get prints doveadm's table; Dovecot's doveadm reads
    the maildirsize Roost wrote (same limits: no recalculation) and
    reports the same usage."""
    import shutil
    from storage_util import Doveadm
    conf, _ = lmtp_quota_conf(work_dir)
    env = start_quota(roost_factory, work_dir, conf)
    for i, size in enumerate((3000, 2000)):
        rcpt, data = lmtp_session(env, ["john@example.com"], msg(f"m{i}", size))
        assert [r[0] for r in rcpt + data] == [250, 250]

    def roostadm(*args):
        return subprocess.run([build_path("src", "admin", "roostadm"), "-c",
                               str(env.r.config_path), *args], capture_output=True, text=True,
                              timeout=60)
    p = roostadm("quota", "get", "-u", "john@example.com")
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0].split() == ["Quota", "name", "Type", "Value", "Limit", "%"]
    used = sum(os.path.getsize(env.maildir("john") / "new" / n)
               for n in os.listdir(env.maildir("john") / "new"))
    kib = (used + 1023) // 1024
    assert lines[1].split() == ["User", "quota", "STORAGE", str(kib), "10", str(kib * 10)]
    assert lines[2].split() == ["User", "quota", "MESSAGE", "2", "-", "0"]
    # recalc rewrites maildirsize with one total line, owned by the user
    msize = env.maildir("john") / "maildirsize"
    assert len(msize.read_text().splitlines()) == 4  # limits, "0 0", two deliveries
    p = roostadm("quota", "recalc", "-u", "john@example.com")
    assert p.returncode == 0, p.stderr
    assert msize.read_text() == f"10240S\n{used} 2\n"
    assert os.stat(msize).st_uid == test_lmtp.VMAIL.pw_uid
    assert roostadm("quota", "get", "-u", "nosuch@example.com").returncode == 67

    # Dovecot on a copy of the Maildir (doveadm runs as nobody)
    tmp_path = work_dir / "dovecot"
    tmp_path.mkdir()
    copy = tmp_path / "Maildir"
    shutil.copytree(env.maildir("john"), copy)
    with open(msize, "a") as f:
        f.write("0 0\n")  # a line Dovecot must read (not recalculate)
    shutil.copyfile(msize, copy / "maildirsize")
    d = Doveadm(tmp_path, copy)
    with open(d.conf, "a") as f:
        f.write("mail_plugins = quota\nplugin {\n  quota = maildir:User quota\n"
                "  quota_rule = *:storage=10k\n}\n")
    out = d.run("quota", "get").splitlines()
    assert out[1].split()[:5] == ["User", "quota", "STORAGE", str(kib), "10"], out
    assert out[2].split()[:5] == ["User", "quota", "MESSAGE", "2", "-"], out
    assert (copy / "maildirsize").read_text() == f"10240S\n{used} 2\n0 0\n"


def test_warning_through_script_socket(tmp_path):
    """A quota_warning naming a service whose unix socket listens in
    base_dir gets Dovecot's script protocol (what Dovecot's script service
    reads): version, "noreply", one argument per line, an empty line."""
    import socket as socketmod
    import threading
    run = tmp_path / "run"
    run.mkdir()
    maildir = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    listener = socketmod.socket(socketmod.AF_UNIX, socketmod.SOCK_STREAM)
    listener.bind(str(run / "quota-warning"))
    listener.listen(4)
    listener.settimeout(30)
    got = []

    def serve():
        conn, _ = listener.accept()
        data = b""
        while True:
            chunk = conn.recv(4096)
            if not chunk:
                break
            data += chunk
        got.append(data)
        conn.close()
    t = threading.Thread(target=serve)
    t.start()
    conf = tmp_path / "roost.conf"
    conf.write_text(f"base_dir = {run}\nmail_plugins = quota\n"
                    "plugin {\n  quota = count:User quota\n  quota_rule = *:bytes=1000\n"
                    "  quota_warning = storage=50%% quota-warning 50 %u\n}\n")
    import subprocess as sp
    parent, child = socketmod.socketpair()
    proc = sp.Popen([build_path("src", "imap", "roost-imap-stdio"), "-u", "testuser", "-c",
                     str(conf), "-o", f"mail_location=maildir:{maildir}"], stdin=child,
                    stdout=child, stderr=sp.PIPE)
    child.close()
    f = parent.makefile("rb")
    f.readline()
    body = "x" * 600
    parent.sendall(f"a APPEND INBOX {{{len(body)}+}}\r\n{body}\r\nb LOGOUT\r\n".encode())
    replies = [f.readline() for _ in range(3)]
    assert replies[0].startswith(b"a OK [APPENDUID "), replies
    parent.close()
    assert proc.wait(timeout=30) == 0
    t.join(timeout=30)
    listener.close()
    assert got == [b"VERSION\tscript\t4\t0\nnoreply\n50\ntestuser\n\n"]


def test_pop3_delete_frees_quota(tmp_path):
    """With mail_plugins = quota, a POP3 DELE updates maildirsize."""
    from test_pop3_stdio import Session as Pop3Session
    maildir = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    sizes = []
    for i, text in enumerate((b"Subject: a\n\nfirst\n", b"Subject: b\n\nsecond one\n")):
        (maildir / "new" / f"17000000{i}.M{i}P1.host").write_bytes(text)
        sizes.append(len(text))
    (maildir / "maildirsize").write_text(f"100000S\n{sum(sizes)} 2\n")
    conf = tmp_path / "roost.conf"
    conf.write_text("mail_plugins = quota\nplugin {\n  quota = maildir:User quota\n"
                    "  quota_rule = *:bytes=100000\n}\n")
    s = Pop3Session(maildir, "-c", str(conf))
    assert s.pop.stat()[0] == 2
    s.pop.dele(1)
    s.pop.quit()
    assert s.wait() == 0
    assert (maildir / "maildirsize").read_text() == \
        f"100000S\n{sum(sizes)} 2\n-{sizes[0]} -1\n"
