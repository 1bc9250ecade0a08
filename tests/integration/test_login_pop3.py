"""pop3-login through the real master with the real auth service and the
post-login pop3 process: POP3S and STLS with openssl s_client, Python's
poplib, USER/PASS, AUTH with an initial response and with a continuation,
plaintext refusal from 127.0.0.2, wrong passwords, and the logs."""
import base64
import os
import poplib
import pwd
import re
import subprocess

import pytest

from conftest import proc_uid, wait_for
from login_util import (USER, PASSWORD, Client, client_tls_context, elapsed, wait_log_re,
                        processes_named)
from login_util import login_server, login_server_factory, login_root, login_certs  # noqa: F401

PLAINTEXT_ERR = ("-ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) "
                 "connections.")


def s_client(args, stdin):
    p = subprocess.run(["openssl", "s_client", *args, "-quiet"], input=stdin,
                       capture_output=True, text=True, timeout=30)
    return p.stdout


def check_logged_in(server, tls):
    state = "TLS" if tls else "secured"
    line = wait_log_re(server, r"pop3-login: Info: Login: ")[-1]
    m = re.search(r"pop3-login: Info: Login: user=<john@example\.com>, method=PLAIN, "
                  r"rip=127\.0\.0\.1, lip=127\.0\.0\.1, mpid=(\d+), " + state +
                  r", session=<([A-Za-z0-9+/]{16})>$", line)
    assert m, line
    vmail = pwd.getpwnam("vmail")
    wait_log_re(server, re.escape(
        f"pop3(john@example.com)<{m.group(1)}><{m.group(2)}>: Info: Logged in: "
        f"uid={vmail.pw_uid}, gid={vmail.pw_gid}, home={server.mail_root}/example.com/john"))


def test_pop3s_s_client(login_server):
    # the seed's manual dialogue
    out = s_client(["-connect", f"127.0.0.1:{login_server.ports['pop3s']}"],
                   f"USER {USER}\nPASS {PASSWORD}\nSTAT\nLIST\nQUIT\n")
    assert out.splitlines()[:7] == ["+OK Roost ready.", "+OK", "+OK Logged in.",
                                    "+OK 0 0", "+OK 0 messages:", ".",
                                    "+OK Logging out."], out
    check_logged_in(login_server, tls=True)


def test_stls_s_client(login_server):
    out = s_client(["-connect", f"127.0.0.1:{login_server.ports['pop3']}", "-starttls", "pop3"],
                   f"USER {USER}\nPASS {PASSWORD}\nSTAT\nQUIT\n")
    assert "+OK Logged in." in out and "+OK 0 0" in out, out
    check_logged_in(login_server, tls=True)


def test_poplib_over_tls(login_server):
    p = poplib.POP3_SSL("127.0.0.1", login_server.ports["pop3s"], context=client_tls_context())
    assert p.getwelcome() == b"+OK Roost ready."
    caps = p.capa()
    assert "STLS" not in caps and "USER" in caps and caps["SASL"] == ["PLAIN", "LOGIN"]
    assert p.user(USER) == b"+OK"
    assert p.pass_(PASSWORD) == b"+OK Logged in."
    p.close()
    check_logged_in(login_server, tls=True)


def test_auth_plain_initial_response_and_continuation(login_server):
    resp = base64.b64encode(f"\0{USER}\0{PASSWORD}".encode()).decode()
    c = Client.connect(login_server.ports["pop3s"], tls=True)
    c.readline()
    c.send(f"AUTH PLAIN {resp}")
    assert c.readline() == "+OK Logged in."
    c.close()
    c = Client.connect(login_server.ports["pop3s"], tls=True)
    c.readline()
    c.send("AUTH PLAIN")
    assert c.readline() == "+ "
    c.send(resp)
    assert c.readline() == "+OK Logged in."
    c.close()
    # the LOGIN mechanism, two challenges
    c = Client.connect(login_server.ports["pop3s"], tls=True)
    c.readline()
    c.send("AUTH LOGIN")
    assert c.readline().startswith("+ ")
    c.send(base64.b64encode(USER.encode()).decode())
    assert c.readline().startswith("+ ")
    c.send(base64.b64encode(b"wrong").decode())
    assert c.readline() == "-ERR [AUTH] Authentication failed."
    c.send("AUTH PLAIN")
    c.readline()
    c.send("*")
    assert c.readline() == "-ERR Authentication aborted by client."
    c.send("AUTH PLAIN not-base64!")
    assert c.readline().startswith("-ERR Invalid base64")
    c.close()


