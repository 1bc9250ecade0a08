"""IMAP4rev2 (RFC 9051): advertised next to IMAP4rev1, and after ENABLE
IMAP4rev2 the session follows what RFC 9051 changed from RFC 3501
(Appendix E): no \\Recent flag and no RECENT response, no UNSEEN response
code, a LIST response for the selected mailbox, ESEARCH answers to every
SEARCH, UTF-8 mailbox names (no modified UTF-7) in and out, STATUS
DELETED, \\NonExistent mailbox names. Commands RFC 9051 dropped or
deprecated for clients (CHECK, LSUB, RFC822.*, the NEW/OLD/RECENT keys,
STATUS RECENT) keep working, as a lenient server should. One test runs
through imap-login over TLS with CONDSTORE, ESEARCH and SEARCHRES too.
Dovecot 2.3 has no IMAP4rev2 to compare with."""
import imaplib
import re

from test_imap_stdio import Session, seed, seed_claimed, MSG1, MSG2, MSG3, maildir  # noqa: F401
from login_util import USER, PASSWORD, client_tls_context
from login_util import login_server, login_server_factory, login_root, login_certs  # noqa: F401


def rev2_session(maildir):
    s = Session(maildir)
    assert s.cmd("e", "ENABLE IMAP4rev2") == [b"* ENABLED IMAP4rev2", b"e OK Enabled."]
    return s


def test_capability_lists_both_revisions(maildir):
    s = Session(maildir)
    caps = s.greeting.split(b"[CAPABILITY ")[1].split(b"]")[0].split()
    assert caps[:2] == [b"IMAP4rev1", b"IMAP4rev2"]
    for c in (b"CONDSTORE", b"ESEARCH", b"SEARCHRES", b"I18NLEVEL=1", b"ENABLE"):
        assert c in caps
    s.cmd("z", "LOGOUT")
    s.close()


def test_select_without_recent_and_unseen_with_list(maildir):
    seed(maildir)
    (maildir / "cur" / "1700000100.M9P1.host:2,S").write_bytes(MSG3)
    s = Session(maildir)
    r1 = s.cmd("a", "SELECT INBOX")
    assert any(re.fullmatch(rb"\* \d+ RECENT", x) for x in r1)
    assert b"* OK [UNSEEN 1] First unseen." in r1
    s.cmd("z", "LOGOUT")
    s.close()
    s = rev2_session(maildir)
    r = s.cmd("a", "SELECT INBOX")
    assert r == [b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)",
                 b"* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] "
                 b"Flags permitted.",
                 b"* 4 EXISTS", r[3], b"* OK [UIDNEXT 5] Predicted next UID", r[5],
                 b'* LIST (\\HasNoChildren) "." INBOX',
                 b"a OK [READ-WRITE] Select completed."]
    assert r[3].startswith(b"* OK [UIDVALIDITY ") and r[5].startswith(b"* OK [HIGHESTMODSEQ ")
    s.cmd("b1", "CREATE Archive")
    s.cmd("b2", "CREATE Archive.2024")
    r = s.cmd("c", "EXAMINE Archive")
    assert r[0] == b"* OK [CLOSED] Previous mailbox closed."
    assert r[-2] == b'* LIST (\\HasChildren) "." Archive'
    s.cmd("z", "LOGOUT")
    s.close()


def test_no_recent_flag_or_response(maildir):
    seed_claimed(maildir)
    s = rev2_session(maildir)
    old = Session(maildir)
    s.cmd("a", "SELECT INBOX")
    old.cmd("o1", "SELECT INBOX")
    other = Session(maildir)
    other.sock.sendall(b"x APPEND INBOX {%d+}\r\n" % len(MSG3) + MSG3 + b"\r\n")
    assert other.read_response("x")[-1].startswith(b"x OK")
    # the rev1 session syncs first and takes \Recent: it is told RECENT
    r = old.cmd("o2", "NOOP")
    assert r[:2] == [b"* 4 EXISTS", b"* 1 RECENT"]
    assert old.cmd("o3", "FETCH 4 FLAGS")[0] == b"* 4 FETCH (FLAGS (\\Recent))"
    assert s.cmd("b", "NOOP") == [b"* 4 EXISTS", b"b OK NOOP completed."]
    assert s.cmd("c", "FETCH 4 FLAGS")[0] == b"* 4 FETCH (FLAGS ())"
    # now the rev2 session takes it: still no RECENT response nor flag
    other.sock.sendall(b"y APPEND INBOX {%d+}\r\n" % len(MSG3) + MSG3 + b"\r\n")
    assert other.read_response("y")[-1].startswith(b"y OK")
    assert s.cmd("b2", "NOOP") == [b"* 5 EXISTS", b"b2 OK NOOP completed."]
    assert s.cmd("c2", "FETCH 5 FLAGS")[0] == b"* 5 FETCH (FLAGS ())"
    r = s.cmd("d", "STORE 5 +FLAGS (\\Flagged)")
    assert r[0] == b"* 5 FETCH (FLAGS (\\Flagged))"
    # the keys still work, without showing the flag
    assert s.cmd("e", "SEARCH RECENT")[0] == b'* ESEARCH (TAG "e") ALL 5'
    for sess, t in ((s, "z"), (old, "oz"), (other, "xz")):
        sess.cmd(t, "LOGOUT")
        sess.close()


