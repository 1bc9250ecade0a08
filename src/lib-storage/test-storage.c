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

int main(void)
{
	static void (*const tests[])(void) = {
		test_save_sync_flags,
		test_mailboxes,
		test_concurrent,
		test_tmp_cleanup,
		test_conditional_flags,
		NULL,
	};
	log_init_stderr("test-storage");
	return test_run(tests);
}
