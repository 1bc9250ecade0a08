"""imap-login through the real master with the real auth service, anvil and
the post-login imap process: implicit TLS and STARTTLS with openssl
s_client, Python's imaplib, plaintext refusal from 127.0.0.2 exactly as
the seed shows it, wrong passwords after the failure delay and the login
penalty, privilege separation seen in /proc, and Dovecot-shaped logs."""
import base64
import imaplib
import os
import pwd
import re
import subprocess
import time

from conftest import build_path, wait_for, proc_uid
from login_util import (USER, PASSWORD, Client, client_tls_context, elapsed, log_lines,
                        wait_log_re, processes_named)
from login_util import login_server, login_server_factory, login_root, login_certs  # noqa: F401
from sasl_util import ScramClient, digest_md5_answer

SESSION = r"session=<[A-Za-z0-9+/]{16}>"
PLAINTEXT_ALERT = ("* BAD [ALERT] Plaintext authentication not allowed without SSL/TLS, but "
                   "your client did it anyway. If anyone was listening, the password was "
                   "exposed.")
PRIVACY_NO = ("NO [PRIVACYREQUIRED] Plaintext authentication disallowed on non-secure "
              "(SSL/TLS) connections.")


def s_client(args, stdin):
    p = subprocess.run(["openssl", "s_client", *args, "-quiet"], input=stdin,
                       capture_output=True, text=True, timeout=30)
    return p.stdout


def vmail():
    return pwd.getpwnam("vmail")


def check_logged_in(server, tls):
    """The login line of imap-login and the post-login line of imap agree
    on pid and session, and imap runs as vmail with the static home."""
    state = "TLS" if tls else "secured"
    line = wait_log_re(server, r"imap-login: Info: Login: ")[-1]
    m = re.search(r"imap-login: Info: Login: user=<john@example\.com>, method=PLAIN, "
                  r"rip=127\.0\.0\.1, lip=127\.0\.0\.1, mpid=(\d+), " + state +
                  r", session=<([A-Za-z0-9+/]{16})>$", line)
    assert m, line
    pid, session = m.group(1), m.group(2)
    home = f"{server.mail_root}/example.com/john"
    wait_log_re(server, re.escape(f"imap(john@example.com)<{pid}><{session}>: Info: "
                                  f"Logged in: uid={vmail().pw_uid}, gid={vmail().pw_gid}, "
                                  f"home={home}"))


def test_imaps_s_client_seed_dialogue(login_server):
    out = s_client(["-connect", f"127.0.0.1:{login_server.ports['imaps']}"],
                   f"a1 CAPABILITY\na2 LOGIN {USER} {PASSWORD}\na3 SELECT INBOX\na4 LOGOUT\n")
    lines = out.splitlines()
    assert lines[0].startswith("* OK [CAPABILITY IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS "
                               "ID ENABLE IDLE AUTH=PLAIN AUTH=LOGIN] Roost ready."), out
    # implicit TLS: no STARTTLS any more
    assert "STARTTLS" not in out
    assert "a1 OK Pre-login capabilities listed" in out
    assert "a2 OK [CAPABILITY IMAP4rev1" in out and "] Logged in" in out
    assert "a3 OK [READ-WRITE] Select completed" in out and "* BYE Logging out" in out
    check_logged_in(login_server, tls=True)


def expect_imap_session(c, tag):
    """After LOGIN: the post-login imap answers the tag with its
    capabilities and serves the mailbox."""
    line = c.readline()
    assert line.startswith(f"{tag} OK [CAPABILITY IMAP4rev1 ") and line.endswith("] Logged in")
    c.send("s1 SELECT INBOX")
    while True:
        line = c.readline()
        if line.startswith("s1 "):
            break
    assert line.startswith("s1 OK [READ-WRITE]"), line


def test_starttls_s_client(login_server):
    out = s_client(["-connect", f"127.0.0.1:{login_server.ports['imap']}", "-starttls", "imap"],
                   f"a2 LOGIN {USER} {PASSWORD}\na3 SELECT INBOX\na4 LOGOUT\n")
    assert "a2 OK [CAPABILITY IMAP4rev1" in out, out
    assert "a3 OK [READ-WRITE] Select completed" in out and "* BYE Logging out" in out
    check_logged_in(login_server, tls=True)


