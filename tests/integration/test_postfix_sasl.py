"""Real Postfix (smtpd_sasl_type = dovecot) authenticating SMTP clients
against Roost's auth service through a unix_listener in Postfix's
private/ directory: swaks with AUTH PLAIN and LOGIN, a wrong password, and
a passdb that is temporarily unreadable (Postfix must answer 454 4.7.0,
not a permanent 535); DIGEST-MD5 (libsasl2 in the auth process) with the
client side computed here, since swaks needs Authen::SASL for it."""
import os
import pathlib
import re
import shutil
import smtplib
import subprocess
import tempfile

import pytest

from conftest import free_port, wait_for
from test_auth import PORTS_OFF, write_users, make_roost
from sasl_util import digest_md5_answer

MASTER_CF = """\
{port} inet n - n - - smtpd
pickup unix n - n 60 1 pickup
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
verify unix - - n - 1 verify
flush unix n - n 1000? 0 flush
proxymap unix - - n - - proxymap
smtp unix - - n - - smtp
showq unix n - n - - showq
error unix - - n - - error
retry unix - - n - - error
discard unix - - n - - discard
local unix - n n - - local
anvil unix - - n - 1 anvil
scache unix - - n - 1 scache
postlog unix-dgram n - n - 1 postlogd
"""


@pytest.fixture
def postfix():
    """A private Postfix instance from its own configuration directory,
    listening on a free loopback port; stopped at the end, also on failure."""
    if shutil.which("postfix") is None:
        pytest.fail("postfix is not installed (tests/run-all.sh installs it)")
    top = pathlib.Path(tempfile.mkdtemp(prefix="roost-postfix-"))
    os.chmod(top, 0o755)
    conf = top / "conf"
    conf.mkdir()
    queue = top / "queue"
    data = top / "data"
    port = free_port()
    (conf / "main.cf").write_text(f"""\
compatibility_level = 3.6
queue_directory = {queue}
data_directory = {data}
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = roost-test.localdomain
mydestination =
relay_domains =
maillog_file_prefixes = {top}
maillog_file = {top}/maillog
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = private/auth
smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
smtpd_tls_security_level = none
smtpd_banner = $myhostname ESMTP
""")
    (conf / "master.cf").write_text(MASTER_CF.format(port=f"127.0.0.1:{port}"))
    queue.mkdir()  # postfix check creates what is inside
    p = subprocess.run(["postfix", "-c", str(conf), "start"], capture_output=True, text=True,
                       timeout=60)
    log = top / "maillog"
    if p.returncode != 0:
        text = p.stdout + p.stderr + (log.read_text() if log.exists() else "")
        shutil.rmtree(top, ignore_errors=True)
        pytest.fail("postfix start failed: " + text)
    info = {"conf": conf, "queue": queue, "port": port, "top": top}
    try:
        yield info
    finally:
        subprocess.run(["postfix", "-c", str(conf), "stop"], capture_output=True, timeout=60)
        wait_for(lambda: subprocess.run(["postfix", "-c", str(conf), "status"],
                                        capture_output=True).returncode != 0,
                 timeout=20, what="postfix to stop")
        shutil.rmtree(top, ignore_errors=True)


def swaks(port, mech, user, password):
    p = subprocess.run(["swaks", "--server", f"127.0.0.1:{port}", "--auth", mech,
                        "--auth-user", user, "--auth-password", password,
                        "--from", "john@example.com", "--to", "someone@example.net",
                        "--quit-after", "AUTH", "--timeout", "30"],
                       capture_output=True, text=True, timeout=60)
    return p.stdout + p.stderr


def smtp_digest_md5(port, user, password):
    """AUTH DIGEST-MD5 with smtplib; returns the final code and whether
    the server proved it knows the password (rspauth)."""
    rspauth, proved = [], []

    def answer(challenge):
        if challenge.startswith(b"rspauth="):
            assert challenge.decode() == "rspauth=" + rspauth[0]
            proved.append(True)
            return ""
        response, expected = digest_md5_answer(challenge, user, password, service="smtp")
        rspauth.append(expected)
        return response.decode()
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as s:
        s.ehlo("client.example")
        assert "DIGEST-MD5" in s.esmtp_features["auth"].split()
        try:
            code = s.auth("DIGEST-MD5", answer, initial_response_ok=False)[0]
        except smtplib.SMTPAuthenticationError as e:
            code = e.smtp_code
    return code, bool(proved)


def test_postfix_sasl_dovecot(postfix, roost_factory):
    auth_dir = postfix["top"] / "auth"
    auth_dir.mkdir()
    os.chmod(auth_dir, 0o755)
    users = write_users(str(auth_dir), [
        "john@example.com:{PLAIN}secret:1000:1000::/home/john",
        "mary@example.com:" + subprocess.run(
            [os.path.join(os.environ["ROOST_BUILD_DIR"], "src", "admin", "roostadm"), "pw",
             "-s", "SHA512-CRYPT", "-p", "marypw"], capture_output=True, text=True
        ).stdout.strip()])
    sock = postfix["queue"] / "private" / "auth"
    body = (PORTS_OFF + "auth_mechanisms = plain login apop digest-md5\nauth_verbose = yes\n"
            "passdb {\n  driver = passwd-file\n"
            f"  args = scheme=PLAIN username_format=%u {users}\n}}\n"
            "service auth {\n"
            f"  unix_listener {sock} {{\n"
            "    mode = 0660\n    user = postfix\n    group = postfix\n  }\n}\n")
    r = make_roost(roost_factory, str(auth_dir), body)
    r.start()
    wait_for(lambda: sock.exists(), what="auth socket in Postfix's private/")
    st = os.stat(sock)
    assert st.st_mode & 0o777 == 0o660

    out = swaks(postfix["port"], "PLAIN", "john@example.com", "secret")
    assert "235 2.7.0 Authentication successful" in out, out
    # APOP is listed as "private" by auth: Postfix does not offer it
    ehlo_auth = [line for line in out.splitlines() if re.search(r"250[- ]AUTH ", line)]
    assert ehlo_auth and "PLAIN" in ehlo_auth[0] and "APOP" not in ehlo_auth[0], out
    out = swaks(postfix["port"], "LOGIN", "john@example.com", "secret")
    assert "235 2.7.0 Authentication successful" in out, out
    out = swaks(postfix["port"], "LOGIN", "mary@example.com", "marypw")
    assert "235 2.7.0" in out, out
    out = swaks(postfix["port"], "PLAIN", "john@example.com", "wrong")
    assert "535 5.7.8" in out, out
    r.wait_log("passwd-file(john@example.com,127.0.0.1): Password mismatch")
    # DIGEST-MD5: Postfix relays the challenges, rspauth included
    assert smtp_digest_md5(postfix["port"], "john@example.com", "secret") == (235, True)
    assert smtp_digest_md5(postfix["port"], "john@example.com", "wrong") == (535, False)
    r.wait_log("digest-md5(john@example.com,127.0.0.1): Password mismatch")

    # the passdb is temporarily unreadable for the unprivileged auth process:
    # Postfix must say "try again later", not a permanent failure
    os.chmod(users, 0)
    out = swaks(postfix["port"], "PLAIN", "john@example.com", "secret")
    assert "454 4.7.0" in out, out
    assert "535" not in out, out
    os.chmod(users, 0o644)
    out = swaks(postfix["port"], "PLAIN", "john@example.com", "secret")
    assert "235 2.7.0" in out, out