def test_plaintext_refused_from_other_address(login_server):
    c = Client.connect(login_server.ports["pop3"], source="127.0.0.2")
    assert c.readline() == "+OK Roost ready."
    c.send("CAPA")
    capa = []
    while True:
        line = c.readline()
        capa.append(line)
        if line == ".":
            break
    assert "STLS" in capa and "USER" not in capa and "SASL LOGIN" not in capa
    assert "SASL " in capa
    c.send(f"USER {USER}")
    assert c.readline() == PLAINTEXT_ERR
    c.send(f"PASS {PASSWORD}")
    assert c.readline() == "-ERR No username given."
    c.send("QUIT")
    assert c.readline() == "+OK Logging out"
    c.close()
    wait_log_re(login_server, r"pop3-login: Info: Aborted login \(tried to use disallowed "
                              r"plaintext auth\): user=<john@example\.com>, method=PLAIN, "
                              r"rip=127\.0\.0\.2, lip=127\.0\.0\.1, session=<")
    # after STLS the same connection may log in
    c = Client.connect(login_server.ports["pop3"], source="127.0.0.2")
    c.readline()
    c.send("STLS")
    assert c.readline() == "+OK Begin TLS negotiation now."
    c.starttls()
    c.send(f"USER {USER}")
    assert c.readline() == "+OK"
    c.send(f"PASS {PASSWORD}")
    assert c.readline() == "+OK Logged in."
    c.close()


def test_wrong_password_after_delay(login_server):
    c = Client.connect(login_server.ports["pop3"])
    c.readline()
    c.send(f"USER {USER}")
    c.readline()
    c.send("PASS wrong")
    reply, secs = elapsed(c.readline)
    assert reply == "-ERR [AUTH] Authentication failed."
    assert 1.5 <= secs < 3.5, secs
    c.send("QUIT")
    assert c.readline() == "+OK Logging out"
    c.close()
    wait_log_re(login_server, r"pop3-login: Info: Aborted login \(auth failed, 1 attempts in "
                              r"[23] secs\): user=<john@example\.com>, method=PLAIN, "
                              r"rip=127\.0\.0\.1, lip=127\.0\.0\.1, secured, session=<")


def test_unknown_user_and_temp_failure(login_server):
    c = Client.connect(login_server.ports["pop3"])
    c.readline()
    c.send("USER nobody@example.com")
    c.readline()
    c.send("PASS x")
    assert c.readline() == "-ERR [AUTH] Authentication failed."
    # the passdb file disappears: auth cannot decide
    (login_server.root / "users").rename(login_server.root / "users.gone")
    c.send(f"USER {USER}")
    c.readline()
    c.send(f"PASS {PASSWORD}")
    assert c.readline().startswith("-ERR [SYS/TEMP] ")
    c.close()


def test_pop3_login_process_is_unprivileged(login_server):
    c = Client.connect(login_server.ports["pop3"])
    c.readline()
    pids = wait_for(lambda: processes_named(login_server, "pop3-login"), what="pop3-login")
    for pid in pids:
        assert proc_uid(pid) == pwd.getpwnam("roostnull").pw_uid
    c.send(f"USER {USER}")
    c.readline()
    c.send(f"PASS {PASSWORD}")
    assert c.readline() == "+OK Logged in."
    wait_for(lambda: [p for p in processes_named(login_server, "pop3")
                      if proc_uid(p) == pwd.getpwnam("vmail").pw_uid], what="pop3 as vmail")
    c.close()


