"""Chosen-header caching through IMAP (roost-imap-stdio): a client that
FETCHes BODY.PEEK[HEADER.FIELDS (FROM SUBJECT DATE)] 1:* gets the fields
read from the message files once; the second FETCH is served from
roost.index.cache and opens no message file (asserted under strace), and
says exactly what the first said, and what Debian's Dovecot 2.3 imap says
on a copy of the same Maildir. Because the fields were asked for older
messages, a message delivered afterwards has them cached when it is
saved, so a FETCH that includes it opens no message file either."""
import os
import re
import shutil
import subprocess
import tempfile
import time
import pathlib

import pytest

from storage_util import (NOBODY, ImapSession, dovecot_imap_cmd, normalise_imap, roost,
                          roost_imap_cmd)

COUNT = 2000
FETCH = "FETCH 1:* (BODY.PEEK[HEADER.FIELDS (FROM SUBJECT DATE)])"
UID_RE = re.compile(rb"^\* \d+ FETCH")


def message(i):
    """Varied headers: folding, encoded words, CRLF or LF, repeated and
    missing fields, odd case, a long line, header-only messages."""
    nl = b"\r\n" if i % 3 == 0 else b"\n"
    lines = [b"Received: from relay%d.example.net by mx" % i,
             b"Message-ID: <%d@example.org>" % i]
    if i % 7 == 0:
        lines.append(b"FROM: Someone Loud <LOUD%d@example.com>" % i)
    else:
        lines.append(b"From: \"Person %d\" <person%d@example.com>" % (i, i))
    if i % 11 == 0:
        lines.append(b"From: second-from@example.com")
    if i % 5 == 0:
        lines += [b"Subject: a folded subject for message %d" % i,
                  b"\tcontinued here", b"  and here"]
    elif i % 13 == 0:
        lines.append(b"Subject: =?UTF-8?Q?caf=C3=A9_n=C2=B0" + b"%d" % i + b"?=")
    elif i % 17 != 0:  # some have none
        lines.append(b"Subject: message %d" % i)
    if i % 19 != 0:
        lines.append(b"Date: Mon, %d Jan 2024 10:%02d:00 +0000" % (i % 28 + 1, i % 60))
    if i % 23 == 0:
        lines.append(b"X-Long: " + b"x" * 20000)
    lines.append(b"To: list@example.org")
    header = nl.join(lines) + nl
    if i % 29 == 0:
        return header  # all header, no body
    return header + nl + b"Body of message %d%s" % (i, nl) + (b"line\n" * (i % 40))


def build_maildir(maildir, count):
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    for i in range(1, count + 1):
        path = maildir / "cur" / f"{1700000000 + i}.M{i}P7.gen:2,"
        path.write_bytes(message(i))


def traced_session(maildir, trace):
    cmd = ["strace", "-f", "-s", "64", "-o", str(trace), "-e",
           "trace=openat,open,read,stat,newfstatat,statx,lstat"]
    return ImapSession(roost_imap_cmd(maildir), prefix=cmd)


def message_files_opened_after(trace, maildir, marker):
    """The message files opened (or stat'ed) after the read() that carried
    marker."""
    lines = open(trace, errors="replace").read().splitlines()
    start = next(i for i, line in enumerate(lines) if marker in line and "read(" in line)
    pat = re.compile(re.escape(str(maildir)) + r'/(cur|new|tmp)/[^"]+"')
    return [line for line in lines[start:] if pat.search(line)]


def fetch_lines(session, tag):
    r = session.cmd(tag, FETCH)
    assert r[-1].startswith(tag.encode() + b" OK"), r[-1]
    return r[:-1]


@pytest.fixture
def workdir():
    path = tempfile.mkdtemp(prefix="roost-cache-")
    os.chmod(path, 0o711)
    yield pathlib.Path(path)
    shutil.rmtree(path)


def test_header_fields_cached(workdir):
    maildir = workdir / "Maildir"
    build_maildir(maildir, COUNT)
    roost(maildir, "status", "INBOX")  # index it (UIDs in dovecot-uidlist)
    dove_md = workdir / "dovecot" / "Maildir"
    shutil.copytree(maildir, dove_md)

    trace = workdir / "trace"
    s = traced_session(maildir, trace)
    s.cmd("a", "SELECT INBOX")
    start = time.monotonic()
    first = fetch_lines(s, "b1")
    first_ms = (time.monotonic() - start) * 1000
    start = time.monotonic()
    second = fetch_lines(s, "b2")
    second_ms = (time.monotonic() - start) * 1000
    assert len(first) == COUNT and all(UID_RE.match(x) for x in first)
    assert second == first
    # (the trace does show the first FETCH reading every file)
    assert len(message_files_opened_after(trace, maildir, "b1 FETCH")) >= COUNT
    opened = message_files_opened_after(trace, maildir, "b2 FETCH")
    assert opened == [], opened[:5]
    print(f"\n{COUNT} messages, FETCH HEADER.FIELDS (FROM SUBJECT DATE): first "
          f"{first_ms:.0f} ms (reads the files), second {second_ms:.0f} ms (cache)")

    # asked for older messages: decided for good, cached at save time
    fields = (maildir / "roost.index.cache-fields").read_text()
    for name in ("from", "subject", "date"):
        assert re.search(rf"^yes \d+ hdr\.{name}$", fields, re.M), fields
    new = message(COUNT + 1)
    roost(maildir, "save", "INBOX", stdin=new)
    assert b"* %d EXISTS" % (COUNT + 1) in s.cmd("n", "NOOP")
    third = fetch_lines(s, "b3")
    assert third[:COUNT] == first and len(third) == COUNT + 1
    assert b"person%d@example.com" % (COUNT + 1) in third[COUNT]
    opened = message_files_opened_after(trace, maildir, "b3 FETCH")
    assert opened == [], opened[:5]
    assert s.close() == 0

    # what Dovecot 2.3 answers on a copy of the same Maildir
    for root, dirs, files in os.walk(workdir / "dovecot"):
        os.chown(root, NOBODY, NOBODY)
        for name in files:
            os.chown(os.path.join(root, name), NOBODY, NOBODY)
    d = ImapSession(dovecot_imap_cmd(workdir / "dovecot", dove_md), user=NOBODY)
    d.cmd("a", "SELECT INBOX")
    dove = fetch_lines(d, "b1")
    d.close()
    assert normalise_imap(dove) == normalise_imap(first)


