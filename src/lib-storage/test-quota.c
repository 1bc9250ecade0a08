/* The quota plugin: setting parsers and maildirsize with malformed input,
   and enforcement through the storage API. */

#include "test-common.h"
#include "mail-storage.h"
#include "mail-storage-settings.h"
#include "mail-storage-hooks.h"
#include "mail-user.h"
#include "quota-settings.h"
#include "quota-maildirsize.h"
#include "quota.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

static void test_quota_rule_parse(void)
{
	struct quota_rule rule;
	const char *error;

	test_begin("quota_rule: units, relative, percent, ignore");
	test_assert(quota_rule_parse(test_pool, "*:storage=1GB", &rule, &error) == 0);
	test_assert_strcmp(rule.mailbox, "*");
	test_assert(rule.bytes.set && rule.bytes.value == 1024LL * 1024 * 1024);
	test_assert(!rule.messages.set && !rule.ignore);
	/* storage= without a unit is in kilobytes, bytes= in bytes */
	test_assert(quota_rule_parse(test_pool, "*:storage=100", &rule, &error) == 0 &&
		    rule.bytes.value == 102400);
	test_assert(quota_rule_parse(test_pool, "*:bytes=100", &rule, &error) == 0 &&
		    rule.bytes.value == 100);
	test_assert(quota_rule_parse(test_pool, "*:storage=10M:messages=1000", &rule, &error) == 0 &&
		    rule.bytes.value == 10 * 1024 * 1024 && rule.messages.value == 1000);
	test_assert(quota_rule_parse(test_pool, "*:storage=1T messages=5", &rule, &error) == 0 &&
		    rule.bytes.value == 1024LL * 1024 * 1024 * 1024 && rule.messages.value == 5);
	test_assert(quota_rule_parse(test_pool, "Trash:storage=+100M", &rule, &error) == 0);
	test_assert_strcmp(rule.mailbox, "Trash");
	test_assert(rule.bytes.relative && rule.bytes.value == 100 * 1024 * 1024);
	test_assert(quota_limit_resolve(&rule.bytes, 1000) == 1000 + 100 * 1024 * 1024);
	test_assert(quota_rule_parse(test_pool, "Junk:storage=-1k", &rule, &error) == 0 &&
		    rule.bytes.value == -1024 && quota_limit_resolve(&rule.bytes, 4096) == 3072);
	test_assert(quota_rule_parse(test_pool, "Spam:storage=10%%", &rule, &error) == 0 &&
		    rule.bytes.percent && quota_limit_resolve(&rule.bytes, 5000) == 500);
	test_assert(quota_rule_parse(test_pool, "Spam:messages=50%", &rule, &error) == 0 &&
		    quota_limit_resolve(&rule.messages, 10) == 5);
	test_assert(quota_rule_parse(test_pool, "Trash:ignore", &rule, &error) == 0 && rule.ignore);
	test_assert(quota_rule_parse(test_pool, "*:storage=0", &rule, &error) == 0 &&
		    quota_limit_resolve(&rule.bytes, 77) == 0);
	test_assert(quota_rule_parse(test_pool, "*:backend=1G", &rule, &error) == 0);
	test_end();

	test_begin("quota_rule: malformed");
	static const char *const bad[] = {
		"", "*", ":storage=1G", "*:", "*:storage", "*:storage=", "*:storage=abc",
		"*:storage=1X", "*:storage=1Gx", "*:messages=10M", "*:size=1G", "*:storage=1G:foo",
		"*:storage=99999999999999999999", "*:storage=9999999999999T", "*:storage=--1",
		"*:storage=1%%%", "*:ignore=yes",
	};
	for (unsigned int i = 0; i < N_ELEMENTS(bad); i++) {
		error = NULL;
		test_assert_idx(quota_rule_parse(test_pool, bad[i], &rule, &error) < 0 &&
					error != NULL,
				i);
	}
	test_end();
}

