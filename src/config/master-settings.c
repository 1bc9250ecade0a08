/* Setting tables of the master process and of service { } sections.

   Defaults follow Dovecot 2.3, with Roost's names where Dovecot's carry its
   own (roost/roostnull users, /run/roost). The same entries, with the same
   offsets, appear in all_settings_table (all-settings.c) so that a whole
   configuration can be turned into a struct master_settings with either
   table; test-all-settings checks that the two agree. */

#include "lib.h"
#include "roost-config.h"
#include "master-settings.h"
#include "all-settings.h"

#include <stddef.h>

/* ---- unix_listener / fifo_listener ----

   The section name fills path (name) through name_offset, as Dovecot's
   type_offset does: `unix_listener auth-userdb { }`. */

#define DEF(t, name, def, fl)                                                                     \
	{ .type = (t), .key = #name, .offset = offsetof(struct file_listener_settings, name),     \
	  .default_value = (def), .flags = (fl) }

static const struct setting_def file_listener_setting_defs[] = {
	DEF(SET_UINT_OCT, mode, "0600", 0),
	DEF(SET_STR, user, "", 0),
	DEF(SET_STR, group, "", 0),
	{ .key = NULL },
};
#undef DEF

static bool file_listener_settings_check(void *_set, pool_t pool, const char **error_r)
{
	const struct file_listener_settings *set = _set;

	if (set->path == NULL || set->path[0] == '\0') {
		*error_r = "missing path";
		return false;
	}
	if (set->mode > 07777) {
		*error_r = p_strdup_printf(pool, "mode %o is not a file mode", set->mode);
		return false;
	}
	return true;
}

const struct setting_table file_listener_setting_table = {
	.name = "unix_listener",
	.defs = file_listener_setting_defs,
	.struct_size = sizeof(struct file_listener_settings),
	.named = true,
	.name_offset = offsetof(struct file_listener_settings, path),
	.check = file_listener_settings_check,
};

/* ---- inet_listener ---- */

#define DEF(t, name, def)                                                                         \
	{ .type = (t), .key = #name, .offset = offsetof(struct inet_listener_settings, name),     \
	  .default_value = (def) }

static const struct setting_def inet_listener_setting_defs[] = {
	/* empty: every address of the global "listen" */
	DEF(SET_STR, address, ""),
	/* 0 disables the listener, as Dovecot's "port = 0" */
	DEF(SET_IN_PORT, port, "0"),
	DEF(SET_BOOL, ssl, "no"),
	DEF(SET_BOOL, haproxy, "no"),
	DEF(SET_BOOL, reuse_port, "no"),
	{ .key = NULL },
};
#undef DEF

const struct setting_table inet_listener_setting_table = {
	.name = "inet_listener",
	.defs = inet_listener_setting_defs,
	.struct_size = sizeof(struct inet_listener_settings),
	.named = true,
	.name_offset = offsetof(struct inet_listener_settings, name),
};

/* ---- service ---- */

#define DEF(t, name, def)                                                                         \
	{ .type = (t), .key = #name, .offset = offsetof(struct service_settings, name),           \
	  .default_value = (def) }
#define DEF_SECTION(field, name, table)                                                          \
	{ .type = SET_SECTIONS, .key = name, .offset = offsetof(struct service_settings, field),  \
	  .section = (table) }

static const struct setting_def service_setting_defs[] = {
	DEF(SET_STR, protocol, ""),
	DEF(SET_STR, type, ""),
	DEF(SET_STR, executable, ""),
	DEF(SET_STR, user, ""),
	DEF(SET_STR, group, ""),
	DEF(SET_STR, privileged_group, ""),
	DEF(SET_STR, extra_groups, ""),
	DEF(SET_STR, chroot, ""),
	DEF(SET_BOOL, drop_priv_before_exec, "no"),
	DEF(SET_UINT, process_min_avail, "0"),
	/* 0 = default_process_limit, default_client_limit, default_idle_kill
	   and default_vsz_limit */
	DEF(SET_UINT, process_limit, "0"),
	DEF(SET_UINT, client_limit, "0"),
	/* 0 = a process serves any number of clients in turn */
	DEF(SET_UINT, service_count, "0"),
	DEF(SET_TIME, idle_kill, "0"),
	DEF(SET_SIZE, vsz_limit, "0"),
	DEF_SECTION(unix_listeners, "unix_listener", &file_listener_setting_table),
	DEF_SECTION(fifo_listeners, "fifo_listener", &file_listener_setting_table),
	DEF_SECTION(inet_listeners, "inet_listener", &inet_listener_setting_table),
	{ .key = NULL },
};
#undef DEF
#undef DEF_SECTION

/* The service types Dovecot 2.3 knows. "" is an ordinary service. */
static const char *const service_types[] = {
	"", "login", "startup", "log", "config", "anvil", "worker", NULL,
};

static bool service_settings_check(void *_set, pool_t pool, const char **error_r)
{
	const struct service_settings *set = _set;
	const char *type = set->type == NULL ? "" : set->type;

	if (set->name == NULL || set->name[0] == '\0') {
		*error_r = "missing name";
		return false;
	}
	if (!str_array_find(service_types, type)) {
		*error_r = p_strdup_printf(pool, "type: unknown service type '%s'", type);
		return false;
	}
	if (set->drop_priv_before_exec && set->chroot != NULL && set->chroot[0] != '\0') {
		*error_r = "drop_priv_before_exec = yes can't be used with chroot";
		return false;
	}
	if (set->process_limit != 0 && set->process_min_avail > set->process_limit) {
		*error_r = p_strdup_printf(pool, "process_min_avail (%u) is higher than "
					   "process_limit (%u)",
					   set->process_min_avail, set->process_limit);
		return false;
	}
	if (set->vsz_limit != 0 && set->vsz_limit < 1024 * 1024) {
		*error_r = "vsz_limit is too low (under 1M)";
		return false;
	}
	return true;
}

