"""passdb sql and userdb sql against a real MariaDB (sql_util.py starts a
private server): the seed documents' dovecot-sql.conf.ext (virtual_users,
SHA512-CRYPT, password_query on email='%u'), over TCP and a unix socket;
IMAP logins over TLS through imap-login, wrong passwords and unknown users,
an SQL injection attempt through the user name, CRAM-MD5 and SCRAM from a
{PLAIN} column, userdb fields (NULL columns left out), userdb prefetch,
LMTP delivery, Postfix on the auth socket, the database going away and
coming back while Roost runs, roostadm user '*' (iterate_query), and
roostconf's errors for a bad SQL file."""
import os
import pathlib
import pwd
import re
import subprocess
import time
import warnings

import pytest

from conftest import build_path, free_port, wait_for
from sql_util import mariadb, DB_NAME  # noqa: F401 (the session fixture)
from test_auth import (PORTS_OFF, AuthClient, auth_plain, auth_dir, cram, make_roost,  # noqa: F401
                       master_session, roostadm, scram)
from login_util import Client, login_certs, login_root  # noqa: F401
from test_postfix_sasl import postfix, swaks  # noqa: F401

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt

PASSWORD = "Secret-Passw0rd"
INJECTION = "x' OR '1'='1"


def sha512_crypt(password):
    return "{SHA512-CRYPT}" + crypt.crypt(password, crypt.mksalt(crypt.METHOD_SHA512))


@pytest.fixture(scope="module")
def users(mariadb):
    vmail = pwd.getpwnam("vmail")
    rows = [
        ("john@example.com", sha512_crypt(PASSWORD), vmail.pw_uid, vmail.pw_gid, None),
        ("mary@example.com", sha512_crypt("marypw"), vmail.pw_uid, vmail.pw_gid,
         "*:storage=1G"),
        ("o'brien@example.com", sha512_crypt("obrienpw"), vmail.pw_uid, vmail.pw_gid, None),
        # PLAIN-stored: serves CRAM-MD5 and SCRAM
        ("cram@example.com", "{PLAIN}crampw", vmail.pw_uid, vmail.pw_gid, None),
        # two rows for one name: the lookup must fail, not pick one
        ("dup@example.com", sha512_crypt("duppw"), vmail.pw_uid, vmail.pw_gid, None),
        ("dup@example.com", sha512_crypt("duppw2"), vmail.pw_uid, vmail.pw_gid, None),
    ]
    values = ",\n".join(
        "(1, {}, {}, {}, {}, {})".format(
            *(("'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'") if isinstance(v, str)
              else ("NULL" if v is None else str(v)) for v in row))
        for row in rows)
    mariadb.sql("DELETE FROM virtual_users;\n"
                "ALTER TABLE virtual_users DROP INDEX IF EXISTS email;\n"
                "INSERT INTO virtual_users (domain_id, email, password, uid, gid, quota_rule) "
                f"VALUES {values};\n", DB_NAME)
    return rows


def sql_conf(directory, db, tcp=True, default_scheme="SHA512-CRYPT", extra=""):
    """The seed's dovecot-sql.conf.ext (004), pointed at the test server."""
    path = pathlib.Path(directory) / f"roost-sql-{'tcp' if tcp else 'socket'}.conf.ext"
    path.write_text(
        "driver = mysql\n"
        f"connect = {db.connect_string(tcp)}\n"
        f"default_pass_scheme = {default_scheme}\n"
        "password_query = SELECT email as user, password FROM virtual_users "
        "WHERE email='%u'\n"
        "user_query = SELECT uid, gid, CONCAT('/srv/mail/', email) AS home, quota_rule "
        "FROM virtual_users WHERE email='%u'\n"
        "iterate_query = SELECT email AS user FROM virtual_users\n" + extra)
    # holds the database password: root only, as Debian ships it
    os.chmod(path, 0o600)
    return path


def start_sql_auth(roost_factory, auth_dir, db, tcp=True, extra="", userdb=None, conf_extra=""):
    conf = sql_conf(auth_dir, db, tcp, extra=conf_extra)
    if userdb is None:
        userdb = f"userdb {{\n  driver = sql\n  args = {conf}\n}}\n"
    body = (PORTS_OFF +
            "auth_mechanisms = plain login cram-md5 scram-sha-256\n"
            "auth_verbose = yes\n"
            "auth_failure_delay = 0\n"
            # every byte may reach the query: escaping alone must hold
            "auth_username_chars =\n"
            f"{extra}\n"
            f"passdb {{\n  driver = sql\n  args = {conf}\n}}\n" + userdb)
    r = make_roost(roost_factory, auth_dir, body)
    r.start()
    wait_for(lambda: (r.base_dir / "auth-client").exists(), what="auth-client socket")
    return r


