"""A 100,000-message Maildir opens and lists UID/flags/size from roost.index
without touching a message file (asserted under strace), gives its status
from the index header alone, and serves a second FETCH of chosen header
fields over IMAP from the cache without opening a message file; a
20,000-message mailbox opens with its status in about 5 ms. The fixture is
generated directly (message files and a dovecot-uidlist, as Dovecot would
have left them); the times are printed (run pytest with -s to see them)."""
import os
import re
import subprocess
import time

import pytest

from storage_util import ImapSession, cli_path, roost_imap_cmd

STAMP = 1700000000
TIME_RE = re.compile(r"(?:open\+list of \d+ messages|open\+status|status): ([\d.]+) ms")


def flags_of(i):
    return "S" if i % 2 else ("FS" if i % 3 == 0 else "")


def build_maildir(maildir, count):
    for d in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(maildir, d), exist_ok=True)
    lines = []
    for i in range(1, count + 1):
        body = f"Subject: m{i}\n\nmessage {i}\n".encode()
        base = f"{STAMP + i}.M{i}P1Q1.gen,S={len(body)},W={len(body) + 3}"
        # a few in new/, the rest in cur/ with flags
        sub, suffix = ("new", "") if i % 1000 == 7 else ("cur", ":2," + flags_of(i))
        with open(os.path.join(maildir, sub, base + suffix), "wb") as f:
            f.write(body)
        lines.append(f"{i} :{base}\n")
    with open(os.path.join(maildir, "dovecot-uidlist"), "w") as f:
        f.write(f"3 V{STAMP} N{count + 1} G0123456789abcdef0123456789abcdef\n")
        f.writelines(lines)


def run_cli(maildir, *args, strace_to=None):
    cmd = [cli_path(), "-o", f"mail_location=maildir:{maildir}"] + list(args)
    if strace_to:
        cmd = ["strace", "-f", "-o", strace_to, "-e",
               "trace=%file,%desc,%stat,mmap"] + cmd
    res = subprocess.run(cmd, capture_output=True, timeout=120)
    assert res.returncode == 0, res.stderr.decode()
    m = TIME_RE.search(res.stderr.decode())
    assert m, res.stderr.decode()
    return res.stdout.decode(), float(m.group(1))


@pytest.fixture(scope="module")
def maildir_100k(tmp_path_factory):
    """Built once for the 100k tests (the first opens it index-less)."""
    maildir = str(tmp_path_factory.mktemp("big") / "Maildir")
    start = time.monotonic()
    build_maildir(maildir, 100000)
    print(f"\nfixture: 100000 messages in {time.monotonic() - start:.1f} s")
    return maildir


def trace_message_files(trace, maildir, after=None):
    """Lines of an strace output that touch a message file (after the
    read() that carried marker `after`, when given)."""
    lines = open(trace, errors="replace").read().splitlines()
    if after is not None:
        lines = lines[next(i for i, line in enumerate(lines)
                           if after in line and "read(" in line):]
    message_file = re.compile(re.escape(maildir) + r'/(cur|new|tmp)/[^"]+"')
    return [line for line in lines if message_file.search(line)]


def test_100k_open_and_list(maildir_100k):
    maildir = maildir_100k
    # the first open builds the index (reading each file once)
    out, rebuild_ms = run_cli(maildir, "fetch", "INBOX", "-t")
    print(f"first open (index rebuilt from the Maildir): {rebuild_ms:.1f} ms")
    lines = out.splitlines()
    assert len(lines) == 100000
    assert lines[0] == "1 23 26 (\\Seen)" and lines[1] == "2 23 26 ()"
    assert lines[5] == "6 23 26 (\\Flagged \\Seen)" and lines[6] == "7 23 26 ()"

    # later opens read only the index
    trace = maildir + "/../trace"
    out2, _ = run_cli(maildir, "fetch", "INBOX", "-t", strace_to=trace)
    assert out2 == out
    touched = trace_message_files(trace, maildir)
    assert touched == [], touched[:5]
    # only the index, the uidlist and the directories were looked at
    opened = set(re.findall(r'open(?:at)?\([^"]*"([^"]+)"', open(trace).read()))
    opened = {p for p in opened if p.startswith(maildir)}
    assert opened <= {maildir + "/" + n for n in
                      ("roost.index", "roost.index.log", "roost.index.lock",
                       "roost.index.cache", "dovecot-uidlist", "dovecot-keywords",
                       "cur", "new")}, opened
    times = sorted(run_cli(maildir, "fetch", "INBOX", "-t")[1] for _ in range(3))
    print(f"open + list UID/flags/size of 100000 messages: {times[1]:.1f} ms (median of 3)")
    assert times[1] < 2000


