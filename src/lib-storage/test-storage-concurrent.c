/* Every storage operation with a second process changing the same
   mailboxes at the same time (fork()), then checks that nothing was lost,
   duplicated or left inconsistent: mailbox list operations and
   subscriptions, save/status/sync, flags against flags, expunge against
   flags and copy, moves in opposite directions (lock order), cache fills
   against expunges, a mailbox deleted while open, and an index lost while
   another process saves. */

#include "test-common.h"
#include "mail-storage.h"
#include "mail-user.h"
#include "mailbox-list.h"
#include "mail-storage-settings.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>

static const char *location;

static struct mail_user *new_user(void)
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

static void new_root(const char *name)
{
	location = p_strdup_printf(test_pool, "maildir:%s/%s", test_tmpdir(), name);
}

static struct mailbox *open_box(struct mail_user *user, const char *name)
{
	struct mailbox *box = mailbox_alloc(user, name, 0);

	if (mailbox_open(box) < 0)
		i_fatal("open %s: %s", name, mailbox_get_last_error(box, NULL));
	return box;
}

static void create_box(struct mail_user *user, const char *name)
{
	struct mailbox *box = mailbox_alloc(user, name, 0);

	if (mailbox_create(box, NULL) < 0)
		i_fatal("create %s: %s", name, mailbox_get_last_error(box, NULL));
	mailbox_free(&box);
}

/* Saves count messages "Subject: <tag>-<i>" in one transaction. */
static int save_msgs(struct mailbox *box, const char *tag, unsigned int first,
		     unsigned int count)
{
	struct mailbox_transaction *t = mailbox_transaction_begin(box);

	for (unsigned int i = first; i < first + count; i++) {
		struct mail_save_params params = { 0 };
		struct mail_save_context *ctx = mailbox_save_begin(t, &params);
		const char *msg = t_strdup_printf("From: %s@example.com\nSubject: %s-%u\n\n"
						  "body of %s-%u\n", tag, tag, i, tag, i);
		if (ctx == NULL || mailbox_save_write(ctx, msg, strlen(msg)) < 0 ||
		    mailbox_save_finish(&ctx) < 0) {
			mailbox_transaction_rollback(&t);
			return -1;
		}
	}
	return mailbox_transaction_commit(&t, pool_temp, NULL);
}

static pid_t child_pid;
static int child_status;
static bool child_reaped;

/* Whether the child is still running (reaps it when not). */
static bool child_running(void)
{
	if (!child_reaped && waitpid(child_pid, &child_status, WNOHANG) == child_pid)
		child_reaped = true;
	return !child_reaped;
}

/* Runs child() in a second process while parent() runs here; both start
   at the same moment (the child waits for a byte on a pipe). */
static void run_both(int (*child)(void), void (*parent)(void))
{
	int fds[2];
	char c = 'x';

	if (pipe(fds) < 0)
		i_fatal("pipe: %m");
	fflush(stdout);
	child_reaped = false;
	child_pid = fork();
	if (child_pid < 0)
		i_fatal("fork: %m");
	if (child_pid == 0) {
		close(fds[1]);
		if (read(fds[0], &c, 1) != 1)
			_exit(90);
		_exit(child());
	}
	close(fds[0]);
	if (write(fds[1], &c, 1) != 1)
		i_fatal("write: %m");
	close(fds[1]);
	parent();
	if (!child_reaped)
		test_assert(waitpid(child_pid, &child_status, 0) == child_pid);
	test_assert(WIFEXITED(child_status));
	test_assert_cmp(WEXITSTATUS(child_status), ==, 0);
}

/* The Subject of each message in the mailbox, from the files. */
static ARRAY_TYPE(const_string) subjects_of(struct mail_user *user, const char *name)
{
	ARRAY_TYPE(const_string) subjects;
	struct mailbox *box = open_box(user, name);
	uint32_t count = mailbox_count(box);

	p_array_init(&subjects, test_pool, count + 1);
	for (uint32_t seq = 1; seq <= count; seq++) {
		int fd;
		uint64_t size;
		char buf[512];
		if (mailbox_mail_open(box, seq, &fd, &size) < 0)
			i_fatal("open message: %s", mailbox_get_last_error(box, NULL));
		ssize_t ret = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		buf[ret < 0 ? 0 : ret] = '\0';
		const char *p = strstr(buf, "Subject: ");
		const char *subj = p == NULL ? "?" : p_strndup(test_pool, p + 9,
							       strcspn(p + 9, "\n"));
		array_push(&subjects, &subj);
	}
	mailbox_free(&box);
	return subjects;
}

