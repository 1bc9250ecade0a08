/* roost-test-storage: a command-line front end to lib-storage, used only by
   the integration tests (Dovecot interop, durability under strace, SIGKILL
   faults, big mailboxes). It runs as the invoking user on the Maildir named
   by -o mail_location=...; it has no sockets and trusts its arguments.

   Usage: roost-test-storage [-o key=value]... COMMAND [args]
     list [-s]                 every mailbox (-s: subscribed ones), one a line
     create MAILBOX            subscribe MAILBOX        unsubscribe MAILBOX
     status MAILBOX [-t] [-c]  "messages=.. uidvalidity=.. uidnext=.. ..."
                               (-t: time alloc+open+status, on stderr;
                               -c: status of an unopened handle, as IMAP
                               STATUS does)
     fetch MAILBOX [-t]        one line per message: "<uid> <size> <vsize>
                               (<flags and keywords>)" from the index only
                               (-t: time alloc+open+list, on stderr)
     save MAILBOX [FLAG]...    the message on stdin; "OK <uid>" after commit
     save-loop MAILBOX N TAG   N messages whose bodies derive from
                               "TAG-<i>"; "OK <uid> TAG-<i>" after each commit
     flags MAILBOX UID (+|-|=)FLAG...
     expunge MAILBOX UID
     cat MAILBOX UID           the message's bytes
     move SRC DEST             every message of SRC into DEST, one commit
                               each; "OK <src uid> <dest uid>" after each
   Flags are \Seen \Answered \Flagged \Deleted \Draft or keywords.
   Settings (-o): mail_location, mail_fsync, lock_method. Exit status 0 on
   success, 1 on a storage error (the text on stderr), 2 on bad usage. */

#include "lib.h"
#include "mail-storage.h"
#include "mail-user.h"
#include "mailbox-list.h"
#include "mail-storage-settings.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static struct mail_user *user;

static void usage(void)
{
	fprintf(stderr, "usage: roost-test-storage [-o key=value]... COMMAND [args]\n");
	exit(2);
}

/* Writes all of text to fd 1 with write(2): the acknowledgement is one
   system call that strace can place after the commit's. */
static void out(const char *text)
{
	size_t len = strlen(text);

	while (len > 0) {
		ssize_t ret = write(1, text, len);
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			i_fatal("write(stdout) failed: %s", strerror(errno));
		}
		text += ret;
		len -= (size_t)ret;
	}
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1000000.0;
}

static int box_fail(struct mailbox *box, const char *what)
{
	fprintf(stderr, "%s %s: %s\n", what, mailbox_get_vname(box),
		mailbox_get_last_error(box, NULL));
	return 1;
}

static struct mailbox *box_open(const char *name)
{
	struct mailbox *box = mailbox_alloc(user, name, 0);

	if (mailbox_open(box) < 0) {
		box_fail(box, "open");
		exit(1);
	}
	return box;
}

static const char *const sys_flag_names[] = {
	"\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft",
};

/* Splits "\Seen", "Junk"... into system flags and keywords. */
static void parse_flags(char **args, unsigned int count, enum mail_flags *flags_r,
			ARRAY_TYPE(const_string) *keywords)
{
	*flags_r = 0;
	p_array_init(keywords, pool_temp, 4);
	for (unsigned int i = 0; i < count; i++) {
		bool sys = false;
		for (unsigned int j = 0; j < N_ELEMENTS(sys_flag_names); j++) {
			if (strcasecmp(args[i], sys_flag_names[j]) == 0) {
				*flags_r |= 1 << j;
				sys = true;
			}
		}
		if (!sys) {
			const char *kw = args[i];
			array_push(keywords, &kw);
		}
	}
	const char *null = NULL;
	array_push(keywords, &null);
}

static const char *flags_string(const struct mail_info *info)
{
	string_t *str = str_new(pool_temp, 64);

	for (unsigned int j = 0; j < N_ELEMENTS(sys_flag_names); j++) {
		if ((info->flags & (1 << j)) != 0) {
			if (str_len(str) > 0)
				str_append_c(str, ' ');
			str_append(str, sys_flag_names[j]);
		}
	}
	for (const char *const *kw = info->keywords; *kw != NULL; kw++) {
		if (str_len(str) > 0)
			str_append_c(str, ' ');
		str_append(str, *kw);
	}
	return str_c(str);
}

