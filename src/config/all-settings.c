/* all_settings_table: every setting of Dovecot 2.3 that Roost accepts, in
   alphabetical order, with Dovecot's types and defaults (Roost's names
   where Dovecot's defaults carry its own: paths, users, the greeting).

   The root list is kept sorted so that `roostconf -a` reads like
   `doveconf -a`; entries of struct master_settings use M(), the others S()
   (read later by auth, login, imap, pop3, lmtp and the storage) and FUT()
   for features that are not there yet. test-all-settings checks the
   order, that no key is listed twice, that every master entry agrees with
   master_setting_table, and that every future setting explains itself. */

#include "lib.h"
#include "roost-config.h"
#include "master-settings.h"
#include "all-settings.h"

#include <stddef.h>

/* Flags, short */
#define F SET_FLAG_FILTERABLE
#define SECRET SET_FLAG_SECRET

/* What a later release (or never) delivers: the future_note texts. */
#define N_POLICY "the authentication policy server client"
#define N_SIEVE "Sieve filtering"
#define N_SIS "single-instance attachment storage"
#define N_MBOX "mbox and dbox storage (Roost stores mail in Maildir)"
#define N_PROXY "login and LMTP proxying"
#define N_AUTH_CACHE "the authentication cache"
#define N_LMTP_MORE "this LMTP option"
#define N_SUBMISSION "the submission service"
#define N_DOVEADM "the roostadm network server (doveadm protocol)"
#define N_HIBERNATE "IMAP hibernation"
#define N_URLAUTH "IMAP URLAUTH"
#define N_WINBIND "NTLM authentication through winbind"
#define N_LOGIN_PLUGINS "login process plugins"
#define N_OBSOLETE "obsolete since Dovecot 2.3, which uses ssl_min_protocol and ssl_dh"

/* A setting read by a component that is not the master. */
#define S(t, name, def, fl)                                                                       \
	{ .type = (t), .key = #name, .offset = SETTING_NO_FIELD, .default_value = (def),          \
	  .flags = (fl) }
#define S_MIN(t, name, def, fl, minimum)                                                          \
	{ .type = (t), .key = #name, .offset = SETTING_NO_FIELD, .default_value = (def),          \
	  .flags = (fl), .min = (minimum) }
/* A setting of struct master_settings. */
#define M(t, name, def, fl)                                                                       \
	{ .type = (t), .key = #name, .offset = offsetof(struct master_settings, name),            \
	  .default_value = (def), .flags = (fl) }
#define M_MIN(t, name, def, fl, minimum)                                                          \
	{ .type = (t), .key = #name, .offset = offsetof(struct master_settings, name),            \
	  .default_value = (def), .flags = (fl), .min = (minimum) }
/* A setting of a feature that is not there yet. */
#define FUT(t, name, def, fl, note)                                                               \
	{ .type = (t), .key = #name, .offset = SETTING_NO_FIELD, .default_value = (def),          \
	  .flags = SET_FLAG_FUTURE | (fl), .future_note = (note) }
/* A sub-section (no struct yet). */
#define SECTIONS(name, table, fl)                                                                 \
	{ .type = SET_SECTIONS, .key = #name, .offset = SETTING_NO_FIELD, .section = (table),     \
	  .flags = (fl) }