def test_search_answers_esearch(maildir):
    seed(maildir)
    s = rev2_session(maildir)
    s.cmd("a", "SELECT INBOX")
    assert s.cmd("b", "SEARCH ALL") == [b'* ESEARCH (TAG "b") ALL 1:3',
                                         b"b OK Search completed."]
    assert s.cmd("c", "UID SEARCH FROM carol")[0] == b'* ESEARCH (TAG "c") UID ALL 2'
    assert s.cmd("d", "SEARCH DELETED") == [b'* ESEARCH (TAG "d")', b"d OK Search completed."]
    assert s.cmd("f", "SEARCH RETURN (COUNT) ALL")[0] == b'* ESEARCH (TAG "f") COUNT 3'
    assert s.cmd("g", "SEARCH RETURN (SAVE) SEEN") == [b"g OK Search completed."]
    s.cmd("z", "LOGOUT")
    s.close()


def test_utf8_mailbox_names(maildir):
    s = rev2_session(maildir)
    s.sock.sendall('a CREATE "Äpfel"\r\n'.encode())
    assert s.read_response("a") == [b"a OK Create completed."]
    name = "Birnen.ß".encode()
    s.sock.sendall(b"b CREATE {%d+}\r\n" % len(name) + name + b"\r\n")
    assert s.read_response("b") == [b"b OK Create completed."]
    r = s.cmd("c", 'LIST "" *')
    assert '* LIST (\\HasNoChildren) "." "Äpfel"'.encode() in r
    assert '* LIST (\\HasNoChildren) "." "Birnen.ß"'.encode() in r
    s.sock.sendall('d STATUS "Äpfel" (MESSAGES)\r\n'.encode())
    assert s.read_response("d")[0] == '* STATUS "Äpfel" (MESSAGES 0)'.encode()
    s.sock.sendall('e SELECT "Äpfel"\r\n'.encode())
    r = s.read_response("e")
    assert r[-2] == '* LIST (\\HasNoChildren) "." "Äpfel"'.encode()
    # "&" is an ordinary character here: no modified UTF-7
    r = s.cmd("f", "EXAMINE &AMQ-pfel")
    assert r[-1] == b"f NO [NONEXISTENT] Mailbox doesn't exist: &AMQ-pfel."
    # not UTF-8: refused
    s.sock.sendall(b"g SELECT {2+}\r\n\xff\xfe\r\n")
    assert s.read_response("g")[-1].startswith(b"g NO ")
    s.cmd("z", "LOGOUT")
    s.close()
    # the same mailboxes, for an IMAP4rev1 client, in modified UTF-7
    s = Session(maildir)
    r = s.cmd("a", 'LIST "" *')
    assert b'* LIST (\\HasNoChildren) "." &AMQ-pfel' in r
    assert b'* LIST (\\HasNoChildren) "." Birnen.&AN8-' in r
    s.cmd("z", "LOGOUT")
    s.close()
    assert (maildir / ".&AMQ-pfel").is_dir()


def test_status_deleted(maildir):
    seed(maildir)
    s = Session(maildir)
    assert s.cmd("a", "STATUS INBOX (DELETED)")[0].startswith(b"a BAD ")
    s.cmd("z", "LOGOUT")
    s.close()
    s = rev2_session(maildir)
    s.cmd("a", "SELECT INBOX")
    s.cmd("b", "STORE 1,3 +FLAGS.SILENT (\\Deleted)")
    s.cmd("c", "CREATE Other")
    assert s.cmd("d", "STATUS INBOX (MESSAGES DELETED)")[0] == \
        b"* STATUS INBOX (MESSAGES 3 DELETED 2)"
    assert s.cmd("e", "STATUS Other (DELETED SIZE)")[0] == b"* STATUS Other (DELETED 0 SIZE 0)"
    s.cmd("f", "EXPUNGE")
    assert s.cmd("g", "STATUS INBOX (DELETED)")[0] == b"* STATUS INBOX (DELETED 0)"
    s.cmd("z", "LOGOUT")
    s.close()