def test_20k_select_like_open(tmp_path):
    maildir = str(tmp_path / "Maildir")
    build_maildir(maildir, 20000)
    out, _ = run_cli(maildir, "status", "INBOX", "-t")
    assert "messages=20000 " in out and f"uidvalidity={STAMP} " in out and \
        "uidnext=20001 " in out
    times = sorted(run_cli(maildir, "status", "INBOX", "-t")[1] for _ in range(5))
    print(f"\n20000 messages: mailbox_open + status: {times[2]:.2f} ms "
          f"(median of 5; best {times[0]:.2f} ms; target 5 ms)")
    # the target is 5 ms; leave room for a loaded 2-core machine
    assert times[0] < 25


def test_100k_status_from_header(maildir_100k):
    """STATUS of an unopened mailbox reads the index header and log, not
    its 100,000 records."""
    maildir = maildir_100k
    out, _ = run_cli(maildir, "status", "INBOX", "-t", "-c")
    full, _ = run_cli(maildir, "status", "INBOX", "-t")
    assert out == full and "messages=100000 " in out
    trace = maildir + "/../trace-status"
    subprocess.run(["strace", "-f", "-y", "-o", trace, "-e", "trace=%file,%desc,%stat,mmap",
                    cli_path(), "-o", f"mail_location=maildir:{maildir}", "status", "INBOX",
                    "-c"], check=True, capture_output=True, timeout=120)
    text = open(trace).read()
    assert trace_message_files(trace, maildir) == []
    # one small read of roost.index (its header), no mmap/read of the records
    reads = re.findall(r"pread64\(\d+<" + re.escape(maildir) + r"/roost\.index>, .*?, (\d+), 0\)",
                       text)
    assert reads and all(int(n) < 4096 for n in reads), reads
    closed = sorted(run_cli(maildir, "status", "INBOX", "-t", "-c")[1] for _ in range(5))
    opened = sorted(run_cli(maildir, "status", "INBOX", "-t")[1] for _ in range(3))
    print(f"\n100000 messages: status of an unopened mailbox {closed[2]:.2f} ms "
          f"(median of 5); with a full open {opened[1]:.1f} ms")
    assert closed[2] < 20


def test_100k_header_fetch_from_cache(maildir_100k):
    """FETCH 1:* BODY.PEEK[HEADER.FIELDS (FROM SUBJECT DATE)] over IMAP: the
    first reads the 100,000 files, a later session's is served from the
    cache without opening one."""
    maildir = maildir_100k
    fetch = "FETCH 1:* (BODY.PEEK[HEADER.FIELDS (FROM SUBJECT DATE)])"
    s = ImapSession(roost_imap_cmd(maildir))
    s.cmd("a", "SELECT INBOX")
    start = time.monotonic()
    first = s.cmd("b", fetch)
    first_ms = (time.monotonic() - start) * 1000
    start = time.monotonic()
    second = s.cmd("c", fetch)
    second_ms = (time.monotonic() - start) * 1000
    assert s.close() == 0
    assert len(first) == 100001 and first[-1].startswith(b"b OK")
    assert first[:-1] == second[:-1]
    assert b"Subject: m77\r\n" in first[76]

    trace = maildir + "/../trace-fetch"
    s = ImapSession(roost_imap_cmd(maildir), prefix=[
        "strace", "-f", "-s", "64", "-o", trace, "-e",
        "trace=openat,open,read,stat,newfstatat,statx,lstat"])
    s.cmd("a", "SELECT INBOX")
    third = s.cmd("d", fetch)
    assert s.close() == 0
    assert third[:-1] == first[:-1]
    touched = trace_message_files(trace, maildir, after="d FETCH")
    assert touched == [], touched[:5]
    print(f"\n100000 messages, FETCH HEADER.FIELDS (FROM SUBJECT DATE) over IMAP: "
          f"first {first_ms:.0f} ms (reads the files), second {second_ms:.0f} ms (cache)")
