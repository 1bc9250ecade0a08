#ifndef TEST_SETTINGS_COMMON_H
#define TEST_SETTINGS_COMMON_H

/* Setting tables and helpers shared by the lib-settings unit tests. The
   tables are small imitations of the real ones in src/config. */

#include "test-common.h"
#include "settings.h"

struct test_inet_listener {
	const char *name;
	const char *address;
	unsigned int port;
	bool ssl;
};

struct test_unix_listener {
	const char *path;
	unsigned int mode;
	const char *user;
};

struct test_service {
	const char *name;
	const char *protocol;
	unsigned int process_limit;
	uint64_t vsz_limit;
	unsigned int idle_kill;
	ARRAY(struct test_inet_listener *) inet_listeners;
	ARRAY(struct test_unix_listener *) unix_listeners;
};

struct test_mailbox {
	const char *name;
	const char *special_use;
	const char *autocreate;
};

struct test_namespace {
	const char *name;
	const char *prefix;
	const char *separator;
	bool inbox;
	ARRAY(struct test_mailbox *) mailboxes;
};

struct test_passdb {
	const char *driver;
	const char *args;
};

struct test_root {
	const char *ssl;
	const char *ssl_cert;
	const char *ssl_key;
	const char *mail_location;
	const char *mail_home;
	const char *const *mail_plugins;
	const char *const *protocols;
	bool disable_plaintext_auth;
	uint64_t imap_max_line_length;
	unsigned int auth_cache_ttl;
	unsigned int dns_timeout;
	unsigned int default_process_limit;
	unsigned int umask;
	unsigned int port;
	const char *login_greeting;
	const char *ssl_xyz;
	ARRAY(struct test_service *) services;
	ARRAY(struct test_namespace *) namespaces;
	ARRAY(struct test_passdb *) passdbs;
	const char *const *plugin;
};

/* a component that knows only a few root settings */
struct test_small {
	const char *mail_location;
	bool disable_plaintext_auth;
};

extern const struct setting_table test_inet_listener_table;
extern const struct setting_table test_unix_listener_table;
extern const struct setting_table test_service_table;
extern const struct setting_table test_mailbox_table;
extern const struct setting_table test_namespace_table;
extern const struct setting_table test_passdb_table;
extern const struct setting_table test_root_table;
extern const struct setting_table test_small_table;

/* One line per node: "S key name @file:line" / "key=[value] <path @file:line",
   indented two spaces per level. From test_pool. */
const char *test_tree_dump(const struct config_tree *tree);
/* settings_error_str() of each, one per line. From test_pool. */
const char *test_errors_str(const ARRAY_TYPE(settings_error) *errors);
/* Writes contents to test_tmpdir()/name (creating directories) and returns
   the path, from test_pool. */
const char *test_write_file(const char *name, const char *contents);
/* Parses text with the push parser alone (no callbacks), in one chunk or
   in the given chunk sizes; returns dump + "--\n" + errors, from test_pool. */
const char *test_parse_chunked(const char *text, size_t len, size_t split_at);
/* Whether haystack contains needle; prints the haystack when not. */
bool test_contains(const char *haystack, const char *needle);

#endif