static bool have_dups(ARRAY_TYPE(const_string) *arr)
{
	unsigned int count = array_count(arr);

	for (unsigned int i = 0; i < count; i++) {
		for (unsigned int j = i + 1; j < count; j++) {
			if (strcmp(array_idx_elem(arr, i), array_idx_elem(arr, j)) == 0)
				return true;
		}
	}
	return false;
}

/* ---- list, create, rename, delete, subscribe ---- */

static int list_ops(const char *prefix, bool list_too)
{
	struct mail_user *user = new_user();
	const char *patterns[] = { "*", NULL };
	ARRAY_TYPE(mailbox_info) result;
	const char *error;

	for (unsigned int i = 0; i < 30; i++) {
		const char *name = t_strdup_printf("%s%u", prefix, i);
		struct mailbox *box = mailbox_alloc(user, name, 0);
		if (mailbox_create(box, NULL) < 0 || mailbox_set_subscribed(box, true) < 0) {
			i_error("create/subscribe %s: %s", name, mailbox_get_last_error(box, NULL));
			return 1;
		}
		mailbox_free(&box);
		if (i % 3 == 0) {
			struct mailbox *src = mailbox_alloc(user, name, 0);
			struct mailbox *dest = mailbox_alloc(user, t_strdup_printf("%sr%u", prefix, i),
							     0);
			struct mailbox *sub = mailbox_alloc(user, name, 0);
			if (mailbox_set_subscribed(sub, false) < 0 || mailbox_rename(src, dest) < 0) {
				i_error("rename %s: %s", name, mailbox_get_last_error(src, NULL));
				return 1;
			}
			mailbox_free(&sub);
			mailbox_free(&src);
			mailbox_free(&dest);
		} else if (i % 4 == 1) {
			box = mailbox_alloc(user, name, 0);
			if (mailbox_set_subscribed(box, false) < 0 || mailbox_delete(box) < 0) {
				i_error("delete %s: %s", name, mailbox_get_last_error(box, NULL));
				return 1;
			}
			mailbox_free(&box);
		}
		if (list_too && mailbox_list(user, patterns, 0, pool_temp, &result, &error) < 0) {
			i_error("list: %s", error);
			return 1;
		}
		pool_temp_clear();
	}
	mail_user_free(&user);
	return 0;
}

static int child_list_ops(void)
{
	return list_ops("c", true);
}

static void parent_list_ops(void)
{
	test_assert(list_ops("p", true) == 0);
}

static void test_list_ops(void)
{
	test_begin("concurrent: create, rename, delete, subscribe, list");
	new_root("lists");
	struct mail_user *user = new_user();
	struct mailbox *inbox = open_box(user, "INBOX");
	mailbox_free(&inbox);
	run_both(child_list_ops, parent_list_ops);

	const char *patterns[] = { "*", NULL };
	ARRAY_TYPE(mailbox_info) result;
	const char *error;
	test_assert(mailbox_list(user, patterns, 0, test_pool, &result, &error) == 0);
	unsigned int listed_count = 0;
	ARRAY_TYPE(const_string) names, subs;
	p_array_init(&names, test_pool, 64);
	p_array_init(&subs, test_pool, 64);
	for (const char *prefix = "c\0p\0"; *prefix != '\0'; prefix += 2) {
		for (unsigned int i = 0; i < 30; i++) {
			const char *name = p_strdup_printf(test_pool, i % 3 == 0 ? "%sr%u" : "%s%u",
							   prefix, i);
			if (i % 3 != 0 && i % 4 == 1)
				continue;
			array_push(&names, &name);
			if (i % 3 != 0)
				array_push(&subs, &name);
		}
	}
	array_foreach(&result, info) {
		if (strcmp(info->vname, "INBOX") == 0)
			continue;
		bool listed = false;
		const char *name;
		array_foreach_elem(&names, name)
			listed = listed || strcmp(name, info->vname) == 0;
		test_assert_idx(listed, listed_count++);
	}
	test_assert_cmp(array_count(&result), ==, array_count(&names) + 1);
	ARRAY_TYPE(const_string) subscribed;
	p_array_init(&subscribed, test_pool, 64);
	test_assert(mailbox_list_get_subscriptions(mail_user_get_inbox_namespace(user), test_pool,
						   &subscribed, &error) == 0);
	test_assert_cmp(array_count(&subscribed), ==, array_count(&subs));
	const char *sub;
	array_foreach_elem(&subscribed, sub) {
		bool wanted = false;
		const char *name;
		array_foreach_elem(&subs, name)
			wanted = wanted || strcmp(name, sub) == 0;
		test_assert(wanted);
	}
	mail_user_free(&user);
	test_end();
}

