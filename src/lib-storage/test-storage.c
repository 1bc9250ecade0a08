/* The storage API on a temporary Maildir: every operation, a second
   handle and a second process changing the mailbox concurrently. */

#include "test-common.h"
#include "mail-storage.h"
#include "mail-user.h"
#include "mailbox-list.h"
#include "mail-storage-settings.h"
#include "mail-storage-private.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <stdlib.h>

static struct mail_user *test_user(const char *location)
{
	struct mail_storage_settings *set = mail_storage_settings_default(test_pool);
	struct mail_user *user;
	const char *error;

	set->mail_location = location;
	set->mail_fsync = "never";
	if (mail_user_create(set, "user@example.com", test_tmpdir(), &user, &error) < 0)
		i_fatal("mail_user_create: %s", error);
	return user;
}

static uint32_t save_msg(struct mailbox *box, const char *text, enum mail_flags flags,
			 const char *const *keywords)
{
	struct mailbox_transaction *t = mailbox_transaction_begin(box);
	struct mail_save_params params = { .flags = flags, .keywords = keywords };
	struct mail_save_context *ctx = mailbox_save_begin(t, &params);
	struct mail_transaction_commit_changes changes;

	if (ctx == NULL || mailbox_save_write(ctx, text, strlen(text)) < 0 ||
	    mailbox_save_finish(&ctx) < 0 ||
	    mailbox_transaction_commit(&t, test_pool, &changes) < 0)
		i_fatal("save: %s", mailbox_get_last_error(box, NULL));
	return array_idx_elem(&changes.saved_uids, 0);
}

static const char *read_file(const char *path)
{
	char buf[8192];
	int fd = open(path, O_RDONLY);
	ssize_t ret = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	return ret < 0 ? NULL : p_strndup(test_pool, buf, (size_t)ret);
}

static void test_save_sync_flags(void)
{
	const char *root = p_strdup_printf(test_pool, "%s/m1", test_tmpdir());
	struct mail_user *user = test_user(p_strdup_printf(test_pool, "maildir:%s", root));
	struct mailbox_sync_result res;

	test_begin("storage: save (group commit), flags, keywords, expunge, reopen");
	struct mailbox *box = mailbox_alloc(user, "INBOX", 0);
	test_assert(mailbox_open(box) == 0);
	test_assert(mailbox_count(box) == 0);

	/* three saves, one commit */
	struct mailbox_transaction *t = mailbox_transaction_begin(box);
	for (unsigned int i = 0; i < 3; i++) {
		struct mail_save_params params = { .flags = i == 2 ? MAIL_SEEN : 0 };
		struct mail_save_context *ctx = mailbox_save_begin(t, &params);
		const char *msg = t_strdup_printf("Subject: m%u\n\nbody %u\n", i, i);
		test_assert(ctx != NULL);
		test_assert(mailbox_save_write(ctx, msg, strlen(msg)) == 0);
		test_assert(mailbox_save_finish(&ctx) == 0);
	}
	struct mail_transaction_commit_changes changes;
	test_assert(mailbox_transaction_commit(&t, test_pool, &changes) == 0);
	test_assert(array_count(&changes.saved_uids) == 3);
	test_assert(array_idx_elem(&changes.saved_uids, 0) == 1 &&
		    array_idx_elem(&changes.saved_uids, 2) == 3);
	test_assert(mailbox_sync(box, test_pool, &res) == 0);
	test_assert(res.messages == 3 && res.old_messages == 0);

	/* the uidlist is Dovecot's format */
	const char *uidlist = read_file(t_strdup_printf("%s/dovecot-uidlist", root));
	test_assert(uidlist != NULL && str_begins(uidlist, "3 V", NULL));
	test_assert(strstr(uidlist, "\n1 :") != NULL && strstr(uidlist, "\n3 :") != NULL);

	struct mail_info info;
	test_assert(mailbox_mail_get_info(box, 3, test_pool, &info) == 0);
	test_assert(info.uid == 3 && (info.flags & MAIL_SEEN) != 0);
	test_assert(info.virtual_size == info.physical_size + 3);

	/* flags + keywords */
	const char *kw[] = { "$Label1", "Junk", NULL };
	t = mailbox_transaction_begin(box);
	test_assert(mailbox_update_flags(t, 1, MODIFY_ADD, MAIL_FLAGGED, kw) == 0);
	test_assert(mailbox_transaction_commit(&t, test_pool, NULL) == 0);
	test_assert(mailbox_sync(box, test_pool, &res) == 0);
	test_assert(array_count(&res.changed_uids) == 1 &&
		    array_idx_elem(&res.changed_uids, 0) == 1);
	test_assert(mailbox_mail_get_info(box, 1, test_pool, &info) == 0);
	test_assert((info.flags & ~MAIL_RECENT) == MAIL_FLAGGED);
	test_assert(info.keywords[0] != NULL && strcmp(info.keywords[0], "$Label1") == 0 &&
		    strcmp(info.keywords[1], "Junk") == 0 && info.keywords[2] == NULL);
	uint64_t modseq1 = info.modseq;
	test_assert_strcmp(read_file(t_strdup_printf("%s/dovecot-keywords", root)),
			   "0 $Label1\n1 Junk\n");

	/* a second handle sees the same */
	struct mailbox *box2 = mailbox_alloc(user, "INBOX", 0);
	test_assert(mailbox_open(box2) == 0);
	test_assert(mailbox_count(box2) == 3);
	test_assert(mailbox_mail_get_info(box2, 1, test_pool, &info) == 0);
	test_assert((info.flags & ~MAIL_RECENT) == MAIL_FLAGGED && info.modseq == modseq1);

	/* expunge through box2; box sees it at its next sync */
	t = mailbox_transaction_begin(box2);
	test_assert(mailbox_expunge(t, 2) == 0);
	test_assert(mailbox_transaction_commit(&t, test_pool, NULL) == 0);
	test_assert(mailbox_mail_get_info(box, 2, test_pool, &info) == 0 || true);
	test_assert(mailbox_sync(box, test_pool, &res) == 0);
	test_assert(array_count(&res.expunged_uids) == 1 &&
		    array_idx_elem(&res.expunged_uids, 0) == 2 &&
		    array_idx_elem(&res.expunged_seqs, 0) == 2);
	test_assert(mailbox_count(box) == 2 && mailbox_seq_to_uid(box, 2) == 3);

	/* status */
	struct mailbox_status status;
	test_assert(mailbox_get_status(box, &status) == 0);
	test_assert(status.messages == 2 && status.uidnext == 4 && status.unseen == 1);
	test_assert(status.highest_modseq > modseq1);

	/* a save after an expunge never reuses the UID */
	test_assert(save_msg(box, "Subject: x\n\nx\n", 0, NULL) == 4);

	/* cached envelope */
	const char *env;
	test_assert(mailbox_sync(box, test_pool, NULL) == 0);
	test_assert(mailbox_mail_get_cached(box, 1, MAIL_FETCH_ENVELOPE, test_pool, &env) == 0);
	test_assert(strstr(env, "\"m0\"") != NULL);
	test_assert(mailbox_mail_get_cached(box, 1, MAIL_FETCH_ENVELOPE, test_pool, &env) == 0);
	mailbox_free(&box2);
	mailbox_free(&box);

	/* the index deleted: rebuilt with the same UIDs */
	test_assert(unlink(t_strdup_printf("%s/roost.index", root)) == 0);
	box = mailbox_alloc(user, "INBOX", 0);
	test_assert(mailbox_open(box) == 0);
	test_assert(mailbox_count(box) == 3);
	test_assert(mailbox_seq_to_uid(box, 1) == 1 && mailbox_seq_to_uid(box, 3) == 4);
	test_assert(mailbox_mail_get_info(box, 1, test_pool, &info) == 0);
	test_assert((info.flags & ~MAIL_RECENT) == MAIL_FLAGGED && info.keywords[1] != NULL);
	test_assert(info.modseq > modseq1);
	mailbox_free(&box);
	mail_user_free(&user);
	test_end();
}