const struct setting_table service_setting_table = {
	.name = "service",
	.defs = service_setting_defs,
	.struct_size = sizeof(struct service_settings),
	.named = true,
	.name_offset = offsetof(struct service_settings, name),
	.check = service_settings_check,
};

/* ---- the master ---- */

#define DEF(t, name, def, fl)                                                                     \
	{ .type = (t), .key = #name, .offset = offsetof(struct master_settings, name),            \
	  .default_value = (def), .flags = (fl) }
#define DEF_MIN(t, name, def, fl, minimum)                                                        \
	{ .type = (t), .key = #name, .offset = offsetof(struct master_settings, name),            \
	  .default_value = (def), .flags = (fl), .min = (minimum) }
#define F SET_FLAG_FILTERABLE

static const struct setting_def master_setting_defs[] = {
	DEF(SET_STR, base_dir, ROOST_RUNDIR, 0),
	DEF(SET_STR, state_dir, "/var/lib/roost", 0),
	DEF(SET_STR, libexec_dir, ROOST_LIBEXECDIR, 0),
	DEF(SET_STR, instance_name, "roost", 0),
	DEF(SET_LIST, protocols, "imap pop3 lmtp", 0),
	DEF(SET_LIST, listen, "*, ::", 0),
	{ .type = SET_ENUM, .key = "ssl", .offset = offsetof(struct master_settings, ssl),
	  .default_value = "yes", .enum_values = "yes:no:required", .flags = F },

	DEF_MIN(SET_UINT, default_process_limit, "100", 0, 1),
	DEF_MIN(SET_UINT, default_client_limit, "1000", 0, 1),
	DEF_MIN(SET_TIME, default_idle_kill, "1 min", 0, 1),
	DEF(SET_SIZE, default_vsz_limit, "256M", 0),
	DEF(SET_STR, default_login_user, "roostnull", 0),
	DEF(SET_STR, default_internal_user, "roost", 0),
	DEF(SET_STR, default_internal_group, "roost", 0),

	DEF(SET_STR, log_path, "syslog", F),
	DEF(SET_STR, info_log_path, "", F),
	DEF(SET_STR, debug_log_path, "", F),
	DEF(SET_STR, syslog_facility, "mail", F),
	DEF(SET_STR, log_timestamp, "%b %d %H:%M:%S ", F),

	DEF(SET_BOOL, version_ignore, "no", 0),
	DEF(SET_BOOL, shutdown_clients, "yes", 0),
	DEF(SET_UINT, first_valid_uid, "500", F),
	DEF(SET_UINT, last_valid_uid, "0", F),
	DEF(SET_UINT, first_valid_gid, "1", F),
	DEF(SET_UINT, last_valid_gid, "0", F),

	{ .type = SET_SECTIONS, .key = "service",
	  .offset = offsetof(struct master_settings, services),
	  .section = &service_setting_table },
	{ .key = NULL },
};
#undef DEF
#undef DEF_MIN
#undef F

static bool master_services_have_protocol(const struct master_settings *set,
					  const char *protocol)
{
	struct service_settings *service;

	if (!array_is_created(&set->services))
		return false;
	array_foreach_elem(&set->services, service) {
		if (service->protocol != NULL && strcmp(service->protocol, protocol) == 0)
			return true;
	}
	return false;
}

/* Protocols Dovecot serves that Roost does not yet: accepted in
   "protocols" with a warning (config_load()) instead of an error, so that
   `protocols = imap lmtp sieve` from a Dovecot setup still loads. */
static const char *const future_protocols[][2] = {
	{ "sieve", "ManageSieve" },
	{ "submission", "the submission service" },
};

bool master_protocol_is_future(const char *protocol, const char **what_r)
{
	for (unsigned int i = 0; i < N_ELEMENTS(future_protocols); i++) {
		if (strcmp(future_protocols[i][0], protocol) == 0) {
			*what_r = future_protocols[i][1];
			return true;
		}
	}
	return false;
}

/* Shared by master_setting_table and all_settings_table (the same struct);
   declared in all-settings.h. */
bool master_settings_check(void *_set, pool_t pool, const char **error_r)
{
	const struct master_settings *set = _set;

	if (set->last_valid_uid != 0 && set->first_valid_uid > set->last_valid_uid) {
		*error_r = "first_valid_uid: can't be larger than last_valid_uid";
		return false;
	}
	if (set->last_valid_gid != 0 && set->first_valid_gid > set->last_valid_gid) {
		*error_r = "first_valid_gid: can't be larger than last_valid_gid";
		return false;
	}
	if (set->protocols != NULL) {
		for (const char *const *p = set->protocols; *p != NULL; p++) {
			const char *what;

			if (strcmp(*p, "none") == 0 || master_protocol_is_future(*p, &what))
				continue;
			if (!master_services_have_protocol(set, *p)) {
				*error_r = p_strdup_printf(pool, "protocols: unknown protocol: %s",
							   *p);
				return false;
			}
		}
	}
	return true;
}

const struct setting_table master_setting_table = {
	.name = "master",
	.defs = master_setting_defs,
	.struct_size = sizeof(struct master_settings),
	.named = false,
	.name_offset = SETTING_NO_FIELD,
	.check = master_settings_check,
};
