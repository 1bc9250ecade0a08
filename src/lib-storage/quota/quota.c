/* The built-in quota plugin (quota.h). */
#include "lib.h"
#include "roost-config.h"
#include "str.h"
#include "net.h"
#include "write-full.h"
#include "var-expand.h"
#include "settings.h"
#include "module-dir.h"
#include "mail-storage-private.h"
#include "mail-storage-hooks.h"
#include "mail-deliver-hooks.h"
#include "mailbox-list.h"
#include "quota-settings.h"
#include "quota-maildirsize.h"
#include "quota.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define QUOTA_EXCEEDED_DEFAULT "Quota exceeded (mailbox for user is full)"
/* Maildir++: an over-quota maildirsize older than this is recalculated */
#define MAILDIRSIZE_STALE_SECS (15 * 60)
/* quota_rule2..N, quota_warning2..N: Dovecot stops at the first gap */
#define QUOTA_MAX_NUMBERED 100

struct quota_user {
	struct mail_user *user;
	struct quota_root_def def;
	ARRAY(struct quota_rule) rules;
	ARRAY(struct quota_warning) warnings;
	/* the default ('*') rule's limits */
	uint64_t bytes_limit, count_limit;
	bool grace_percent;
	uint64_t grace;
	bool vsizes;
	const char *exceeded_message;
	const char *maildirsize_path;
};

static struct module quota_module = { .name = (char *)"quota" };
static struct quota_plugin_settings quota_set;
static pool_t quota_set_pool;

/* ---- settings ---- */

void quota_plugin_settings_from_config(const struct config_tree *tree, pool_t pool,
				       struct quota_plugin_settings *set_r)
{
	ARRAY_TYPE(const_string) scripts;

	memset(set_r, 0, sizeof(*set_r));
	set_r->base_dir = ROOST_RUNDIR;
	p_array_init(&scripts, pool, 4);
	for (const struct config_node *node = tree->root->children; node != NULL;
	     node = node->next) {
		if (node->type != CONFIG_NODE_SECTION) {
			if (strcmp(node->key, "base_dir") == 0 && node->value != NULL)
				set_r->base_dir = p_strdup(pool, node->value);
			continue;
		}
		if (strcmp(node->key, "service") != 0 || node->name == NULL)
			continue;
		for (const struct config_node *c = node->children; c != NULL; c = c->next) {
			if (c->type == CONFIG_NODE_SECTION || strcmp(c->key, "executable") != 0 ||
			    c->value == NULL || strncmp(c->value, "script ", 7) != 0)
				continue;
			const char *name = p_strdup(pool, node->name);
			const char *path = p_strdup(pool, c->value + 7);
			array_push(&scripts, &name);
			array_push(&scripts, &path);
		}
	}
	array_append_space(&scripts);
	set_r->script_services = array_front(&scripts);
}

bool quota_plugin_wanted(const char *const *mail_plugins, const char *name)
{
	for (; mail_plugins != NULL && *mail_plugins != NULL; mail_plugins++) {
		if (strcmp(*mail_plugins, name) == 0)
			return true;
	}
	return false;
}

static struct quota_user *quota_user_get(struct mail_user *user)
{
	return mail_user_module_context_get(user, &quota_module);
}

/* Reads quota_rule, quota_rule2, ... (userdb fields first). */
static int quota_user_read_rules(struct quota_user *quser, const char **error_r)
{
	for (unsigned int i = 1; i <= QUOTA_MAX_NUMBERED; i++) {
		const char *key = i == 1 ? "quota_rule" : t_strdup_printf("quota_rule%u", i);
		const char *value = mail_user_plugin_getenv(quser->user, key);
		struct quota_rule rule;

		if (value == NULL)
			break;
		if (value[0] == '\0')
			continue;
		if (quota_rule_parse(quser->user->pool, value, &rule, error_r) < 0) {
			*error_r = t_strdup_printf("%s: %s", key, *error_r);
			return -1;
		}
		array_push(&quser->rules, &rule);
	}
	/* the default rule's limits first: the others may be relative */
	array_foreach(&quser->rules, rule) {
		if (strcmp(rule->mailbox, "*") != 0 || rule->ignore)
			continue;
		if (rule->bytes.set)
			quser->bytes_limit = quota_limit_resolve(&rule->bytes, quser->bytes_limit);
		if (rule->messages.set)
			quser->count_limit = quota_limit_resolve(&rule->messages, quser->count_limit);
	}
	return 0;
}