static void test_mailboxes(void)
{
	const char *root = p_strdup_printf(test_pool, "%s/m2", test_tmpdir());
	struct mail_user *user = test_user(p_strdup_printf(test_pool, "maildir:%s", root));
	ARRAY_TYPE(mailbox_info) list;
	const char *error;
	struct stat st;

	test_begin("storage: create, list, rename, subscribe, delete, bad names");
	struct mailbox *box = mailbox_alloc(user, "INBOX", 0);
	test_assert(mailbox_open(box) == 0);
	mailbox_free(&box);
	const char *names[] = { "Sent", "Archive.2024", "\xc3\x9c" "n\xc3\xaf" "code" };
	for (unsigned int i = 0; i < N_ELEMENTS(names); i++) {
		box = mailbox_alloc(user, names[i], 0);
		test_assert_idx(mailbox_create(box, i == 0 ? "\\Sent" : NULL) == 0, i);
		test_assert_idx(mailbox_set_subscribed(box, true) == 0, i);
		mailbox_free(&box);
	}
	test_assert(stat(t_strdup_printf("%s/.&ANw-n&AO8-code/cur", root), &st) == 0);
	test_assert(stat(t_strdup_printf("%s/.Archive.2024/maildirfolder", root), &st) == 0);
	test_assert_strcmp(read_file(t_strdup_printf("%s/subscriptions", root)),
			   "V\t2\n\nSent\nArchive\t2024\n&ANw-n&AO8-code\n");

	const char *all[] = { "*", NULL };
	test_assert(mailbox_list(user, all, 0, test_pool, &list, &error) == 0);
	test_assert(array_count(&list) == 5);
	const struct mailbox_info *archive = array_idx(&list, 0);
	test_assert_strcmp(archive->vname, "Archive");
	test_assert(archive->flags == (MAILBOX_NONEXISTENT | MAILBOX_CHILDREN));
	test_assert_strcmp(array_idx(&list, 1)->vname, "Archive.2024");
	const struct mailbox_info *sent = array_idx(&list, 3);
	test_assert_strcmp(sent->vname, "Sent");
	test_assert_strcmp(sent->special_use, "\\Sent");
	test_assert((sent->flags & MAILBOX_SUBSCRIBED) != 0);
	const char *pct[] = { "%", NULL };
	test_assert(mailbox_list(user, pct, 0, test_pool, &list, &error) == 0);
	test_assert(array_count(&list) == 4); /* not Archive.2024 */

	/* rename with children */
	struct mailbox *src = mailbox_alloc(user, "Archive", 0);
	box = mailbox_alloc(user, "Archive", 0);
	test_assert(mailbox_create(box, NULL) == 0);
	mailbox_free(&box);
	struct mailbox *dest = mailbox_alloc(user, "Old", 0);
	test_assert(mailbox_rename(src, dest) == 0);
	test_assert(stat(t_strdup_printf("%s/.Old.2024/cur", root), &st) == 0);
	test_assert(stat(t_strdup_printf("%s/.Archive.2024", root), &st) < 0);
	mailbox_free(&src);
	mailbox_free(&dest);

	/* delete */
	box = mailbox_alloc(user, "Sent", 0);
	test_assert(mailbox_delete(box) == 0);
	test_assert(mailbox_exists(box) == 0);
	mailbox_free(&box);
	box = mailbox_alloc(user, "INBOX", 0);
	enum mail_error merr;
	test_assert(mailbox_delete(box) < 0);
	(void)mailbox_get_last_error(box, &merr);
	test_assert(merr == MAIL_ERROR_NOTPOSSIBLE);
	mailbox_free(&box);

	/* refused names */
	const char *bad[] = { "a..b", "..", "a.", "x\001y", "\xff" };
	for (unsigned int i = 0; i < N_ELEMENTS(bad); i++) {
		box = mailbox_alloc(user, bad[i], 0);
		test_assert_idx(mailbox_create(box, NULL) < 0, i);
		(void)mailbox_get_last_error(box, &merr);
		test_assert_idx(merr == MAIL_ERROR_PARAMS, i);
		mailbox_free(&box);
	}
	mail_user_free(&user);
	test_end();
}