/* ---- save against status and sync ---- */

static int child_saves(void)
{
	struct mail_user *user = new_user();
	struct mailbox *box = open_box(user, "INBOX");

	for (unsigned int i = 0; i < 20; i++) {
		usleep(1000); /* let the other process in between */
		if (save_msgs(box, "child", i * 3, 3) < 0) {
			i_error("save: %s", mailbox_get_last_error(box, NULL));
			return 1;
		}
		pool_temp_clear();
	}
	mailbox_free(&box);
	mail_user_free(&user);
	return 0;
}

static void parent_status_sync(void)
{
	struct mail_user *user = new_user();
	struct mailbox *box = open_box(user, "INBOX");
	struct mailbox_status st, prev = { 0 };
	struct mailbox_sync_result res;

	for (unsigned int i = 0; i < 200 && prev.messages < 60; i++) {
		struct mailbox *closed = mailbox_alloc(user, "INBOX", MAILBOX_FLAG_READONLY);
		test_assert(mailbox_get_status(closed, &st) == 0);
		mailbox_free(&closed);
		test_assert_idx(st.messages >= prev.messages && st.uidnext >= prev.uidnext &&
				st.highest_modseq >= prev.highest_modseq, i);
		test_assert_idx(st.uidnext == st.messages + 1, i);
		prev = st;
		test_assert(mailbox_sync(box, test_pool, &res) == 0);
		test_assert(mailbox_get_status(box, &st) == 0);
		test_assert_idx(st.messages >= prev.messages, i);
		pool_temp_clear();
	}
	mailbox_free(&box);
	mail_user_free(&user);
}

static void test_save_status(void)
{
	test_begin("concurrent: saves against status (unopened and open) and sync");
	new_root("saves");
	struct mail_user *user = new_user();
	struct mailbox *box = open_box(user, "INBOX");
	mailbox_free(&box);
	run_both(child_saves, parent_status_sync);
	ARRAY_TYPE(const_string) subjects = subjects_of(user, "INBOX");
	test_assert_cmp(array_count(&subjects), ==, 60);
	test_assert(!have_dups(&subjects));
	mail_user_free(&user);
	test_end();
}

/* ---- flags against flags ---- */

static int set_flags_loop(enum mail_flags flag)
{
	struct mail_user *user = new_user();
	struct mailbox *box = open_box(user, "INBOX");

	for (unsigned int round = 0; round < 3; round++) {
		for (uint32_t uid = 1; uid <= 40; uid++) {
			struct mailbox_transaction *t = mailbox_transaction_begin(box);
			enum modify_type type = round == 1 ? MODIFY_REMOVE : MODIFY_ADD;
			if (mailbox_update_flags(t, uid, type, flag, NULL) < 0 ||
			    mailbox_transaction_commit(&t, pool_temp, NULL) < 0) {
				i_error("flags: %s", mailbox_get_last_error(box, NULL));
				return 1;
			}
			pool_temp_clear();
		}
	}
	mailbox_free(&box);
	mail_user_free(&user);
	return 0;
}