@pytest.mark.parametrize("tcp", [True, False], ids=["tcp", "unix-socket"])
def test_sql_passdb_userdb_over_auth_protocol(mariadb, users, roost_factory, auth_dir, tcp):
    r = start_sql_auth(roost_factory, auth_dir, mariadb, tcp, extra="auth_debug = yes")
    c = AuthClient(r.base_dir / "auth-client")
    assert auth_plain(c, 1, "john@example.com", PASSWORD) == ["OK", "1", "user=john@example.com"]
    # the row's user column gives the canonical name (auth_username_format
    # lowercases first; the SQL comparison is case-insensitive anyway)
    assert auth_plain(c, 2, "John@Example.com", PASSWORD)[:3] == ["OK", "2",
                                                                 "user=john@example.com"]
    assert auth_plain(c, 3, "john@example.com", "wrong")[:2] == ["FAIL", "3"]
    r.wait_log("sql(john@example.com,198.51.100.25): Password mismatch")
    f = auth_plain(c, 4, "nobody@example.com", PASSWORD)
    assert f[:2] == ["FAIL", "4"] and "temp" not in f
    r.wait_log("sql(nobody@example.com,198.51.100.25): unknown user")
    # a name that needs escaping is still found
    assert auth_plain(c, 5, "o'brien@example.com", "obrienpw")[:2] == ["OK", "5"]
    # injection: the quotes stay inside the string literal
    f = auth_plain(c, 6, INJECTION, "anything")
    assert f[:2] == ["FAIL", "6"] and "temp" not in f, f
    r.wait_log("password query: SELECT email as user, password FROM virtual_users "
               "WHERE email='x\\' or \\'1\\'=\\'1'")
    assert auth_plain(c, 7, INJECTION, PASSWORD)[:2] == ["FAIL", "7"]
    # two rows: an error for the admin, a temporary failure for the client
    f = auth_plain(c, 8, "dup@example.com", "duppw")
    assert f[:2] == ["FAIL", "8"] and "temp" in f, f
    r.wait_log("Password query returned multiple matches (2 rows)")

    # userdb sql: columns as fields, NULL ones left out
    vmail = pwd.getpwnam("vmail")
    m, out = master_session(r.base_dir / "auth-userdb", [
        "USER\t1\tjohn@example.com\tservice=lmtp",
        "USER\t2\tmary@example.com\tservice=lmtp",
        f"USER\t3\t{INJECTION}\tservice=lmtp",
        "USER\t4\tghost@example.com\tservice=lmtp",
    ])
    assert out[0][:3] == ["USER", "1", "john@example.com"]
    assert set(out[0][3:]) == {f"uid={vmail.pw_uid}", f"gid={vmail.pw_gid}",
                               "home=/srv/mail/john@example.com"}
    assert f"quota_rule=*:storage=1G" in out[1]
    assert out[2] == ["NOTFOUND", "3"]
    assert out[3] == ["NOTFOUND", "4"]
    # the queries ran in auth workers, not in the auth process
    assert "auth-worker: Debug: sql(john@example.com" in r.log()

    # roostadm user '*': iterate_query
    p = roostadm(r, "user", "*", check=True)
    assert sorted(set(p.stdout.split())) == sorted({row[0] for row in users})
    p = roostadm(r, "user", "m*", check=True)
    assert p.stdout.split() == ["mary@example.com"]
    p = roostadm(r, "user", "john@example.com", check=True)
    assert "home\t/srv/mail/john@example.com" in p.stdout


def test_sql_credentials_for_cram_and_scram(mariadb, users, roost_factory, auth_dir):
    r = start_sql_auth(roost_factory, auth_dir, mariadb)
    c = AuthClient(r.base_dir / "auth-client")
    assert cram(c, 1, "cram@example.com", "crampw") == ["OK", "1", "user=cram@example.com"]
    assert cram(c, 2, "cram@example.com", "wrong")[:2] == ["FAIL", "2"]
    f, expected = scram(c, 3, "cram@example.com", "crampw")
    assert f[:3] == ["OK", "3", "user=cram@example.com"], f
    f, _ = scram(c, 4, "cram@example.com", "wrong")
    assert f[:2] == ["FAIL", "4"]
    # a SHA512-CRYPT row cannot serve CRAM-MD5
    assert cram(c, 5, "john@example.com", PASSWORD)[:2] == ["FAIL", "5"]
    r.wait_log("Requested CRAM-MD5 scheme, but we have only SHA512-CRYPT")