static void test_concurrent(void)
{
	const char *root = p_strdup_printf(test_pool, "%s/m3", test_tmpdir());
	const char *location = p_strdup_printf(test_pool, "maildir:%s", root);
	struct mail_user *user = test_user(location);

	test_begin("storage: a second process saves and flags concurrently");
	struct mailbox *box = mailbox_alloc(user, "INBOX", 0);
	test_assert(mailbox_open(box) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		struct mailbox *cbox = mailbox_alloc(user, "INBOX", 0);
		if (mailbox_open(cbox) < 0)
			_exit(1);
		for (unsigned int i = 0; i < 50; i++) {
			uint32_t uid = save_msg(cbox, "Subject: child\n\nc\n", 0, NULL);
			struct mailbox_transaction *t = mailbox_transaction_begin(cbox);
			if (mailbox_update_flags(t, uid, MODIFY_ADD, MAIL_SEEN, NULL) < 0 ||
			    mailbox_transaction_commit(&t, pool_temp, NULL) < 0)
				_exit(2);
			pool_temp_clear();
		}
		mailbox_free(&cbox);
		_exit(0);
	}
	for (unsigned int i = 0; i < 50; i++) {
		(void)save_msg(box, "Subject: parent\n\np\n", MAIL_DRAFT, NULL);
		test_assert(mailbox_sync(box, test_pool, NULL) == 0);
	}
	int status;
	waitpid(pid, &status, 0);
	test_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	test_assert(mailbox_sync(box, test_pool, NULL) == 0);
	test_assert(mailbox_count(box) == 100);
	unsigned int seen = 0, draft = 0;
	for (uint32_t seq = 1; seq <= 100; seq++) {
		struct mail_info info;
		test_assert(mailbox_mail_get_info(box, seq, test_pool, &info) == 0);
		test_assert_idx(info.uid == seq, seq);
		seen += (info.flags & MAIL_SEEN) != 0;
		draft += (info.flags & MAIL_DRAFT) != 0;
	}
	test_assert(seen == 50 && draft == 50);
	mailbox_free(&box);
	/* a fresh handle from the index alone agrees */
	box = mailbox_alloc(user, "INBOX", 0);
	test_assert(mailbox_open(box) == 0);
	test_assert(mailbox_count(box) == 100);
	mailbox_free(&box);
	mail_user_free(&user);
	test_end();
}

/* Files left in tmp/ by saves that died are removed once they are 36
   hours old (as Dovecot does); younger ones stay. The clock is moved
   instead of the files' times: a ctime can't be set back. */
static void test_tmp_cleanup(void)
{
	const char *root = p_strdup_printf(test_pool, "%s/tmpclean", test_tmpdir());
	struct mail_user *user = test_user(p_strdup_printf(test_pool, "maildir:%s", root));

	test_begin("storage: stale tmp/ files are cleaned");
	struct mailbox *box = mailbox_alloc(user, "INBOX", 0);
	test_assert(mailbox_open(box) == 0);
	const char *old_path = t_strconcat(root, "/tmp/1.M1P1Q1.host", NULL);
	const char *young_path = t_strconcat(root, "/tmp/2.M2P2Q2.host", NULL);
	for (unsigned int i = 0; i < 2; i++) {
		int fd = open(i == 0 ? old_path : young_path, O_CREAT | O_WRONLY, 0600);
		test_assert(fd >= 0 && write(fd, "partial", 7) == 7);
		close(fd);
	}
	time_t now = time(NULL);
	/* the young one was written "35 hours later" */
	struct timespec times[2] = { { now + 35 * 3600, 0 }, { now + 35 * 3600, 0 } };
	test_assert(utimensat(AT_FDCWD, young_path, times, 0) == 0);
	maildir_tmp_cleanup(box, now + 35 * 3600);
	struct stat st;
	test_assert(stat(old_path, &st) == 0 && stat(young_path, &st) == 0);
	maildir_tmp_cleanup(box, now + 36 * 3600 + 2);
	test_assert(stat(old_path, &st) < 0 && errno == ENOENT);
	test_assert(stat(young_path, &st) == 0);
	mailbox_free(&box);
	mail_user_free(&user);
	test_end();
}

/* CONDSTORE's conditional STORE: a change is applied only to messages
   whose modseq is still <= the given one; the others are reported. */