static int quota_user_read_warnings(struct quota_user *quser, const char **error_r)
{
	for (unsigned int i = 1; i <= QUOTA_MAX_NUMBERED; i++) {
		const char *key = i == 1 ? "quota_warning" : t_strdup_printf("quota_warning%u", i);
		const char *value = mail_user_plugin_getenv(quser->user, key);
		struct quota_warning warning;

		if (value == NULL)
			break;
		if (value[0] == '\0')
			continue;
		if (quota_warning_parse(quser->user->pool, value, &warning, error_r) < 0) {
			*error_r = t_strdup_printf("%s: %s", key, *error_r);
			return -1;
		}
		array_push(&quser->warnings, &warning);
	}
	return 0;
}

static bool quota_bool(const char *value)
{
	return value != NULL && (strcmp(value, "yes") == 0 || strcmp(value, "y") == 0 ||
				 strcmp(value, "1") == 0);
}

static void quota_mail_user_created(struct mail_user *user)
{
	const char *value = mail_user_plugin_getenv(user, "quota");
	struct quota_user *quser;
	const char *error;

	if (value == NULL || value[0] == '\0')
		return; /* quota plugin without a quota root: nothing to enforce */
	quser = p_new(user->pool, struct quota_user, 1);
	quser->user = user;
	p_array_init(&quser->rules, user->pool, 4);
	p_array_init(&quser->warnings, user->pool, 4);
	quser->grace_percent = true;
	quser->grace = 10;
	if (quota_root_def_parse(user->pool, value, &quser->def, &error) < 0 ||
	    quota_user_read_rules(quser, &error) < 0 || quota_user_read_warnings(quser, &error) < 0)
		goto fail;
	value = mail_user_plugin_getenv(user, "quota_grace");
	if (value != NULL && value[0] != '\0' &&
	    quota_grace_parse(value, &quser->grace_percent, &quser->grace, &error) < 0) {
		error = t_strdup_printf("quota_grace: %s", error);
		goto fail;
	}
	quser->vsizes = quota_bool(mail_user_plugin_getenv(user, "quota_vsizes"));
	value = mail_user_plugin_getenv(user, "quota_exceeded_message");
	quser->exceeded_message = p_strdup(user->pool, value != NULL && value[0] != '\0' ?
								 value : QUOTA_EXCEEDED_DEFAULT);
	struct mail_namespace *ns = mail_user_get_inbox_namespace(user);
	if (ns != NULL)
		quser->maildirsize_path =
			p_strdup_printf(user->pool, "%s/%s", ns->root_dir, MAILDIRSIZE_FILENAME);
	mail_user_module_context_set(user, &quota_module, quser);
	return;
fail:
	/* Dovecot refuses the user; here the user keeps working, unlimited,
	   and the admin sees why */
	i_error("quota: user %s: %s", user->username, error);
}

/* ---- rules ---- */

static bool rule_matches(const struct quota_rule *rule, struct mailbox *box, const char *vname)
{
	struct mail_namespace *ns;

	if (strcmp(rule->mailbox, "*") == 0)
		return false;
	if (strcmp(rule->mailbox, vname) == 0)
		return true;
	/* "Trash" also names INBOX.Trash in a prefixed namespace */
	ns = box != NULL ? mailbox_get_namespace(box) : NULL;
	if (ns != NULL && ns->prefix[0] != '\0' && strncmp(vname, ns->prefix, strlen(ns->prefix)) == 0)
		return strcmp(rule->mailbox, vname + strlen(ns->prefix)) == 0;
	return false;
}