def test_imaplib_over_tls(login_server):
    m = imaplib.IMAP4_SSL("127.0.0.1", login_server.ports["imaps"],
                          ssl_context=client_tls_context())
    typ, data = m.login(USER, PASSWORD)
    assert typ == "OK" and data[0].startswith(b"[CAPABILITY IMAP4rev1 ")
    assert data[0].endswith(b"] Logged in")
    m.shutdown()
    check_logged_in(login_server, tls=True)


def test_imaplib_authenticate_plain_continuation(login_server):
    m = imaplib.IMAP4_SSL("127.0.0.1", login_server.ports["imaps"],
                          ssl_context=client_tls_context())
    # imaplib sends AUTHENTICATE PLAIN and answers the "+ " continuation
    typ, data = m.authenticate("PLAIN", lambda _: f"\0{USER}\0{PASSWORD}".encode())
    assert typ == "OK"
    m.shutdown()
    check_logged_in(login_server, tls=True)


def test_sasl_ir_and_literals(login_server):
    c = Client.connect(login_server.ports["imaps"], tls=True)
    c.readline()
    ir = base64.b64encode(f"\0{USER}\0wrong".encode()).decode()
    c.send(f"a1 AUTHENTICATE PLAIN {ir}")
    assert c.readline() == "a1 NO [AUTHENTICATIONFAILED] Authentication failed."
    # a synchronizing literal for the user, LITERAL+ for the password
    c.send("a2 LOGIN {%d}" % len(USER))
    assert c.readline() == "+ OK"
    c.sock.sendall(USER.encode() + b" {%d+}\r\n" % len(PASSWORD) + PASSWORD.encode() + b"\r\n")
    expect_imap_session(c, "a2")
    c.close()


def test_plaintext_refusal_matches_seed(login_server):
    c = Client.connect(login_server.ports["imap"], source="127.0.0.2")
    greeting = c.readline()
    assert greeting == ("* OK [CAPABILITY IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID "
                        "ENABLE IDLE STARTTLS LOGINDISABLED] Roost ready.")
    c.send(". login toto@mondomaine.local motDePasseDeToto")
    assert c.readline() == PLAINTEXT_ALERT
    assert c.readline() == ". " + PRIVACY_NO
    c.send(". logout")
    assert c.readline() == "* BYE Logging out"
    assert c.readline() == ". OK Logout completed."
    assert c.read_until_closed() == ""
    line = wait_log_re(login_server, r"Aborted login \(tried to use disallowed plaintext")[0]
    assert re.search(r"imap-login: Info: Aborted login \(tried to use disallowed plaintext "
                     r"auth\): user=<toto@mondomaine\.local>, method=PLAIN, rip=127\.0\.0\.2, "
                     r"lip=127\.0\.0\.1, " + SESSION + "$", line), line
    # AUTHENTICATE PLAIN is refused the same way
    c = Client.connect(login_server.ports["imap"], source="127.0.0.2")
    c.readline()
    c.send("a1 AUTHENTICATE PLAIN")
    assert c.readline() == "a1 " + PRIVACY_NO
    c.close()


def test_starttls_changes_capabilities_and_drops_pipelined_plaintext(login_server):
    c = Client.connect(login_server.ports["imap"], source="127.0.0.2")
    c.readline()
    # the LOGIN pipelined after STARTTLS must never be executed
    c.sock.sendall(b"a1 STARTTLS\r\na2 LOGIN " + USER.encode() + b" " + PASSWORD.encode() +
                   b"\r\n")
    assert c.readline() == "a1 OK Begin TLS negotiation now."
    c.starttls()
    c.send("a3 CAPABILITY")
    caps = c.readline()
    assert caps == ("* CAPABILITY IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE IDLE "
                    "AUTH=PLAIN AUTH=LOGIN"), caps
    assert c.readline().startswith("a3 OK")
    c.send("a4 STARTTLS")
    assert c.readline() == "a4 BAD TLS is already active."
    c.send(f"a5 LOGIN {USER} {PASSWORD}")
    expect_imap_session(c, "a5")
    c.close()
    assert not log_lines(login_server, r"a2")