static int cmd_list(int argc, char **argv)
{
	enum mailbox_list_iter_flags flags = 0;
	const char *patterns[] = { "*", NULL };
	ARRAY_TYPE(mailbox_info) result;
	const char *error;

	if (argc > 0 && strcmp(argv[0], "-s") == 0)
		flags |= MAILBOX_LIST_ITER_SUBSCRIBED;
	if (mailbox_list(user, patterns, flags, pool_temp, &result, &error) < 0) {
		fprintf(stderr, "list: %s\n", error);
		return 1;
	}
	array_foreach(&result, info) {
		if ((flags & MAILBOX_LIST_ITER_SUBSCRIBED) != 0 &&
		    (info->flags & MAILBOX_SUBSCRIBED) == 0)
			continue;
		if ((flags & MAILBOX_LIST_ITER_SUBSCRIBED) == 0 &&
		    (info->flags & (MAILBOX_NONEXISTENT | MAILBOX_NOSELECT)) != 0)
			continue;
		out(t_strdup_printf("%s\n", info->vname));
	}
	return 0;
}

static int cmd_create(int argc, char **argv)
{
	if (argc != 1)
		usage();
	struct mailbox *box = mailbox_alloc(user, argv[0], 0);
	int ret = mailbox_create(box, NULL) < 0 ? box_fail(box, "create") : 0;
	mailbox_free(&box);
	return ret;
}

static int cmd_subscribe(int argc, char **argv, bool set)
{
	if (argc != 1)
		usage();
	struct mailbox *box = mailbox_alloc(user, argv[0], 0);
	int ret = mailbox_set_subscribed(box, set) < 0 ? box_fail(box, "subscribe") : 0;
	mailbox_free(&box);
	return ret;
}

static int cmd_status(int argc, char **argv)
{
	struct mailbox_status status;

	if (argc < 1)
		usage();
	bool timing = false, closed = false;
	for (int i = 1; i < argc; i++) {
		timing = timing || strcmp(argv[i], "-t") == 0;
		closed = closed || strcmp(argv[i], "-c") == 0;
	}
	double start = now_ms();
	struct mailbox *box = mailbox_alloc(user, argv[0], closed ? MAILBOX_FLAG_READONLY : 0);
	if (!closed && mailbox_open(box) < 0)
		return box_fail(box, "open");
	if (mailbox_get_status(box, &status) < 0)
		return box_fail(box, "status");
	double end = now_ms();
	out(t_strdup_printf("messages=%u uidvalidity=%u uidnext=%u unseen=%u recent=%u "
			    "highestmodseq=%llu vsize=%llu size=%llu\n",
			    status.messages, status.uidvalidity, status.uidnext, status.unseen,
			    status.recent,
			    (unsigned long long)status.highest_modseq,
			    (unsigned long long)status.size,
			    (unsigned long long)status.phys_size));
	if (timing)
		fprintf(stderr, "%s: %.3f ms\n", closed ? "status" : "open+status", end - start);
	mailbox_free(&box);
	return 0;
}

static int cmd_fetch(int argc, char **argv)
{
	struct mail_info info;

	if (argc < 1)
		usage();
	bool timing = argc > 1 && strcmp(argv[1], "-t") == 0;
	double start = now_ms();
	struct mailbox *box = mailbox_alloc(user, argv[0], 0);
	if (mailbox_open(box) < 0)
		return box_fail(box, "open");
	uint32_t count = mailbox_count(box);
	string_t *str = str_new(pool_temp, 64 * (count + 1));
	pool_t pool = pool_alloconly_create("fetch", 4096);
	for (uint32_t seq = 1; seq <= count; seq++) {
		if (mailbox_mail_get_info(box, seq, pool, &info) < 0)
			return box_fail(box, "fetch");
		str_printfa(str, "%u %llu %llu (%s)\n", info.uid,
			    (unsigned long long)info.physical_size,
			    (unsigned long long)info.virtual_size, flags_string(&info));
		if ((seq % 1024) == 0)
			pool_clear(pool);
	}
	double end = now_ms();
	out(str_c(str));
	if (timing)
		fprintf(stderr, "open+list of %u messages: %.3f ms\n", count, end - start);
	pool_unref(&pool);
	mailbox_free(&box);
	return 0;
}

/* Saves one message and commits it; returns its UID or 0 (error printed). */
static uint32_t save_one(struct mailbox *box, const void *data, size_t size,
			 const struct mail_save_params *params)
{
	struct mailbox_transaction *t = mailbox_transaction_begin(box);
	struct mail_save_context *ctx = mailbox_save_begin(t, params);
	struct mail_transaction_commit_changes changes;

	if (ctx == NULL) {
		mailbox_transaction_rollback(&t);
		box_fail(box, "save");
		return 0;
	}
	if (mailbox_save_write(ctx, data, size) < 0) {
		mailbox_save_abort(&ctx);
		mailbox_transaction_rollback(&t);
		box_fail(box, "save");
		return 0;
	}
	if (mailbox_save_finish(&ctx) < 0) {
		mailbox_transaction_rollback(&t);
		box_fail(box, "save");
		return 0;
	}
	if (mailbox_transaction_commit(&t, pool_temp, &changes) < 0) {
		box_fail(box, "commit");
		return 0;
	}
	return array_idx_elem(&changes.saved_uids, 0);
}

