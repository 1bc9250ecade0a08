"""SEARCH extensions through roost-imap-stdio: ESEARCH (RFC 4731) result
options, SEARCHRES (RFC 5182) with "$" in the commands that take a
sequence set and its pipelining rule, and I18NLEVEL=1 (RFC 5255):
i;unicode-casemap matching of header, body and text keys after RFC 2047,
Content-Transfer-Encoding and charset decoding. The same kinds of
commands are compared with Dovecot 2.3 in test_imap_stdio.py
(EXT_DIALOGUE, I18N_DIALOGUE)."""
import re

from test_imap_stdio import (Session, imaplib_session, seed_claimed as seed, I18N_MESSAGES, MSG1, MSG2, MSG3,
                             maildir)  # noqa: F401


def lit(text):
    data = text.encode() if isinstance(text, str) else text
    return b"{%d+}\r\n" % len(data) + data


def raw_cmd(s, tag, *parts):
    """A command with literals in it (LITERAL+)."""
    s.sock.sendall(tag.encode() + b" " + b"".join(
        p.encode() if isinstance(p, str) else p for p in parts) + b"\r\n")
    return s.read_response(tag)


def test_esearch_result_options(maildir):
    seed(maildir, (MSG1, MSG2, MSG3, MSG1, MSG2))
    s = Session(maildir)
    assert b" ESEARCH " in s.greeting
    s.cmd("a", "SELECT INBOX")
    s.cmd("b", "STORE 2,4 +FLAGS (\\Seen)")
    assert s.cmd("c", "SEARCH RETURN (MIN MAX ALL COUNT) UNSEEN") == [
        b'* ESEARCH (TAG "c") MIN 1 MAX 5 ALL 1,3,5 COUNT 3', b"c OK Search completed."]
    # RETURN () is ALL; UID SEARCH says UID and gives UIDs
    assert s.cmd("e", "UID SEARCH RETURN () SEEN")[0] == b'* ESEARCH (TAG "e") UID ALL 2,4'
    assert s.cmd("f", "UID SEARCH RETURN (COUNT) 2:4")[0] == b'* ESEARCH (TAG "f") UID COUNT 3'
    # nothing found: MIN, MAX and ALL are left out, COUNT is 0
    assert s.cmd("g", "SEARCH RETURN (MIN MAX ALL COUNT) DELETED")[0] == \
        b'* ESEARCH (TAG "g") COUNT 0'
    assert s.cmd("h", "SEARCH RETURN (MIN MAX) DELETED")[0] == b'* ESEARCH (TAG "h")'
    # CHARSET goes after RETURN
    assert s.cmd("i", "SEARCH RETURN (MAX) CHARSET UTF-8 FROM alice")[0] == \
        b'* ESEARCH (TAG "i") MAX 4'
    # a plain SEARCH still answers SEARCH in IMAP4rev1
    assert s.cmd("j", "SEARCH 1:2")[0] == b"* SEARCH 1 2"
    assert s.cmd("k", "SEARCH RETURN (FOO) ALL") == [
        b"k BAD Error in IMAP command SEARCH: Unknown SEARCH return option."]
    assert s.cmd("l", "SEARCH RETURN ALL ALL") == [
        b"l BAD Error in IMAP command SEARCH: Unknown argument RETURN."]
    # a tag that needs quoting stays intact
    assert s.cmd("x.1", "SEARCH RETURN (COUNT) ALL")[0] == b'* ESEARCH (TAG "x.1") COUNT 5'
    s.cmd("z", "LOGOUT")
    s.close()


def test_esearch_with_imaplib(maildir):
    seed(maildir)
    m, proc = imaplib_session(maildir)
    assert "ESEARCH" in m.capabilities and "SEARCHRES" in m.capabilities
    m.select("INBOX")
    typ, data = m.uid("SEARCH", "RETURN", "(MIN MAX COUNT)", "ALL")
    assert typ == "OK"
    tag = m.untagged_responses.pop("ESEARCH")[0]
    assert re.fullmatch(rb'\(TAG "\w+"\) UID MIN 1 MAX 3 COUNT 3', tag), tag
    m.logout()
    assert proc.wait(timeout=10) == 0


def fetch_uids(s, tag, setspec="$"):
    r = s.cmd(tag, f"FETCH {setspec} UID")
    assert r[-1] == f"{tag} OK Fetch completed.".encode(), r
    return [int(re.fullmatch(rb"\* \d+ FETCH \(UID (\d+)\)", x).group(1)) for x in r[:-1]]