def test_widened_header_fields_replace_older_cache(workdir):
    """A FETCH asking for more fields than were cached reads each header
    once more and caches the wider set; the values still waiting to be
    written (the last batch) must win over the narrower ones already in
    the file, in this session and the next: the third FETCH and a new
    session's FETCH open no message file (a regression: the last batch of
    messages was read again on every command)."""
    maildir = workdir / "Maildir"
    build_maildir(maildir, 700)
    trace = workdir / "trace-widen"
    s = traced_session(maildir, trace)
    s.cmd("a", "SELECT INBOX")
    assert s.cmd("b", "FETCH 1:* BODY.PEEK[HEADER.FIELDS (DATE)]")[-1].startswith(b"b OK")
    wide = "FETCH 1:* BODY.PEEK[HEADER.FIELDS (DATE SUBJECT)]"
    first = s.cmd("c", wide)
    again = s.cmd("d" + "x" * 8, wide)
    assert again[:-1] == first[:-1]
    assert message_files_opened_after(trace, maildir, "dxxxxxxxx FETCH") == []
    s.close()
    trace2 = workdir / "trace-widen2"
    s = traced_session(maildir, trace2)
    s.cmd("a", "SELECT INBOX")
    assert s.cmd("e" + "y" * 8, wide)[:-1] == first[:-1]
    assert message_files_opened_after(trace2, maildir, "eyyyyyyyy FETCH") == []
    s.close()


SEARCHES = ["SEARCH SUBJECT \"folded subject\"", "SEARCH SUBJECT café", "SEARCH SUBJECT continued",
            "SEARCH FROM loud", "SEARCH FROM second-from", "SEARCH HEADER Date \"Jan 2024\"",
            "SEARCH SUBJECT \"\"", "SEARCH NOT SUBJECT message FROM person"]


def test_search_header_from_cache(workdir):
    """SEARCH of a header field that the cache holds (FETCH asked for it)
    opens no message file and answers what reading the files answers (a
    session on an uncached copy of the Maildir)."""
    maildir = workdir / "Maildir"
    build_maildir(maildir, 300)
    roost(maildir, "status", "INBOX")
    copy = workdir / "copy" / "Maildir"
    shutil.copytree(maildir, copy)
    ref = ImapSession(roost_imap_cmd(copy))
    ref.cmd("a", "SELECT INBOX")
    expected = [ref.cmd(f"s{k}", cmd)[:-1] for k, cmd in enumerate(SEARCHES)]
    assert ref.close() == 0
    trace = workdir / "trace"
    s = traced_session(maildir, trace)
    s.cmd("a", "SELECT INBOX")
    fetch_lines(s, "f")
    got = [s.cmd(f"c{k}", cmd) for k, cmd in enumerate(SEARCHES)]
    assert s.close() == 0
    for cmd, e, g in zip(SEARCHES, expected, got):
        assert g[-1].startswith(b"c") and b" OK " in g[-1], (cmd, g[-1])
        assert g[:-1] == e, cmd
        assert len(e[0].split()) > 2 or "café" in cmd, (cmd, e[0])
    opened = message_files_opened_after(trace, maildir, "c0 SEARCH")
    assert opened == [], opened[:5]


def test_fetch_output_in_few_writes(workdir):
    """A FETCH of many messages leaves in buffer-sized write()s, not one
    per response line (the output is corked while a command runs)."""
    maildir = workdir / "Maildir"
    build_maildir(maildir, 300)
    roost(maildir, "status", "INBOX")
    trace = workdir / "trace"
    cmd = ["strace", "-f", "-o", str(trace), "-e", "trace=read,write,writev"]
    s = ImapSession(roost_imap_cmd(maildir), prefix=cmd)
    s.cmd("a", "SELECT INBOX")
    lines = fetch_lines(s, "f")
    assert len(lines) == 300
    assert s.close() == 0
    trace_lines = open(trace, errors="replace").read().splitlines()
    start = next(i for i, line in enumerate(trace_lines) if "f FETCH" in line and "read(" in line)
    writes = [line for line in trace_lines[start:]
              if re.search(r"\b(write|writev)\(1,", line)]
    # about 60 KB of responses: a handful of writes, not 300
    assert 0 < len(writes) <= 10, len(writes)