/* The limits for vname (NULL: the default rule); *ignore_r when the
   mailbox's contents do not count. */
static void quota_rule_limits(struct quota_user *quser, struct mailbox *box, const char *vname,
			      uint64_t *bytes_r, uint64_t *count_r, bool *ignore_r)
{
	*bytes_r = quser->bytes_limit;
	*count_r = quser->count_limit;
	*ignore_r = false;
	if (vname == NULL)
		return;
	array_foreach(&quser->rules, rule) {
		if (strcmp(rule->mailbox, "*") == 0 && rule->ignore)
			*ignore_r = true;
		if (!rule_matches(rule, box, vname))
			continue;
		if (rule->ignore) {
			*ignore_r = true;
			continue;
		}
		if (rule->bytes.set)
			*bytes_r = quota_limit_resolve(&rule->bytes, quser->bytes_limit);
		if (rule->messages.set)
			*count_r = quota_limit_resolve(&rule->messages, quser->count_limit);
	}
}

static bool quota_mailbox_ignored(struct quota_user *quser, struct mailbox *box,
				  const char *vname)
{
	uint64_t bytes, count;
	bool ignore;

	quota_rule_limits(quser, box, vname, &bytes, &count, &ignore);
	return ignore;
}

/* ---- usage ---- */

/* Sums the sizes of the user's mailboxes (those not ignored). */
static int quota_count_usage(struct quota_user *quser, uint64_t *bytes_r, uint64_t *count_r,
			     const char **error_r)
{
	static const char *const patterns[] = { "*", NULL };
	ARRAY_TYPE(mailbox_info) infos;
	pool_t pool = pool_alloconly_create("quota count", 4096);

	*bytes_r = *count_r = 0;
	p_array_init(&infos, pool, 16);
	if (mailbox_list(quser->user, patterns, 0, pool, &infos, error_r) < 0) {
		pool_unref(&pool);
		return -1;
	}
	array_foreach(&infos, info) {
		struct mailbox_status status;
		struct mailbox *box;
		enum mail_error error;

		if ((info->flags & (MAILBOX_NOSELECT | MAILBOX_NONEXISTENT)) != 0)
			continue;
		box = mailbox_alloc(quser->user, info->vname, MAILBOX_FLAG_NO_AUTOCREATE);
		if (quota_mailbox_ignored(quser, box, info->vname)) {
			mailbox_free(&box);
			continue;
		}
		if (mailbox_get_status(box, &status) < 0) {
			const char *text = mailbox_get_last_error(box, &error);
			if (error == MAIL_ERROR_NOTFOUND) {
				mailbox_free(&box);
				continue; /* deleted meanwhile */
			}
			*error_r = t_strdup_printf("Mailbox %s: %s", info->vname, text);
			mailbox_free(&box);
			pool_unref(&pool);
			return -1;
		}
		*bytes_r += quser->vsizes ? status.size : status.phys_size;
		*count_r += status.messages;
		mailbox_free(&box);
	}
	pool_unref(&pool);
	return 0;
}

/* Rewrites maildirsize with the limits and the counted total. */
static int maildirsize_recalculate(struct quota_user *quser, uint64_t *bytes_r,
				   uint64_t *count_r, const char **error_r)
{
	string_t *str = str_new(pool_temp, 128);
	const char *tmp_path;
	int fd;

	if (quota_count_usage(quser, bytes_r, count_r, error_r) < 0)
		return -1;
	maildirsize_append_limits(str, quser->bytes_limit, quser->count_limit);
	maildirsize_append_change(str, (int64_t)*bytes_r, (int64_t)*count_r);
	tmp_path = t_strdup_printf("%s.%ld.tmp", quser->maildirsize_path, (long)getpid());
	fd = open(tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 && errno == ENOENT)
		return 0; /* no Maildir yet (a first delivery's RCPT): nothing used */
	if (fd < 0) {
		*error_r = t_strdup_printf("open(%s) failed: %m", tmp_path);
		return -1;
	}
	if (write_full(fd, str_data(str), str_len(str)) < 0) {
		*error_r = t_strdup_printf("write(%s) failed: %m", tmp_path);
		i_close_fd(&fd);
		(void)unlink(tmp_path);
		return -1;
	}
	i_close_fd(&fd);
	if (rename(tmp_path, quser->maildirsize_path) < 0) {
		*error_r = t_strdup_printf("rename(%s) failed: %m", quser->maildirsize_path);
		(void)unlink(tmp_path);
		return -1;
	}
	return 0;
}

