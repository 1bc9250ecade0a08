"""Real POP3 clients against the whole login path (pop3-login over POP3S,
auth with a passwd-file passdb, hand-off, pop3 on the user's Maildir):
fetchmail with and without `keep`, and getmail (getmail6) with and
without `delete`, each downloading a mailbox of 500 messages. Every
downloaded message is compared by checksum with what was delivered, and a
second run must download nothing new (keep: UIDL tracking; no keep: the
maildrop is empty)."""
import hashlib
import os
import poplib
import pwd
import random
import re
import subprocess

from login_util import USER, PASSWORD, client_tls_context
from login_util import login_server, login_server_factory, login_root, login_certs  # noqa: F401

COUNT = 500


def make_message(i, rng):
    """A message with LF line ends as it lies in the Maildir; some lines
    need dot-stuffing, some are long, some messages are large, some carry
    8-bit text."""
    lines = [f"From: sender{i}@example.org",
             f"To: {USER}",
             f"Subject: message {i} of {COUNT}",
             f"Message-ID: <pop3-clients-{i}@example.org>",
             f"X-Test-Id: {i}",
             ""]
    nlines = rng.choice([1, 3, 20, 200]) if i % 50 else 4000
    for n in range(nlines):
        kind = rng.randrange(6)
        if kind == 0:
            lines.append("." * rng.randint(1, 3) + f" dotted line {n}")
        elif kind == 1:
            lines.append("x" * rng.randint(100, 990))
        elif kind == 2:
            lines.append(f"caf\u00e9 na\u00efve \u00fcber line {n}")
        elif kind == 3:
            lines.append("")
        else:
            lines.append(f"line {n} of message {i}: " + "%08x" % rng.getrandbits(32))
    lines.append(f"end of message {i}")
    return ("\n".join(lines) + "\n").encode()


def normalize(data):
    """The message as a client stores it may use CRLF; compare with LF."""
    return data.replace(b"\r\n", b"\n")


def digest(data):
    return hashlib.sha256(normalize(data)).hexdigest()


def maildir_of(server):
    return server.mail_root / "example.com" / "john" / "Maildir"


def deliver_mailbox(server):
    """Create the maildrop through a real login, then deliver COUNT
    messages into new/ as the mail user; returns {X-Test-Id: sha256}."""
    p = poplib.POP3_SSL("127.0.0.1", server.ports["pop3s"], context=client_tls_context())
    p.user(USER)
    p.pass_(PASSWORD)
    assert p.stat() == (0, 0)
    p.quit()
    vmail = pwd.getpwnam("vmail")
    new_dir = maildir_of(server) / "new"
    assert new_dir.is_dir()
    rng = random.Random(1939)
    expected = {}
    for i in range(COUNT):
        body = make_message(i, rng)
        tmp = maildir_of(server) / "tmp" / f"1700000000.M{i}P4242.test"
        tmp.write_bytes(body)
        os.chown(tmp, vmail.pw_uid, vmail.pw_gid)
        tmp.rename(new_dir / f"{1700000000 + i}.M{i}P4242.test,S={len(body)}")
        expected[str(i)] = digest(body)
    return expected


def pop3_stat(server):
    p = poplib.POP3_SSL("127.0.0.1", server.ports["pop3s"], context=client_tls_context())
    p.user(USER)
    p.pass_(PASSWORD)
    st = p.stat()
    p.quit()
    return st


def server_uidls(server):
    p = poplib.POP3_SSL("127.0.0.1", server.ports["pop3s"], context=client_tls_context())
    p.user(USER)
    p.pass_(PASSWORD)
    uidls = {line.split()[1].decode() for line in p.uidl()[1]}
    p.quit()
    return uidls


def assert_uidls_tracked(server, files):
    """The client's state files name every UIDL the server has: the second
    run skips the messages by UIDL, not by luck."""
    uidls = server_uidls(server)
    assert len(uidls) == COUNT
    tokens = set()
    for f in files:
        tokens.update(re.split(r"[\s\0]+", f.read_text(errors="replace")))
    missing = uidls - tokens
    assert not missing, f"{len(missing)} UIDLs not tracked, e.g. {sorted(missing)[:3]}"