static void test_quota_warning_parse(void)
{
	struct quota_warning w;
	struct quota_root_def def;
	const char *error;
	bool percent;
	uint64_t value;

	test_begin("quota_warning, quota, quota_grace");
	test_assert(quota_warning_parse(test_pool, "storage=95%% quota-warning 95 %u", &w,
					&error) == 0);
	test_assert(!w.reverse && w.bytes.percent && w.bytes.value == 95 && !w.messages.set);
	test_assert_strcmp(w.command, "quota-warning 95 %u");
	test_assert(quota_warning_parse(test_pool, "-storage=100%% quota-warning below %u", &w,
					&error) == 0 && w.reverse);
	test_assert(quota_warning_parse(test_pool, "messages=10:storage=1M  cmd", &w, &error) == 0 &&
		    w.messages.value == 10 && w.bytes.value == 1024 * 1024);
	test_assert_strcmp(w.command, "cmd");
	static const char *const bad[] = {
		"", "storage=95%%", "storage=95%% ", "foo=1 cmd", "storage=+1 cmd", "ignore cmd",
		"-storage cmd", "storage=x cmd",
	};
	for (unsigned int i = 0; i < N_ELEMENTS(bad); i++)
		test_assert_idx(quota_warning_parse(test_pool, bad[i], &w, &error) < 0, i);

	test_assert(quota_root_def_parse(test_pool, "maildir:User quota", &def, &error) == 0 &&
		    def.backend == QUOTA_BACKEND_MAILDIR);
	test_assert_strcmp(def.name, "User quota");
	test_assert(quota_root_def_parse(test_pool, "count:User quota:noenforcing", &def,
					 &error) == 0 &&
		    def.backend == QUOTA_BACKEND_COUNT && def.noenforcing);
	test_assert(quota_root_def_parse(test_pool, "maildir", &def, &error) == 0);
	test_assert_strcmp(def.name, "maildir");
	test_assert(quota_root_def_parse(test_pool, "dict:User quota::proxy::q", &def, &error) < 0);
	test_assert(quota_root_def_parse(test_pool, "count:x:bogus", &def, &error) < 0);

	test_assert(quota_grace_parse("10%%", &percent, &value, &error) == 0 && percent &&
		    value == 10);
	test_assert(quota_grace_parse("10M", &percent, &value, &error) == 0 && !percent &&
		    value == 10 * 1024 * 1024);
	test_assert(quota_grace_parse("512", &percent, &value, &error) == 0 && value == 512);
	test_assert(quota_grace_parse("-1", &percent, &value, &error) < 0);
	test_assert(quota_grace_parse("x", &percent, &value, &error) < 0);
	test_end();
}

static void test_maildirsize(void)
{
	struct maildirsize m;
	const char *error;
	string_t *str = str_new(test_pool, 64);

	test_begin("maildirsize: parse and write");
	const char *file = "1073741824S,1000C\n12345 3\n-100 -1\n  7   1 \n";
	test_assert(maildirsize_parse(file, strlen(file), &m, &error) == 0);
	test_assert(m.bytes_limit == 1073741824 && m.count_limit == 1000);
	test_assert(m.bytes == 12252 && m.count == 3 && m.lines == 3);
	test_assert(maildirsize_parse("5C\n0 0\n", 7, &m, &error) == 0 && m.count_limit == 5 &&
		    m.bytes_limit == 0);
	test_assert(maildirsize_parse("\n10 1\n", 6, &m, &error) == 0 && m.bytes == 10);
	maildirsize_append_limits(str, 1024, 0);
	maildirsize_append_change(str, 77, 2);
	maildirsize_append_change(str, -7, -1);
	test_assert_strcmp(str_c(str), "1024S\n77 2\n-7 -1\n");
	str_truncate(str, 0);
	maildirsize_append_limits(str, 1, 2);
	test_assert_strcmp(str_c(str), "1S,2C\n");
	str_truncate(str, 0);
	maildirsize_append_limits(str, 0, 0);
	test_assert_strcmp(str_c(str), "\n");
	test_end();

	test_begin("maildirsize: malformed");
	static const char *const bad[] = {
		"", "1024S", "1024S\n10 1", "1024X\n", "S\n", "1024S,,5C\n", "1024S;5C\n",
		"1024S\n10\n", "1024S\n10 1 2\n", "1024S\nx y\n", "1024S\n-5 0\n",
		"1024S\n10 -2\n", "1024S\n99999999999999999999 1\n",
		"1024S\n9223372036854775807 1\n1 0\n", "1024S\n1\t1\n", "1024S\n- 1\n",
	};
	for (unsigned int i = 0; i < N_ELEMENTS(bad); i++) {
		error = NULL;
		test_assert_idx(maildirsize_parse(bad[i], strlen(bad[i]), &m, &error) < 0 &&
					error != NULL,
				i);
	}
	test_assert(maildirsize_parse("1S\n1 1\0\n", 8, &m, &error) < 0);
	/* every prefix of a valid file either parses or is refused cleanly */
	for (size_t len = 0; len <= strlen(file); len++)
		(void)maildirsize_parse(file, len, &m, &error);
	test_end();
}