/* Reads maildirsize; 1 when usable, 0 when it must be recalculated. */
static int maildirsize_read(struct quota_user *quser, struct maildirsize *msize_r)
{
	char buf[MAILDIRSIZE_MAX_SIZE + 1];
	const char *error;
	struct stat st;
	ssize_t ret;
	int fd;

	fd = open(quser->maildirsize_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT)
			i_error("open(%s) failed: %m", quser->maildirsize_path);
		return 0;
	}
	ret = read(fd, buf, sizeof(buf));
	if (ret < 0 || fstat(fd, &st) < 0) {
		i_error("read(%s) failed: %m", quser->maildirsize_path);
		i_close_fd(&fd);
		return 0;
	}
	i_close_fd(&fd);
	if ((size_t)ret > MAILDIRSIZE_MAX_SIZE)
		return 0; /* grown too big: recalculate */
	if (maildirsize_parse(buf, (size_t)ret, msize_r, &error) < 0) {
		i_warning("%s: %s, recalculating", quser->maildirsize_path, error);
		return 0;
	}
	if (msize_r->bytes_limit != quser->bytes_limit ||
	    msize_r->count_limit != quser->count_limit)
		return 0; /* the limits changed */
	bool over = (quser->bytes_limit != 0 && (uint64_t)msize_r->bytes > quser->bytes_limit) ||
		    (quser->count_limit != 0 && (uint64_t)msize_r->count > quser->count_limit);
	if (over && st.st_mtime + MAILDIRSIZE_STALE_SECS < time(NULL))
		return 0;
	return 1;
}

static int quota_usage_get(struct quota_user *quser, uint64_t *bytes_r, uint64_t *count_r,
			   const char **error_r)
{
	struct maildirsize msize;

	if (quser->def.backend == QUOTA_BACKEND_COUNT || quser->maildirsize_path == NULL ||
	    (quser->bytes_limit == 0 && quser->count_limit == 0))
		return quota_count_usage(quser, bytes_r, count_r, error_r);
	if (maildirsize_read(quser, &msize) > 0) {
		*bytes_r = (uint64_t)msize.bytes;
		*count_r = (uint64_t)msize.count;
		return 0;
	}
	return maildirsize_recalculate(quser, bytes_r, count_r, error_r);
}

const char *quota_user_root_name(struct mail_user *user)
{
	struct quota_user *quser = quota_user_get(user);

	return quser == NULL ? NULL : quser->def.name;
}

int quota_user_get_usage(struct mail_user *user, const char *vname, struct quota_usage *r,
			 const char **error_r)
{
	struct quota_user *quser = quota_user_get(user);
	bool ignore;

	memset(r, 0, sizeof(*r));
	if (quser == NULL) {
		*error_r = "No quota for the user";
		return -1;
	}
	r->root_name = quser->def.name;
	quota_rule_limits(quser, NULL, vname, &r->bytes_limit, &r->count_limit, &ignore);
	return quota_usage_get(quser, &r->bytes, &r->count, error_r);
}

int quota_user_recalculate(struct mail_user *user, const char **error_r)
{
	struct quota_user *quser = quota_user_get(user);
	uint64_t bytes, count;

	if (quser == NULL) {
		*error_r = "No quota for the user";
		return -1;
	}
	if (quser->def.backend == QUOTA_BACKEND_COUNT || quser->maildirsize_path == NULL)
		return quota_count_usage(quser, &bytes, &count, error_r);
	return maildirsize_recalculate(quser, &bytes, &count, error_r);
}

