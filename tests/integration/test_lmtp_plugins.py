"""LMTP with mail plugins and group commit, through the real master and auth
service: a test plugin (tests/services/test-deliver-plugin.c, loaded with
dlopen from mail_plugin_dir) adds a header, redirects, refuses at delivery
and refuses at RCPT for lmtp_rcpt_check_quota; a missing plugin stops the
lmtp process as in Dovecot; a Dovecot plugin Roost has not built yet (sieve)
is skipped; concurrent sessions share their fsyncs (group commit) and every
250 is still written after its message is durable (strace)."""
import os
import re
import socket
import subprocess
import time

from conftest import build_path, wait_for
from test_lmtp import (start, read_replies, msg, work_dir, vmail_user,  # noqa: F401
                       TRACE)
from strace_util import read_calls, fd_path

PLUGIN_DIR = None


def plugin_conf(extra=""):
    return (f"mail_plugin_dir = {build_path('tests', 'services')}\n"
            "protocol lmtp {\n  mail_plugins = $mail_plugins test_deliver\n}\n" + extra)


def test_plugin_hooks_over_lmtp(roost_factory, work_dir):
    env = start(roost_factory, work_dir, plugin_conf(
        "auth_username_chars =\n"
        "lmtp_rcpt_check_quota = yes\n"
        "lda_mailbox_autocreate = yes\n"
        "postmaster_address = pm@%d\n"
        "plugin {\n"
        "  test_deliver_header = hello\n"
        "  test_deliver_reject = mary@example.com\n"
        "  test_deliver_full = jörg@example.com\n"
        "  test_deliver_redirect = Filtered\n"
        "}\n"))
    s = socket.create_connection(("127.0.0.1", env.port), timeout=30)
    _, buf = read_replies(s, 1)
    s.sendall("LHLO client.example\r\nMAIL FROM:<sender@example.org> SMTPUTF8\r\n"
              "RCPT TO:<john@example.com>\r\nRCPT TO:<mary@example.com>\r\n"
              "RCPT TO:<jörg@example.com>\r\nDATA\r\n".encode())
    replies, buf = read_replies(s, 6, buf)
    assert [r[0] for r in replies] == [250, 250, 250, 250, 552, 354], replies
    # lmtp_rcpt_check_quota: the plugin's answer at RCPT time
    assert replies[4][1] == "5.2.2 <jörg@example.com> Quota exceeded (mailbox for user is full)"
    s.sendall(b"Subject: plugged\r\n\r\nbody\r\n.\r\nQUIT\r\n")
    replies, buf = read_replies(s, 3, buf)
    assert replies[0][0] == 250 and replies[0][1].startswith("2.0.0 <john@example.com> ")
    assert replies[1] == (550, "5.7.1 <mary@example.com> Rejected by test_deliver")
    assert replies[2][0] == 221
    s.close()
    # redirected into Filtered (autocreated), with the plugin's header after the trace headers
    assert env.uids("john", "Filtered") == [1]
    data = env.message("john", 1, "Filtered")
    assert re.match(rb"Return-Path: <sender@example.org>\r\nReceived: from client.example "
                    rb"\(\[127.0.0.1\]\)\r\n(\t[^\r]+\r\n)+X-Test-Deliver: hello user=john@example.com "
                    rb"postmaster=pm@example.com\r\nSubject: plugged\r\n\r\nbody\r\n$", data), data
    assert not (env.maildir("mary") / "new").exists() or \
        not os.listdir(env.maildir("mary") / "new")
    log = env.r.log()
    assert "test_deliver: plugin loaded from " + build_path("tests", "services") in log
    assert "test_deliver: user john@example.com created" in log
    assert "test_deliver: opened Filtered" in log
    assert "test_deliver: no context" not in log
    assert "mary@example.com: delivery failed: 550 Rejected by test_deliver" in log


def test_plugin_copies_with_headers_are_not_linked(roost_factory, work_dir):
    """A plugin's per-recipient header makes the copies differ: each is
    written on its own (no hard link), the others of the same message
    still are."""
    env = start(roost_factory, work_dir, plugin_conf("plugin {\n  test_deliver_header = x\n}\n"))
    c = env.lmtp_unix()
    c.ehlo("client.example")
    assert c.sendmail("s@example.org", ["john@example.com", "mary@example.com"],
                      msg("two")) == {}
    c.quit()
    j = env.message("john", 1)
    m = env.message("mary", 1)
    assert b"X-Test-Deliver: x user=john@example.com postmaster=postmaster@example.com\r\n" in j
    assert b"X-Test-Deliver: x user=mary@example.com " in m
    files = [env.maildir(u) / "new" / n for u in ("john", "mary")
             for n in os.listdir(env.maildir(u) / "new")]
    assert len({os.stat(f).st_ino for f in files}) == 2


def test_missing_plugin_stops_lmtp(roost_factory, work_dir):
    """As Dovecot's lmtp: 'Plugin 'x' not found from directory D' is fatal
    at the process start; the MTA's connection is closed without a greeting
    (Postfix defers and retries)."""
    env = start(roost_factory, work_dir, "mail_plugin_dir = /nonexistent/modules\n"
                "protocol lmtp {\n  mail_plugins = $mail_plugins nosuch\n}\n")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(3)
    s.connect(env.socket)
    try:
        assert s.recv(1024) == b"", "no greeting"
    except socket.timeout:
        pass  # in the listener's backlog while the master throttles the service
    s.close()
    env.r.wait_log("Fatal: Plugin 'nosuch' not found from directory "
                   "/nonexistent/modules")


