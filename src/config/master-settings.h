#ifndef MASTER_SETTINGS_H
#define MASTER_SETTINGS_H

/* Typed settings of the master and of service { } sections. The tables are
   in master-settings.c; the built-in services (what Dovecot 2.3 declares
   by default: imap-login, imap, pop3-login, pop3, lmtp, auth, auth-worker,
   anvil, ...) are configuration text in default-services.c, parsed before
   the admin's files so that `service imap-login { ... }` there modifies
   them. */

#include "settings.h"

struct inet_listener_settings {
	const char *name;
	const char *address; /* empty: the global "listen" */
	unsigned int port;   /* 0: disabled */
	bool ssl;
	bool haproxy;
	bool reuse_port;
};

struct file_listener_settings {
	const char *path;  /* relative paths are under base_dir */
	unsigned int mode; /* from "mode = 0600" */
	const char *user;
	const char *group;
};

struct service_settings {
	const char *name;
	const char *protocol; /* "imap", "pop3", "lmtp" or "" (always enabled) */
	const char *type;     /* "", "login", "startup", "log", "config", "anvil", "worker" */
	const char *executable; /* "imap-login", or "script /path" ... */
	const char *user;
	const char *group;
	const char *privileged_group;
	const char *extra_groups;
	const char *chroot;
	bool drop_priv_before_exec;
	unsigned int process_min_avail;
	unsigned int process_limit; /* 0: default_process_limit */
	unsigned int client_limit;  /* 0: default_client_limit */
	unsigned int service_count; /* 0: unlimited */
	unsigned int idle_kill;     /* seconds; 0: default_idle_kill */
	uint64_t vsz_limit;         /* 0: default_vsz_limit */
	ARRAY(struct file_listener_settings *) unix_listeners;
	ARRAY(struct file_listener_settings *) fifo_listeners;
	ARRAY(struct inet_listener_settings *) inet_listeners;
};

struct master_settings {
	const char *base_dir;
	const char *state_dir;
	const char *libexec_dir;
	const char *instance_name;
	const char *const *protocols;
	const char *const *listen;
	const char *ssl; /* no | yes | required */

	unsigned int default_process_limit;
	unsigned int default_client_limit;
	unsigned int default_idle_kill;
	uint64_t default_vsz_limit;
	const char *default_login_user;
	const char *default_internal_user;
	const char *default_internal_group;

	const char *log_path;
	const char *info_log_path;
	const char *debug_log_path;
	const char *syslog_facility;
	const char *log_timestamp;

	bool version_ignore;
	bool shutdown_clients;
	unsigned int first_valid_uid, last_valid_uid;
	unsigned int first_valid_gid, last_valid_gid;

	ARRAY(struct service_settings *) services;
};

/* The master's own table (its struct only); validation of a whole file uses
   all_settings_table (all-settings.h), the union of every component's table. */
extern const struct setting_table master_setting_table;
extern const struct setting_table service_setting_table;
extern const struct setting_table inet_listener_setting_table;
extern const struct setting_table file_listener_setting_table;

/* Dovecot-syntax text of the built-in services. */
extern const char default_services_config[];

#endif