/* ---- enforcement ---- */

/* Whether adding bytes/count to vname goes over quota. */
static int quota_test_alloc(struct quota_user *quser, struct mailbox *box, const char *vname,
			    uint64_t bytes, uint64_t count, bool delivery, bool *over_r,
			    const char **error_r)
{
	uint64_t bytes_limit, count_limit, used_bytes, used_count;
	bool ignore;

	*over_r = false;
	quota_rule_limits(quser, box, vname, &bytes_limit, &count_limit, &ignore);
	if (ignore || quser->def.noenforcing || (bytes_limit == 0 && count_limit == 0))
		return 0;
	if (quota_usage_get(quser, &used_bytes, &used_count, error_r) < 0)
		return -1;
	if (bytes_limit != 0) {
		uint64_t ceil = 0;

		if (used_bytes < bytes_limit) {
			ceil = bytes_limit - used_bytes;
			/* a delivery may take the user over by the grace, once */
			if (delivery)
				ceil += quser->grace_percent ? quser->bytes_limit / 100 * quser->grace +
								       quser->bytes_limit % 100 *
									       quser->grace / 100 :
							       quser->grace;
		}
		if (bytes > ceil || ceil == 0)
			*over_r = true;
	}
	if (count_limit != 0 && used_count + count > count_limit)
		*over_r = true;
	return 0;
}

static int quota_precommit(struct mailbox *box, const struct mailbox_transaction_sizes *sizes)
{
	struct quota_user *quser = quota_user_get(box->user);
	const char *error;
	bool over;

	/* moves do not change the usage: Dovecot does not check them */
	if (quser == NULL || sizes->added_count == 0)
		return 0;
	if (quota_test_alloc(quser, box, box->vname,
			     quser->vsizes ? sizes->added_vbytes : sizes->added_bytes,
			     sizes->added_count, (box->flags & MAILBOX_FLAG_POST_SESSION) != 0,
			     &over, &error) < 0) {
		mailbox_set_critical(box, "quota: %s", error);
		return -1;
	}
	if (over) {
		mailbox_set_error(box, MAIL_ERROR_NOQUOTA, quser->exceeded_message);
		return -1;
	}
	return 0;
}

/* ---- warnings ---- */

static void quota_warning_exec(const char *path, const char *const *args)
{
	pid_t pid = fork();

	if (pid < 0) {
		i_error("quota warning: fork() failed: %m");
		return;
	}
	if (pid == 0) {
		/* a grandchild runs the script: nobody has to reap it */
		if (fork() != 0)
			_exit(0);
		int fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			(void)dup2(fd, 0);
			(void)dup2(fd, 1);
			if (fd > 2)
				close(fd);
		}
		(void)setsid();
		const char **argv = i_new(const char *, str_array_length(args) + 2);
		argv[0] = path;
		for (unsigned int i = 0; args[i] != NULL; i++)
			argv[i + 1] = args[i];
		execv(path, (char *const *)argv);
		i_error("quota warning: execv(%s) failed: %m", path);
		_exit(127);
	}
	(void)waitpid(pid, NULL, 0);
}

/* Dovecot's script protocol: the arguments, one per line, after the
   version and "noreply"; an empty line ends them (no input follows). */
static int quota_warning_socket(const char *path, const char *const *args)
{
	string_t *str = str_new(pool_temp, 128);
	int fd = net_connect_unix(path);

	if (fd < 0)
		return -1;
	str_append(str, "VERSION\tscript\t4\t0\nnoreply\n");
	for (; *args != NULL; args++) {
		for (const char *p = *args; *p != '\0'; p++) {
			if (*p == '\n' || *p == '\t' || *p == '\001') {
				str_append_c(str, '\001');
				str_append_c(str, *p == '\n' ? 'n' : *p == '\t' ? 't' : '1');
			} else {
				str_append_c(str, *p);
			}
		}
		str_append_c(str, '\n');
	}
	str_append_c(str, '\n');
	if (write_full(fd, str_data(str), str_len(str)) < 0)
		i_error("quota warning: write(%s) failed: %m", path);
	i_close_fd(&fd);
	return 0;
}

