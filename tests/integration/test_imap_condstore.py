"""CONDSTORE (RFC 7162 section 3.1, without QRESYNC) through roost-imap-stdio:
ENABLE and the implicit enabling commands, HIGHESTMODSEQ in SELECT and
STATUS, the MODSEQ fetch item, FETCH (CHANGEDSINCE), STORE (UNCHANGEDSINCE)
with [MODIFIED], SEARCH MODSEQ with its (MODSEQ n), and the MODSEQ that
untagged FETCH responses carry once enabled, including changes made by
another session. The same commands are compared with Dovecot 2.3 in
test_imap_stdio.py (EXT_DIALOGUE)."""
import re

from test_imap_stdio import Session, imaplib_session, seed_claimed as seed, MSG3, maildir  # noqa: F401


def highest_modseq(lines):
    for line in lines:
        m = re.fullmatch(rb"\* OK \[HIGHESTMODSEQ (\d+)\] Highest", line)
        if m:
            return int(m.group(1))
    raise AssertionError(lines)


def modseqs(session, tag, seqset="1:*"):
    """{seq: modseq} from FETCH MODSEQ."""
    out = {}
    for line in session.cmd(tag, f"FETCH {seqset} MODSEQ")[:-1]:
        m = re.fullmatch(rb"\* (\d+) FETCH \(MODSEQ \((\d+)\)\)", line)
        if m:
            out[int(m.group(1))] = int(m.group(2))
    return out


def test_capability_enable_and_implicit_enabling(maildir):
    seed(maildir)
    s = Session(maildir)
    assert b" CONDSTORE" in s.greeting
    assert s.cmd("a", "ENABLE FOO") == [b"a OK Enabled."]
    r = s.cmd("b", "SELECT INBOX")
    h = highest_modseq(r)
    # FETCH MODSEQ is a CONDSTORE enabling command: the first one tells
    # the selected mailbox's HIGHESTMODSEQ before its data (RFC 7162 3.1)
    r = s.cmd("c", "FETCH 1:* (UID MODSEQ)")
    assert r[0] == b"* OK [HIGHESTMODSEQ %d] Highest" % h
    assert all(re.fullmatch(rb"\* \d FETCH \(UID \d MODSEQ \(\d+\)\)", x) for x in r[1:4])
    assert max(int(re.search(rb"MODSEQ \((\d+)\)", x).group(1)) for x in r[1:4]) == h
    # enabled now: no second HIGHESTMODSEQ, and ENABLE lists it anyway
    assert s.cmd("d", "FETCH 1 MODSEQ")[0].startswith(b"* 1 FETCH (MODSEQ (")
    assert s.cmd("e", "ENABLE CONDSTORE FOO") == [b"* ENABLED CONDSTORE", b"e OK Enabled."]
    s.cmd("z", "LOGOUT")
    s.close()


def test_enabling_commands(maildir):
    """Each enabling command turns MODSEQ on in untagged FETCH responses."""
    seed(maildir)
    for enabler in ("ENABLE CONDSTORE", "STATUS INBOX (HIGHESTMODSEQ)",
                    "FETCH 1 (FLAGS) (CHANGEDSINCE 1)", "SEARCH MODSEQ 1",
                    "STORE 2 (UNCHANGEDSINCE 1) +FLAGS (\\Draft)"):
        s = Session(maildir)
        s.cmd("a", "SELECT INBOX")
        r = s.cmd("b", "STORE 3 FLAGS (\\Seen)")
        assert r[0] == b"* 3 FETCH (FLAGS (\\Seen))", enabler
        r = s.cmd("c", enabler)
        assert r[0].startswith(b"* OK [HIGHESTMODSEQ "), (enabler, r)
        r = s.cmd("d", "STORE 3 -FLAGS (\\Seen)")
        assert re.fullmatch(rb"\* 3 FETCH \(MODSEQ \(\d+\) FLAGS \(\)\)", r[0]), (enabler, r)
        s.cmd("z", "LOGOUT")
        s.close()
    # SELECT (CONDSTORE) enables it before the mailbox is open: no extra line
    s = Session(maildir)
    r = s.cmd("a", "SELECT INBOX (CONDSTORE)")
    assert [x for x in r if b"HIGHESTMODSEQ" in x] == [r[-2]]
    assert re.fullmatch(rb"\* 1 FETCH \(MODSEQ \(\d+\) FLAGS \(\\Flagged\)\)",
                        s.cmd("b", "STORE 1 FLAGS (\\Flagged)")[0])
    assert s.cmd("c", "SELECT INBOX (FOO)") == [
        b"c BAD Error in IMAP command SELECT: Unknown SELECT parameter."]
    assert s.cmd("d", "EXAMINE INBOX (CONDSTORE)")[-1] == b"d OK [READ-ONLY] Examine completed."
    s.cmd("z", "LOGOUT")
    s.close()