static void test_conditional_flags(void)
{
	const char *root = p_strdup_printf(test_pool, "%s/cond", test_tmpdir());
	struct mail_user *user = test_user(p_strdup_printf(test_pool, "maildir:%s", root));
	struct mail_transaction_commit_changes changes;
	struct mailbox_status status;
	struct mail_info info;

	test_begin("storage: conditional flag changes (UNCHANGEDSINCE), deleted count");
	struct mailbox *box = mailbox_alloc(user, "INBOX", 0);
	test_assert(mailbox_open(box) == 0);
	test_assert(save_msg(box, "Subject: a\n\na\n", 0, NULL) == 1);
	test_assert(save_msg(box, "Subject: b\n\nb\n", 0, NULL) == 2);
	test_assert(mailbox_sync(box, test_pool, NULL) == 0);
	test_assert(mailbox_mail_get_info(box, 1, test_pool, &info) == 0);
	uint64_t m1 = info.modseq;
	test_assert(mailbox_mail_get_info(box, 2, test_pool, &info) == 0);
	uint64_t m2 = info.modseq;
	test_assert(m2 > m1);

	/* 1 passes (modseq <= m1), 2 fails (modseq m2 > m1) */
	struct mailbox_transaction *t = mailbox_transaction_begin(box);
	test_assert(mailbox_update_flags_conditional(t, 1, MODIFY_ADD, MAIL_DELETED, NULL, m1) ==
		    0);
	test_assert(mailbox_update_flags_conditional(t, 2, MODIFY_ADD, MAIL_DELETED, NULL, m1) ==
		    0);
	test_assert(mailbox_transaction_commit(&t, test_pool, &changes) == 0);
	test_assert(array_count(&changes.modified_uids) == 1 &&
		    array_idx_elem(&changes.modified_uids, 0) == 2);
	test_assert(mailbox_mail_get_info(box, 1, test_pool, &info) == 0);
	test_assert((info.flags & MAIL_DELETED) != 0 && info.modseq > m2);
	test_assert(mailbox_mail_get_info(box, 2, test_pool, &info) == 0);
	test_assert((info.flags & MAIL_DELETED) == 0 && info.modseq == m2);
	test_assert(mailbox_get_status(box, &status) == 0 && status.deleted == 1);

	/* 0 fails for every existing message; an unconditional change in
	   the same transaction still applies */
	t = mailbox_transaction_begin(box);
	test_assert(mailbox_update_flags_conditional(t, 1, MODIFY_REMOVE, MAIL_DELETED, NULL, 0) ==
		    0);
	test_assert(mailbox_update_flags(t, 2, MODIFY_ADD, MAIL_SEEN, NULL) == 0);
	test_assert(mailbox_transaction_commit(&t, test_pool, &changes) == 0);
	test_assert(array_count(&changes.modified_uids) == 1 &&
		    array_idx_elem(&changes.modified_uids, 0) == 1);
	test_assert(mailbox_mail_get_info(box, 2, test_pool, &info) == 0);
	test_assert((info.flags & MAIL_SEEN) != 0);
	test_assert(mailbox_get_status(box, &status) == 0 && status.deleted == 1);
	mailbox_free(&box);
	mail_user_free(&user);
	test_end();
}

static struct mailbox *open_box(struct mail_user *user, const char *name,
				enum mailbox_flags flags)
{
	struct mailbox *box = mailbox_alloc(user, name, flags);

	if (mailbox_open(box) < 0)
		i_fatal("open %s: %s", name, mailbox_get_last_error(box, NULL));
	return box;
}

static uint64_t uidlist_reservation(const char *dir)
{
	const char *uidlist = read_file(t_strdup_printf("%s/dovecot-uidlist", dir));
	const char *r = uidlist == NULL ? NULL : strstr(uidlist, " R");
	const char *nl = uidlist == NULL ? NULL : strchr(uidlist, '\n');

	return r == NULL || r > nl ? 0 : strtoull(r + 2, NULL, 10);
}

static void set_flag(struct mailbox *box, uint32_t uid, enum modify_type type,
		     enum mail_flags flags)
{
	struct mailbox_transaction *t = mailbox_transaction_begin(box);

	test_assert(mailbox_update_flags(t, uid, type, flags, NULL) == 0);
	test_assert(mailbox_transaction_commit(&t, test_pool, NULL) == 0);
}

static void test_modseqs(void)
{
	const char *root = p_strdup_printf(test_pool, "%s/modseq", test_tmpdir());
	struct mail_user *user = test_user(p_strdup_printf(test_pool, "maildir:%s", root));
	struct mailbox_status status;
	struct mail_info info;

	test_begin("storage: modseqs start at 1 and never go back, even after a rebuild");
	struct mailbox *box = open_box(user, "INBOX", 0);
	test_assert(mailbox_get_status(box, &status) == 0);
	/* as Dovecot: an empty new mailbox is at 1, its first change is 2 */
	test_assert(status.highest_modseq == 1);
	test_assert(uidlist_reservation(root) >= 1024);
	uint32_t uid = save_msg(box, "Subject: a\n\na\n", 0, NULL);
	test_assert(mailbox_sync(box, test_pool, NULL) == 0);
	test_assert(mailbox_mail_get_info(box, 1, test_pool, &info) == 0 && info.modseq == 2);
	set_flag(box, uid, MODIFY_ADD, MAIL_SEEN);
	test_assert(mailbox_get_status(box, &status) == 0 && status.highest_modseq == 3);
	/* past the reservation: dovecot-uidlist's R moves ahead first */
	uint64_t reserved = uidlist_reservation(root);
	for (unsigned int i = 0; i < reserved; i++)
		set_flag(box, uid, (i % 2) == 0 ? MODIFY_REMOVE : MODIFY_ADD, MAIL_SEEN);
	test_assert(mailbox_get_status(box, &status) == 0);
	uint64_t highest = status.highest_modseq;
	test_assert(highest == 3 + reserved);
	test_assert(uidlist_reservation(root) >= highest && uidlist_reservation(root) > reserved);
	mailbox_free(&box);

	/* the index lost: rebuilt above everything handed out before */
	test_assert(unlink(t_strdup_printf("%s/roost.index", root)) == 0);
	test_assert(unlink(t_strdup_printf("%s/roost.index.log", root)) == 0);
	box = open_box(user, "INBOX", 0);
	test_assert(mailbox_get_status(box, &status) == 0);
	test_assert(status.highest_modseq > highest);
	test_assert(status.highest_modseq <= uidlist_reservation(root));
	test_assert(mailbox_mail_get_info(box, 1, test_pool, &info) == 0 && info.modseq > highest);
	highest = status.highest_modseq;
	set_flag(box, uid, MODIFY_ADD, MAIL_FLAGGED);
	test_assert(mailbox_get_status(box, &status) == 0 && status.highest_modseq == highest + 1);
	mailbox_free(&box);
	mail_user_free(&user);
	test_end();
}