static void quota_warning_run(struct quota_user *quser, const char *command)
{
	struct mail_user *user = quser->user;
	const char *at = strchr(user->username, '@');
	const struct var_expand_table tab[] = {
		{ 'u', user->username, "user" },
		{ 'n', at == NULL ? user->username : t_strndup(user->username,
							       (size_t)(at - user->username)),
		  "username" },
		{ 'd', at == NULL ? "" : at + 1, "domain" },
		{ 'h', user->home == NULL ? "" : user->home, "home" },
		{ '\0', NULL, NULL },
	};
	string_t *expanded = str_new(pool_temp, 128);
	const char *error, *name, *path;
	const char *const *args;

	if (var_expand(expanded, command, tab, &error) < 0) {
		i_error("quota warning '%s': %s", command, error);
		return;
	}
	args = p_strsplit_spaces(pool_temp, str_c(expanded), " ");
	name = args[0];
	if (name == NULL)
		return;
	path = name[0] == '/' ? name : t_strdup_printf("%s/%s", quota_set.base_dir, name);
	if (quota_warning_socket(path, args + 1) == 0)
		return;
	for (const char *const *s = quota_set.script_services; s != NULL && s[0] != NULL;
	     s += 2) {
		if (strcmp(s[0], name) == 0) {
			const char *const *words = p_strsplit_spaces(pool_temp, s[1], " ");
			ARRAY_TYPE(const_string) all;

			/* `script PATH ARGS..`: its own arguments come first */
			p_array_init(&all, pool_temp, 8);
			for (unsigned int i = 1; words[i] != NULL; i++) {
				const char *word = words[i];
				array_push(&all, &word);
			}
			for (unsigned int i = 1; args[i] != NULL; i++) {
				const char *arg = args[i];
				array_push(&all, &arg);
			}
			array_append_space(&all);
			quota_warning_exec(words[0], array_front(&all));
			return;
		}
	}
	i_error("quota warning: cannot connect to %s: %m, and service %s has no script", path,
		name);
}

#define QUOTA_CROSSED_UP(before, current, limit) \
	((limit) != 0 && (before) < (limit) && (current) >= (limit))

static void quota_warnings_check(struct quota_user *quser, int64_t dbytes, int64_t dcount)
{
	uint64_t bytes, count, bytes_before, count_before;
	const char *error;

	if (array_count(&quser->warnings) == 0)
		return;
	if (quota_usage_get(quser, &bytes, &count, &error) < 0) {
		i_error("quota: %s", error);
		return;
	}
	bytes_before = dbytes > 0 && (uint64_t)dbytes > bytes ? 0 : (uint64_t)((int64_t)bytes - dbytes);
	count_before = dcount > 0 && (uint64_t)dcount > count ? 0 : (uint64_t)((int64_t)count - dcount);
	array_foreach(&quser->warnings, w) {
		uint64_t bytes_limit = quota_limit_resolve(&w->bytes, quser->bytes_limit);
		uint64_t count_limit = quota_limit_resolve(&w->messages, quser->count_limit);
		bool match;

		if (!w->bytes.set)
			bytes_limit = 0;
		if (!w->messages.set)
			count_limit = 0;
		if (!w->reverse) {
			match = QUOTA_CROSSED_UP(bytes_before, bytes, bytes_limit) ||
				QUOTA_CROSSED_UP(count_before, count, count_limit);
		} else {
			match = QUOTA_CROSSED_UP(bytes, bytes_before, bytes_limit) ||
				QUOTA_CROSSED_UP(count, count_before, count_limit);
		}
		if (match) {
			/* only the first matching warning, as Dovecot */
			quota_warning_run(quser, w->command);
			break;
		}
	}
}