def test_searchres_save_and_use(maildir):
    seed(maildir, (MSG1, MSG2, MSG3, MSG1, MSG2, MSG3))
    s = Session(maildir)
    s.cmd("a", "SELECT INBOX")
    # nothing saved yet: "$" is empty
    assert fetch_uids(s, "b") == []
    # SAVE alone sends no ESEARCH; with COUNT it does, and saves all
    assert s.cmd("c", "SEARCH RETURN (SAVE) FROM carol") == [b"c OK Search completed."]
    assert fetch_uids(s, "d") == [2, 5]
    assert s.cmd("e", "SEARCH RETURN (SAVE COUNT) SUBJECT third")[0] == \
        b'* ESEARCH (TAG "e") COUNT 2'
    assert fetch_uids(s, "f") == [3, 6]
    # with MIN and/or MAX only those are saved (RFC 5182 2.4)
    s.cmd("g", "SEARCH RETURN (SAVE MIN MAX) ALL")
    assert fetch_uids(s, "h") == [1, 6]
    s.cmd("i", "UID SEARCH RETURN (SAVE MAX) 1:3")
    assert fetch_uids(s, "j") == [3]
    s.cmd("k", "SEARCH RETURN (SAVE) 2:5")
    # in SEARCH, as a key and as UID $, and combined
    assert s.cmd("l", "SEARCH $ FROM carol")[0] == b"* SEARCH 2 5"
    assert s.cmd("m", "UID SEARCH UID $ NOT SUBJECT third")[0] == b"* SEARCH 2 4 5"
    assert s.cmd("n", "SEARCH NOT $")[0] == b"* SEARCH 1 6"
    # in STORE, COPY, UID FETCH
    r = s.cmd("o", "STORE $ +FLAGS.SILENT (\\Flagged)")
    assert r == [b"o OK Store completed."]
    assert s.cmd("p", "SEARCH FLAGGED")[0] == b"* SEARCH 2 3 4 5"
    s.cmd("q", "CREATE Other")
    r = s.cmd("r", "COPY $ Other")
    assert re.fullmatch(rb"r OK \[COPYUID \d+ 2:5 1:4\] Copy completed.", r[-1]), r
    assert s.cmd("s", "UID FETCH $ UID")[:-1] == [
        b"* %d FETCH (UID %d)" % (i, i) for i in range(2, 6)]
    # a BAD leaves it as it was, a NO (unknown charset) empties it
    assert s.cmd("t", "SEARCH RETURN (SAVE) BOGUS")[0].startswith(b"t BAD ")
    assert fetch_uids(s, "u") == [2, 3, 4, 5]
    assert s.cmd("v", "SEARCH RETURN (SAVE) CHARSET BOGUS-CS SUBJECT x") == [
        b"v NO [BADCHARSET] Unknown charset."]
    assert fetch_uids(s, "w") == []
    # expunged messages drop out of it; UID EXPUNGE $ and MOVE $
    s.cmd("x", "SEARCH RETURN (SAVE) 1:3")
    s.cmd("y", "STORE 2 +FLAGS.SILENT (\\Deleted)")
    r = s.cmd("a1", "UID EXPUNGE $")
    assert r == [b"* 2 EXPUNGE", b"a1 OK Expunge completed."]
    assert fetch_uids(s, "a2") == [1, 3]
    r = s.cmd("a3", "MOVE $ Other")
    assert r[-1] == b"a3 OK Move completed." and b"* 2 EXPUNGE" in r and b"* 1 EXPUNGE" in r
    assert fetch_uids(s, "a4") == []
    assert s.cmd("a5", "STATUS Other (MESSAGES)")[0] == b"* STATUS Other (MESSAGES 6)"
    # "$" only alone
    assert s.cmd("a6", "FETCH $:2 FLAGS") == [
        b"a6 BAD Error in IMAP command FETCH: Invalid messageset."]
    assert s.cmd("a7", "SEARCH $,1") == [b"a7 BAD Error in IMAP command SEARCH: "
                                         b"Unknown argument $,1."]
    # SELECT starts from nothing
    s.cmd("a8", "SEARCH RETURN (SAVE) ALL")
    assert len(fetch_uids(s, "a9")) == 3
    s.cmd("b1", "SELECT INBOX")
    assert fetch_uids(s, "b2") == []
    s.cmd("z", "LOGOUT")
    s.close()


def test_searchres_pipelined(maildir):
    """Commands using "$" sent right behind the SEARCH that saves it, in one
    write, see its result (RFC 5182 2.1)."""
    seed(maildir, (MSG1, MSG2, MSG3) * 3)
    s = Session(maildir)
    s.cmd("a", "SELECT INBOX")
    s.sock.sendall(b"p1 SEARCH RETURN (SAVE) FROM carol\r\n"
                   b"p2 STORE $ +FLAGS.SILENT (\\Answered)\r\n"
                   b"p3 UID FETCH $ (FLAGS)\r\n"
                   b"p4 SEARCH RETURN (SAVE) SUBJECT third\r\n"
                   b"p5 FETCH $ UID\r\n")
    assert s.read_response("p1") == [b"p1 OK Search completed."]
    assert s.read_response("p2") == [b"p2 OK Store completed."]
    assert s.read_response("p3") == [b"* %d FETCH (UID %d FLAGS (\\Answered))" % (i, i)
                                     for i in (2, 5, 8)] + [b"p3 OK Fetch completed."]
    assert s.read_response("p4") == [b"p4 OK Search completed."]
    assert s.read_response("p5")[:-1] == [b"* %d FETCH (UID %d)" % (i, i) for i in (3, 6, 9)]
    s.cmd("z", "LOGOUT")
    s.close()