/* ---- enforcement through lib-storage ---- */

static const char *plugin_settings[] = {
	"quota", "maildir:User quota",
	"quota_rule", "*:bytes=1000",
	"quota_rule2", "Trash:bytes=+500",
	"quota_grace", "100",
	NULL,
};

static int save_message(struct mail_user *user, const char *vname, size_t size,
			enum mailbox_flags flags, enum mail_error *error_r)
{
	struct mailbox *box = mailbox_alloc(user, vname, flags);
	struct mailbox_transaction *t;
	struct mail_save_context *save;
	struct mail_save_params params;
	char *body = i_malloc(size + 1);
	int ret;

	memset(body, 'x', size);
	memcpy(body, "Subject: x\r\n\r\n", 14);
	memset(&params, 0, sizeof(params));
	*error_r = MAIL_ERROR_NONE;
	if (mailbox_open(box) < 0) {
		mailbox_free(&box);
		i_free(body);
		return -1;
	}
	t = mailbox_transaction_begin(box);
	save = mailbox_save_begin(t, &params);
	ret = save == NULL ? -1 : mailbox_save_write(save, body, size);
	if (ret == 0)
		ret = mailbox_save_finish(&save);
	else if (save != NULL)
		mailbox_save_abort(&save);
	if (ret == 0)
		ret = mailbox_transaction_commit(&t, test_pool, NULL);
	else
		mailbox_transaction_rollback(&t);
	if (ret < 0)
		(void)mailbox_get_last_error(box, error_r);
	mailbox_free(&box);
	i_free(body);
	return ret;
}

static unsigned int count_files(const char *dir)
{
	unsigned int n = 0;
	const char *const subdirs[] = { "new", "cur", "tmp" };

	for (unsigned int i = 0; i < N_ELEMENTS(subdirs); i++) {
		DIR *d = opendir(t_strdup_printf("%s/%s", dir, subdirs[i]));
		struct dirent *de;

		if (d == NULL)
			continue;
		while ((de = readdir(d)) != NULL)
			n += de->d_name[0] != '.' ? 1 : 0;
		closedir(d);
	}
	return n;
}