#define FREE_FORM(name, fl)                                                                       \
	{ .type = SET_FREE_FORM, .key = #name, .offset = SETTING_NO_FIELD, .flags = (fl) }

/* An enum: its default is the first of its values, spelt out. */
#define ENUM_DEF(def, values) .default_value = (def), .enum_values = (values)

#define E(name, def, values, fl)                                                                  \
	{ .type = SET_ENUM, .key = #name, .offset = SETTING_NO_FIELD, ENUM_DEF(def, values),      \
	  .flags = (fl) }
#define FUT_E(name, def, values, fl, note)                                                        \
	{ .type = SET_ENUM, .key = #name, .offset = SETTING_NO_FIELD, ENUM_DEF(def, values),      \
	  .flags = SET_FLAG_FUTURE | (fl), .future_note = (note) }

/* ---- passdb { } and userdb { } (auth) ---- */

#define RESULT_VALUES_SUCCESS "return-ok:return:return-fail:continue:continue-ok:continue-fail"
#define RESULT_VALUES_FAILURE "continue:return:return-ok:return-fail:continue-ok:continue-fail"

static const struct setting_def passdb_setting_defs[] = {
	S(SET_STR, name, "", 0),
	S(SET_STR, driver, "", 0),
	/* driver arguments: a file, or key=value pairs with %variables */
	S(SET_STR_VARS, args, "", 0),
	S(SET_STR_VARS, default_fields, "", 0),
	S(SET_STR_VARS, override_fields, "", 0),
	S(SET_LIST, mechanisms, "", 0),
	S(SET_STR, username_filter, "", 0),
	E(skip, "never", "never:authenticated:unauthenticated", 0),
	E(result_success, "return-ok", RESULT_VALUES_SUCCESS, 0),
	E(result_failure, "continue", RESULT_VALUES_FAILURE, 0),
	E(result_internalfail, "continue", RESULT_VALUES_FAILURE, 0),
	S(SET_BOOL, deny, "no", 0),
	S(SET_BOOL, pass, "no", 0),
	S(SET_BOOL, master, "no", 0),
	E(auth_verbose, "default", "default:yes:no", 0),
	{ .key = NULL },
};

const struct setting_table passdb_setting_table = {
	.name = "passdb",
	.defs = passdb_setting_defs,
	.struct_size = 0,
	.named = false,
	.name_offset = SETTING_NO_FIELD,
};

static const struct setting_def userdb_setting_defs[] = {
	S(SET_STR, name, "", 0),
	S(SET_STR, driver, "", 0),
	S(SET_STR_VARS, args, "", 0),
	S(SET_STR_VARS, default_fields, "", 0),
	S(SET_STR_VARS, override_fields, "", 0),
	E(skip, "never", "never:found:notfound", 0),
	E(result_success, "return-ok", RESULT_VALUES_SUCCESS, 0),
	E(result_failure, "continue", RESULT_VALUES_FAILURE, 0),
	E(result_internalfail, "continue", RESULT_VALUES_FAILURE, 0),
	E(auth_verbose, "default", "default:yes:no", 0),
	{ .key = NULL },
};

const struct setting_table userdb_setting_table = {
	.name = "userdb",
	.defs = userdb_setting_defs,
	.struct_size = 0,
	.named = false,
	.name_offset = SETTING_NO_FIELD,
};

/* ---- namespace NAME { mailbox NAME { } } (storage) ---- */

static const struct setting_def mailbox_setting_defs[] = {
	/* "auto = create|subscribe|no" as in 15-mailboxes.conf */
	E(auto, "no", "no:create:subscribe", 0),
	/* \Sent \Drafts \Trash \Junk \Archive \All \Flagged, space separated */
	S(SET_STR, special_use, "", 0),
	S(SET_STR, driver, "", 0),
	S(SET_STR, comment, "", 0),
	S(SET_TIME, autoexpunge, "0", 0),
	S(SET_UINT, autoexpunge_max_mails, "0", 0),
	{ .key = NULL },
};

const struct setting_table mailbox_setting_table = {
	.name = "mailbox",
	.defs = mailbox_setting_defs,
	.struct_size = 0,
	.named = true,
	.name_offset = SETTING_NO_FIELD,
};

static const struct setting_def namespace_setting_defs[] = {
	E(type, "private", "private:shared:public", 0),
	S(SET_STR, separator, "", 0),
	S(SET_STR_VARS, prefix, "", 0),
	S(SET_STR_VARS, location, "", 0),
	S(SET_STR_VARS, alias_for, "", 0),
	S(SET_BOOL, inbox, "no", 0),
	S(SET_BOOL, hidden, "no", 0),
	E(list, "yes", "yes:no:children", 0),
	S(SET_BOOL, subscriptions, "yes", 0),
	S(SET_BOOL, ignore_on_failure, "no", 0),
	S(SET_BOOL, disabled, "no", 0),
	S(SET_UINT, order, "0", 0),
	SECTIONS(mailbox, &mailbox_setting_table, 0),
	{ .key = NULL },
};

const struct setting_table namespace_setting_table = {
	.name = "namespace",
	.defs = namespace_setting_defs,
	.struct_size = 0,
	.named = true,
	.name_offset = SETTING_NO_FIELD,
};

/* the SQL connection file's table is lib-sql's (sql-settings.c) */

/* ---- the root ---- */

#define SSL_CIPHER_LIST_DEFAULT                                                                   \
	"ALL:!kRSA:!SRP:!kDHd:!DSS:!aNULL:!eNULL:!EXPORT:!DES:!3DES:!MD5:!PSK:!RC4:!ADH"          \
	":!LOW@STRENGTH"
#define IMAP_LOGOUT_FORMAT_DEFAULT                                                                \
	"in=%i out=%o deleted=%{deleted} expunged=%{expunged} trashed=%{trashed} "               \
	"hdr_count=%{fetch_hdr_count} hdr_bytes=%{fetch_hdr_bytes} "                             \
	"body_count=%{fetch_body_count} body_bytes=%{fetch_body_bytes}"
#define AUTH_POLICY_ATTRS_DEFAULT                                                                 \
	"login=%{requested_username} pwhash=%{hashed_password} remote=%{rip} "                   \
	"device_id=%{client_id} protocol=%s session_id=%{session}"

static const struct setting_def all_setting_defs[] = {
	/* Dovecot 2.4's name for the opposite of disable_plaintext_auth */
	{ .type = SET_BOOL, .key = "auth_allow_cleartext", .offset = SETTING_NO_FIELD,
	  .default_value = "no", .alias_of = "disable_plaintext_auth",
	  .flags = SET_FLAG_ALIAS | SET_FLAG_ALIAS_INVERT_BOOL | F },
	S(SET_STR, auth_anonymous_username, "anonymous", F),
	FUT(SET_TIME, auth_cache_negative_ttl, "1 hour", F, N_AUTH_CACHE),
	FUT(SET_SIZE, auth_cache_size, "0", F, N_AUTH_CACHE),
	FUT(SET_TIME, auth_cache_ttl, "1 hour", F, N_AUTH_CACHE),
	FUT(SET_BOOL, auth_cache_verify_password_with_worker, "no", F, N_AUTH_CACHE),
	S(SET_BOOL, auth_debug, "no", F),
	S(SET_BOOL, auth_debug_passwords, "no", F),
	S(SET_STR, auth_default_realm, "", F),
	S(SET_TIME, auth_failure_delay, "2 secs", F),
	S(SET_STR, auth_gssapi_hostname, "", F),
	S(SET_TIME, auth_internal_failure_delay, "2 secs", F),
	S(SET_STR, auth_krb5_keytab, "", F),
	S(SET_STR, auth_master_user_separator, "", F),
	S(SET_LIST, auth_mechanisms, "plain", F),
	FUT(SET_BOOL, auth_policy_check_after_auth, "yes", F, N_POLICY),
	FUT(SET_BOOL, auth_policy_check_before_auth, "yes", F, N_POLICY),
	FUT(SET_STR, auth_policy_hash_mech, "sha256", F, N_POLICY),
	FUT(SET_STR, auth_policy_hash_nonce, "", F | SECRET, N_POLICY),
	FUT(SET_UINT, auth_policy_hash_truncate, "12", F, N_POLICY),
	FUT(SET_BOOL, auth_policy_log_only, "no", F, N_POLICY),
	FUT(SET_BOOL, auth_policy_reject_on_fail, "no", F, N_POLICY),
	FUT(SET_BOOL, auth_policy_report_after_auth, "yes", F, N_POLICY),
	FUT(SET_STR_VARS, auth_policy_request_attributes, AUTH_POLICY_ATTRS_DEFAULT, F,
	    N_POLICY),
	/* usually "Authorization: Bearer <token>" */
	FUT(SET_STR, auth_policy_server_api_header, "", F | SECRET, N_POLICY),
	FUT(SET_UINT, auth_policy_server_timeout_msecs, "2000", F, N_POLICY),
	FUT(SET_STR, auth_policy_server_url, "", F, N_POLICY),
	S(SET_STR, auth_proxy_self, "", F),
	S(SET_LIST, auth_realms, "", F),
	S(SET_STR, auth_socket_path, "auth-userdb", F),
	S(SET_BOOL, auth_ssl_require_client_cert, "no", F),
	S(SET_BOOL, auth_ssl_username_from_cert, "no", F),
	S(SET_BOOL, auth_stats, "no", F),
	FUT(SET_BOOL, auth_use_winbind, "no", F, N_WINBIND),
	S(SET_STR, auth_username_chars,
	  "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ01234567890.-_@", F),
	S(SET_STR_VARS, auth_username_format, "%Lu", F),
	S(SET_STR, auth_username_translation, "", F),
	S(SET_BOOL, auth_verbose, "no", F),
	/* no, plain or sha1, optionally with ":N" to truncate */
	S(SET_STR, auth_verbose_passwords, "no", F),
	FUT(SET_STR, auth_winbind_helper_path, "/usr/bin/ntlm_auth", F, N_WINBIND),
	S_MIN(SET_UINT, auth_worker_max_count, "30", F, 1),
	M(SET_STR, base_dir, ROOST_RUNDIR, 0),
	S(SET_SIZE, config_cache_size, "1M", 0),
	M(SET_STR, debug_log_path, "", F),
	M_MIN(SET_UINT, default_client_limit, "1000", 0, 1),
	M_MIN(SET_TIME, default_idle_kill, "1 min", 0, 1),
	M(SET_STR, default_internal_group, "roost", 0),
	M(SET_STR, default_internal_user, "roost", 0),
	M(SET_STR, default_login_user, "roostnull", 0),
	M_MIN(SET_UINT, default_process_limit, "100", 0, 1),
	M(SET_SIZE, default_vsz_limit, "256M", 0),
	S(SET_STR_VARS, deliver_log_format, "msgid=%m: %$", F),
	/* dict NAME = URI lines, as in Dovecot's dict { } */
	FREE_FORM(dict, 0),
	S(SET_BOOL, disable_plaintext_auth, "yes", F),
	S(SET_BOOL, dotlock_use_excl, "yes", F),
	FUT(SET_LIST, doveadm_allowed_commands, "", F, N_DOVEADM),
	FUT(SET_STR, doveadm_api_key, "", F | SECRET, N_DOVEADM),
	FUT(SET_STR, doveadm_password, "", F | SECRET, N_DOVEADM),
	FUT(SET_IN_PORT, doveadm_port, "0", F, N_DOVEADM),
	FUT(SET_STR, doveadm_socket_path, "doveadm-server", F, N_DOVEADM),
	FUT(SET_STR, doveadm_username, "doveadm", F, N_DOVEADM),
	FUT(SET_UINT, doveadm_worker_count, "0", F, N_DOVEADM),
	M(SET_UINT, first_valid_gid, "1", F),
	M(SET_UINT, first_valid_uid, "500", F),
	S(SET_TIME, haproxy_timeout, "3 secs", 0),
	S(SET_LIST, haproxy_trusted_networks, "", 0),
	S(SET_STR, hostname, "", F),
	/* Roost only: Dovecot hard-codes 30 minutes */
	S_MIN(SET_TIME, imap_autologout_timeout, "30 mins", F, 1),
	/* a list of capabilities; "+XYZ" adds to the default list */
	S(SET_STR, imap_capability, "", F),
	S(SET_LIST, imap_client_workarounds, "", F),
	E(imap_fetch_failure, "disconnect-immediately",
	  "disconnect-immediately:disconnect-after:no-after", F),
	FUT(SET_TIME, imap_hibernate_timeout, "0", F, N_HIBERNATE),
	S(SET_STR, imap_id_log, "", F),
	S(SET_BOOL, imap_id_retain, "no", F),
	S(SET_STR, imap_id_send, "name *", F),
	S_MIN(SET_TIME, imap_idle_notify_interval, "2 mins", F, 1),
	S(SET_BOOL, imap_literal_minus, "no", F),
	S(SET_STR_VARS, imap_logout_format, IMAP_LOGOUT_FORMAT_DEFAULT, F),
	S_MIN(SET_SIZE, imap_max_line_length, "64k", F, 1024),
	S(SET_BOOL, imap_metadata, "no", F),
	FUT(SET_STR, imap_urlauth_host, "", F, N_URLAUTH),
	FUT(SET_STR_VARS, imap_urlauth_logout_format, "in=%i out=%o", F, N_URLAUTH),
	FUT(SET_IN_PORT, imap_urlauth_port, "143", F, N_URLAUTH),
	S(SET_LIST, import_environment,
	  "TZ CORE_OUTOFMEM CORE_ERROR LISTEN_PID LISTEN_FDS NOTIFY_SOCKET", 0),
	M(SET_STR, info_log_path, "", F),
	M(SET_STR, instance_name, "roost", 0),
	M(SET_UINT, last_valid_gid, "0", F),
	M(SET_UINT, last_valid_uid, "0", F),
	S(SET_BOOL, lda_mailbox_autocreate, "no", F),
	S(SET_BOOL, lda_mailbox_autosubscribe, "no", F),
	S(SET_STR, lda_original_recipient_header, "", F),
	M(SET_STR, libexec_dir, ROOST_LIBEXECDIR, 0),
	M(SET_LIST, listen, "*, ::", 0),
	S(SET_BOOL, lmtp_add_received_header, "yes", F),
	FUT(SET_STR_VARS, lmtp_address_translate, "", F, N_LMTP_MORE),
	FUT(SET_LIST, lmtp_client_workarounds, "", F, N_LMTP_MORE),
	E(lmtp_hdr_delivery_address, "final", "final:none:original", F),
	/* Roost: the largest message LMTP accepts (552 5.3.4); 0 = no limit, as Dovecot */
	S(SET_SIZE, lmtp_max_mail_size, "0", F),
	FUT(SET_BOOL, lmtp_proxy, "no", F, N_PROXY),
	FUT(SET_STR, lmtp_proxy_rawlog_dir, "", F, N_PROXY),
	FUT(SET_STR_VARS, lmtp_rawlog_dir, "", F, N_LMTP_MORE),
	S(SET_BOOL, lmtp_rcpt_check_quota, "no", F),
	S(SET_BOOL, lmtp_save_to_detail_mailbox, "no", F),
	FUT(SET_UINT, lmtp_user_concurrency_limit, "0", F, N_LMTP_MORE),
	FUT(SET_BOOL, lmtp_verbose_replies, "no", F, N_LMTP_MORE),
	E(lock_method, "fcntl", "fcntl:flock:dotlock", F),
	S(SET_STR, log_core_filter, "", F),
	S(SET_STR, log_debug, "", F),
	M(SET_STR, log_path, "syslog", F),
	M(SET_STR, log_timestamp, "%b %d %H:%M:%S ", F),
	FUT(SET_LIST, login_access_sockets, "", F, N_LOGIN_PLUGINS),
	S(SET_STR_VARS, login_greeting, "Roost ready.", F),
	S(SET_STR_VARS, login_log_format, "%$: %s", F),
	S(SET_STR_VARS, login_log_format_elements,
	  "user=<%u> method=%m rip=%r lip=%l mpid=%e %c session=<%{session}>", F),
	FUT(SET_STR, login_plugin_dir, ROOST_LIBEXECDIR "/modules/login", F, N_LOGIN_PLUGINS),
	FUT(SET_LIST, login_plugins, "", F, N_LOGIN_PLUGINS),
	FUT(SET_TIME, login_proxy_max_disconnect_delay, "0", F, N_PROXY),
	FUT(SET_UINT, login_proxy_max_reconnects, "3", F, N_PROXY),
	FUT(SET_LIST, login_source_ips, "", F, N_PROXY),
	/* Roost: Dovecot 2.3's fixed limit for logging in, as a setting */
	{ .type = SET_TIME, .key = "login_timeout", .offset = SETTING_NO_FIELD,
	  .default_value = "3 mins", .flags = F, .min = 1, .max = 24 * 60 * 60 },
	S(SET_LIST, login_trusted_networks, "", F),
	S(SET_STR, mail_access_groups, "", F),
	S(SET_LIST, mail_always_cache_fields, "", F),
	S(SET_LIST, mail_attachment_detection_options, "", F),
	FUT(SET_STR_VARS, mail_attachment_dir, "", F, N_SIS),
	FUT(SET_STR_VARS, mail_attachment_fs, "sis posix", F, N_SIS),
	FUT(SET_STR, mail_attachment_hash, "%{sha1}", F, N_SIS),
	FUT(SET_SIZE, mail_attachment_min_size, "128k", F, N_SIS),
	S(SET_STR_VARS, mail_attribute_dict, "", F),
	S(SET_LIST, mail_cache_fields, "flags", F),
	S(SET_UINT, mail_cache_min_mail_count, "0", F),
	S(SET_STR_VARS, mail_chroot, "", F),
	S(SET_BOOL, mail_debug, "no", F),
	E(mail_fsync, "optimized", "optimized:never:always", F),
	S(SET_BOOL, mail_full_filesystem_access, "no", F),
	S(SET_STR, mail_gid, "", F),
	S(SET_STR_VARS, mail_home, "", F),
	S(SET_STR_VARS, mail_location, "", F),
	S(SET_STR_VARS, mail_log_prefix, "%s(%u)<%{pid}><%{session}>: ", F),
	S(SET_UINT, mail_max_keyword_length, "50", F),
	S(SET_TIME, mail_max_lock_timeout, "0", F),
	S(SET_UINT, mail_max_userip_connections, "10", F),
	S(SET_LIST, mail_never_cache_fields, "imap.envelope", F),
	S(SET_BOOL, mail_nfs_index, "no", F),
	S(SET_BOOL, mail_nfs_storage, "no", F),
	S(SET_STR, mail_plugin_dir, ROOST_MODULEDIR, F),
	/* words that name no plugin Roost has get a warning (config-load.c) */
	S(SET_LIST, mail_plugins, "", F),
	S(SET_UINT, mail_prefetch_count, "0", F),
	S(SET_STR, mail_privileged_group, "", F),
	S(SET_BOOL, mail_save_crlf, "no", F),
	S(SET_STR, mail_server_admin, "", F),
	S(SET_STR, mail_server_comment, "", F),
	S(SET_BOOL, mail_shared_explicit_inbox, "no", F),
	S(SET_UINT, mail_sort_max_read_count, "0", F),
	S(SET_STR_VARS, mail_temp_dir, "/tmp", F),
	S(SET_TIME, mail_temp_scan_interval, "1 week", F),
	S(SET_STR, mail_uid, "", F),
	S(SET_UINT, mail_vsize_bg_after_count, "0", F),
	S_MIN(SET_TIME, mailbox_idle_check_interval, "30 secs", F, 1),
	S(SET_BOOL, mailbox_list_index, "yes", F),
	S(SET_BOOL, mailbox_list_index_include_inbox, "no", F),
	S(SET_BOOL, mailbox_list_index_very_dirty_syncs, "no", F),
	S(SET_BOOL, maildir_broken_filename_sizes, "no", F),
	S(SET_BOOL, maildir_copy_with_hardlinks, "yes", F),
	S(SET_BOOL, maildir_empty_new, "no", F),
	S(SET_BOOL, maildir_stat_dirs, "no", F),
	S(SET_BOOL, maildir_very_dirty_syncs, "no", F),
	FUT(SET_BOOL, mbox_dirty_syncs, "yes", F, N_MBOX),
	FUT(SET_TIME, mbox_dotlock_change_timeout, "2 mins", F, N_MBOX),
	FUT(SET_BOOL, mbox_lazy_writes, "yes", F, N_MBOX),
	FUT(SET_TIME, mbox_lock_timeout, "5 mins", F, N_MBOX),
	FUT(SET_STR, mbox_md5, "apop3d", F, N_MBOX),
	FUT(SET_SIZE, mbox_min_index_size, "0", F, N_MBOX),
	FUT(SET_LIST, mbox_read_locks, "fcntl", F, N_MBOX),
	FUT(SET_BOOL, mbox_very_dirty_syncs, "no", F, N_MBOX),
	FUT(SET_LIST, mbox_write_locks, "dotlock fcntl", F, N_MBOX),
	FUT(SET_BOOL, mdbox_preallocate_space, "no", F, N_MBOX),
	FUT(SET_TIME, mdbox_rotate_interval, "0", F, N_MBOX),
	FUT(SET_SIZE, mdbox_rotate_size, "10M", F, N_MBOX),
	S(SET_BOOL, mmap_disable, "no", F),
	SECTIONS(namespace, &namespace_setting_table, F),
	SECTIONS(passdb, &passdb_setting_table, F),
	/* plugin settings are free-form, as in Dovecot: each plugin reads its
	   own keys; mail_plugins decides what is loaded */
	FREE_FORM(plugin, F),
	S(SET_LIST, pop3_client_workarounds, "", F),
	E(pop3_delete_type, "default", "default:flag:expunge", F),
	S(SET_STR, pop3_deleted_flag, "", F),
	S(SET_BOOL, pop3_enable_last, "no", F),
	S(SET_BOOL, pop3_fast_size_lookups, "no", F),
	S(SET_BOOL, pop3_lock_session, "no", F),
	S(SET_STR_VARS, pop3_logout_format, "top=%t/%p, retr=%r/%b, del=%d/%m, size=%s", F),
	S(SET_BOOL, pop3_no_flag_updates, "no", F),
	S(SET_BOOL, pop3_reuse_xuidl, "no", F),
	S(SET_BOOL, pop3_save_uidl, "no", F),
	E(pop3_uidl_duplicates, "allow", "allow:rename", F),
	S(SET_STR_VARS, pop3_uidl_format, "%08Xu%08Xv", F),
	S(SET_STR_VARS, postmaster_address, "postmaster@%{if;%d;ne;;%d;%{hostname}}", F),
	M(SET_LIST, protocols, "imap pop3 lmtp", 0),
	S(SET_BOOL, quota_full_tempfail, "no", F),
	S(SET_STR_VARS, rawlog_dir, "", F),
	S(SET_STR, recipient_delimiter, "+", F),
	FUT(SET_STR_VARS, rejection_reason,
	    "Your message to <%t> was automatically rejected:%n%r", F, N_SIEVE),
	FUT(SET_STR_VARS, rejection_subject, "Rejected: %s", F, N_SIEVE),
	S(SET_STR, sendmail_path, "/usr/sbin/sendmail", F),
	{ .type = SET_SECTIONS, .key = "service",
	  .offset = offsetof(struct master_settings, services),
	  .section = &service_setting_table },
	M(SET_BOOL, shutdown_clients, "yes", 0),
	{ .type = SET_ENUM, .key = "ssl", .offset = offsetof(struct master_settings, ssl),
	  ENUM_DEF("yes", "yes:no:required"), .flags = F },
	S(SET_STR, ssl_alt_cert, "", F),
	S(SET_STR, ssl_alt_key, "", F | SECRET),
	S(SET_STR, ssl_ca, "", F),
	S(SET_STR, ssl_cert, "", F),
	S(SET_STR, ssl_cert_username_field, "commonName", F),
	S(SET_STR, ssl_cipher_list, SSL_CIPHER_LIST_DEFAULT, F),
	S(SET_STR, ssl_cipher_suites, "", F),
	S(SET_STR, ssl_client_ca_dir, "", F),
	S(SET_STR, ssl_client_ca_file, "", F),
	S(SET_STR, ssl_client_cert, "", F),
	S(SET_STR, ssl_client_key, "", F | SECRET),
	S(SET_BOOL, ssl_client_require_valid_cert, "yes", F),
	S(SET_STR, ssl_crypto_device, "", F),
	S(SET_STR, ssl_curve_list, "", F),
	S(SET_STR, ssl_dh, "", F),
	FUT(SET_UINT, ssl_dh_parameters_length, "0", F, N_OBSOLETE),
	S(SET_STR, ssl_key, "", F | SECRET),
	S(SET_STR, ssl_key_password, "", F | SECRET),
	E(ssl_min_protocol, "TLSv1.2", "TLSv1.2:TLSv1.3:TLSv1.1:TLSv1:SSLv3:ANY:LATEST", F),
	S(SET_LIST, ssl_options, "", F),
	S(SET_BOOL, ssl_prefer_server_ciphers, "no", F),
	FUT(SET_LIST, ssl_protocols, "", F, N_OBSOLETE),
	S(SET_BOOL, ssl_require_crl, "yes", F),
	S(SET_BOOL, ssl_verify_client_cert, "no", F),
	M(SET_STR, state_dir, "/var/lib/roost", 0),
	S(SET_STR, stats_writer_socket_path, "stats-writer", F),
	FUT(SET_STR, submission_backend_capabilities, "", F, N_SUBMISSION),
	FUT(SET_LIST, submission_client_workarounds, "", F, N_SUBMISSION),
	/* where LDA/LMTP send rejects and redirects; empty: sendmail_path */
	S(SET_STR, submission_host, "", F),
	FUT(SET_STR_VARS, submission_logout_format, "in=%i out=%o", F, N_SUBMISSION),
	FUT(SET_SIZE, submission_max_mail_size, "0", F, N_SUBMISSION),
	FUT(SET_UINT, submission_max_recipients, "0", F, N_SUBMISSION),
	FUT(SET_STR, submission_relay_host, "", F, N_SUBMISSION),
	FUT(SET_STR, submission_relay_master_user, "", F, N_SUBMISSION),
	FUT(SET_TIME, submission_relay_max_idle_time, "29 mins", F, N_SUBMISSION),
	FUT(SET_STR, submission_relay_password, "", F | SECRET, N_SUBMISSION),
	FUT(SET_IN_PORT, submission_relay_port, "25", F, N_SUBMISSION),
	FUT(SET_STR, submission_relay_rawlog_dir, "", F, N_SUBMISSION),
	FUT_E(submission_relay_ssl, "no", "no:smtps:starttls", F, N_SUBMISSION),
	FUT(SET_BOOL, submission_relay_ssl_verify, "yes", F, N_SUBMISSION),
	FUT(SET_BOOL, submission_relay_trusted, "no", F, N_SUBMISSION),
	FUT(SET_STR, submission_relay_user, "", F, N_SUBMISSION),
	M(SET_STR, syslog_facility, "mail", F),
	SECTIONS(userdb, &userdb_setting_table, F),
	S(SET_STR, valid_chroot_dirs, "", F),
	S(SET_BOOL, verbose_proctitle, "no", F),
	S(SET_BOOL, verbose_ssl, "no", F),
	M(SET_BOOL, version_ignore, "no", 0),
	{ .key = NULL },
};

const struct setting_table all_settings_table = {
	.name = "root",
	.defs = all_setting_defs,
	.struct_size = sizeof(struct master_settings),
	.named = false,
	.name_offset = SETTING_NO_FIELD,
	.check = master_settings_check,
};
