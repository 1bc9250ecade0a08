"""Crash safety: a saving process (roost-test-storage save-loop) is killed
with SIGKILL at reproducible points, at least 200 times. A point is "on
entering the Nth system call of kind K" (strace's fault injection: the call
is not made, the process dies with SIGKILL on entering it), with K
and N drawn from a seeded generator (the seed is printed; set
ROOST_FAULT_SEED to replay a run). After every kill the next process
recovers the Maildir, and the test checks that every acknowledged message
is there exactly once, complete, under the UID it was acknowledged with;
that no partial message is in new/ or cur/; that acknowledged UIDs are
strictly increasing; and that no UID is ever given to two messages."""
import os
import random
import re
import subprocess
import time

from storage_util import cli_path, loop_message, roost

KILLS = 200
MESSAGES_PER_RUN = 4
# system calls to kill at, and how many of each a run makes at most
# (roughly: per message, times MESSAGES_PER_RUN, plus opening)
KINDS = {
    "write": 4, "fsync": 3, "fdatasync": 2, "rename": 2, "openat": 7, "unlink": 2,
    "pwrite64": 3, "link": 2,
}
SUBJECT_RE = re.compile(rb"^Subject: (\S+)$", re.M)


def read_uidlist(maildir):
    """{base name: uid} from dovecot-uidlist."""
    out = {}
    with open(os.path.join(maildir, "dovecot-uidlist")) as f:
        lines = f.read().split("\n")
    for line in lines[1:]:
        if not line:
            continue
        head, name = line.split(":", 1)
        out[name] = int(head.split()[0])
    return out


def check_maildir(maildir, acked, uid_owner):
    """acked: {token: uid}. uid_owner: {uid: token} of every UID ever seen,
    updated here."""
    uids = read_uidlist(maildir)
    present = {}
    for sub in ("new", "cur"):
        for fname in os.listdir(os.path.join(maildir, sub)):
            with open(os.path.join(maildir, sub, fname), "rb") as f:
                data = f.read()
            m = SUBJECT_RE.search(data)
            assert m, f"partial message {sub}/{fname}: {data[:80]!r}"
            token = m.group(1).decode()
            i = int(token.rsplit("-", 1)[1])
            assert data == loop_message(token, i), f"partial or damaged {sub}/{fname}"
            assert token not in present, f"{token} is present twice"
            base = fname.split(":", 1)[0]
            assert base in uids, f"{fname} has no UID after recovery"
            present[token] = uids[base]
    for token, uid in acked.items():
        assert token in present, f"acknowledged {token} (UID {uid}) is missing"
        assert present[token] == uid, f"{token} acknowledged as UID {uid}, now {present[token]}"
    for token, uid in present.items():
        assert uid_owner.setdefault(uid, token) == token, \
            f"UID {uid} given to {uid_owner[uid]} and to {token}"


def test_sigkill_during_saves(tmp_path):
    seed = int(os.environ.get("ROOST_FAULT_SEED", time.time_ns() % 1000000))
    print(f"fault test seed: {seed} (replay with ROOST_FAULT_SEED={seed})")
    rng = random.Random(seed)
    maildir = str(tmp_path / "Maildir")
    acked, uid_owner = {}, {}
    last_acked_uid = 0
    kills = runs = 0
    deadline = time.monotonic() + 150
    while kills < KILLS:
        assert time.monotonic() < deadline, f"too slow: {kills} kills in time"
        kind = rng.choice(sorted(KINDS))
        nth = rng.randint(1, KINDS[kind] * MESSAGES_PER_RUN + 4)
        tag = f"r{runs}"
        runs += 1
        cmd = ["strace", "-f", "-qq", "-o", "/dev/null",
               "-e", f"trace={kind}", "-e", f"inject={kind}:retval=0:signal=SIGKILL:when={nth}",
               cli_path(), "-o", f"mail_location=maildir:{maildir}",
               "save-loop", "INBOX", str(MESSAGES_PER_RUN), tag]
        res = subprocess.run(cmd, capture_output=True, timeout=30)
        killed = res.returncode == 128 + 9 or res.returncode == -9 or \
            b"Killed" in res.stderr
        assert killed or res.returncode == 0, (kind, nth, res.returncode, res.stderr)
        kills += killed
        for line in res.stdout.decode().split("\n"):
            if not line.endswith(tuple("0123456789")) or not line.startswith("OK "):
                continue  # a torn last line was not an acknowledgement
            _, uid, token = line.split()
            uid = int(uid)
            assert uid > last_acked_uid, f"UID {uid} acknowledged after {last_acked_uid}"
            last_acked_uid = uid
            acked[token] = uid
        # recovery: the next process syncs the Maildir
        roost(maildir, "fetch", "INBOX")
        check_maildir(maildir, acked, uid_owner)
    # the index agrees with the files
    listed = roost(maildir, "fetch", "INBOX")
    index_uids = [int(line.split()[0]) for line in listed.splitlines()]
    assert index_uids == sorted(set(index_uids))
    assert set(acked.values()) <= set(index_uids)
    print(f"{kills} kills in {runs} runs, {len(acked)} acknowledged messages, "
          f"{len(index_uids)} in the mailbox")
    assert kills >= KILLS and len(acked) > 50