def test_nonexistent_parent_and_kept_rev1_commands(maildir):
    seed(maildir)
    s = rev2_session(maildir)
    s.cmd("a", "CREATE Work.2024")
    r = s.cmd("b", 'LIST "" *')
    assert b'* LIST (\\NonExistent \\HasChildren) "." Work' in r
    assert b'* LIST (\\HasNoChildren) "." Work.2024' in r
    s.cmd("c", "SUBSCRIBE Work.2024")
    # dropped from RFC 9051 for clients, still answered
    assert s.cmd("d", 'LSUB "" *') == [b'* LSUB () "." Work.2024', b"d OK Lsub completed."]
    s.cmd("e", "SELECT INBOX")
    assert s.cmd("f", "CHECK") == [b"f OK Check completed."]
    assert s.cmd("g", "FETCH 3 RFC822.SIZE")[0] == b"* 3 FETCH (RFC822.SIZE %d)" % len(MSG3)
    assert s.cmd("h", "SEARCH NEW")[-1] == b"h OK Search completed."
    assert s.cmd("i", "STATUS Work.2024 (RECENT)")[0] == b"* STATUS Work.2024 (RECENT 0)"
    s.cmd("z", "LOGOUT")
    s.close()


def test_rev2_condstore_esearch_searchres_over_tls(login_server):
    """Through imap-login over TLS and the post-login imap process: a
    client that enables IMAP4rev2 and CONDSTORE, appends, stores
    conditionally, searches with ESEARCH and uses "$"."""
    m = imaplib.IMAP4_SSL("127.0.0.1", login_server.ports["imaps"],
                          ssl_context=client_tls_context())
    typ, data = m.login(USER, PASSWORD)
    caps = data[0].split(b"[CAPABILITY ")[1].split(b"]")[0].split()
    assert caps[:2] == [b"IMAP4rev1", b"IMAP4rev2"]
    for c in (b"CONDSTORE", b"ESEARCH", b"SEARCHRES", b"I18NLEVEL=1"):
        assert c in caps
    typ, data = m._simple_command("ENABLE", "IMAP4rev2", "CONDSTORE")
    assert typ == "OK" and m.untagged_responses.pop("ENABLED") == [b"IMAP4rev2 CONDSTORE"]
    for i in range(3):
        typ, data = m.append("INBOX", None, None,
                             b"Subject: m%d\r\nFrom: x%d@example.com\r\n\r\nbody %d\r\n"
                             % (i, i % 2, i))
        assert typ == "OK"
    # imaplib sends UTF-8 once told the session takes it
    m._encoding = "utf-8"
    assert m.create('"Grüße"')[0] == "OK"
    typ, data = m.select("INBOX")
    assert typ == "OK" and data == [b"3"]
    assert "RECENT" not in m.untagged_responses
    assert m.untagged_responses.pop("LIST") == [b'(\\HasNoChildren) "." INBOX']
    hm = int(m.untagged_responses.pop("HIGHESTMODSEQ")[0])
    typ, data = m.search(None, "FROM", "x1@example.com")
    assert typ == "OK" and m.untagged_responses.pop("ESEARCH")[0].endswith(b") ALL 2")
    typ, data = m._simple_command("STORE", "1:3", "(UNCHANGEDSINCE %d)" % hm, "+FLAGS",
                                  "(\\Flagged)")
    assert typ == "OK" and data == [b"Store completed."]
    typ, data = m._simple_command("STORE", "1", "(UNCHANGEDSINCE %d)" % hm, "+FLAGS",
                                  "(\\Seen)")
    assert data == [b"[MODIFIED 1] Conditional store failed."]
    m.untagged_responses.pop("FETCH")
    typ, data = m._simple_command("SEARCH", "RETURN", "(SAVE)", "FROM", "x0@example.com")
    assert typ == "OK" and "ESEARCH" not in m.untagged_responses
    typ, data = m.fetch("$", "(UID MODSEQ FLAGS)")
    assert typ == "OK" and len(data) == 2
    assert all(re.fullmatch(rb"[13] \(UID [13] MODSEQ \(\d+\) FLAGS \(\\Flagged\)\)", x)
               for x in data), data
    typ, data = m.list()
    assert '(\\HasNoChildren) "." "Grüße"'.encode() in data
    m.logout()