def test_highestmodseq_select_status_and_persistence(maildir):
    seed(maildir)
    s = Session(maildir)
    h1 = highest_modseq(s.cmd("a", "SELECT INBOX (CONDSTORE)"))
    r = s.cmd("b", "STORE 1 +FLAGS (\\Flagged)")
    m = int(re.search(rb"MODSEQ \((\d+)\)", r[0]).group(1))
    assert m > h1
    s.cmd("c", "CREATE Other")
    r = s.cmd("d", "STATUS Other (MESSAGES HIGHESTMODSEQ)")
    other = int(re.fullmatch(rb"\* STATUS Other \(MESSAGES 0 HIGHESTMODSEQ (\d+)\)", r[0])
                .group(1))
    s.sock.sendall(b"e APPEND Other {%d+}\r\n" % len(MSG3) + MSG3 + b"\r\n")
    s.read_response("e")
    r = s.cmd("f", "STATUS Other (HIGHESTMODSEQ)")
    assert int(re.search(rb"HIGHESTMODSEQ (\d+)", r[0]).group(1)) > other
    s.cmd("z", "LOGOUT")
    s.close()
    # another session, later: the same modseqs (they are stored)
    s = Session(maildir)
    assert highest_modseq(s.cmd("a", "EXAMINE INBOX")) == m
    assert modseqs(s, "b")[1] == m
    s.cmd("z", "LOGOUT")
    s.close()


def test_fetch_changedsince(maildir):
    seed(maildir)
    s = Session(maildir)
    s.cmd("a", "SELECT INBOX (CONDSTORE)")
    before = modseqs(s, "b")
    r = s.cmd("c", "STORE 2 +FLAGS (\\Answered)")
    after2 = int(re.search(rb"MODSEQ \((\d+)\)", r[0]).group(1))
    assert after2 > max(before.values())
    # only message 2 changed since: MODSEQ comes last, implied
    r = s.cmd("d", "FETCH 1:* (FLAGS) (CHANGEDSINCE %d)" % max(before.values()))
    assert r == [b"* 2 FETCH (FLAGS (\\Answered) MODSEQ (%d))" % after2,
                 b"d OK Fetch completed."]
    r = s.cmd("e", "UID FETCH 1:* (FLAGS) (CHANGEDSINCE %d)" % max(before.values()))
    assert r[0] == b"* 2 FETCH (UID 2 FLAGS (\\Answered) MODSEQ (%d))" % after2
    assert s.cmd("f", "FETCH 1:* (FLAGS) (CHANGEDSINCE %d)" % after2) == [
        b"f OK Fetch completed."]
    # an explicit MODSEQ keeps its place
    r = s.cmd("g", "FETCH 2 (MODSEQ UID) (CHANGEDSINCE 1)")
    assert r[0] == b"* 2 FETCH (MODSEQ (%d) UID 2)" % after2
    assert s.cmd("h", "FETCH 1 (FLAGS) (CHANGEDSINCE x)") == [
        b"h BAD Error in IMAP command FETCH: Invalid CHANGEDSINCE modseq."]
    assert s.cmd("i", "FETCH 1 (FLAGS) (FOO 1)") == [
        b"i BAD Error in IMAP command FETCH: Unknown FETCH modifier."]
    assert s.cmd("j", "FETCH 1 (FLAGS) (CHANGEDSINCE)")[0].startswith(b"j BAD ")
    assert s.cmd("k", "FETCH 1 (FLAGS) (CHANGEDSINCE 99999999999999999999)")[0].startswith(
        b"k BAD ")
    s.cmd("z", "LOGOUT")
    s.close()