def test_planned_plugin_is_skipped(roost_factory, work_dir):
    """`mail_plugins = $mail_plugins sieve` (the seed configurations): sieve
    is not built yet, so it is skipped with a warning and delivery works."""
    env = start(roost_factory, work_dir, "protocol lmtp {\n  mail_plugins = $mail_plugins sieve\n}\n")
    c = env.lmtp_unix()
    c.ehlo("client.example")
    assert c.sendmail("s@example.org", ["john@example.com"], msg("sieve")) == {}
    c.quit()
    assert env.uids("john") == [1]
    assert "mail_plugins: plugin 'sieve' is not available yet; it has no effect" in env.r.log()


def test_lda_plugin_refusal_exit_codes(roost_factory, work_dir):
    """roost-lda runs the same hooks: a 5xx refusal exits 77, a 4xx 75."""
    from test_lmtp import lda
    # roost-lda reads `protocol lda { }`: the plugins named at the root
    env = start(roost_factory, work_dir, "mail_plugins = test_deliver\n" + plugin_conf(
        "auth_username_chars =\n"
        "plugin {\n  test_deliver_reject = john@example.com\n"
        "  test_deliver_tempfail = mary@example.com\n  test_deliver_header = lda\n}\n"))
    text = b"Subject: lda\n\nvia lda\n"
    assert lda(env, "-d", "john@example.com", stdin=text).returncode == 77
    assert lda(env, "-d", "mary@example.com", stdin=text).returncode == 75
    p = lda(env, "-d", "jörg@example.com", "-a", "j@example.com", stdin=text)
    assert p.returncode == 0, p.stderr
    # the plugin's header with the message's own (LF) line ending
    assert env.message("jörg", 1) == (b"Return-Path: <MAILER-DAEMON>\nDelivered-To: j@example.com\n"
                                      b"X-Test-Deliver: lda user=j\xc3\xb6rg@example.com "
                                      b"postmaster=postmaster@example.com\n"
                                      b"Subject: lda\n\nvia lda\n")


def test_group_commit_across_sessions_strace(roost_factory, work_dir, tmp_path):
    """Four sessions served by one lmtp process (client_limit = 4) finish
    their bodies together: their messages share one commit (new/ fsynced
    fewer times than there are messages), and each session's 250 is
    written only after its file was fsynced, renamed, new/ fsynced and the
    UID list synced."""
    env = start(roost_factory, work_dir, "service lmtp {\n  client_limit = 4\n}\n")
    n = 4
    socks, bufs = [], []
    for i in range(n):
        s = socket.create_connection(("127.0.0.1", env.port), timeout=30)
        _, buf = read_replies(s, 1)
        s.sendall(b"LHLO c\r\nMAIL FROM:<s@example.org>\r\nRCPT TO:<john@example.com>\r\nDATA\r\n")
        replies, buf = read_replies(s, 4, buf)
        assert [r[0] for r in replies] == [250, 250, 250, 354]
        s.sendall(f"Subject: group {i}\r\n\r\nbody {i}\r\n".encode())
        socks.append(s)
        bufs.append(buf)
    pids = [p for p in env.r.children()
            if open(f"/proc/{p}/comm").read().strip() == "lmtp"]
    assert len(pids) == 1, "one process serves the four sessions"
    trace = tmp_path / "trace"
    st = subprocess.Popen(["strace", "-f", "-y", "-s", "256", "-e", f"trace={TRACE}",
                           "-o", str(trace), "-p", str(pids[0])],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        time.sleep(1.0)
        for s in socks:
            s.sendall(b".\r\n")
        for i, s in enumerate(socks):
            (rep,), _ = read_replies(s, 1, bufs[i])
            assert rep[0] == 250, rep
            s.close()
        time.sleep(0.3)
    finally:
        st.terminate()
        st.wait(timeout=10)
    assert len(env.uids("john")) == n
    calls = [c[1:] for c in read_calls(trace)]
    md = str(env.maildir("john"))
    renames = [(i, a) for i, (name, a, r) in enumerate(calls)
               if name.startswith("rename") and f'"{md}/tmp/' in a and f'"{md}/new/' in a]
    assert len(renames) == n
    dsyncs = [i for i, (name, a, r) in enumerate(calls)
              if name == "fsync" and fd_path(a) == f"{md}/new"]
    assert 1 <= len(dsyncs) < n, f"new/ fsynced {len(dsyncs)} times for {n} messages"
    usyncs = [i for i, (name, a, r) in enumerate(calls)
              if name in ("fsync", "fdatasync") and (fd_path(a) or "").startswith(
                  md + "/dovecot-uidlist")]
    replies = [i for i, (name, a, r) in enumerate(calls)
               if name == "write" and "250 2.0.0 <john@example.com>" in a]
    assert len(replies) == n
    for i_rename, args in renames:
        tmp_file, new_file = re.findall(r'"([^"]+)"', args)[:2]
        fsyncs = [i for i, (name, a, r) in enumerate(calls)
                  if name in ("fsync", "fdatasync") and fd_path(a) == tmp_file and r == "0"]
        assert fsyncs and fsyncs[0] < i_rename, "file fsynced before its rename"
        d_after = [i for i in dsyncs if i > i_rename]
        u_after = [i for i in usyncs if i > i_rename]
        assert d_after and u_after
        # this message's reply (by its transaction id) comes after both syncs
        tid = re.search(rb"with LMTP id (\S+)", open(new_file, "rb").read()).group(1).decode()
        mine = [r for r in replies if f"<john@example.com> {tid} " in calls[r][1]]
        assert len(mine) == 1 and mine[0] > d_after[0] and mine[0] > u_after[0]