/* A message file written straight into new/, as another delivery agent
   or Dovecot would. */
static void deliver_file(const char *root, unsigned int n)
{
	const char *path = t_strdup_printf("%s/new/%u.M%uP1.ext", root, 1700000000 + n, n);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	const char *msg = t_strdup_printf("From: x@example.com\nSubject: ext %u\n\nbody\n", n);

	if (fd < 0 || write(fd, msg, strlen(msg)) != (ssize_t)strlen(msg))
		i_fatal("deliver %s: %m", path);
	close(fd);
}

static uint32_t recent_of(struct mailbox *box)
{
	struct mailbox_status status;

	test_assert(mailbox_get_status(box, &status) == 0);
	return status.recent;
}

static void test_recent(void)
{
	const char *root = p_strdup_printf(test_pool, "%s/recent", test_tmpdir());
	struct mail_user *user = test_user(p_strdup_printf(test_pool, "maildir:%s", root));
	struct mail_info info;

	test_begin("storage: \\Recent goes to the first session that selects");
	test_assert(mkdir(root, 0700) == 0 || errno == EEXIST);
	for (const char *d = "cur\0new\0tmp\0"; *d != '\0'; d += strlen(d) + 1)
		(void)mkdir(t_strconcat(root, "/", d, NULL), 0700);
	for (unsigned int i = 1; i <= 3; i++)
		deliver_file(root, i);

	/* STATUS (no claim) sees 3, twice */
	struct mailbox *st = mailbox_alloc(user, "INBOX", MAILBOX_FLAG_READONLY);
	test_assert(recent_of(st) == 3 && recent_of(st) == 3);
	mailbox_free(&st);
	/* EXAMINE sees them without taking them */
	struct mailbox *ro = open_box(user, "INBOX", MAILBOX_FLAG_READONLY);
	test_assert(recent_of(ro) == 3);
	/* the first SELECT takes all three (found when the index was built) */
	struct mailbox *a = open_box(user, "INBOX", MAILBOX_FLAG_DROP_RECENT);
	test_assert(recent_of(a) == 3);
	test_assert(mailbox_mail_get_info(a, 2, test_pool, &info) == 0 &&
		    (info.flags & MAIL_RECENT) != 0);
	/* the second none */
	struct mailbox *b = open_box(user, "INBOX", MAILBOX_FLAG_DROP_RECENT);
	test_assert(recent_of(b) == 0);
	test_assert(mailbox_mail_get_info(b, 2, test_pool, &info) == 0 &&
		    (info.flags & MAIL_RECENT) == 0);
	st = mailbox_alloc(user, "INBOX", MAILBOX_FLAG_READONLY);
	test_assert(recent_of(st) == 0);
	mailbox_free(&st);

	/* a delivery (LMTP-like: a handle that takes nothing) */
	struct mailbox *lmtp = open_box(user, "INBOX", 0);
	(void)save_msg(lmtp, "Subject: new\n\nx\n", 0, NULL);
	mailbox_free(&lmtp);
	st = mailbox_alloc(user, "INBOX", MAILBOX_FLAG_READONLY);
	test_assert(recent_of(st) == 1);
	mailbox_free(&st);
	/* whichever session syncs first gets it; the other does not */
	test_assert(mailbox_sync(b, test_pool, NULL) == 0);
	test_assert(mailbox_sync(a, test_pool, NULL) == 0);
	test_assert(recent_of(b) == 1 && recent_of(a) == 3);
	test_assert(mailbox_mail_get_info(a, 4, test_pool, &info) == 0 &&
		    (info.flags & MAIL_RECENT) == 0);
	test_assert(mailbox_mail_get_info(b, 4, test_pool, &info) == 0 &&
		    (info.flags & MAIL_RECENT) != 0);
	/* an external delivery too */
	deliver_file(root, 9);
	test_assert(mailbox_sync(a, test_pool, NULL) == 0);
	test_assert(mailbox_sync(b, test_pool, NULL) == 0);
	test_assert(recent_of(a) == 4 && recent_of(b) == 1);
	/* the read-only session still sees what was recent at its open */
	test_assert(mailbox_sync(ro, test_pool, NULL) == 0);
	test_assert(mailbox_mail_get_info(ro, 1, test_pool, &info) == 0 &&
		    (info.flags & MAIL_RECENT) != 0);
	/* expunging a recent message lowers the count */
	struct mailbox_transaction *t = mailbox_transaction_begin(a);
	test_assert(mailbox_expunge(t, 1) == 0);
	test_assert(mailbox_transaction_commit(&t, test_pool, NULL) == 0);
	test_assert(mailbox_sync(a, test_pool, NULL) == 0 && recent_of(a) == 3);
	mailbox_free(&ro);
	mailbox_free(&a);
	mailbox_free(&b);
	/* nobody left: a new SELECT sees nothing recent */
	a = open_box(user, "INBOX", MAILBOX_FLAG_DROP_RECENT);
	test_assert(recent_of(a) == 0);
	mailbox_free(&a);
	mail_user_free(&user);
	test_end();
}

