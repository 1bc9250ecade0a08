"""QRESYNC (RFC 7162 3.2) beyond the Dovecot-compared dialogue in
test_imap_stdio.py: expunges by another session arrive as VANISHED (in
IDLE too), a client resynchronises after expunges it missed, and after
the index (and with it the expunge history) is lost the UIDs that are
gone are still reported."""
import re

from test_imap_stdio import Session, seed_claimed, MSG1, MSG2, MSG3, maildir  # noqa: F401


def status(s, tag):
    r = s.cmd(tag, "SELECT INBOX")
    uv = int(re.search(rb"\[UIDVALIDITY (\d+)\]", b"\n".join(r)).group(1))
    hm = int(re.search(rb"\[HIGHESTMODSEQ (\d+)\]", b"\n".join(r)).group(1))
    return uv, hm


def test_vanished_to_other_session_and_in_idle(maildir):
    seed_claimed(maildir, (MSG1, MSG2, MSG3, MSG1))
    a = Session(maildir)
    assert a.cmd("a1", "ENABLE QRESYNC") == [b"* ENABLED QRESYNC", b"a1 OK Enabled."]
    status(a, "a2")
    b = Session(maildir)
    b.cmd("b1", "SELECT INBOX")
    b.cmd("b2", "STORE 2:3 +FLAGS.SILENT (\\Deleted)")
    b.cmd("b3", "EXPUNGE")
    # a CONDSTORE-less session gets EXPUNGE, a QRESYNC one VANISHED
    r = a.cmd("a3", "NOOP")
    assert r[0] == b"* VANISHED 2:3", r
    assert b" EXPUNGE" not in b"\n".join(r)
    a.sock.sendall(b"a4 IDLE\r\n")
    assert a.readline() == b"+ idling"
    b.cmd("b4", "STORE 2 +FLAGS.SILENT (\\Deleted)")
    b.cmd("b5", "EXPUNGE")
    line = a.readline()
    while b" FETCH " in line:
        line = a.readline()
    assert line == b"* VANISHED 4"
    a.sock.sendall(b"DONE\r\n")
    assert a.read_response("a4")[-1] == b"a4 OK Idle completed."
    # flag changes by b carry the UID once QRESYNC is on
    b.cmd("b6", "STORE 1 +FLAGS.SILENT (\\Flagged)")
    r = a.cmd("a5", "NOOP")
    assert re.fullmatch(rb"\* 1 FETCH \(UID 1 MODSEQ \(\d+\) FLAGS \(\\Flagged\)\)", r[0]), r
    for s, t in ((a, "az"), (b, "bz")):
        s.cmd(t, "LOGOUT")
        assert s.close() == 0


def test_resync_after_missed_expunges_and_lost_history(maildir):
    seed_claimed(maildir, (MSG1, MSG2, MSG3, MSG1, MSG2))
    s = Session(maildir)
    uv, modseq = status(s, "a")
    s.cmd("z", "LOGOUT")
    s.close()
    # meanwhile another client expunges 2 and 4 and flags 5
    o = Session(maildir)
    o.cmd("o1", "SELECT INBOX")
    o.cmd("o2", "UID STORE 2,4 +FLAGS.SILENT (\\Deleted)")
    o.cmd("o3", "UID EXPUNGE 2,4")
    o.cmd("o4", "UID STORE 5 +FLAGS.SILENT (\\Answered)")
    o.cmd("oz", "LOGOUT")
    o.close()
    s = Session(maildir)
    s.cmd("b", "ENABLE QRESYNC")
    r = s.cmd("c", f"SELECT INBOX (QRESYNC ({uv} {modseq} 1:5))")
    assert b"* VANISHED (EARLIER) 2,4" in r, r
    changed = [x for x in r if b" FETCH " in x]
    assert len(changed) == 1 and re.fullmatch(
        rb"\* 3 FETCH \(UID 5 FLAGS \(\\Answered\) MODSEQ \(\d+\)\)", changed[0]), r
    # up to date: nothing to report
    _, now = status(s, "d")
    r = s.cmd("e", f"SELECT INBOX (QRESYNC ({uv} {now}))")
    assert not [x for x in r if b"VANISHED" in x or b" FETCH " in x], r
    s.cmd("z", "LOGOUT")
    s.close()
    # the index is lost: its expunge records with it. UIDVALIDITY lives in
    # dovecot-uidlist, so the client's state is still valid, and the UIDs
    # that are gone are reported although their expunges are not known
    for p in maildir.glob("roost.index*"):
        p.unlink()
    s = Session(maildir)
    s.cmd("f", "ENABLE QRESYNC")
    r = s.cmd("g", f"SELECT INBOX (QRESYNC ({uv} {now}))")
    assert b"* OK [UIDVALIDITY %d] UIDs valid" % uv in r
    assert b"* VANISHED (EARLIER) 2,4" in r, r
    s.cmd("z", "LOGOUT")
    s.close()