static int child_flags(void)
{
	return set_flags_loop(MAIL_SEEN);
}

static void parent_flags(void)
{
	test_assert(set_flags_loop(MAIL_FLAGGED) == 0);
}

static void test_flags(void)
{
	test_begin("concurrent: flag changes of the same messages from two processes");
	new_root("flags");
	struct mail_user *user = new_user();
	struct mailbox *box = open_box(user, "INBOX");
	test_assert(save_msgs(box, "m", 0, 40) == 0);
	mailbox_free(&box);
	run_both(child_flags, parent_flags);
	box = open_box(user, "INBOX");
	test_assert(mailbox_count(box) == 40);
	for (uint32_t seq = 1; seq <= 40; seq++) {
		struct mail_info info;
		test_assert(mailbox_mail_get_info(box, seq, test_pool, &info) == 0);
		test_assert_idx((info.flags & (MAIL_SEEN | MAIL_FLAGGED)) ==
				(MAIL_SEEN | MAIL_FLAGGED), seq);
	}
	mailbox_free(&box);
	mail_user_free(&user);
	test_end();
}

/* ---- expunge against flags and copy ---- */

static int child_expunges(void)
{
	struct mail_user *user = new_user();
	struct mailbox *box = open_box(user, "INBOX");

	for (uint32_t uid = 1; uid <= 40; uid += 2) {
		struct mailbox_transaction *t = mailbox_transaction_begin(box);
		if (mailbox_expunge(t, uid) < 0 ||
		    mailbox_transaction_commit(&t, pool_temp, NULL) < 0) {
			i_error("expunge: %s", mailbox_get_last_error(box, NULL));
			return 1;
		}
	}
	mailbox_free(&box);
	mail_user_free(&user);
	return 0;
}

static void parent_flags_copies(void)
{
	struct mail_user *user = new_user();
	struct mailbox *box = open_box(user, "INBOX");
	struct mailbox *copy = open_box(user, "Copies");
	enum mail_error error;

	for (uint32_t uid = 1; uid <= 40; uid++) {
		struct mailbox_transaction *t = mailbox_transaction_begin(box);
		test_assert(mailbox_update_flags(t, uid, MODIFY_ADD, MAIL_ANSWERED, NULL) == 0);
		test_assert(mailbox_transaction_commit(&t, pool_temp, NULL) == 0);
		test_assert(mailbox_sync(box, pool_temp, NULL) == 0);
		t = mailbox_transaction_begin(copy);
		struct mail_save_params params = { 0 };
		if (mailbox_copy(t, box, uid, &params) < 0) {
			(void)mailbox_get_last_error(copy, &error);
			test_assert_idx(error == MAIL_ERROR_EXPUNGED, uid);
			mailbox_transaction_rollback(&t);
		} else {
			test_assert(mailbox_transaction_commit(&t, pool_temp, NULL) == 0);
		}
		pool_temp_clear();
	}
	mailbox_free(&copy);
	mailbox_free(&box);
	mail_user_free(&user);
}

static void test_expunge_copy(void)
{
	test_begin("concurrent: expunges against flag changes and copies");
	new_root("expunge");
	struct mail_user *user = new_user();
	create_box(user, "Copies");
	struct mailbox *box = open_box(user, "INBOX");
	test_assert(save_msgs(box, "m", 1, 40) == 0);
	mailbox_free(&box);
	run_both(child_expunges, parent_flags_copies);
	box = open_box(user, "INBOX");
	test_assert(mailbox_count(box) == 20);
	for (uint32_t seq = 1; seq <= mailbox_count(box); seq++) {
		struct mail_info info;
		test_assert(mailbox_mail_get_info(box, seq, test_pool, &info) == 0);
		test_assert_idx(info.uid % 2 == 0 && (info.flags & MAIL_ANSWERED) != 0, seq);
	}
	mailbox_free(&box);
	/* every copy is a whole message, each at most once */
	ARRAY_TYPE(const_string) copies = subjects_of(user, "Copies");
	test_assert(array_count(&copies) >= 20 && !have_dups(&copies));
	mail_user_free(&user);
	test_end();
}

/* ---- moves in opposite directions ---- */