def message_id_of(data):
    for line in normalize(data).split(b"\n"):
        if line == b"":
            break
        if line.startswith(b"X-Test-Id: "):
            return line.split(b": ", 1)[1].decode()
    raise AssertionError("no X-Test-Id in %r" % data[:300])


def strip_prepended(data, names):
    """Drop header fields a client prepends (Received:, Delivered-To:, ...)
    from the top of the message, with their continuation lines."""
    lines = normalize(data).split(b"\n")
    out = 0
    while out < len(lines):
        line = lines[out]
        if any(line.lower().startswith(n.lower() + b":") for n in names):
            out += 1
            while out < len(lines) and lines[out][:1] in (b" ", b"\t"):
                out += 1
            continue
        break
    return b"\n".join(lines[out:])


def check_downloaded(files, expected, prepended):
    got = {}
    for f in files:
        data = strip_prepended(f.read_bytes(), prepended)
        tid = message_id_of(data)
        assert tid not in got, f"message {tid} downloaded twice"
        got[tid] = digest(data)
    assert len(got) == len(expected), (len(got), len(expected))
    bad = [tid for tid in expected if got.get(tid) != expected[tid]]
    assert not bad, f"{len(bad)} messages differ, e.g. {bad[:5]}"


def cert_md5_fingerprint(certs):
    out = subprocess.run(["openssl", "x509", "-noout", "-fingerprint", "-md5", "-in",
                          str(certs / "cert.pem")], capture_output=True, text=True, check=True)
    return out.stdout.strip().split("=", 1)[1].upper()


# ---------------------------------------------------------------- fetchmail

def fetchmail_setup(server, certs, work, keep):
    home = work / "fetchmail-home"
    home.mkdir(mode=0o700)
    out_dir = work / "fetched"
    out_dir.mkdir()
    mda = work / "mda.sh"
    mda.write_text("#!/bin/sh\nset -e\n"
                   f"f=$(mktemp {out_dir}/msg.XXXXXXXX)\n"
                   "cat > \"$f\"\n")
    mda.chmod(0o755)
    rc = work / "fetchmailrc"
    rc.write_text(
        "set no syslog\n"
        f"poll 127.0.0.1 protocol pop3 port {server.ports['pop3s']} uidl timeout 60\n"
        f"  user \"{USER}\" there with password \"{PASSWORD}\" is root here\n"
        f"  ssl no sslcertck sslfingerprint \"{cert_md5_fingerprint(certs)}\"\n"
        f"  {'keep' if keep else 'no keep'} no rewrite fetchlimit 0 batchlimit 0\n"
        f"  mda \"{mda}\"\n")
    rc.chmod(0o600)
    return home, rc, out_dir


def run_fetchmail(home, rc, work):
    env = dict(os.environ, FETCHMAILHOME=str(home), HOME=str(home))
    p = subprocess.run(["fetchmail", "-f", str(rc), "-i", str(work / "fetchids"),
                        "--nodetach", "--nosyslog", "-v"],
                       env=env, capture_output=True, text=True, timeout=300)
    return p


def fetchmail_case(login_server_factory, login_certs, keep):
    server = login_server_factory()
    expected = deliver_mailbox(server)
    work = server.root / ("fetchmail-keep" if keep else "fetchmail-nokeep")
    work.mkdir()
    home, rc, out_dir = fetchmail_setup(server, login_certs, work, keep)
    p = run_fetchmail(home, rc, work)
    assert p.returncode == 0, (p.returncode, p.stdout[-3000:], p.stderr[-3000:])
    assert f"{COUNT} messages for {USER} at 127.0.0.1" in p.stderr + p.stdout, p.stderr[-3000:]
    files = sorted(out_dir.iterdir())
    check_downloaded(files, expected, [b"Received"])
    # the second run finds nothing new: exit code 1 is fetchmail's "no mail"
    p = run_fetchmail(home, rc, work)
    assert p.returncode == 1, (p.returncode, p.stdout[-3000:], p.stderr[-3000:])
    assert sorted(out_dir.iterdir()) == files
    return server