def test_i18n_search(maildir):
    seed(maildir, I18N_MESSAGES)
    s = Session(maildir)
    assert b" I18NLEVEL=1" in s.greeting
    s.cmd("a", "SELECT INBOX")

    def search(tag, key, text, charset="UTF-8"):
        r = raw_cmd(s, tag, f"SEARCH CHARSET {charset} {key} ", lit(text))
        assert r[-1] == f"{tag} OK Search completed.".encode(), r
        return r[0]

    # RFC 2047 (Q in ISO-8859-1, B in UTF-8) and case, any script
    assert search("b", "SUBJECT", "GRÜẞE".replace("ẞ", "ß")) == b"* SEARCH 1"
    assert search("c", "SUBJECT", "köln") == b"* SEARCH 1"
    assert search("d", "FROM", "JÜRGEN MÜLLER") == b"* SEARCH 1"
    assert search("e", "SUBJECT", "ελληνικά") == b"* SEARCH 2"
    # quoted-printable in ISO-8859-1, base64 in UTF-8, 8bit KOI8-R
    assert search("f", "BODY", "schöne grüße") == b"* SEARCH 1"
    assert search("g", "BODY", "mit Umbruch") == b"* SEARCH 1"
    assert search("h", "BODY", "ΚΑΛΗΜΈΡΑ ΚΌΣΜΕ") == b"* SEARCH 2"
    assert search("i", "BODY", "мир") == b"* SEARCH 3"
    # accents are not dropped: i;unicode-casemap keeps the marks
    assert search("j", "BODY", "NAIVE") == b"* SEARCH"
    assert search("k", "BODY", "NAÏVE CAFÉ") == b"* SEARCH 4"
    # composed and decomposed forms, and the ANGSTROM SIGN, are one
    assert search("l", "BODY", "a\u030angstr\u00f6m") == b"* SEARCH 4"
    assert search("m", "BODY", "\u212bngstr\u00f6m") == b"* SEARCH 4"
    assert search("n", "SUBJECT", "R\u00c9SUM\u00c9") == b"* SEARCH 4"
    # a key in another charset
    assert search("o", "SUBJECT", "gr\xfc\xdfe".encode("latin-1"), "ISO-8859-1") == \
        b"* SEARCH 1"
    # TEXT sees every header field (decoded), BODY none; attachments and
    # the multipart preamble are not text
    assert search("p", "TEXT", "Content-Type: application/octet-stream") == b"* SEARCH 3"
    assert search("q", "BODY", "Content-Type") == b"* SEARCH"
    assert search("r", "TEXT", "subject: grüße aus") == b"* SEARCH 1"
    assert search("s", "BODY", "hidden treasure") == b"* SEARCH"
    assert search("t", "TEXT", "preamble") == b"* SEARCH"
    r = raw_cmd(s, "u", "SEARCH CHARSET X-NOPE SUBJECT ", lit("x"))
    assert r == [b"u NO [BADCHARSET] Unknown charset."]
    s.cmd("z", "LOGOUT")
    s.close()


def test_i18n_search_across_chunks(maildir):
    """A body match cut by the 64 KiB read chunks and by base64 lines is
    found; one that is not there is not."""
    import base64
    body = ("x" * 65530 + "Ünïcödé wörd" + "y" * 70000).encode()
    msg = (b"Subject: big\r\nContent-Type: text/plain; charset=utf-8\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\n" +
           base64.encodebytes(body).replace(b"\n", b"\r\n"))
    seed(maildir, (msg, MSG1))
    s = Session(maildir)
    s.cmd("a", "SELECT INBOX")
    r = raw_cmd(s, "b", "SEARCH CHARSET UTF-8 BODY ", lit("ÜNÏCÖDÉ WÖRD"))
    assert r[0] == b"* SEARCH 1"
    r = raw_cmd(s, "c", "SEARCH CHARSET UTF-8 BODY ", lit("ÜNÏCÖDÉ WORD"))
    assert r[0] == b"* SEARCH"
    s.cmd("z", "LOGOUT")
    s.close()


def test_search_part_tail_held_by_decoder(maildir):
    """Unpadded base64 holds its last bytes until the part ends: a match
    running into them is found when the next part's header comes."""
    msg = (b"Subject: parts\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\n"
           b"Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n"
           b"dGhlIHRyZWFzdXJlIGlzIGhlcmU\r\n--zz\r\n"
           b"Content-Type: text/plain\r\n\r\nsecond part\r\n--zz--\r\n")
    seed(maildir, (msg,))
    s = Session(maildir)
    s.cmd("a", "SELECT INBOX")
    assert s.cmd("b", 'SEARCH BODY "is here"')[0] == b"* SEARCH 1"
    assert s.cmd("c", 'SEARCH TEXT "is here"')[0] == b"* SEARCH 1"
    assert s.cmd("d", 'SEARCH BODY "here second"')[0] == b"* SEARCH"
    s.cmd("z", "LOGOUT")
    s.close()