static int move_all(const char *from, const char *to, unsigned int rounds)
{
	struct mail_user *user = new_user();
	struct mailbox *src = open_box(user, from), *dest = open_box(user, to);

	for (unsigned int round = 0; round < rounds; round++) {
		if (mailbox_sync(src, pool_temp, NULL) < 0)
			return 1;
		uint32_t count = mailbox_count(src);
		for (uint32_t seq = 1; seq <= count; seq++) {
			struct mailbox_transaction *t = mailbox_transaction_begin(dest);
			struct mail_save_params params = { 0 };
			uint32_t uid = mailbox_seq_to_uid(src, seq);
			if (mailbox_move(t, src, uid, &params) < 0) {
				mailbox_transaction_rollback(&t);
				continue; /* expunged (moved by the other) meanwhile */
			}
			if (mailbox_transaction_commit(&t, pool_temp, NULL) < 0) {
				i_error("move: %s", mailbox_get_last_error(dest, NULL));
				return 1;
			}
		}
		pool_temp_clear();
	}
	mailbox_free(&src);
	mailbox_free(&dest);
	mail_user_free(&user);
	return 0;
}

static int child_moves(void)
{
	return move_all("INBOX", "Other", 4);
}

static void parent_moves(void)
{
	test_assert(move_all("Other", "INBOX", 4) == 0);
}

static void test_moves(void)
{
	test_begin("concurrent: moves in opposite directions, no loss, no duplicate");
	new_root("moves");
	struct mail_user *user = new_user();
	create_box(user, "Other");
	struct mailbox *box = open_box(user, "INBOX");
	test_assert(save_msgs(box, "m", 0, 30) == 0);
	mailbox_free(&box);
	box = open_box(user, "Other");
	test_assert(save_msgs(box, "o", 0, 30) == 0);
	mailbox_free(&box);
	run_both(child_moves, parent_moves);
	ARRAY_TYPE(const_string) all = subjects_of(user, "INBOX");
	ARRAY_TYPE(const_string) other = subjects_of(user, "Other");
	const char *s;
	array_foreach_elem(&other, s)
		array_push(&all, &s);
	test_assert_cmp(array_count(&all), ==, 60);
	test_assert(!have_dups(&all));
	mail_user_free(&user);
	test_end();
}

/* ---- cache fills against expunges and saves ---- */

static int child_cache_fill(void)
{
	struct mail_user *user = new_user();
	struct mailbox *box = open_box(user, "INBOX");
	const char *names[] = { "Subject", "From", NULL };

	for (unsigned int round = 0; round < 6; round++) {
		if (mailbox_sync(box, pool_temp, NULL) < 0)
			return 1;
		for (uint32_t seq = 1; seq <= mailbox_count(box); seq++) {
			const char *env;
			const void *data;
			size_t size;
			/* a message the other process expunged: EXPUNGED only */
			if (mailbox_mail_get_cached(box, seq, MAIL_FETCH_ENVELOPE, pool_temp,
						    &env) < 0 ||
			    mailbox_mail_get_header_fields(box, seq, names, pool_temp, &data,
							   &size) < 0) {
				enum mail_error error;
				(void)mailbox_get_last_error(box, &error);
				if (error != MAIL_ERROR_EXPUNGED) {
					i_error("fetch: %s", mailbox_get_last_error(box, NULL));
					return 1;
				}
			}
		}
		pool_temp_clear();
	}
	mailbox_free(&box);
	mail_user_free(&user);
	return 0;
}

static void parent_expunge_save(void)
{
	struct mail_user *user = new_user();
	struct mailbox *box = open_box(user, "INBOX");

	for (uint32_t uid = 1; uid <= 60; uid += 3) {
		struct mailbox_transaction *t = mailbox_transaction_begin(box);
		test_assert(mailbox_expunge(t, uid) == 0);
		test_assert(mailbox_transaction_commit(&t, pool_temp, NULL) == 0);
		test_assert(save_msgs(box, "late", uid, 1) == 0);
		pool_temp_clear();
	}
	mailbox_free(&box);
	mail_user_free(&user);
}