def test_pop3_session_after_login_retrieves_and_deletes(login_server):
    """The whole path: pop3s login, hand-off, POP3 on the user's Maildir."""
    body = b"From: a@example.com\r\nSubject: hello\r\n\r\n.leading dot\r\nline 2\r\n"
    p = poplib.POP3_SSL("127.0.0.1", login_server.ports["pop3s"], context=client_tls_context())
    p.user(USER)
    p.pass_(PASSWORD)
    assert p.stat() == (0, 0)
    p.quit()
    # deliver into the Maildir the session created, as the mail user
    vmail = pwd.getpwnam("vmail")
    new_dir = login_server.mail_root / "example.com" / "john" / "Maildir" / "new"
    msg = new_dir / ("1700000000.M1P1.test,S=%d" % len(body.replace(b"\r\n", b"\n")))
    msg.write_bytes(body.replace(b"\r\n", b"\n"))
    os.chown(msg, vmail.pw_uid, vmail.pw_gid)
    url = f"pop3s://127.0.0.1:{login_server.ports['pop3s']}/1"
    got = subprocess.run(["curl", "-sk", url, "--user", f"{USER}:{PASSWORD}"],
                         capture_output=True, timeout=30)
    assert got.returncode == 0 and got.stdout == body, got
    bad = subprocess.run(["curl", "-sk", url, "--user", f"{USER}:wrong"],
                         capture_output=True, timeout=30)
    assert bad.returncode == 67 and bad.stdout == b"", bad  # CURLE_LOGIN_DENIED
    p = poplib.POP3_SSL("127.0.0.1", login_server.ports["pop3s"], context=client_tls_context())
    p.user(USER)
    p.pass_(PASSWORD)
    count, size = p.stat()
    assert count == 1 and size == len(body)
    resp, lines, octets = p.retr(1)
    assert b"\r\n".join(lines) + b"\r\n" == body
    p.dele(1)
    p.quit()
    p = poplib.POP3_SSL("127.0.0.1", login_server.ports["pop3s"], context=client_tls_context())
    p.user(USER)
    p.pass_(PASSWORD)
    assert p.stat() == (0, 0)
    p.quit()


# ---- every TRANSACTION command through the whole path, POP3S and STLS ----

MSG_DOTS = b"From: a@example.com\nSubject: dots\n\n.leading dot\n..two\n.\nend\n"
MSG_CRLF = b"From: b@example.com\r\nSubject: crlf\r\n\r\nl1\r\nl2\r\nl3\r\n"
MSG_8BIT = "Subject: caf\u00e9\n\nna\u00efve \u00fcber\n".encode()


def wire(data):
    data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    return data if data.endswith(b"\r\n") else data + b"\r\n"


def deliver(server, name, data):
    """Into the user's Maildir/new as the mail user (the Maildir exists)."""
    vmail = pwd.getpwnam("vmail")
    path = server.mail_root / "example.com" / "john" / "Maildir" / "new" / name
    path.write_bytes(data)
    os.chown(path, vmail.pw_uid, vmail.pw_gid)


def pop_login(server, transport, method="user"):
    if transport == "pop3s":
        p = poplib.POP3_SSL("127.0.0.1", server.ports["pop3s"], context=client_tls_context())
    else:
        p = poplib.POP3("127.0.0.1", server.ports["pop3"], timeout=15)
        assert "STLS" in p.capa()
        assert p.stls(context=client_tls_context()) == b"+OK Begin TLS negotiation now."
        assert "STLS" not in p.capa()
    if method == "user":
        assert p.user(USER) == b"+OK"
        assert p.pass_(PASSWORD) == b"+OK Logged in."
    elif method == "auth":
        # RFC 6856 UTF8 first, then RFC 5034 AUTH with an initial response
        assert p._shortcmd("UTF8") == b"+OK UTF8 enabled"
        resp = base64.b64encode(f"\0{USER}\0{PASSWORD}".encode()).decode()
        assert p._shortcmd(f"AUTH PLAIN {resp}") == b"+OK Logged in."
    else:
        assert p.apop(USER, PASSWORD) == b"+OK Logged in."
    return p