def test_store_unchangedsince_and_modified(maildir):
    seed(maildir)
    s = Session(maildir)
    s.cmd("a", "SELECT INBOX (CONDSTORE)")
    m0 = modseqs(s, "b")
    r = s.cmd("c", "STORE 2 +FLAGS (\\Flagged)")
    m2 = int(re.search(rb"MODSEQ \((\d+)\)", r[0]).group(1))
    # 1 and 3 pass, 2 changed since: refused and listed
    r = s.cmd("d", "STORE 1:3 (UNCHANGEDSINCE %d) +FLAGS (\\Seen)" % max(m0.values()))
    assert re.fullmatch(rb"\* 1 FETCH \(MODSEQ \(\d+\) FLAGS \(\\Seen\)\)", r[0]), r
    assert re.fullmatch(rb"\* 3 FETCH \(MODSEQ \(\d+\) FLAGS \(\\Seen\)\)", r[1]), r
    assert r[2] == b"d OK [MODIFIED 2] Conditional store failed."
    assert s.cmd("e", "FETCH 2 FLAGS")[0] == b"* 2 FETCH (FLAGS (\\Flagged))"
    # the UID form lists UIDs; 0 fails for every message
    s.cmd("f", "COPY 1:3 INBOX")
    r = s.cmd("g", "UID STORE 4:6 (UNCHANGEDSINCE 0) +FLAGS (\\Deleted)")
    assert r[-1] == b"g OK [MODIFIED 4:6] Conditional store failed."
    assert not [x for x in r if b"FETCH" in x]
    # .SILENT still reports the new MODSEQ, without FLAGS
    r = s.cmd("h", "STORE 2 (UNCHANGEDSINCE %d) -FLAGS.SILENT (\\Flagged)" % m2)
    assert re.fullmatch(rb"\* 2 FETCH \(MODSEQ \((\d+)\)\)", r[0]) and r[1] == \
        b"h OK Store completed."
    r = s.cmd("i", "UID STORE 2 +FLAGS.SILENT (\\Draft)")
    assert re.fullmatch(rb"\* 2 FETCH \(UID 2 MODSEQ \(\d+\)\)", r[0])
    # a no-op STORE changes nothing and says nothing
    before = modseqs(s, "j")
    assert s.cmd("k", "STORE 1:3 +FLAGS (\\Seen)") == [b"* 2 FETCH (MODSEQ (%d) FLAGS "
                                                       b"(\\Seen \\Draft))" % (
                                                           max(before.values()) + 1),
                                                       b"k OK Store completed."]
    assert s.cmd("l", "STORE 1 (UNCHANGEDSINCE x) +FLAGS (\\Seen)") == [
        b"l BAD Error in IMAP command STORE: Invalid modseq."]
    assert s.cmd("m", "STORE 1 (FOO 1) +FLAGS (\\Seen)") == [
        b"m BAD Error in IMAP command STORE: Unknown STORE modifier."]
    s.cmd("z", "LOGOUT")
    s.close()


def test_conditional_store_loses_race_to_other_session(maildir):
    """Two clients change the same message from the same modseq: only the
    first succeeds; the second gets [MODIFIED] and the first's flags stay."""
    seed(maildir)
    a, b = Session(maildir), Session(maildir)
    a.cmd("a1", "SELECT INBOX (CONDSTORE)")
    b.cmd("b1", "SELECT INBOX (CONDSTORE)")
    seen = modseqs(a, "a2", "1")[1]
    assert modseqs(b, "b2", "1")[1] == seen
    r = b.cmd("b3", "STORE 1 (UNCHANGEDSINCE %d) +FLAGS ($Claimed)" % seen)
    assert r[-1] == b"b3 OK Store completed.", r
    r = a.cmd("a3", "UID STORE 1 (UNCHANGEDSINCE %d) +FLAGS ($Mine)" % seen)
    # a learns of b's change (with MODSEQ) and that its own was refused
    assert any(re.fullmatch(rb"\* 1 FETCH \((UID 1 )?MODSEQ \(\d+\) FLAGS \(\$Claimed\)\)", x)
               for x in r), r
    assert r[-1] == b"a3 OK [MODIFIED 1] Conditional store failed."
    assert b.cmd("b4", "FETCH 1 FLAGS")[0] == b"* 1 FETCH (FLAGS ($Claimed))"
    for s, t in ((a, "az"), (b, "bz")):
        s.cmd(t, "LOGOUT")
        s.close()


def test_untagged_fetch_from_other_session_and_idle_carry_modseq(maildir):
    seed(maildir)
    a, b = Session(maildir), Session(maildir)
    a.cmd("a1", "ENABLE CONDSTORE")
    a.cmd("a2", "SELECT INBOX")
    b.cmd("b1", "SELECT INBOX")
    b.cmd("b2", "STORE 2 +FLAGS.SILENT (\\Flagged)")
    r = a.cmd("a3", "NOOP")
    m = re.fullmatch(rb"\* 2 FETCH \(MODSEQ \((\d+)\) FLAGS \(\\Flagged\)\)", r[0])
    assert m, r
    assert modseqs(a, "a4", "2")[2] == int(m.group(1))
    a.sock.sendall(b"a5 IDLE\r\n")
    assert a.readline() == b"+ idling"
    b.cmd("b3", "STORE 3 +FLAGS.SILENT (\\Answered)")
    line = a.readline()
    assert re.fullmatch(rb"\* 3 FETCH \(MODSEQ \(\d+\) FLAGS \(\\Answered\)\)", line), line
    a.sock.sendall(b"DONE\r\n")
    assert a.read_response("a5")[-1] == b"a5 OK Idle completed."
    # a session without CONDSTORE sees the same change without MODSEQ
    c = Session(maildir)
    c.cmd("c1", "SELECT INBOX")
    b.cmd("b4", "STORE 1 +FLAGS.SILENT (\\Draft)")
    assert c.cmd("c2", "NOOP")[0] == b"* 1 FETCH (FLAGS (\\Draft))"
    for s, t in ((a, "az"), (b, "bz"), (c, "cz")):
        s.cmd(t, "LOGOUT")
        s.close()