static void test_quota_enforce(void)
{
	struct mail_storage_settings *set = mail_storage_settings_default(test_pool);
	struct quota_plugin_settings qset = { .base_dir = test_tmpdir() };
	const char *root = t_strdup_printf("%s/qmail", test_tmpdir());
	struct mail_user *user;
	struct quota_usage usage;
	enum mail_error error;
	const char *errstr;

	test_begin("quota: enforcement, grace, Trash rule, maildirsize");
	set->mail_location = p_strdup_printf(test_pool, "maildir:%s", root);
	set->mail_fsync = "never";
	quota_plugin_init(&qset);
	mail_storage_plugin_settings_set(plugin_settings);
	if (mail_user_create(set, "quser", test_tmpdir(), &user, &errstr) < 0)
		i_fatal("mail_user_create: %s", errstr);
	mail_user_plugins_init(user, NULL);
	test_assert_strcmp(quota_user_root_name(user), "User quota");

	test_assert(save_message(user, "INBOX", 600, 0, &error) == 0);
	test_assert(quota_user_get_usage(user, NULL, &usage, &errstr) == 0);
	test_assert(usage.bytes == 600 && usage.count == 1 && usage.bytes_limit == 1000);
	/* 600 + 500 > 1000: refused, nothing left behind */
	unsigned int files = count_files(root);
	test_assert(save_message(user, "INBOX", 500, 0, &error) < 0 && error == MAIL_ERROR_NOQUOTA);
	test_assert(count_files(root) == files);
	/* a delivery gets the 100 bytes of grace */
	test_assert(save_message(user, "INBOX", 501, MAILBOX_FLAG_POST_SESSION, &error) < 0);
	test_assert(save_message(user, "INBOX", 450, MAILBOX_FLAG_POST_SESSION, &error) == 0);
	/* over the limit now: nothing more, not even a delivery */
	test_assert(save_message(user, "INBOX", 20, MAILBOX_FLAG_POST_SESSION, &error) < 0 &&
		    error == MAIL_ERROR_NOQUOTA);
	/* Trash may hold 500 more */
	struct mailbox *trash = mailbox_alloc(user, "Trash", 0);
	test_assert(mailbox_create(trash, NULL) == 0);
	mailbox_free(&trash);
	test_assert(save_message(user, "Trash", 300, 0, &error) == 0);
	test_assert(quota_user_get_usage(user, NULL, &usage, &errstr) == 0 && usage.bytes == 1350);

	/* maildirsize as Dovecot writes it: limits, the total when it was
	   (re)calculated, then changes */
	int fd = open(t_strdup_printf("%s/maildirsize", root), O_RDONLY);
	char buf[256];
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	test_assert(n > 0);
	if (n > 0) {
		buf[n] = '\0';
		test_assert_strcmp(buf, "1000S\n0 0\n600 1\n450 1\n300 1\n");
	}
	if (fd >= 0)
		close(fd);

	/* expunging frees quota */
	struct mailbox *box = mailbox_alloc(user, "INBOX", 0);
	test_assert(mailbox_open(box) == 0);
	struct mailbox_transaction *t = mailbox_transaction_begin(box);
	test_assert(mailbox_expunge(t, mailbox_seq_to_uid(box, 1)) == 0);
	test_assert(mailbox_transaction_commit(&t, test_pool, NULL) == 0);
	mailbox_free(&box);
	test_assert(quota_user_get_usage(user, NULL, &usage, &errstr) == 0 &&
		    usage.bytes == 750 && usage.count == 2);
	/* a broken file is recalculated from the mailboxes */
	fd = open(t_strdup_printf("%s/maildirsize", root), O_WRONLY | O_APPEND);
	test_assert(fd >= 0 && write(fd, "garbage", 7) == 7);
	if (fd >= 0)
		close(fd);
	test_assert(quota_user_get_usage(user, NULL, &usage, &errstr) == 0 &&
		    usage.bytes == 750 && usage.count == 2);
	fd = open(t_strdup_printf("%s/maildirsize", root), O_RDONLY);
	n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (n > 0) {
		buf[n] = '\0';
		test_assert_strcmp(buf, "1000S\n750 2\n");
	}
	if (fd >= 0)
		close(fd);
	mail_user_free(&user);
	mail_storage_plugin_settings_set(NULL);
	quota_plugin_deinit();
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_quota_rule_parse,
		test_quota_warning_parse,
		test_maildirsize,
		test_quota_enforce,
		NULL,
	};
	log_init_stderr("test-quota");
	return test_run(tests);
}