static void status_full(struct mail_user *user, const char *name,
			struct mailbox_status *status_r)
{
	struct mailbox *box = open_box(user, name, MAILBOX_FLAG_READONLY);

	test_assert(mailbox_get_status(box, status_r) == 0);
	mailbox_free(&box);
}

static void status_closed(struct mail_user *user, const char *name,
			  struct mailbox_status *status_r)
{
	struct mailbox *box = mailbox_alloc(user, name, MAILBOX_FLAG_READONLY);

	test_assert(mailbox_get_status(box, status_r) == 0);
	mailbox_free(&box);
}

static void test_status_unopened(void)
{
	const char *root = p_strdup_printf(test_pool, "%s/status", test_tmpdir());
	struct mail_user *user = test_user(p_strdup_printf(test_pool, "maildir:%s", root));
	struct mailbox_status full, closed;

	test_begin("storage: status of an unopened mailbox from the index header");
	struct mailbox *box = open_box(user, "INBOX", 0);
	for (unsigned int i = 0; i < 30; i++)
		(void)save_msg(box, t_strdup_printf("Subject: %u\n\n%s\n", i,
						    i % 2 ? "x" : "longer body"),
			       i % 3 == 0 ? MAIL_SEEN : 0, NULL);
	for (unsigned int step = 0; step < 4; step++) {
		struct mailbox_transaction *t = mailbox_transaction_begin(box);
		if (step == 1)
			test_assert(mailbox_expunge(t, 4) == 0 && mailbox_expunge(t, 7) == 0);
		if (step == 2)
			test_assert(mailbox_update_flags(t, 5, MODIFY_ADD, MAIL_SEEN, NULL) == 0);
		test_assert(mailbox_transaction_commit(&t, test_pool, NULL) == 0);
		if (step == 3)
			deliver_file(root, 1); /* the Maildir changed: opened */
		status_closed(user, "INBOX", &closed);
		status_full(user, "INBOX", &full);
		closed.first_unseen_seq = full.first_unseen_seq = 0;
		test_assert_idx(memcmp(&closed, &full, sizeof(full)) == 0, step);
	}
	test_assert(full.messages == 29 && full.uidnext == 32 && full.recent == 29);
	mailbox_free(&box);
	mail_user_free(&user);
	test_end();
}

/* The block of header fields the cache gives, as a string. */
static const char *header_fields(struct mailbox *box, uint32_t seq, const char *const *names)
{
	const void *data;
	size_t size;

	if (mailbox_mail_get_header_fields(box, seq, names, test_pool, &data, &size) != 1)
		return NULL;
	return p_strndup(test_pool, data, size);
}