static void quota_committed(struct mailbox *box, const struct mailbox_transaction_sizes *sizes)
{
	struct quota_user *quser = quota_user_get(box->user);
	int64_t dbytes, dcount;

	if (quser == NULL || quota_mailbox_ignored(quser, box, box->vname))
		return;
	dbytes = quser->vsizes ? (int64_t)(sizes->added_vbytes + sizes->moved_in_vbytes) -
					 (int64_t)sizes->removed_vbytes :
				 (int64_t)(sizes->added_bytes + sizes->moved_in_bytes) -
					 (int64_t)sizes->removed_bytes;
	dcount = (int64_t)sizes->added_count + (int64_t)sizes->moved_in_count -
		 (int64_t)sizes->removed_count;
	if (dbytes == 0 && dcount == 0)
		return;
	if (quser->def.backend == QUOTA_BACKEND_MAILDIR && quser->maildirsize_path != NULL &&
	    (quser->bytes_limit != 0 || quser->count_limit != 0)) {
		string_t *str = str_new(pool_temp, 32);
		int fd = open(quser->maildirsize_path, O_WRONLY | O_APPEND | O_CLOEXEC);

		/* no file yet: the next reader counts it all */
		if (fd >= 0) {
			maildirsize_append_change(str, dbytes, dcount);
			if (write_full(fd, str_data(str), str_len(str)) < 0)
				i_error("write(%s) failed: %m", quser->maildirsize_path);
			i_close_fd(&fd);
		} else if (errno != ENOENT) {
			i_error("open(%s) failed: %m", quser->maildirsize_path);
		}
	}
	quota_warnings_check(quser, dbytes, dcount);
}

/* ---- delivery ---- */

static enum mail_deliver_hook_result quota_rcpt_check(struct mail_user *user,
						      const char *rcpt_to ATTR_UNUSED,
						      struct mail_deliver_reply *reply_r)
{
	struct quota_user *quser = quota_user_get(user);
	const char *error;
	bool over;

	if (quser == NULL)
		return MAIL_DELIVER_HOOK_CONTINUE;
	/* as Dovecot: is there room for one more byte and message in INBOX */
	if (quota_test_alloc(quser, NULL, "INBOX", 1, 1, true, &over, &error) < 0) {
		i_error("quota: %s", error);
		return MAIL_DELIVER_HOOK_CONTINUE;
	}
	if (!over)
		return MAIL_DELIVER_HOOK_CONTINUE;
	reply_r->code = 552;
	reply_r->enh = "5.2.2";
	reply_r->text = quser->exceeded_message;
	return MAIL_DELIVER_HOOK_REJECT;
}

static const struct mail_storage_hooks quota_storage_hooks = {
	.mail_user_created = quota_mail_user_created,
	.mailbox_transaction_precommit = quota_precommit,
	.mailbox_transaction_committed = quota_committed,
};

static const struct mail_deliver_hooks quota_deliver_hooks = {
	.rcpt_check_quota = quota_rcpt_check,
};

void quota_plugin_init(const struct quota_plugin_settings *set)
{
	quota_set_pool = pool_alloconly_create("quota settings", 512);
	quota_set.base_dir = p_strdup(quota_set_pool, set->base_dir != NULL ? set->base_dir :
									       ROOST_RUNDIR);
	if (set->script_services != NULL) {
		unsigned int n = str_array_length(set->script_services);
		const char **s = p_new(quota_set_pool, const char *, n + 1);

		for (unsigned int i = 0; i < n; i++)
			s[i] = p_strdup(quota_set_pool, set->script_services[i]);
		quota_set.script_services = s;
	}
	mail_storage_hooks_add(&quota_module, &quota_storage_hooks);
	mail_deliver_hooks_add(&quota_module, &quota_deliver_hooks);
}

void quota_plugin_deinit(void)
{
	mail_storage_hooks_remove(&quota_storage_hooks);
	mail_deliver_hooks_remove(&quota_deliver_hooks);
	pool_unref(&quota_set_pool);
	memset(&quota_set, 0, sizeof(quota_set));
}
