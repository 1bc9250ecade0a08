#ifndef LOGIN_SETTINGS_H
#define LOGIN_SETTINGS_H

/* What imap-login and pop3-login read from the configuration. Filterable
   settings are looked up per connection (protocol, local and remote IP),
   as Dovecot does, so `remote 10.0.0.0/8 { disable_plaintext_auth = no }`
   works. */

#include "settings.h"

struct login_settings {
	const char *base_dir;
	const char *login_greeting;
	const char *login_log_format_elements;
	const char *login_log_format;
	const char *const *login_trusted_networks;
	/* Roost's name for Dovecot 2.3's fixed 3 minutes: a client that has
	   not logged in by then is disconnected ("Disconnected: Inactivity") */
	unsigned int login_timeout;
	bool disable_plaintext_auth;
	bool auth_verbose;
	bool auth_debug;
	bool verbose_ssl;
	const char *ssl;
	/* imap-login only: "" = Roost's list; "+X Y" adds; else replaces */
	const char *imap_capability;
	/* imap-login only: advertise LITERAL- instead of LITERAL+ */
	bool imap_literal_minus;
	uint64_t imap_max_line_length;
	/* checked at anvil before the hand-off, per protocol (0 = none) */
	unsigned int mail_max_userip_connections;
};

extern const struct setting_table login_setting_table;

/* bad commands before the connection is closed */
#define LOGIN_CLIENT_MAX_BAD_COMMANDS 3
/* the longest protocol line a login process reads */
#define LOGIN_MAX_LINE_LENGTH 8192

#endif