def test_local_plaintext_login(login_server):
    """127.0.0.1 -> 127.0.0.1: remote IP equals local IP, so it is secure."""
    c = Client.connect(login_server.ports["imap"])
    greeting = c.readline()
    assert "LOGINDISABLED" not in greeting and "AUTH=PLAIN" in greeting
    c.send(f"a2 LOGIN {USER} {PASSWORD}")
    expect_imap_session(c, "a2")
    check_logged_in(login_server, tls=False)
    c.close()


def test_trusted_networks_make_plaintext_secure(login_server_factory):
    server = login_server_factory("login_trusted_networks = 127.0.0.2/32\n")
    c = Client.connect(server.ports["imap"], source="127.0.0.2")
    assert "LOGINDISABLED" not in c.readline()
    c.send(f"a2 LOGIN {USER} {PASSWORD}")
    expect_imap_session(c, "a2")
    c.close()


def test_auth_allow_cleartext_alias(login_server_factory):
    server = login_server_factory("auth_allow_cleartext = yes\n")
    c = Client.connect(server.ports["imap"], source="127.0.0.2")
    assert "LOGINDISABLED" not in c.readline()
    c.close()


def test_literal_minus_in_pre_and_post_login_capability(login_server_factory):
    """imap_literal_minus = yes turns LITERAL+ into LITERAL- in the
    greeting, pre-login CAPABILITY and after login, as in Dovecot."""
    server = login_server_factory("imap_literal_minus = yes\n")
    c = Client.connect(server.ports["imap"])
    greeting = c.readline()
    assert " LITERAL- " in greeting and "LITERAL+" not in greeting, greeting
    c.send("a1 CAPABILITY")
    caps = c.readline()
    assert " LITERAL- " in caps and "LITERAL+" not in caps, caps
    assert c.readline().startswith("a1 OK ")
    c.send(f"a2 LOGIN {USER} {PASSWORD}")
    reply = c.readline()
    assert reply.startswith("a2 OK [CAPABILITY ") and " LITERAL- " in reply, reply
    assert "LITERAL+" not in reply, reply
    c.close()


def test_wrong_password_delay_penalty_and_log(login_server):
    def attempt():
        c = Client.connect(login_server.ports["imaps"], tls=True)
        c.readline()
        c.send(f"a2 LOGIN {USER} wrong")
        reply, secs = elapsed(c.readline)
        c.send("a3 LOGOUT")
        c.readline()
        c.readline()
        c.close()
        return reply, secs

    reply, first = attempt()
    assert reply == "a2 NO [AUTHENTICATIONFAILED] Authentication failed."
    assert 1.5 <= first < 3.5, first
    # the second failure from the same IP waits for the penalty on top
    reply, second = attempt()
    assert reply == "a2 NO [AUTHENTICATIONFAILED] Authentication failed."
    assert second >= first + 0.8, (first, second)
    lines = wait_log_re(login_server, r"Aborted login \(auth failed")
    assert re.search(r"imap-login: Info: Aborted login \(auth failed, 1 attempts in [23] "
                     r"secs\): user=<john@example\.com>, method=PLAIN, rip=127\.0\.0\.1, "
                     r"lip=127\.0\.0\.1, TLS, " + SESSION + "$", lines[0]), lines[0]