static void test_cache_fill(void)
{
	test_begin("concurrent: cache fills against expunges and saves");
	new_root("cache");
	struct mail_user *user = new_user();
	struct mailbox *box = open_box(user, "INBOX");
	test_assert(save_msgs(box, "m", 1, 60) == 0);
	mailbox_free(&box);
	run_both(child_cache_fill, parent_expunge_save);
	/* what the cache says is what the files say */
	box = open_box(user, "INBOX");
	ARRAY_TYPE(const_string) subjects = subjects_of(user, "INBOX");
	test_assert(mailbox_count(box) == 60 && array_count(&subjects) == 60);
	for (uint32_t seq = 1; seq <= mailbox_count(box); seq++) {
		const char *env;
		test_assert(mailbox_mail_get_cached(box, seq, MAIL_FETCH_ENVELOPE, test_pool,
						    &env) == 0);
		test_assert_idx(strstr(env, t_strdup_printf("\"%s\"",
				array_idx_elem(&subjects, seq - 1))) != NULL, seq);
	}
	mailbox_free(&box);
	mail_user_free(&user);
	test_end();
}

/* ---- a mailbox deleted while another process has it open ---- */

static int child_deleted_under(void)
{
	struct mail_user *user = new_user();
	struct mailbox *box = open_box(user, "Doomed");
	enum mail_error error;
	int ret = 1;

	for (unsigned int i = 0; i < 2000; i++) {
		if (mailbox_sync(box, pool_temp, NULL) < 0) {
			(void)mailbox_get_last_error(box, &error);
			/* a clean "it is gone", never a crash */
			ret = error == MAIL_ERROR_NOTFOUND ? 0 : 2;
			break;
		}
		usleep(1000);
	}
	mailbox_free(&box);
	mail_user_free(&user);
	return ret;
}

static void parent_delete(void)
{
	struct mail_user *user = new_user();

	usleep(20000);
	struct mailbox *box = mailbox_alloc(user, "Doomed", 0);
	test_assert(mailbox_delete(box) == 0);
	mailbox_free(&box);
	mail_user_free(&user);
}

static void test_deleted_while_open(void)
{
	test_begin("concurrent: a mailbox deleted while another process has it open");
	new_root("delete");
	struct mail_user *user = new_user();
	create_box(user, "Doomed");
	struct mailbox *box = open_box(user, "Doomed");
	test_assert(save_msgs(box, "m", 0, 5) == 0);
	mailbox_free(&box);
	run_both(child_deleted_under, parent_delete);
	box = mailbox_alloc(user, "Doomed", 0);
	test_assert(mailbox_exists(box) == 0);
	mailbox_free(&box);
	mail_user_free(&user);
	test_end();
}

/* ---- the index lost while another process saves ---- */

static void parent_lose_index(void)
{
	const char *root = location + strlen("maildir:");
	unsigned int lost = 0;

	while (child_running()) {
		usleep(2000);
		lost += unlink(t_strdup_printf("%s/roost.index", root)) == 0;
		(void)unlink(t_strdup_printf("%s/roost.index.log", root));
	}
	test_assert(lost > 0);
}

static void test_index_lost(void)
{
	test_begin("concurrent: the index deleted while another process saves");
	new_root("lost");
	struct mail_user *user = new_user();
	struct mailbox *box = open_box(user, "INBOX");
	mailbox_free(&box);
	run_both(child_saves, parent_lose_index);
	box = open_box(user, "INBOX");
	test_assert(mailbox_count(box) == 60);
	for (uint32_t seq = 1; seq <= 60; seq++)
		test_assert_idx(mailbox_seq_to_uid(box, seq) == seq, seq);
	mailbox_free(&box);
	ARRAY_TYPE(const_string) subjects = subjects_of(user, "INBOX");
	test_assert(!have_dups(&subjects));
	mail_user_free(&user);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_list_ops,
		test_save_status,
		test_flags,
		test_expunge_copy,
		test_moves,
		test_cache_fill,
		test_deleted_while_open,
		test_index_lost,
		NULL,
	};
	log_init_stderr("test-storage-concurrent");
	return test_run(tests);
}