static int cmd_save(int argc, char **argv)
{
	struct mail_save_params params = { 0 };
	ARRAY_TYPE(const_string) keywords;
	string_t *data = str_new(pool_temp, 4096);
	char buf[8192];
	ssize_t ret;

	if (argc < 1)
		usage();
	parse_flags(argv + 1, (unsigned int)argc - 1, &params.flags, &keywords);
	params.keywords = array_front(&keywords);
	while ((ret = read(0, buf, sizeof(buf))) > 0)
		str_append_data(data, buf, (size_t)ret);
	if (ret < 0)
		i_fatal("read(stdin) failed: %s", strerror(errno));
	struct mailbox *box = box_open(argv[0]);
	uint32_t uid = save_one(box, str_data(data), str_len(data), &params);
	if (uid == 0)
		return 1;
	out(t_strdup_printf("OK %u\n", uid));
	mailbox_free(&box);
	return 0;
}

/* The message save-loop writes for token: the tests build the same text. */
static const char *loop_message(const char *token, unsigned int i)
{
	string_t *str = str_new(pool_temp, 1024);

	str_printfa(str, "From: loop@example.com\nSubject: %s\nMessage-ID: <%s@roost.test>\n\n",
		    token, token);
	for (unsigned int k = 0; k < 5 + i % 40; k++)
		str_printfa(str, "%s line %u\n", token, k);
	return str_c(str);
}

static int cmd_save_loop(int argc, char **argv)
{
	struct mail_save_params params = { 0 };

	if (argc != 3)
		usage();
	unsigned int count = (unsigned int)strtoul(argv[1], NULL, 10);
	struct mailbox *box = box_open(argv[0]);
	for (unsigned int i = 0; i < count; i++) {
		const char *token = t_strdup_printf("%s-%u", argv[2], i);
		const char *msg = loop_message(token, i);
		params.flags = (i % 3) == 0 ? MAIL_SEEN : 0;
		uint32_t uid = save_one(box, msg, strlen(msg), &params);
		if (uid == 0)
			return 1;
		out(t_strdup_printf("OK %u %s\n", uid, token));
		pool_temp_clear();
	}
	mailbox_free(&box);
	return 0;
}

static int cmd_flags(int argc, char **argv)
{
	ARRAY_TYPE(const_string) keywords;
	enum mail_flags flags;
	enum modify_type type;

	if (argc < 3)
		usage();
	switch (argv[2][0]) {
	case '+': type = MODIFY_ADD; break;
	case '-': type = MODIFY_REMOVE; break;
	case '=': type = MODIFY_REPLACE; break;
	default: usage();
	}
	argv[2]++;
	if (argv[2][0] == '\0') {
		argv++;
		argc--;
	}
	parse_flags(argv + 2, (unsigned int)argc - 2, &flags, &keywords);
	struct mailbox *box = box_open(argv[0]);
	struct mailbox_transaction *t = mailbox_transaction_begin(box);
	if (mailbox_update_flags(t, (uint32_t)strtoul(argv[1], NULL, 10), type, flags,
				 array_front(&keywords)) < 0) {
		mailbox_transaction_rollback(&t);
		return box_fail(box, "flags");
	}
	if (mailbox_transaction_commit(&t, pool_temp, NULL) < 0)
		return box_fail(box, "commit");
	out("OK\n");
	mailbox_free(&box);
	return 0;
}

static int cmd_expunge(int argc, char **argv)
{
	if (argc != 2)
		usage();
	struct mailbox *box = box_open(argv[0]);
	struct mailbox_transaction *t = mailbox_transaction_begin(box);
	(void)mailbox_expunge(t, (uint32_t)strtoul(argv[1], NULL, 10));
	if (mailbox_transaction_commit(&t, pool_temp, NULL) < 0)
		return box_fail(box, "commit");
	out("OK\n");
	mailbox_free(&box);
	return 0;
}

/* Moves every message of argv[0] into argv[1], one commit each (the
   message's flags go along). */
