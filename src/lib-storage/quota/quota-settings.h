#ifndef QUOTA_SETTINGS_H
#define QUOTA_SETTINGS_H

/* Parsers of Dovecot 2.3's quota plugin settings (plugin { quota,
   quota_rule, quota_rule2.., quota_warning, quota_warning2.., quota_grace }
   and the same names as userdb fields). No I/O; errors are for the log
   and name what was wrong. */

enum quota_backend {
	QUOTA_BACKEND_MAILDIR, /* Maildir++ maildirsize */
	QUOTA_BACKEND_COUNT,   /* summed from Roost's index totals */
};

/* quota = <backend>:<root name>[:<backend args>] */
struct quota_root_def {
	enum quota_backend backend;
	const char *name; /* "User quota" */
	/* :noenforcing: usage is tracked, saves are never refused */
	bool noenforcing;
};

/* One limit of a rule: absolute, relative to the default ('*') rule
   (+/-) or a percentage of it. */
struct quota_limit {
	bool set;
	bool percent;
	/* bytes or messages; signed for +/- relative values */
	int64_t value;
	bool relative;
};

/* quota_rule = <mailbox>:<limits> */
struct quota_rule {
	const char *mailbox; /* "*" for the default rule */
	struct quota_limit bytes, messages;
	bool ignore;
};

/* quota_warning = [-]<resource>=<limit>[%] <command> [args] */
struct quota_warning {
	/* run when the usage falls below the limit instead of reaching it */
	bool reverse;
	struct quota_limit bytes, messages;
	/* the service (or script) name and its arguments, before %var
	   expansion: "quota-warning 95 %u" */
	const char *command;
};

/* Parses the quota setting. Returns 0 or -1 with *error_r. */
int quota_root_def_parse(pool_t pool, const char *value, struct quota_root_def *def_r,
			 const char **error_r);
/* Parses a quota_rule value. storage= is in kilobytes unless a unit
   (B k M G T) is given; bytes= in bytes unless a unit is given;
   messages= a count; a trailing '%' (or '%%') makes a percentage of the
   default rule; a leading '+' or '-' makes a value relative to it.
   Several limits may be separated by ':' or spaces. */
int quota_rule_parse(pool_t pool, const char *value, struct quota_rule *rule_r,
		     const char **error_r);
int quota_warning_parse(pool_t pool, const char *value, struct quota_warning *warning_r,
			const char **error_r);
/* quota_grace: "10%" (of the bytes limit) or a size ("10M", bytes without
   a unit). */
int quota_grace_parse(const char *value, bool *percent_r, uint64_t *value_r,
		      const char **error_r);

/* The effective limits of a limit against its default: 0 = none. */
uint64_t quota_limit_resolve(const struct quota_limit *limit, uint64_t default_value);

#endif