static void test_header_cache(void)
{
	const char *root = p_strdup_printf(test_pool, "%s/hdrcache", test_tmpdir());
	struct mail_user *user = test_user(p_strdup_printf(test_pool, "maildir:%s", root));
	const char *from_subject[] = { "FROM", "Subject", NULL };
	const char *date[] = { "date", NULL };

	test_begin("storage: chosen header fields cached at first fetch and at save");
	struct mailbox *box = open_box(user, "INBOX", 0);
	for (unsigned int i = 1; i <= 3; i++)
		(void)save_msg(box, t_strdup_printf("Received: by x\nFrom: a%u@example.com\n"
						    "Subject: s%u\n folded\nDate: d%u\nTo: t\n\n"
						    "body From: no\n", i, i, i), 0, NULL);
	test_assert(mailbox_sync(box, test_pool, NULL) == 0);
	test_assert_strcmp(header_fields(box, 1, from_subject),
			   "From: a1@example.com\nSubject: s1\n folded\n");
	mailbox_free(&box);

	/* from the cache now: the file can go (behind the index's back) */
	box = open_box(user, "INBOX", 0);
	struct mail_info info;
	test_assert(mailbox_mail_get_info(box, 1, test_pool, &info) == 0);
	const char *path = NULL;
	DIR *d = opendir(t_strconcat(root, "/new", NULL));
	struct dirent *de;
	while (d != NULL && (de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.' && strstr(read_file(t_strdup_printf(
			"%s/new/%s", root, de->d_name)), "a1@") != NULL)
			path = t_strdup_printf("%s/new/%s", root, de->d_name);
	}
	closedir(d);
	test_assert(path != NULL && unlink(path) == 0);
	test_assert_strcmp(header_fields(box, 1, from_subject),
			   "From: a1@example.com\nSubject: s1\n folded\n");
	/* a name the cache does not have needs the file */
	test_assert(header_fields(box, 1, date) == NULL);
	/* the other messages were not fetched yet: their files are read */
	/* every field decided so far comes along (cached for the next ask) */
	test_assert_strcmp(header_fields(box, 2, date),
			   "From: a2@example.com\nSubject: s2\n folded\nDate: d2\n");
	mailbox_free(&box);

	/* FROM and SUBJECT were asked for an older message: a new message
	   gets them cached when it is saved */
	const char *decisions = read_file(t_strdup_printf("%s/roost.index.cache-fields", root));
	test_assert(decisions != NULL && strstr(decisions, "yes ") != NULL &&
		    strstr(decisions, " hdr.from\n") != NULL &&
		    strstr(decisions, " hdr.subject\n") != NULL);
	box = open_box(user, "INBOX", 0);
	uint32_t uid = save_msg(box, "From: new@example.com\r\nSubject: fresh\r\n\r\nbody\r\n",
				0, NULL);
	test_assert(mailbox_sync(box, test_pool, NULL) == 0);
	uint32_t seq = mailbox_uid_to_seq(box, uid);
	test_assert(mailbox_mail_get_info(box, seq, test_pool, &info) == 0);
	/* remove the file: the fields must come from what the save cached */
	d = opendir(t_strconcat(root, "/new", NULL));
	while (d != NULL && (de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.' && strstr(read_file(t_strdup_printf(
			"%s/new/%s", root, de->d_name)), "fresh") != NULL)
			test_assert(unlink(t_strdup_printf("%s/new/%s", root, de->d_name)) == 0);
	}
	closedir(d);
	const char *subject[] = { "subject", NULL };
	test_assert_strcmp(header_fields(box, seq, subject),
			   "From: new@example.com\r\nSubject: fresh\r\n");
	/* a header too large to cache: the caller reads the message */
	string_t *big = str_new(test_pool, 400 * 1024);
	str_append(big, "Subject: big\nX-Pad: ");
	for (unsigned int i = 0; i < 300 * 1024 / 8; i++)
		str_append(big, "padding ");
	str_append(big, "\n\nbody\n");
	uid = save_msg(box, str_c(big), 0, NULL);
	test_assert(mailbox_sync(box, test_pool, NULL) == 0);
	const void *data;
	size_t size;
	test_assert(mailbox_mail_get_header_fields(box, mailbox_uid_to_seq(box, uid), subject,
						   test_pool, &data, &size) == 0);
	mailbox_free(&box);
	mail_user_free(&user);
	test_end();
}

static void test_move(void)
{
	const char *root = p_strdup_printf(test_pool, "%s/move", test_tmpdir());
	struct mail_user *user = test_user(p_strdup_printf(test_pool, "maildir:%s", root));
	struct mail_transaction_commit_changes changes;
	struct mail_info info;
	const char *env;
	struct stat st1, st2;

	test_begin("storage: move renames the file into the other mailbox");
	struct mailbox *box = mailbox_alloc(user, "Archive", 0);
	test_assert(mailbox_create(box, NULL) == 0);
	mailbox_free(&box);
	struct mailbox *src = open_box(user, "INBOX", 0);
	for (unsigned int i = 1; i <= 4; i++)
		(void)save_msg(src, t_strdup_printf("Subject: m%u\n\nbody\n", i),
			       i == 2 ? MAIL_FLAGGED : 0, NULL);
	test_assert(mailbox_sync(src, test_pool, NULL) == 0);
	/* cached fields go along */
	test_assert(mailbox_mail_get_cached(src, 1, MAIL_FETCH_ENVELOPE, test_pool, &env) == 0);
	test_assert(mailbox_sync(src, test_pool, NULL) == 0);
	const char *src1 = NULL;
	DIR *d = opendir(t_strconcat(root, "/new", NULL));
	struct dirent *de;
	while (d != NULL && (de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.' && strstr(read_file(t_strdup_printf(
			"%s/new/%s", root, de->d_name)), "m1") != NULL)
			src1 = t_strdup_printf("%s/new/%s", root, de->d_name);
	}
	closedir(d);
	test_assert(src1 != NULL && stat(src1, &st1) == 0);

	/* another handle changes message 3's flags (renames its file) and
	   expunges 4 before the commit */
	struct mailbox *other = open_box(user, "INBOX", 0);
	struct mailbox *dest = open_box(user, "Archive", 0);
	struct mailbox_transaction *t = mailbox_transaction_begin(dest);
	struct mail_save_params params = { .flags = MAIL_SEEN };
	for (uint32_t uid = 1; uid <= 4; uid++)
		test_assert(mailbox_move(t, src, uid, &params) == 0);
	set_flag(other, 3, MODIFY_ADD, MAIL_ANSWERED);
	struct mailbox_transaction *ot = mailbox_transaction_begin(other);
	test_assert(mailbox_expunge(ot, 4) == 0);
	test_assert(mailbox_transaction_commit(&ot, test_pool, NULL) == 0);
	test_assert(mailbox_transaction_commit(&t, test_pool, &changes) == 0);
	test_assert(array_count(&changes.saved_uids) == 4);
	test_assert(array_idx_elem(&changes.saved_uids, 0) == 1 &&
		    array_idx_elem(&changes.saved_uids, 2) == 3 &&
		    array_idx_elem(&changes.saved_uids, 3) == 0);
	/* the source lost them, in the same commit */
	test_assert(mailbox_sync(src, test_pool, NULL) == 0 && mailbox_count(src) == 0);
	test_assert(mailbox_sync(dest, test_pool, NULL) == 0 && mailbox_count(dest) == 3);
	/* the same file (inode), now with \Seen */
	test_assert(stat(src1, &st2) < 0 && errno == ENOENT);
	d = opendir(t_strconcat(root, "/.Archive/cur", NULL));
	bool found = false;
	while (d != NULL && (de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.' &&
		    stat(t_strdup_printf("%s/.Archive/cur/%s", root, de->d_name), &st2) == 0 &&
		    st2.st_ino == st1.st_ino)
			found = strstr(de->d_name, ":2,S") != NULL;
	}
	closedir(d);
	test_assert(found);
	test_assert(mailbox_mail_get_info(dest, 1, test_pool, &info) == 0 &&
		    (info.flags & ~MAIL_RECENT) == MAIL_SEEN);
	const char *env2;
	test_assert(mailbox_mail_get_cached(dest, 1, MAIL_FETCH_ENVELOPE, test_pool, &env2) == 0);
	test_assert_strcmp(env, env2);
	test_assert(mailbox_mail_open(dest, 3, &(int){ 0 }, &(uint64_t){ 0 }) == 0);

	/* within one mailbox (another handle of it): new UID, old one gone */
	struct mailbox *dest2 = open_box(user, "Archive", 0);
	t = mailbox_transaction_begin(dest2);
	test_assert(mailbox_move(t, dest, 1, &params) == 0);
	test_assert(mailbox_transaction_commit(&t, test_pool, &changes) == 0);
	test_assert(array_idx_elem(&changes.saved_uids, 0) == 4);
	test_assert(mailbox_sync(dest2, test_pool, NULL) == 0 && mailbox_count(dest2) == 3 &&
		    mailbox_seq_to_uid(dest2, 1) == 2 && mailbox_seq_to_uid(dest2, 3) == 4);
	mailbox_free(&dest2);
	mailbox_free(&dest);
	mailbox_free(&other);
	mailbox_free(&src);
	mail_user_free(&user);
	test_end();
}

