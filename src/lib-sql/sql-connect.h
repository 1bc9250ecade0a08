#ifndef SQL_CONNECT_H
#define SQL_CONNECT_H

/* The `connect` setting of an SQL connection file, as Dovecot 2.3's mysql
   driver reads it: space-separated key=value words,

     host=db1 host=/run/mysqld/mysqld.sock dbname=mail user=roost password="a b"

   A value may be quoted with "..." or '...' (a backslash makes the next
   character literal inside quotes), so passwords can hold spaces. host may
   be repeated: the hosts are tried in order (failover); a host starting
   with '/' is the path of a unix socket. Pure: no I/O. */

#include "lib.h"

/* Dovecot's defaults for the mysql driver */
#define SQL_CONNECT_DEFAULT_CONNECT_TIMEOUT_SECS 5
#define SQL_CONNECT_DEFAULT_READ_TIMEOUT_SECS 30
#define SQL_CONNECT_DEFAULT_WRITE_TIMEOUT_SECS 30

struct sql_connect_settings {
	/* at least one, in the order written */
	const char *const *hosts;
	unsigned int host_count;
	unsigned int port; /* 0: the client library's default (3306) */
	/* NULL when not given */
	const char *dbname, *user, *password;
	const char *ssl_ca, *ssl_ca_path, *ssl_cert, *ssl_key, *ssl_cipher;
	bool ssl_verify_server_cert;
	const char *option_file, *option_group;
	unsigned int client_flags;
	unsigned int connect_timeout, read_timeout, write_timeout;
};

/* Parses str into *set_r (strings from pool). Returns 0, or -1 with
   *error_r (from pool) naming the word at fault; a password value is never
   quoted in an error. */
int sql_connect_parse(pool_t pool, const char *str, struct sql_connect_settings *set_r,
		      const char **error_r);

/* Whether host names a unix socket. */
bool sql_connect_host_is_socket(const char *host);

#endif
