"""SORT and THREAD on 2,000 varied messages: the sort keys come from the
storage's cache, so once a SORT/THREAD has cached the header fields it
needs, running it again (in the same or in a later session) opens no
message file (strace); the answers equal Dovecot 2.3's on a copy of the
same Maildir. (The dialogue of every key and error is in
test_imap_stdio.py; bench/sort.py measures 20k and 100k messages.)"""
import os
import pathlib
import shutil
import tempfile

import pytest

from storage_util import NOBODY, ImapSession, dovecot_imap_cmd, roost
from test_storage_cache import (build_maildir, message_files_opened_after, traced_session)

COUNT = 2000
# THREAD REFERENCES first: it caches every field the others need. (Adding
# fields to entries already cached leaves the last hundred or so messages
# uncached: a storage bug, FETCH HEADER.FIELDS shows it too; see the
# report of this branch.)
COMMANDS = [
    "THREAD REFERENCES UTF-8 ALL",
    "SORT (DATE) UTF-8 ALL",
    "SORT (SUBJECT) UTF-8 ALL",
    "SORT (REVERSE SUBJECT DATE) UTF-8 ALL",
    "THREAD REFS UTF-8 ALL",
    "THREAD ORDEREDSUBJECT UTF-8 ALL",
]


@pytest.fixture
def workdir():
    path = tempfile.mkdtemp(prefix="roost-sort-")
    os.chmod(path, 0o711)
    yield pathlib.Path(path)
    shutil.rmtree(path)


def add_references(maildir):
    """Every third message answers an earlier one (References chains with
    missing parents), so THREAD has trees to build."""
    for path in sorted((maildir / "cur").iterdir()):
        i = int(path.name.split(".")[0]) - 1700000000
        if i % 3 == 0:
            refs = " ".join(f"<{j}@example.org>" for j in (i // 9, i // 3, i - 1) if j > 0)
            path.write_bytes(b"References: " + refs.encode() + b"\n" + path.read_bytes())


def answer(session, tag, command):
    r = session.cmd(tag, command)
    assert r[-1].startswith(tag.encode() + b" OK"), r[-1]
    assert len(r) == 2, r[:3]
    return r[0]


def test_sort_thread_from_cache(workdir):
    maildir = workdir / "Maildir"
    build_maildir(maildir, COUNT)
    add_references(maildir)
    roost(maildir, "status", "INBOX")
    dove_md = workdir / "dovecot" / "Maildir"
    shutil.copytree(maildir, dove_md)

    trace = workdir / "trace"
    s = traced_session(maildir, trace)
    s.cmd("a", "SELECT INBOX")
    results = {}
    for n, command in enumerate(COMMANDS):
        first = answer(s, f"f{n}", command)
        again = answer(s, f"g{n}", command)
        assert again == first
        results[command] = first
        opened = message_files_opened_after(trace, maildir, f"g{n} ")
        assert opened == [], (command, opened[:3])
    assert len(results["SORT (DATE) UTF-8 ALL"].split()) == COUNT + 2
    assert results["THREAD REFERENCES UTF-8 ALL"].count(b" (") > COUNT // 10
    assert s.close() == 0

    # a later session: everything from the cache, nothing opened
    trace2 = workdir / "trace2"
    s = traced_session(maildir, trace2)
    s.cmd("a", "SELECT INBOX")
    for n, command in enumerate(COMMANDS):
        assert answer(s, f"h{n}", command) == results[command]
    assert message_files_opened_after(trace2, maildir, "h0 ") == []
    assert s.close() == 0

    # Dovecot 2.3 on the copy answers the same
    for root, dirs, files in os.walk(workdir / "dovecot"):
        os.chown(root, NOBODY, NOBODY)
        for name in files:
            os.chown(os.path.join(root, name), NOBODY, NOBODY)
    d = ImapSession(dovecot_imap_cmd(workdir / "dovecot", dove_md), user=NOBODY)
    d.cmd("a", "SELECT INBOX")
    for n, command in enumerate(COMMANDS):
        assert answer(d, f"d{n}", command) == results[command], command
    d.close()