static void test_cache_compaction(void)
{
	const char *root = p_strdup_printf(test_pool, "%s/cachecompact", test_tmpdir());
	struct mail_user *user = test_user(p_strdup_printf(test_pool, "maildir:%s", root));
	const char *cache_path = t_strdup_printf("%s/roost.index.cache", root);
	struct stat st;
	const char *value;

	test_begin("storage: the cache file is compacted once half of it is unused");
	struct mailbox *box = open_box(user, "INBOX", 0);
	struct mailbox_transaction *t = mailbox_transaction_begin(box);
	for (unsigned int i = 0; i < 300; i++) {
		struct mail_save_params params = { 0 };
		struct mail_save_context *ctx = mailbox_save_begin(t, &params);
		const char *msg = t_strdup_printf("From: someone-with-a-long-name-%u@example.com\n"
						  "Subject: message number %u with a subject\n\n"
						  "text\n", i, i);
		test_assert(ctx != NULL && mailbox_save_write(ctx, msg, strlen(msg)) == 0 &&
			    mailbox_save_finish(&ctx) == 0);
	}
	test_assert(mailbox_transaction_commit(&t, test_pool, NULL) == 0);
	test_assert(mailbox_sync(box, test_pool, NULL) == 0);
	for (uint32_t seq = 1; seq <= 300; seq++)
		test_assert(mailbox_mail_get_cached(box, seq, MAIL_FETCH_ENVELOPE, test_pool,
						    &value) == 0);
	test_assert(mailbox_sync(box, test_pool, NULL) == 0);
	test_assert(stat(cache_path, &st) == 0);
	off_t full_size = st.st_size;
	ino_t ino = st.st_ino;
	/* expunge 4 of 5: the waste passes half, the file is rewritten */
	t = mailbox_transaction_begin(box);
	for (uint32_t uid = 1; uid <= 300; uid++) {
		if (uid % 5 != 0)
			test_assert(mailbox_expunge(t, uid) == 0);
	}
	test_assert(mailbox_transaction_commit(&t, test_pool, NULL) == 0);
	test_assert(mailbox_sync(box, test_pool, NULL) == 0 && mailbox_count(box) == 60);
	test_assert(stat(cache_path, &st) == 0);
	test_assert(st.st_ino != ino && st.st_size < full_size / 3);
	/* what is left is still served from the cache: remove the files */
	for (uint32_t seq = 1; seq <= 60; seq++) {
		struct mail_info info;
		test_assert(mailbox_mail_get_info(box, seq, test_pool, &info) == 0);
	}
	struct mailbox *box2 = open_box(user, "INBOX", 0);
	for (const char *sub = "new\0cur\0"; *sub != '\0'; sub += strlen(sub) + 1) {
		DIR *d = opendir(t_strconcat(root, "/", sub, NULL));
		struct dirent *de;
		while (d != NULL && (de = readdir(d)) != NULL) {
			if (de->d_name[0] != '.')
				(void)unlink(t_strdup_printf("%s/%s/%s", root, sub, de->d_name));
		}
		closedir(d);
	}
	for (uint32_t seq = 1; seq <= 60; seq++) {
		test_assert_idx(mailbox_mail_get_cached(box2, seq, MAIL_FETCH_ENVELOPE, test_pool,
							&value) == 0, seq);
		test_assert_idx(strstr(value, t_strdup_printf("number %u ", seq * 5 - 1)) != NULL,
				seq);
	}
	mailbox_free(&box2);
	mailbox_free(&box);
	mail_user_free(&user);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_save_sync_flags,
		test_mailboxes,
		test_concurrent,
		test_tmp_cleanup,
		test_conditional_flags,
		test_modseqs,
		test_recent,
		test_status_unopened,
		test_header_cache,
		test_move,
		test_cache_compaction,
		NULL,
	};
	log_init_stderr("test-storage");
	return test_run(tests);
}
