"""\\Recent across sessions, as Debian's Dovecot 2.3 does it: the same
script of four IMAP sessions (SELECT, SELECT, EXAMINE, STATUS) around two
deliveries by another program and an expunge runs against Dovecot's imap
and Roost's (roost-imap-stdio) on identical Maildirs, and every session
must get the same answers. Mail that was in the Maildir before any
session indexed it is \\Recent for the first session that selects it, a
new message for exactly one session (the first to see it), EXAMINE and
STATUS take nothing."""
import os
import pathlib
import shutil
import tempfile

import pytest

from storage_util import NOBODY, ImapSession, dovecot_imap_cmd, normalise_imap, roost_imap_cmd

MSG = "From: a@example.com\nSubject: {n}\nMessage-ID: <{n}@example.com>\n\nbody {n}\n"


def deliver(maildir, n, owner):
    """Another delivery agent: a file straight into new/."""
    path = maildir / "new" / f"{1700000000 + n}.M{n}P9.other"
    path.write_text(MSG.format(n=n))
    if owner is not None:
        os.chown(path, owner, owner)


def script(start, maildir, owner):
    """Runs the sessions; returns {session: [response lines]}."""
    out = {k: [] for k in "ABCD"}
    a = start()
    out["A"] += a.cmd("a1", "SELECT INBOX")
    out["A"] += a.cmd("a2", "FETCH 1:* (UID FLAGS)")
    b = start()
    out["B"] += b.cmd("b1", "SELECT INBOX")
    out["B"] += b.cmd("b2", "FETCH 1:* (UID FLAGS)")
    c = start()
    out["C"] += c.cmd("c1", "EXAMINE INBOX")
    deliver(maildir, 4, owner)
    out["B"] += b.cmd("b3", "NOOP")
    out["A"] += a.cmd("a3", "NOOP")
    out["A"] += a.cmd("a4", "FETCH 4 (UID FLAGS)")
    out["B"] += b.cmd("b4", "FETCH 4 (UID FLAGS)")
    d = start()
    out["D"] += d.cmd("d1", "STATUS INBOX (MESSAGES RECENT UNSEEN)")
    deliver(maildir, 5, owner)
    out["D"] += d.cmd("d2", "STATUS INBOX (MESSAGES RECENT)")
    out["C"] += c.cmd("c2", "NOOP")
    out["C"] += c.cmd("c3", "FETCH 1:* (UID FLAGS)")
    out["A"] += a.cmd("a5", "NOOP")
    out["B"] += b.cmd("b5", "NOOP")
    out["A"] += a.cmd("a6", "STORE 1 +FLAGS.SILENT (\\Deleted)")
    out["A"] += a.cmd("a7", "EXPUNGE")
    out["B"] += b.cmd("b6", "NOOP")
    for s in (a, b, c):
        assert s.close() == 0
    out["D"] += d.cmd("d3", "SELECT INBOX")
    assert d.close() == 0
    return {k: normalise_imap(v) for k, v in out.items()}


@pytest.fixture
def workdir():
    path = tempfile.mkdtemp(prefix="roost-recent-")
    os.chmod(path, 0o711)
    yield pathlib.Path(path)
    shutil.rmtree(path)


def make_maildir(path, owner):
    for sub in ("cur", "new", "tmp"):
        (path / sub).mkdir(parents=True)
    for n in range(1, 4):
        deliver(path, n, owner)
    if owner is not None:
        for root, dirs, files in os.walk(path.parent):
            os.chown(root, owner, owner)
            for name in files:
                os.chown(os.path.join(root, name), owner, owner)


def test_recent_like_dovecot(workdir):
    dove_md = workdir / "dovecot" / "Maildir"
    make_maildir(dove_md, NOBODY)
    dove = script(lambda: ImapSession(dovecot_imap_cmd(workdir / "dovecot", dove_md),
                                      user=NOBODY), dove_md, NOBODY)
    roost_md = workdir / "roost" / "Maildir"
    make_maildir(roost_md, None)
    roost = script(lambda: ImapSession(roost_imap_cmd(roost_md)), roost_md, None)

    # what the script is about, spelt out (Dovecot's answers)
    assert b"* 3 RECENT" in dove["A"] and b"* 0 RECENT" in dove["B"]
    assert b"* 1 FETCH (UID 1 FLAGS (\\Recent))" in dove["A"]
    assert b"* 4 FETCH (UID 4 FLAGS ())" in dove["A"]
    assert b"* 4 FETCH (UID 4 FLAGS (\\Recent))" in dove["B"]
    for session in "ABCD":
        # the capability lists and PERMANENTFLAGS differ by design
        d = [x for x in dove[session] if b"CAPABILITY" not in x and b"HIGHESTMODSEQ" not in x]
        r = [x for x in roost[session] if b"CAPABILITY" not in x and b"HIGHESTMODSEQ" not in x]
        assert r == d, (session, d, r)