@pytest.mark.parametrize("transport", ["pop3s", "stls"])
def test_every_command_through_login(login_server_factory, transport):
    server = login_server_factory("auth_mechanisms = plain login apop\n")
    pop_login(server, transport, "auth").quit()  # creates the Maildir
    msgs = [MSG_DOTS, MSG_CRLF, MSG_8BIT]
    for i, data in enumerate(msgs):
        deliver(server, f"17000000{i:02d}.M{i}P1.test", data)
    sizes = [len(wire(m)) for m in msgs]

    p = pop_login(server, transport)
    caps = p.capa()
    for cap in ("TOP", "UIDL", "RESP-CODES", "PIPELINING", "UTF8"):
        assert cap in caps, caps
    assert p.stat() == (3, sum(sizes))
    assert p.list() == (b"+OK 3 messages:", [b"%d %d" % (i + 1, n) for i, n in
                                             enumerate(sizes)], p.list()[2])
    assert p.list(2) == b"+OK 2 %d" % sizes[1]
    uidls = p.uidl()[1]
    assert [u.split()[0] for u in uidls] == [b"1", b"2", b"3"]
    assert p.uidl(3) == b"+OK " + uidls[2]
    for i, data in enumerate(msgs):
        resp, lines, _ = p.retr(i + 1)
        assert resp == b"+OK %d octets" % sizes[i]
        assert b"\r\n".join(lines) + b"\r\n" == wire(data)  # poplib un-stuffs
    assert p.top(2, 1)[1] == [b"From: b@example.com", b"Subject: crlf", b"", b"l1"]
    assert p.noop() == b"+OK"
    for cmd, answer in [("RETR 9", b"-ERR There's no message 9."),
                        ("RETR x", b"-ERR Invalid message number: x"),
                        ("TOP 1 x", b"-ERR Invalid size: x"),
                        ("LIST 0", b"-ERR There's no message 0."),
                        ("DELE", b"-ERR Invalid message number: "),
                        ("FOO", b"-ERR Unknown command: FOO")]:
        with pytest.raises(poplib.error_proto) as e:
            p._shortcmd(cmd)
        assert e.value.args[0] == answer, cmd
    assert p.dele(1) == b"+OK Marked to be deleted."
    assert p.stat() == (2, sizes[1] + sizes[2])
    with pytest.raises(poplib.error_proto) as e:
        p.retr(1)
    assert e.value.args[0] == b"-ERR Message is deleted."
    assert p.rset() == b"+OK"
    assert p.stat()[0] == 3
    p.dele(1)
    p.close()  # dropped without QUIT: nothing is deleted

    p = pop_login(server, transport, "apop")
    assert p.stat()[0] == 3 and p.uidl()[1] == uidls
    p.dele(1)
    assert p.quit() == b"+OK Logging out, messages deleted."
    p = pop_login(server, transport)
    assert p.stat() == (2, sizes[1] + sizes[2])
    assert [u.split()[1] for u in p.uidl()[1]] == [u.split()[1] for u in uidls[1:]]
    p.quit()
    check_logged_in(server, tls=True)
    wait_log_re(server, r"pop3-login: Info: Login: user=<john@example\.com>, "
                              r"method=APOP, rip=127\.0\.0\.1, lip=127\.0\.0\.1, mpid=\d+, TLS, ")


def test_lock_session_in_use_through_login(login_server_factory):
    server = login_server_factory("pop3_lock_session = yes\n")
    first = pop_login(server, "pop3s")
    assert first.stat() == (0, 0)
    second = poplib.POP3_SSL("127.0.0.1", server.ports["pop3s"], context=client_tls_context())
    second.user(USER)
    with pytest.raises(poplib.error_proto) as e:
        second.pass_(PASSWORD)
    assert e.value.args[0] == b"-ERR [IN-USE] Mailbox is locked by another POP3 session."
    second.close()
    assert first.quit() == b"+OK Logging out."
    third = pop_login(server, "stls")
    assert third.stat() == (0, 0)
    third.quit()


def test_login_timeout(login_server_factory):
    server = login_server_factory("login_timeout = 2 secs\n")
    c = Client.connect(server.ports["pop3s"], tls=True)
    assert c.readline() == "+OK Roost ready."
    c.send(f"USER {USER}")
    assert c.readline() == "+OK"
    out, secs = elapsed(c.read_until_closed)
    assert out == "-ERR Disconnected for inactivity.\r\n" and 1 <= secs < 4, (out, secs)
    wait_log_re(server, r"pop3-login: Info: Disconnected: Inactivity \(no auth attempts in 2 "
                        r"secs\): user=<john@example\.com>, rip=127\.0\.0\.1, "
                        r"lip=127\.0\.0\.1, TLS, session=<")