static int cmd_move(int argc, char **argv)
{
	struct mail_transaction_commit_changes changes;
	struct mail_info info;

	if (argc != 2)
		usage();
	struct mailbox *src = box_open(argv[0]);
	struct mailbox *dest = box_open(argv[1]);
	uint32_t count = mailbox_count(src);
	for (uint32_t seq = 1; seq <= count; seq++) {
		if (mailbox_mail_get_info(src, seq, pool_temp, &info) < 0)
			return box_fail(src, "move");
		struct mail_save_params params = {
			.flags = info.flags & MAIL_FLAGS_MASK, .keywords = info.keywords,
		};
		struct mailbox_transaction *t = mailbox_transaction_begin(dest);
		if (mailbox_move(t, src, info.uid, &params) < 0) {
			mailbox_transaction_rollback(&t);
			return box_fail(dest, "move");
		}
		if (mailbox_transaction_commit(&t, pool_temp, &changes) < 0)
			return box_fail(dest, "commit");
		out(t_strdup_printf("OK %u %u\n", info.uid,
				    array_idx_elem(&changes.saved_uids, 0)));
		pool_temp_clear();
	}
	mailbox_free(&dest);
	mailbox_free(&src);
	return 0;
}

static int cmd_cat(int argc, char **argv)
{
	char buf[8192];
	ssize_t ret;
	uint64_t size;
	int fd;

	if (argc != 2)
		usage();
	struct mailbox *box = box_open(argv[0]);
	uint32_t seq = mailbox_uid_to_seq(box, (uint32_t)strtoul(argv[1], NULL, 10));
	if (seq == 0) {
		fprintf(stderr, "cat: no such UID\n");
		return 1;
	}
	if (mailbox_mail_open(box, seq, &fd, &size) < 0)
		return box_fail(box, "cat");
	while ((ret = read(fd, buf, sizeof(buf))) > 0)
		out(t_strndup(buf, (size_t)ret));
	i_close_fd(&fd);
	mailbox_free(&box);
	return 0;
}

int main(int argc, char *argv[])
{
	pool_t pool = pool_alloconly_create("settings", 1024);
	struct mail_storage_settings *set = mail_storage_settings_default(pool);
	const char *error;
	int argi = 1;

	log_init_stderr("roost-test-storage: ");
	for (; argi + 1 < argc && strcmp(argv[argi], "-o") == 0; argi += 2) {
		const char *kv = argv[argi + 1], *eq = strchr(kv, '=');
		if (eq == NULL)
			usage();
		const char *key = p_strndup(pool, kv, (size_t)(eq - kv));
		const char *value = p_strdup(pool, eq + 1);
		if (strcmp(key, "mail_location") == 0)
			set->mail_location = value;
		else if (strcmp(key, "mail_fsync") == 0)
			set->mail_fsync = value;
		else if (strcmp(key, "lock_method") == 0)
			set->lock_method = value;
		else
			i_fatal("unknown setting %s", key);
	}
	if (argi >= argc)
		usage();
	const char *home = getenv("HOME");
	if (mail_user_create(set, "testuser", home, &user, &error) < 0)
		i_fatal("%s", error);
	const char *cmd = argv[argi++];
	int cargc = argc - argi;
	char **cargv = argv + argi;
	int ret;
	if (strcmp(cmd, "list") == 0)
		ret = cmd_list(cargc, cargv);
	else if (strcmp(cmd, "create") == 0)
		ret = cmd_create(cargc, cargv);
	else if (strcmp(cmd, "subscribe") == 0)
		ret = cmd_subscribe(cargc, cargv, true);
	else if (strcmp(cmd, "unsubscribe") == 0)
		ret = cmd_subscribe(cargc, cargv, false);
	else if (strcmp(cmd, "status") == 0)
		ret = cmd_status(cargc, cargv);
	else if (strcmp(cmd, "fetch") == 0)
		ret = cmd_fetch(cargc, cargv);
	else if (strcmp(cmd, "save") == 0)
		ret = cmd_save(cargc, cargv);
	else if (strcmp(cmd, "save-loop") == 0)
		ret = cmd_save_loop(cargc, cargv);
	else if (strcmp(cmd, "flags") == 0)
		ret = cmd_flags(cargc, cargv);
	else if (strcmp(cmd, "expunge") == 0)
		ret = cmd_expunge(cargc, cargv);
	else if (strcmp(cmd, "cat") == 0)
		ret = cmd_cat(cargc, cargv);
	else if (strcmp(cmd, "move") == 0)
		ret = cmd_move(cargc, cargv);
	else
		usage();
	mail_user_free(&user);
	pool_unref(&pool);
	pool_temp_clear();
	return ret;
}