def test_sql_prefetch(mariadb, users, roost_factory, auth_dir):
    """password_query returns userdb_* columns: a login needs no user_query;
    LMTP-style lookups (no passdb) go on to userdb sql."""
    prefetch_query = ("password_query = SELECT email AS user, password, uid AS userdb_uid, "
                      "gid AS userdb_gid, CONCAT('/prefetched/', email) AS userdb_home, "
                      "quota_rule AS userdb_quota_rule FROM virtual_users WHERE email='%u'\n")
    conf = sql_conf(auth_dir, mariadb)
    conf.write_text(conf.read_text().replace(
        "password_query = SELECT email as user, password FROM virtual_users WHERE email='%u'\n",
        prefetch_query))
    userdb = (f"userdb {{\n  driver = prefetch\n}}\n"
              f"userdb {{\n  driver = sql\n  args = {conf}\n}}\n")
    body = (PORTS_OFF + "auth_mechanisms = plain\nauth_verbose = yes\nauth_debug = yes\n"
            "auth_failure_delay = 0\n"
            f"passdb {{\n  driver = sql\n  args = {conf}\n}}\n" + userdb)
    r = make_roost(roost_factory, auth_dir, body)
    r.start()
    wait_for(lambda: (r.base_dir / "auth-client").exists(), what="auth-client socket")
    client = AuthClient(r.base_dir / "auth-client", cpid=4242)
    assert auth_plain(client, 7, "mary@example.com", "marypw")[0] == "OK"
    m, out = master_session(r.base_dir / "auth-master", [
        f"REQUEST\t1\t4242\t7\t{client.cookie()}",
        "USER\t2\tmary@example.com\tservice=lmtp",
    ])
    assert out[0][:3] == ["USER", "1", "mary@example.com"]
    assert "home=/prefetched/mary@example.com" in out[0]
    assert "quota_rule=*:storage=1G" in out[0]
    # without a passdb lookup, prefetch has nothing: userdb sql answers
    assert out[1][:3] == ["USER", "2", "mary@example.com"]
    assert "home=/srv/mail/mary@example.com" in out[1]
    # the worker's log lines reach the log through the master: wait for
    # the one user query, then check the login's lookup made no other
    wait_for(lambda: "user query: " in r.log(), what="the user query in the log")
    log = r.log()
    assert log.count("user query: ") == 1, log


def imap_login_config(root, certs, ports, conf, extra=""):
    mail_root = root / "mail"
    mail_root.mkdir(exist_ok=True)
    vmail = pwd.getpwnam("vmail")
    os.chown(mail_root, vmail.pw_uid, vmail.pw_gid)
    return f"""
protocols = imap pop3 lmtp
mail_location = maildir:{mail_root}/%d/%n
first_valid_uid = 100
ssl = yes
ssl_cert = <{certs}/cert.pem
ssl_key = <{certs}/key.pem
auth_mechanisms = plain login apop
auth_verbose = yes
auth_failure_delay = 0
passdb {{
  driver = sql
  args = {conf}
}}
userdb {{
  driver = sql
  args = {conf}
}}
service imap-login {{
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    port = {ports['imaps']}
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
service lmtp {{
  inet_listener lmtp {{
    port = {ports['lmtp']}
  }}
}}
{extra}
"""


def start_imap(roost_factory, login_root, login_certs, db, tcp=True):
    conf = sql_conf(login_root, db, tcp)
    ports = {"imaps": free_port(), "lmtp": free_port(), "pop3": free_port()}
    r = roost_factory("")
    r.base_dir = login_root / "run"
    r.log_path = login_root / "roost.log"
    r.write_config(imap_login_config(login_root, login_certs, ports, conf))
    r.start()
    wait_for(lambda: (r.base_dir / "login" / "login").exists(), what="auth login socket")
    return r, ports


def imap_login(port, user, password):
    c = Client.connect(port, tls=True)
    assert c.readline().startswith("* OK")
    c.send(f'a1 LOGIN "{user}" "{password}"')
    while True:
        line = c.readline()
        if line.startswith("a1 "):
            return c, line


@pytest.mark.parametrize("tcp", [True, False], ids=["tcp", "unix-socket"])
def test_sql_imap_login_over_tls(mariadb, users, roost_factory, login_root, login_certs, tcp):
    r, ports = start_imap(roost_factory, login_root, login_certs, mariadb, tcp)
    c, line = imap_login(ports["imaps"], "john@example.com", PASSWORD)
    assert line.startswith("a1 OK"), line
    c.send("a2 SELECT INBOX")
    while not (line := c.readline()).startswith("a2 "):
        pass
    assert line.startswith("a2 OK"), line
    c.close()
    # the userdb's uid and the mail_location under it
    assert (login_root / "mail" / "example.com" / "john").is_dir()
    _, line = imap_login(ports["imaps"], "john@example.com", "wrong")
    assert line.startswith("a1 NO [AUTHENTICATIONFAILED]"), line
    _, line = imap_login(ports["imaps"], "nobody@example.com", PASSWORD)
    assert line.startswith("a1 NO [AUTHENTICATIONFAILED]"), line