MOVE_KINDS = {"rename": 2, "fsync": 3, "fdatasync": 2, "write": 3, "openat": 6, "pwrite64": 2,
              "unlink": 1}
MOVE_KILLS = 100


def tokens_in(maildir):
    """{token: count} of the messages in a Maildir's new/ and cur/, each
    checked whole."""
    found = {}
    for sub in ("new", "cur"):
        for fname in os.listdir(os.path.join(maildir, sub)):
            with open(os.path.join(maildir, sub, fname), "rb") as f:
                data = f.read()
            m = SUBJECT_RE.search(data)
            assert m, f"partial message {sub}/{fname}"
            token = m.group(1).decode()
            assert data == loop_message(token, int(token.rsplit("-", 1)[1])), fname
            found[token] = found.get(token, 0) + 1
    return found


def test_sigkill_during_moves(tmp_path):
    """Moves between two mailboxes (roost-test-storage move, one commit
    per message) killed at seeded system calls: after every kill and
    recovery each message is in exactly one of the two mailboxes, whole,
    and has a UID there."""
    seed = int(os.environ.get("ROOST_FAULT_SEED", time.time_ns() % 1000000))
    print(f"move fault test seed: {seed} (replay with ROOST_FAULT_SEED={seed})")
    rng = random.Random(seed)
    maildir = str(tmp_path / "Maildir")
    roost(maildir, "save-loop", "INBOX", "30", "mv")
    roost(maildir, "create", "Other")
    boxes = {"INBOX": maildir, "Other": os.path.join(maildir, ".Other")}
    all_tokens = {f"mv-{i}" for i in range(30)}
    kills = runs = 0
    deadline = time.monotonic() + 150
    while kills < MOVE_KILLS:
        assert time.monotonic() < deadline, f"too slow: {kills} kills in time"
        kind = rng.choice(sorted(MOVE_KINDS))
        nth = rng.randint(1, MOVE_KINDS[kind] * 30)
        src, dest = ("INBOX", "Other") if runs % 2 == 0 else ("Other", "INBOX")
        runs += 1
        cmd = ["strace", "-f", "-qq", "-o", "/dev/null",
               "-e", f"trace={kind}", "-e", f"inject={kind}:retval=0:signal=SIGKILL:when={nth}",
               cli_path(), "-o", f"mail_location=maildir:{maildir}", "move", src, dest]
        res = subprocess.run(cmd, capture_output=True, timeout=60)
        killed = res.returncode in (128 + 9, -9) or b"Killed" in res.stderr
        assert killed or res.returncode == 0, (kind, nth, res.returncode, res.stderr)
        kills += killed
        # recovery: each side syncs its Maildir
        counts = {}
        for box, path in boxes.items():
            listed = roost(maildir, "fetch", box)
            uids = [int(line.split()[0]) for line in listed.splitlines()]
            assert uids == sorted(set(uids)), (box, uids)
            found = tokens_in(path)
            assert len(found) == len(uids), (box, found, uids)
            for token, n in found.items():
                counts[token] = counts.get(token, 0) + n
        assert set(counts) == all_tokens, (kind, nth, all_tokens - set(counts))
        assert all(n == 1 for n in counts.values()), \
            (kind, nth, {t: n for t, n in counts.items() if n != 1})
    print(f"{kills} kills in {runs} move runs: every message in exactly one mailbox")