def test_disconnect_reasons_logged(login_server):
    c = Client.connect(login_server.ports["imap"])
    c.readline()
    c.close()
    line = wait_log_re(login_server, r"Disconnected \(no auth attempts")[0]
    assert re.search(r"imap-login: Info: Disconnected \(no auth attempts in 0 secs\): "
                     r"user=<>, rip=127\.0\.0\.1, lip=127\.0\.0\.1, secured, " + SESSION + "$",
                     line), line
    c = Client.connect(login_server.ports["imap"], source="127.0.0.2")
    c.readline()
    for i in range(3):
        c.send(f"x{i} BOGUS")
        assert c.readline() == f"x{i} BAD Error in IMAP command received by server."
    assert c.readline() == "* BYE Too many invalid commands."
    assert c.read_until_closed() == ""
    wait_log_re(login_server, r"Disconnected: Too many invalid commands \(no auth attempts in "
                              r"0 secs\): user=<>, rip=127\.0\.0\.2")
    # a TLS client that never finishes the handshake
    s = Client.connect(login_server.ports["imaps"])
    s.sock.sendall(b"this is not TLS\r\n\r\n")
    s.read_until_closed()
    wait_log_re(login_server, r"imap-login: Info: Disconnected \(TLS handshake failed: .+\): "
                              r"user=<>, rip=127\.0\.0\.1, lip=127\.0\.0\.1, TLS handshaking, ")


def test_forged_user_cannot_add_fields(login_server):
    c = Client.connect(login_server.ports["imap"])
    c.readline()
    c.send('a1 LOGIN "x, rip=203.0.113.98" wrong')
    assert c.readline().startswith("a1 NO")
    c.close()
    line = wait_log_re(login_server, r"Disconnected \(auth failed")[0]
    assert "user=<x? rip=203.0.113.98>, method=PLAIN, rip=127.0.0.1," in line, line
    assert ", rip=203.0.113.98" not in line


def test_privilege_separation_in_proc(login_server):
    roostnull = pwd.getpwnam("roostnull").pw_uid
    c = Client.connect(login_server.ports["imap"])
    c.readline()
    login_pids = wait_for(lambda: processes_named(login_server, "imap-login"),
                          what="imap-login process")
    for pid in login_pids:
        assert proc_uid(pid) == roostnull
        root = os.readlink(f"/proc/{pid}/root")
        assert root == str(login_server.base_dir / "login"), root
        # the mail directory is outside its root, and its uid could not
        # read it anyway (0700 vmail)
        assert not os.path.exists(f"/proc/{pid}/root{login_server.mail_root}")
        st = os.stat(login_server.mail_root)
        assert st.st_uid == vmail().pw_uid and (st.st_mode & 0o077) == 0
        assert sorted(os.listdir(f"/proc/{pid}/root")) == ["imap", "login", "pop3"]
    # the post-login process runs as the mail user while the client is there
    c.send(f"a2 LOGIN {USER} {PASSWORD}")
    expect_imap_session(c, "a2")
    imap_pids = wait_for(lambda: [p for p in processes_named(login_server, "imap")
                                  if proc_uid(p) == vmail().pw_uid],
                         what="imap process as vmail")
    assert imap_pids
    c.close()