def test_sql_lmtp_delivery(mariadb, users, roost_factory, login_root, login_certs):
    import smtplib
    r, ports = start_imap(roost_factory, login_root, login_certs, mariadb)
    wait_for(lambda: (r.base_dir / "lmtp").exists(), what="lmtp socket")
    with smtplib.LMTP("127.0.0.1", ports["lmtp"], timeout=30) as s:
        s.ehlo("client.example")
        refused = s.sendmail("sender@example.org", ["mary@example.com"],
                             b"Subject: via sql\r\n\r\nhello\r\n")
        assert refused == {}
        code, _ = s.docmd("RSET")
        s.mail("sender@example.org")
        code, text = s.rcpt("ghost@example.com")
        assert code == 550, text
    new = login_root / "mail" / "example.com" / "mary" / "new"
    files = list(new.iterdir())
    assert len(files) == 1 and b"via sql" in files[0].read_bytes()
    vmail = pwd.getpwnam("vmail")
    assert os.stat(files[0]).st_uid == vmail.pw_uid


def test_sql_database_down_and_back(mariadb, users, roost_factory, login_root, login_certs):
    r, ports = start_imap(roost_factory, login_root, login_certs, mariadb)
    c, line = imap_login(ports["imaps"], "john@example.com", PASSWORD)
    assert line.startswith("a1 OK"), line
    c.close()
    mariadb.stop()
    try:
        t = time.monotonic()
        _, line = imap_login(ports["imaps"], "john@example.com", PASSWORD)
        assert line.startswith("a1 NO [UNAVAILABLE]"), line
        assert time.monotonic() - t < 10
        # the auth protocol says temporary (Postfix answers 454 4.7.0)
        a = AuthClient(r.base_dir / "auth-client")
        f = auth_plain(a, 1, "john@example.com", PASSWORD)
        assert f[:2] == ["FAIL", "1"] and "temp" in f, f
        r.wait_log("Connect failed to database")
        # LMTP: 451, try again later
        import smtplib
        with smtplib.LMTP("127.0.0.1", ports["lmtp"], timeout=30) as s:
            s.ehlo("client.example")
            s.mail("sender@example.org")
            code, text = s.rcpt("mary@example.com")
            assert code // 100 == 4, (code, text)
    finally:
        mariadb.start()
    # the same auth process and workers reconnect: no restart of Roost
    c, line = imap_login(ports["imaps"], "john@example.com", PASSWORD)
    assert line.startswith("a1 OK"), line
    c.close()


def test_sql_postfix_sasl(mariadb, users, postfix, roost_factory):
    auth_dir = postfix["top"] / "auth"
    auth_dir.mkdir()
    os.chmod(auth_dir, 0o755)
    conf = sql_conf(auth_dir, mariadb)
    sock = postfix["queue"] / "private" / "auth"
    body = (PORTS_OFF + "auth_mechanisms = plain login\nauth_verbose = yes\n"
            f"passdb {{\n  driver = sql\n  args = {conf}\n}}\n"
            "service auth {\n"
            f"  unix_listener {sock} {{\n"
            "    mode = 0660\n    user = postfix\n    group = postfix\n  }\n}\n")
    r = make_roost(roost_factory, str(auth_dir), body)
    r.start()
    wait_for(lambda: sock.exists(), what="auth socket in Postfix's private/")
    out = swaks(postfix["port"], "PLAIN", "john@example.com", PASSWORD)
    assert "235 2.7.0 Authentication successful" in out, out
    out = swaks(postfix["port"], "LOGIN", "mary@example.com", "marypw")
    assert "235 2.7.0" in out, out
    out = swaks(postfix["port"], "PLAIN", "john@example.com", "wrong")
    assert "535 5.7.8" in out, out
    out = swaks(postfix["port"], "PLAIN", INJECTION, "x")
    assert "535 5.7.8" in out, out
    mariadb.stop()
    try:
        out = swaks(postfix["port"], "PLAIN", "john@example.com", PASSWORD)
        assert "454 4.7.0" in out and "535" not in out, out
    finally:
        mariadb.start()
    out = swaks(postfix["port"], "PLAIN", "john@example.com", PASSWORD)
    assert "235 2.7.0" in out, out


