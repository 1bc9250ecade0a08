"""Interop on disk with Debian's Dovecot 2.3: a Maildir written by doveadm
opens in Roost's storage with the same UIDs, UIDVALIDITY, flags, keywords,
sizes and subscriptions, and the reverse; then both keep writing to the
same Maildir in turn. The same through the IMAP servers: what Dovecot's
imap (dovecot-imapd) writes, Roost's imap reads back identically, and the
reverse."""
import os
import pathlib
import re
import shutil
import tempfile

import pytest

from storage_util import (NOBODY, Doveadm, ImapSession, dovecot_imap_cmd, roost,
                          roost_fetch, roost_imap_cmd, roost_status)

MSG = "From: a@example.com\nSubject: {n}\n\nbody {n}\n"


@pytest.fixture
def workdir():
    """A directory nobody can reach (pytest's tmp_path is under a 0700
    directory of root's)."""
    path = tempfile.mkdtemp(prefix="roost-dovecot-")
    os.chmod(path, 0o711)
    yield pathlib.Path(path)
    shutil.rmtree(path)


def compare(dove, maildir, mailboxes):
    for box in mailboxes:
        d_fetch, r_fetch = dove.fetch(box), roost_fetch(maildir, box)
        # Roost (root here) may have written dovecot-uidlist (its modseq
        # reservation): give it back to Dovecot's user
        dove.chown()
        assert d_fetch == r_fetch, (box, d_fetch, r_fetch)
        d_status, r_status = dove.status(box), roost_status(maildir, box)
        for key in ("uidvalidity", "uidnext", "messages"):
            assert d_status[key] == r_status[key], (box, key, d_status, r_status)
    assert dove.list(subscribed=True) == set(roost(maildir, "list", "-s").split())
    assert dove.list() == set(roost(maildir, "list").split())


def test_dovecot_writes_roost_reads(workdir):
    maildir = workdir / "Maildir"
    dove = Doveadm(workdir, maildir)
    dove.run("mailbox", "create", "-s", "Work")
    dove.run("mailbox", "create", "Archive")
    dove.run("mailbox", "create", "-s", "Archive.2024")
    for n in range(1, 7):
        dove.run("save", "-m", "INBOX", stdin=MSG.format(n=n).encode())
    for n in range(1, 3):
        dove.run("save", "-m", "Archive.2024", stdin=MSG.format(n=n * 100).encode())
    dove.run("flags", "add", "\\Seen", "mailbox", "INBOX", "uid", "1")
    dove.run("flags", "add", "\\Flagged $Label1", "mailbox", "INBOX", "uid", "2")
    dove.run("flags", "add", "Junk \\Answered \\Draft", "mailbox", "INBOX", "uid", "3")
    dove.run("flags", "add", "NonJunk", "mailbox", "Archive.2024", "uid", "2")
    dove.run("expunge", "mailbox", "INBOX", "uid", "4")
    dove.run("mailbox", "unsubscribe", "Work")
    dove.run("mailbox", "subscribe", "Work")

    before = dove.fetch("INBOX")
    assert sorted(before) == [1, 2, 3, 5, 6]
    assert before[2][1] == {"\\Flagged", "$Label1"}
    compare(dove, maildir, ["INBOX", "Work", "Archive", "Archive.2024"])
    # Roost keeps its own index beside Dovecot's
    assert (maildir / "roost.index.log").exists() and (maildir / "dovecot.index.log").exists()
    assert roost(maildir, "cat", "INBOX", "3") == MSG.format(n=3)


def test_roost_writes_dovecot_reads(workdir):
    maildir = workdir / "Maildir"
    roost(maildir, "create", "Sent")
    roost(maildir, "create", "Lists")
    roost(maildir, "create", "Lists.roost")
    roost(maildir, "subscribe", "Sent")
    roost(maildir, "subscribe", "Lists.roost")
    for n in range(1, 6):
        out = roost(maildir, "save", "INBOX", stdin=MSG.format(n=n).encode())
        assert out == f"OK {n}\n"
    assert roost(maildir, "save", "Sent", "\\Seen", "$Forwarded",
                 stdin=MSG.format(n=50).encode()) == "OK 1\n"
    roost(maildir, "flags", "INBOX", "1", "+\\Seen")
    roost(maildir, "flags", "INBOX", "2", "+\\Flagged", "$Label2", "Work")
    roost(maildir, "flags", "INBOX", "3", "+\\Answered", "\\Deleted")
    roost(maildir, "flags", "INBOX", "2", "-Work")
    roost(maildir, "expunge", "INBOX", "4")

    # Roost never writes files under Dovecot's index names
    for root, _dirs, files in os.walk(maildir):
        assert not [f for f in files if f.startswith("dovecot.index")], (root, files)
    dove = Doveadm(workdir, maildir)
    got = dove.fetch("INBOX")
    assert sorted(got) == [1, 2, 3, 5]
    assert got[2][1] == {"\\Flagged", "$Label2"}
    assert got[3][1] == {"\\Answered", "\\Deleted"}
    compare(dove, maildir, ["INBOX", "Sent", "Lists", "Lists.roost"])
    assert dove.list(subscribed=True) == {"Sent", "Lists.roost"}
    text = dove.run("fetch", "text", "mailbox", "INBOX", "uid", "5")
    assert "body 5" in text

    # turn and turn about: Dovecot appends, Roost sees the next UID, and
    # Roost's next UID follows Dovecot's
    dove.run("save", "-m", "INBOX", stdin=MSG.format(n=7).encode())
    dove.run("flags", "add", "\\Seen Dove", "mailbox", "INBOX", "uid", "6")
    r = roost_fetch(maildir, "INBOX")
    assert sorted(r) == [1, 2, 3, 5, 6] and r[6][1] == {"\\Seen", "Dove"}
    assert roost(maildir, "save", "INBOX", stdin=MSG.format(n=8).encode()) == "OK 7\n"
    dove.chown()
    compare(dove, maildir, ["INBOX", "Sent"])
    assert sorted(dove.fetch("INBOX")) == [1, 2, 3, 5, 6, 7]


