"""Interop on disk with Debian's Dovecot 2.3: a Maildir written by doveadm
opens in Roost's storage with the same UIDs, UIDVALIDITY, flags, keywords,
sizes and subscriptions, and the reverse; then both keep writing to the
same Maildir in turn."""
import os
import pathlib
import shutil
import tempfile

import pytest

from storage_util import Doveadm, roost, roost_fetch, roost_status

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