def roostconf(config):
    env = {k: v for k, v in os.environ.items() if k != "ROOST_CONFIG"}
    return subprocess.run([build_path("src", "config", "roostconf"), "-c", str(config), "-n"],
                          capture_output=True, text=True, timeout=60, env=env)


@pytest.mark.parametrize("text,line,message", [
    ("driver = pgsql\nconnect = host=db\n", 1, "unsupported database driver 'pgsql'"),
    ("driver = mysql\n# c\nconnect = host=db port=none\n", 3, "connect: port: expected a port"),
    ("driver = mysql\nconnect = host=db dbname\n", 2, "'dbname' has no value"),
    ("driver = mysql\nconnect = host=db password=\"open\n", 2, "missing closing quote"),
    ("driver = mysql\nconnect = host=db bogus=1\n", 2, "unknown key 'bogus'"),
    ("driver = mysql\nconnect = host=db\npasword_query = x\n", 3, "pasword_query"),
])
def test_roostconf_reports_bad_sql_file(tmp_path, text, line, message):
    sql = tmp_path / "roost-sql.conf.ext"
    sql.write_text(text)
    main = tmp_path / "roost.conf"
    main.write_text(f"passdb {{\n  driver = sql\n  args = {sql}\n}}\n"
                    f"userdb {{\n  driver = sql\n  args = {sql}\n}}\n")
    p = roostconf(main)
    assert p.returncode != 0
    errors = [x for x in p.stderr.splitlines() if f"{sql}:{line}: " in x]
    assert errors and message in errors[0], p.stderr
    # once, although two sections name the file
    assert len(errors) == 1, p.stderr
    # a good file passes, and the database password is not shown
    sql.write_text("driver = mysql\nconnect = host=db password=s3cret\n")
    p = roostconf(main)
    assert p.returncode == 0, p.stderr
    assert "s3cret" not in p.stdout + p.stderr


def test_sql_with_libsasl2_mechanism_is_refused_at_startup(mariadb, roost_factory, auth_dir):
    """DIGEST-MD5 runs in libsasl2, which needs the password inside its own
    call; an SQL lookup answers later, from a worker: start-up says so
    (as for pam) instead of failing every login."""
    conf = sql_conf(auth_dir, mariadb)
    body = (PORTS_OFF + "auth_mechanisms = plain digest-md5\n"
            f"passdb {{\n  driver = sql\n  args = {conf}\n}}\n")
    r = make_roost(roost_factory, auth_dir, body)
    r.start()
    wait_for(lambda: (r.base_dir / "auth-client").exists(), what="auth-client socket")
    with pytest.raises((EOFError, OSError)):
        AuthClient(r.base_dir / "auth-client")
    r.wait_log("DIGEST-MD5 is run by libsasl2, which needs the password during its own "
               "call, but passdb sql checks passwords in auth workers")
    r.stop()
    # limited to the other mechanisms, the same passdb is accepted
    body = body.replace(f"args = {conf}\n", f"args = {conf}\n  mechanisms = plain\n")
    r = make_roost(roost_factory, auth_dir, body)
    r.base_dir = pathlib.Path(auth_dir) / "run2"
    r.write_config(body)
    (r.base_dir / "login").mkdir(parents=True, exist_ok=True)
    r.start()
    wait_for(lambda: (r.base_dir / "auth-client").exists(), what="auth-client socket")
    c = AuthClient(r.base_dir / "auth-client")
    assert any(x.startswith("MECH\tDIGEST-MD5") for x in c.server), c.server


def test_sql_apop(mariadb, users, roost_factory, login_root, login_certs):
    """APOP needs the plaintext: a {PLAIN} row serves it, a SHA512-CRYPT
    one cannot."""
    import poplib
    r, ports = start_imap(roost_factory, login_root, login_certs, mariadb)
    p = poplib.POP3("127.0.0.1", ports["pop3"], timeout=30)
    assert re.search(rb"<[^>]+>", p.getwelcome())
    assert p.apop("cram@example.com", "crampw").startswith(b"+OK")
    p.quit()
    p = poplib.POP3("127.0.0.1", ports["pop3"], timeout=30)
    with pytest.raises(poplib.error_proto):
        p.apop("cram@example.com", "wrong")
    p.close()
    p = poplib.POP3("127.0.0.1", ports["pop3"], timeout=30)
    with pytest.raises(poplib.error_proto):
        p.apop("john@example.com", PASSWORD)
    p.close()
    r.wait_log("Requested PLAIN scheme, but we have only SHA512-CRYPT")