def test_fetch_setting_seen_reports_new_modseq(maildir):
    seed(maildir)
    s = Session(maildir)
    s.cmd("a", "SELECT INBOX (CONDSTORE)")
    old = modseqs(s, "b", "3")[3]
    r = s.cmd("c", "FETCH 3 (MODSEQ BODY[TEXT])")
    # the \\Seen it sets goes first, as in Dovecot; the MODSEQ asked for is
    # the one the message had, the new one follows the data
    assert r[0].startswith(b"* 3 FETCH (FLAGS (\\Seen) MODSEQ (%d) BODY[TEXT] {7}" % old), r
    new = int(re.fullmatch(rb"\* 3 FETCH \(MODSEQ \((\d+)\)\)", r[1]).group(1))
    assert new > old and r[2] == b"c OK Fetch completed."
    assert modseqs(s, "d", "3")[3] == new
    s.cmd("z", "LOGOUT")
    s.close()


def test_search_modseq(maildir):
    seed(maildir)
    s = Session(maildir)
    s.cmd("a", "SELECT INBOX")
    base = max(modseqs(s, "b").values())
    r = s.cmd("c", "STORE 3 +FLAGS (\\Flagged)")
    m3 = int(re.search(rb"MODSEQ \((\d+)\)", r[0]).group(1))
    assert s.cmd("d", "SEARCH MODSEQ %d" % (base + 1)) == [b"* SEARCH 3 (MODSEQ %d)" % m3,
                                                         b"d OK Search completed."]
    assert s.cmd("e", "SEARCH MODSEQ %d" % base)[0] == b"* SEARCH 1 2 3 (MODSEQ %d)" % m3
    assert s.cmd("f", 'UID SEARCH MODSEQ "/flags/\\\\Flagged" all %d FLAGGED' % base)[0] == \
        b"* SEARCH 3 (MODSEQ %d)" % m3
    # nothing found: no MODSEQ
    assert s.cmd("g", "SEARCH MODSEQ %d" % (m3 + 1))[0] == b"* SEARCH"
    r = s.cmd("h", "SEARCH RETURN (MIN COUNT) MODSEQ %d" % base)
    assert r[0] == b'* ESEARCH (TAG "h") MIN 1 COUNT 3 MODSEQ %d' % m3
    # only MIN: the modseq of the message returned
    assert s.cmd("i", "SEARCH RETURN (MIN) MODSEQ %d" % base)[0] == \
        b'* ESEARCH (TAG "i") MIN 1 MODSEQ %d' % base
    assert s.cmd("j", "SEARCH MODSEQ x") == [
        b"j BAD Error in IMAP command SEARCH: Invalid MODSEQ value."]
    assert s.cmd("k", 'SEARCH MODSEQ "/flags/\\\\Seen" 5') == [
        b"k BAD Error in IMAP command SEARCH: Invalid MODSEQ type."]
    s.cmd("z", "LOGOUT")
    s.close()


def test_imaplib_condstore(maildir):
    """Python's imaplib, with the commands it has no method for."""
    seed(maildir)
    m, proc = imaplib_session(maildir)
    assert "CONDSTORE" in m.capabilities
    typ, data = m._simple_command("ENABLE", "CONDSTORE")
    assert typ == "OK" and m.untagged_responses.pop("ENABLED") == [b"CONDSTORE"]
    typ, data = m.select("INBOX")
    hm = int(m.untagged_responses.pop("HIGHESTMODSEQ")[0])
    typ, data = m.fetch("1:3", "(MODSEQ)")
    assert typ == "OK" and len(data) == 3
    assert max(int(re.search(rb"MODSEQ \((\d+)\)", x).group(1)) for x in data) == hm
    typ, data = m.store("1", "+FLAGS", "(\\Seen)")
    assert re.fullmatch(rb"1 \(MODSEQ \(\d+\) FLAGS \(\\Seen\)\)", data[0])
    typ, data = m._simple_command("STORE", "1:2", "(UNCHANGEDSINCE %d)" % hm, "+FLAGS",
                                  "(\\Answered)")
    assert typ == "OK" and data == [b"[MODIFIED 1] Conditional store failed."]
    m.logout()
    assert proc.wait(timeout=10) == 0