# ---- the same through the IMAP servers: dovecot-imapd and Roost's imap ----

def imap_writes(s):
    """Mailboxes, messages with flags and keywords, an expunge and
    subscriptions, all through IMAP."""
    for name in ("Work", "Archive", "Archive.2024"):
        assert s.cmd("c", f"CREATE {name}")[-1].startswith(b"c OK")
    for name in ("Work", "Archive.2024"):
        assert s.cmd("s", f"SUBSCRIBE {name}")[-1].startswith(b"s OK")
    flags = ["\\Seen", "\\Flagged $Label1", "Junk \\Answered \\Draft", "", "$Label1 Junk"]
    for n, f in enumerate(flags, 1):
        r = s.append("a", "INBOX", f, MSG.format(n=n).replace("\n", "\r\n").encode())
        assert r[-1].startswith(b"a OK"), r
    r = s.append("a", "Archive.2024", "NonJunk \\Seen", MSG.format(n=99).encode())
    assert r[-1].startswith(b"a OK"), r
    s.cmd("x", "SELECT INBOX")
    assert s.cmd("x", "STORE 4 +FLAGS.SILENT (\\Deleted)")[-1].startswith(b"x OK")
    assert s.cmd("x", "EXPUNGE")[-1].startswith(b"x OK")
    assert s.cmd("x", "UID STORE 2 -FLAGS.SILENT ($Label1)")[-1].startswith(b"x OK")
    s.cmd("x", "CLOSE")


def imap_reads(s):
    """What a server says of the Maildir: per mailbox its UIDVALIDITY,
    UIDNEXT, counts and every UID's flags and keywords (\\Recent left out:
    each server keeps its own), and the LIST/LSUB answers."""
    out = []
    for box in ("INBOX", "Work", "Archive.2024"):
        out += s.cmd("t", f"STATUS {box} (MESSAGES UIDNEXT UIDVALIDITY UNSEEN)")
        s.cmd("s", f"SELECT {box}")
        for line in s.cmd("f", "UID FETCH 1:* (FLAGS RFC822.SIZE)"):
            # the order of flags means nothing (each server lists keywords
            # in the order its own index learnt them)
            m = re.search(rb"FLAGS \(([^)]*)\)", line)
            if m:
                flags = sorted(f for f in m.group(1).split() if f != b"\\Recent")
                line = line[:m.start(1)] + b" ".join(flags) + line[m.end(1):]
            out.append(line)
        out += s.cmd("b", "UID FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        s.cmd("c", "CLOSE")
    # nor does the order of LIST answers
    out += sorted(s.cmd("l", 'LIST "" "*"'))
    out += sorted(s.cmd("l", 'LSUB "" "*"'))
    return [re.sub(rb" \(\d+\.\d+ \+ \d+\.\d+( \+ \d+\.\d+)? secs\)\.$", b".", x) for x in out]


def give_to_nobody(path):
    for root, dirs, files in os.walk(path):
        os.chown(root, NOBODY, NOBODY)
        for name in files:
            os.chown(os.path.join(root, name), NOBODY, NOBODY)


def test_dovecot_imapd_writes_roost_imap_reads(workdir):
    maildir = workdir / "Maildir"
    maildir.mkdir()
    give_to_nobody(workdir)
    dove_cmd = dovecot_imap_cmd(workdir, maildir)
    d = ImapSession(dove_cmd, user=NOBODY)
    imap_writes(d)
    want = imap_reads(d)
    assert d.close() == 0
    r = ImapSession(roost_imap_cmd(maildir))
    got = imap_reads(r)
    assert r.close() == 0
    assert b"* STATUS INBOX (MESSAGES 4 UIDNEXT 6 UIDVALIDITY" in b"\n".join(want)
    assert got == want
    # and Dovecot still reads it the same after Roost was there
    give_to_nobody(workdir)
    d = ImapSession(dove_cmd, user=NOBODY)
    assert imap_reads(d) == want
    assert d.close() == 0


def test_roost_imap_writes_dovecot_imapd_reads(workdir):
    maildir = workdir / "Maildir"
    r = ImapSession(roost_imap_cmd(maildir))
    imap_writes(r)
    want = imap_reads(r)
    assert r.close() == 0
    assert b"* STATUS INBOX (MESSAGES 4 UIDNEXT 6 UIDVALIDITY" in b"\n".join(want)
    give_to_nobody(workdir)
    d = ImapSession(dovecot_imap_cmd(workdir, maildir), user=NOBODY)
    got = imap_reads(d)
    # Dovecot appends next: Roost's next UID follows
    r2 = d.append("a", "INBOX", "\\Seen", MSG.format(n=7).encode())
    assert b"[APPENDUID " in r2[-1] and b" 6]" in r2[-1], r2
    assert d.close() == 0
    assert got == want
    r = ImapSession(roost_imap_cmd(maildir))
    r2 = r.append("a", "INBOX", "", MSG.format(n=8).encode())
    assert b" 7] " in r2[-1], r2
    assert r.close() == 0