def test_fetchmail_keep_500(login_server_factory, login_certs):
    server = fetchmail_case(login_server_factory, login_certs, keep=True)
    assert_uidls_tracked(server, [server.root / "fetchmail-keep" / "fetchids"])
    # the messages stayed on the server
    assert pop3_stat(server)[0] == COUNT
    assert len(list((maildir_of(server) / "cur").iterdir())) + \
        len(list((maildir_of(server) / "new").iterdir())) == COUNT


def test_fetchmail_no_keep_500(login_server_factory, login_certs):
    server = fetchmail_case(login_server_factory, login_certs, keep=False)
    assert pop3_stat(server) == (0, 0)
    assert list((maildir_of(server) / "cur").iterdir()) == []
    assert list((maildir_of(server) / "new").iterdir()) == []


# ---------------------------------------------------------------- getmail

def getmail_setup(server, certs, work, delete):
    gm_dir = work / "getmail-dir"
    gm_dir.mkdir(mode=0o700)
    dest = work / "Maildir"
    # getmail refuses to deliver as root: it delivers as `nobody`
    nobody = pwd.getpwnam("nobody")
    dest.mkdir()
    for sub in ("", "new", "cur", "tmp"):
        (dest / sub).mkdir(exist_ok=True)
        os.chown(dest / sub, nobody.pw_uid, nobody.pw_gid)
    rc = gm_dir / "getmailrc"
    rc.write_text(
        "[retriever]\n"
        "type = SimplePOP3SSLRetriever\n"
        "server = 127.0.0.1\n"
        f"port = {server.ports['pop3s']}\n"
        f"username = {USER}\n"
        f"password = {PASSWORD}\n"
        f"ca_certs = {certs}/cert.pem\n"
        "ssl_cert_hostname = mail.example.com\n"
        "\n"
        "[destination]\n"
        "type = Maildir\n"
        f"path = {dest}/\n"
        "user = nobody\n"
        "\n"
        "[options]\n"
        "verbose = 1\n"
        "read_all = false\n"
        f"delete = {'true' if delete else 'false'}\n"
        "delivered_to = false\n"
        "received = false\n"
        "message_log_syslog = false\n")
    rc.chmod(0o600)
    return gm_dir, rc, dest


def run_getmail(gm_dir, rc):
    env = dict(os.environ, HOME=str(gm_dir))
    return subprocess.run(["getmail", "--getmaildir", str(gm_dir), "--rcfile", str(rc)],
                          env=env, capture_output=True, text=True, timeout=300)


def getmail_case(login_server_factory, login_certs, delete):
    server = login_server_factory()
    expected = deliver_mailbox(server)
    work = server.root / ("getmail-delete" if delete else "getmail-keep")
    work.mkdir()
    gm_dir, rc, dest = getmail_setup(server, login_certs, work, delete)
    p = run_getmail(gm_dir, rc)
    assert p.returncode == 0, (p.returncode, p.stdout[-3000:], p.stderr[-3000:])
    assert f"{COUNT} messages (" in p.stdout, p.stdout[-3000:]
    files = sorted((dest / "new").iterdir())
    check_downloaded(files, expected, [b"Return-Path"])
    p = run_getmail(gm_dir, rc)
    assert p.returncode == 0, (p.returncode, p.stdout[-3000:], p.stderr[-3000:])
    assert "0 messages (" in p.stdout, p.stdout[-3000:]
    assert sorted((dest / "new").iterdir()) == files
    return server


def test_getmail_keep_500(login_server_factory, login_certs):
    server = getmail_case(login_server_factory, login_certs, delete=False)
    gm_dir = server.root / "getmail-keep" / "getmail-dir"
    oldmail = list(gm_dir.glob("oldmail-*"))
    assert oldmail, list(gm_dir.iterdir())
    assert_uidls_tracked(server, oldmail)
    assert pop3_stat(server)[0] == COUNT


def test_getmail_delete_500(login_server_factory, login_certs):
    server = getmail_case(login_server_factory, login_certs, delete=True)
    assert pop3_stat(server) == (0, 0)
    assert list((maildir_of(server) / "cur").iterdir()) == []
    assert list((maildir_of(server) / "new").iterdir()) == []