def roostadm_who(server):
    from conftest import build_path
    p = subprocess.run([build_path("src", "admin", "roostadm"), "-c", str(server.config_path),
                        "who"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    return p.stdout.splitlines()


def test_roostadm_who_lists_sessions(login_server):
    assert roostadm_who(login_server)[1:] == []
    c = Client.connect(login_server.ports["imap"])
    c.readline()
    c.send(f"a2 LOGIN {USER} {PASSWORD}")
    expect_imap_session(c, "a2")
    pid = re.search(r"mpid=(\d+)", wait_log_re(login_server, r"Login: ")[-1]).group(1)
    rows = wait_for(lambda: roostadm_who(login_server)[1:], what="a session in who")
    assert re.match(r"^john@example\.com +1 imap +\(" + pid + r"\) +\(127\.0\.0\.1\)$",
                    rows[0]), rows
    c.close()
    # the session ends with the post-login process's anvil connection
    wait_for(lambda: roostadm_who(login_server)[1:] == [], what="session gone from who")


def test_imap_session_end_to_end_with_imaplib_and_curl(login_server):
    """imaps login, hand-off, then a real IMAP session on the user's Maildir."""
    msg = b"From: a@example.com\r\nSubject: e2e\r\n\r\nhello\r\n"
    m = imaplib.IMAP4_SSL("127.0.0.1", login_server.ports["imaps"],
                          ssl_context=client_tls_context())
    m.login(USER, PASSWORD)
    typ, data = m.append("INBOX", r"(\Flagged)", None, msg)
    assert typ == "OK" and b"APPENDUID" in data[0]
    typ, data = m.select("INBOX")
    assert typ == "OK" and data == [b"1"]
    typ, data = m.fetch("1", "(FLAGS BODY.PEEK[])")
    assert typ == "OK" and data[0][1] == msg and b"\\Flagged" in data[0][0]
    typ, data = m.search(None, "SUBJECT", "e2e")
    assert data == [b"1"]
    m.logout()
    base = f"imaps://127.0.0.1:{login_server.ports['imaps']}"
    got = subprocess.run(["curl", "-sk", f"{base}/INBOX;UID=1", "--user", f"{USER}:{PASSWORD}"],
                         capture_output=True, timeout=30)
    assert got.returncode == 0 and got.stdout == msg, got
    listing = subprocess.run(["curl", "-sk", f"{base}/", "--user", f"{USER}:{PASSWORD}"],
                             capture_output=True, text=True, timeout=30)
    assert listing.returncode == 0 and "INBOX" in listing.stdout, listing
    starttls = subprocess.run(["curl", "-sk", "--ssl-reqd",
                               f"imap://127.0.0.1:{login_server.ports['imap']}/INBOX;UID=1",
                               "--user", f"{USER}:{PASSWORD}"], capture_output=True, timeout=30)
    assert starttls.returncode == 0 and starttls.stdout == msg, starttls
    bad = subprocess.run(["curl", "-sk", f"{base}/", "--user", f"{USER}:wrong"],
                         capture_output=True, timeout=30)
    assert bad.returncode != 0


def imap_digest_md5(c, tag, user, password):
    """AUTHENTICATE DIGEST-MD5 with the client side computed here; returns
    the tagged reply."""
    c.send(f"{tag} AUTHENTICATE DIGEST-MD5")
    line = c.readline()
    assert line.startswith("+ "), line
    answer, rspauth = digest_md5_answer(base64.b64decode(line[2:]), user, password)
    c.send(base64.b64encode(answer).decode())
    line = c.readline()
    if line.startswith("+ "):
        assert base64.b64decode(line[2:]).decode() == f"rspauth={rspauth}"
        c.send("")
        line = c.readline()
    return line


def test_authenticate_digest_md5_through_libsasl2(login_server_factory):
    server = login_server_factory("auth_mechanisms = plain login digest-md5\n"
                                  "auth_failure_delay = 0\n")
    hashed = subprocess.run([build_path("src", "admin", "roostadm"), "pw", "-s",
                             "SHA512-CRYPT", "-p", "shapw"], capture_output=True, text=True,
                            check=True).stdout.strip()
    with open(server.root / "users", "a") as f:
        f.write(f"sha@example.com:{hashed}::::\n")
    c = Client.connect(server.ports["imaps"], tls=True)
    assert "AUTH=DIGEST-MD5" in c.readline()
    line = imap_digest_md5(c, "a1", USER, PASSWORD)
    assert line.startswith("a1 OK [CAPABILITY IMAP4rev1 ") and line.endswith("] Logged in")
    c.send("s1 SELECT INBOX")
    while not line.startswith("s1 "):
        line = c.readline()
    assert line.startswith("s1 OK [READ-WRITE]"), line
    c.close()
    wait_log_re(server, r"imap-login: Info: Login: user=<john@example\.com>, "
                        r"method=DIGEST-MD5, rip=127\.0\.0\.1, lip=127\.0\.0\.1, mpid=\d+, TLS")
    # DIGEST-MD5 is not a plaintext mechanism: allowed from 127.0.0.2
    # without TLS, where PLAIN is not
    c = Client.connect(server.ports["imap"], source="127.0.0.2")
    greeting = c.readline()
    assert "LOGINDISABLED" in greeting and "AUTH=DIGEST-MD5" in greeting
    assert "AUTH=PLAIN" not in greeting
    assert imap_digest_md5(c, "a1", USER, "wrong") == ("a1 NO [AUTHENTICATIONFAILED] "
                                                        "Authentication failed.")
    assert imap_digest_md5(c, "a2", "sha@example.com", "shapw") == (
        "a2 NO [AUTHENTICATIONFAILED] Authentication failed.")
    wait_log_re(server, r"auth: Info: digest-md5\(sha@example\.com,127\.0\.0\.2,<[^>]+>\): "
                        r"Requested PLAIN scheme for DIGEST-MD5 \(libsasl2 needs the "
                        r"password\), but we have only SHA512-CRYPT")
    line = imap_digest_md5(c, "a3", USER, PASSWORD)
    assert line.startswith("a3 OK [CAPABILITY IMAP4rev1 "), line
    c.close()
    # curl's own DIGEST-MD5 client, over IMAP and POP3 ("pop" in its
    # digest-uri, RFC 5034)
    for url in (f"imap://127.0.0.1:{server.ports['imap']}/INBOX",
                f"pop3://127.0.0.1:{server.ports['pop3']}/"):
        got = subprocess.run(["curl", "-s", url, "--login-options", "AUTH=DIGEST-MD5",
                              "--user", f"{USER}:{PASSWORD}"], capture_output=True,
                             text=True, timeout=30)
        assert got.returncode == 0, (url, got)
        bad = subprocess.run(["curl", "-s", url, "--login-options", "AUTH=DIGEST-MD5",
                              "--user", f"{USER}:wrong"], capture_output=True, timeout=30)
        assert bad.returncode == 67, (url, bad)  # CURLE_LOGIN_DENIED
    wait_log_re(server, r"pop3-login: Info: Login: user=<john@example\.com>, "
                        r"method=DIGEST-MD5, rip=127\.0\.0\.1")


def test_login_timeout(login_server_factory, tmp_path):
    """A client that has not logged in within login_timeout (Dovecot's fixed
    3 minutes, the default) is told so and disconnected."""
    server = login_server_factory("login_timeout = 2 secs\n")
    # silent client
    c = Client.connect(server.ports["imap"])
    c.readline()
    out, secs = elapsed(c.read_until_closed)
    assert out == "* BYE Disconnected for inactivity.\r\n" and 1.5 <= secs < 4, (out, secs)
    wait_log_re(server, r"imap-login: Info: Disconnected: Inactivity \(no auth attempts in 2 "
                        r"secs\): user=<>, rip=127\.0\.0\.1, lip=127\.0\.0\.1, secured, " +
                SESSION + "$")
    # the limit counts from the connection, not from the last command
    c = Client.connect(server.ports["imaps"], tls=True)
    c.readline()
    for i in range(3):
        c.send(f"n{i} NOOP")
        assert c.readline() == f"n{i} OK NOOP completed."
        time.sleep(0.4)
    out, secs = elapsed(c.read_until_closed)
    assert out == "* BYE Disconnected for inactivity.\r\n" and secs < 2, (out, secs)
    # a SASL exchange left half-way
    c = Client.connect(server.ports["imaps"], tls=True)
    c.readline()
    c.send("a1 AUTHENTICATE PLAIN")
    assert c.readline() == "+ "
    assert c.read_until_closed() == "* BYE Disconnected for inactivity.\r\n"
    wait_log_re(server, r"imap-login: Info: Disconnected: Inactivity \(client didn't finish "
                        r"SASL auth, waited [12] secs\): user=<>, method=PLAIN, "
                        r"rip=127\.0\.0\.1, lip=127\.0\.0\.1, TLS, ")
    # without the setting: Dovecot's 3 minutes
    conf = tmp_path / "default.conf"
    conf.write_text(f"base_dir = {tmp_path}/run\n")
    p = subprocess.run([build_path("src", "config", "roostconf"), "-c", str(conf),
                        "login_timeout"], capture_output=True, text=True, timeout=30)
    assert p.stdout.strip() == "login_timeout = 3 mins", p


def test_one_login_process_serves_many_clients(login_server_factory):
    """Dovecot's high-performance mode: service_count = 0 and client_limit
    > 1 make one imap-login process serve several clients at once, the
    TLS ones also after login (it keeps proxying them)."""
    server = login_server_factory(
        "service imap-login {\n  service_count = 0\n  client_limit = 10\n"
        "  process_limit = 1\n}\n"
        "login_log_format_elements = user=<%u> method=%m rip=%r lip=%l mpid=%e %c "
        "session=<%{session}> lpid=%{pid}\n")
    clients = [Client.connect(server.ports["imaps"], tls=True) for _ in range(3)]
    clients += [Client.connect(server.ports["imap"]) for _ in range(2)]
    for c in clients:
        assert c.readline().startswith("* OK [CAPABILITY ")
    login_pids = processes_named(server, "imap-login")
    assert len(login_pids) == 1, login_pids
    # a wrong password waits auth_failure_delay; the others are served
    # meanwhile by the same process
    clients[0].send(f"a1 LOGIN {USER} wrong")
    start = time.monotonic()
    for c in clients[1:]:
        c.send(f"a1 LOGIN {USER} {PASSWORD}")
    for c in clients[1:]:
        expect_imap_session(c, "a1")
    assert time.monotonic() - start < 1.5
    assert clients[0].readline() == "a1 NO [AUTHENTICATIONFAILED] Authentication failed."
    assert time.monotonic() - start >= 1.5
    clients[0].send(f"a2 LOGIN {USER} {PASSWORD}")
    expect_imap_session(clients[0], "a2")
    lines = wait_for(lambda: len(log_lines(server, r"imap-login: Info: Login: ")) == 5 and
                     log_lines(server, r"imap-login: Info: Login: "), what="5 logins")
    assert {re.search(r"lpid=(\d+)$", x).group(1) for x in lines} == {str(login_pids[0])}
    assert len({re.search(r"mpid=(\d+)", x).group(1) for x in lines}) == 5
    # the TLS sessions go on through the login process
    for i, c in enumerate(clients):
        c.send(f"n{i} NOOP")
        line = c.readline()
        while not line.startswith(f"n{i} "):
            line = c.readline()
        assert line == f"n{i} OK NOOP completed.", line
    assert processes_named(server, "imap-login") == login_pids
    for c in clients:
        c.close()


def test_authenticate_scram_sends_server_final(login_server_factory):
    """SCRAM's server-final message (the server's proof) comes with auth's
    OK; over IMAP it goes to the client as a last "+ " continuation, which
    the client answers with an empty line, as Dovecot does."""
    server = login_server_factory("auth_mechanisms = plain scram-sha-256\n"
                                  "auth_failure_delay = 0\n")
    c = Client.connect(server.ports["imaps"], tls=True)
    assert "AUTH=SCRAM-SHA-256" in c.readline()
    scram = ScramClient(USER, PASSWORD)
    c.send("a1 AUTHENTICATE SCRAM-SHA-256 " + base64.b64encode(scram.first()).decode())
    line = c.readline()
    assert line.startswith("+ "), line
    c.send(base64.b64encode(scram.final(base64.b64decode(line[2:]))).decode())
    line = c.readline()
    assert line.startswith("+ ") and base64.b64decode(line[2:]).decode() == scram.server_final
    c.send("")
    expect_imap_session(c, "a1")
    c.close()
    # anything but an empty answer to it fails the login
    c = Client.connect(server.ports["imaps"], tls=True)
    c.readline()
    scram = ScramClient(USER, PASSWORD)
    c.send("a1 AUTHENTICATE SCRAM-SHA-256 " + base64.b64encode(scram.first()).decode())
    line = c.readline()
    c.send(base64.b64encode(scram.final(base64.b64decode(line[2:]))).decode())
    assert c.readline().startswith("+ ")
    c.send(base64.b64encode(b"x").decode())
    assert c.readline() == "a1 NO [AUTHENTICATIONFAILED] Authentication failed."
    # POP3: the same through AUTH
    c = Client.connect(server.ports["pop3s"], tls=True)
    c.readline()
    scram = ScramClient(USER, PASSWORD)
    c.send("AUTH SCRAM-SHA-256 " + base64.b64encode(scram.first()).decode())
    line = c.readline()
    c.send(base64.b64encode(scram.final(base64.b64decode(line[2:]))).decode())
    line = c.readline()
    assert line.startswith("+ ") and base64.b64decode(line[2:]).decode() == scram.server_final
    c.send("")
    assert c.readline() == "+OK Logged in."
    c.close()
