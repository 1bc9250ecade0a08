#ifndef TLS_SETTINGS_H
#define TLS_SETTINGS_H

/* The TLS settings of a server, with Dovecot 2.3's names, values and
   defaults. A component that uses TLS reads them with
   settings_to_struct(tree, tree->root, &tls_setting_table, &filter, ...);
   tls_context_create() does that itself, once for the global scope and once
   for every `local_name NAME { }` section (SNI).

   In a child of the master, ssl_cert/ssl_key/ssl_ca/ssl_dh hold the PEM
   text itself (the master replaced `<path` with the file's contents while
   it was root); in the master and roostconf the tree node also remembers
   the path (config_node.value_file_path), which error messages name.

   Accepted but not used yet (client certificates arrive with a later
   release): ssl_verify_client_cert, ssl_require_crl, ssl_client_ca_file,
   ssl_client_ca_dir, ssl_cert_username_field. ssl_alt_cert/ssl_alt_key
   (a second certificate of another key type) are loaded when set. */

#include "settings.h"

struct tls_settings {
	const char *ssl; /* no | yes | required */
	const char *ssl_cert;
	const char *ssl_key;
	const char *ssl_key_password;
	const char *ssl_alt_cert;
	const char *ssl_alt_key;
	const char *ssl_ca;
	const char *ssl_dh;
	const char *ssl_min_protocol;
	const char *ssl_cipher_list;
	const char *ssl_cipher_suites;
	const char *ssl_curve_list;
	bool ssl_prefer_server_ciphers;
	const char *const *ssl_options;
	bool ssl_verify_client_cert;
	bool ssl_require_crl;
	const char *ssl_client_ca_file;
	const char *ssl_client_ca_dir;
	const char *ssl_cert_username_field;
};

/* Dovecot 2.3's default ssl_cipher_list. It excludes static-RSA key
   exchange (kRSA), so e.g. AES128-SHA is refused. */
#define TLS_CIPHER_LIST_DEFAULT                                                                   \
	"ALL:!kRSA:!SRP:!kDHd:!DSS:!aNULL:!eNULL:!EXPORT:!DES:!3DES:!MD5:!PSK:!RC4:!ADH"          \
	":!LOW@STRENGTH"

extern const struct setting_table tls_setting_table;

/* The OpenSSL protocol version for an ssl_min_protocol value (SSLv3,
   TLSv1, TLSv1.1, TLSv1.2, TLSv1.3, ANY = the lowest the library allows,
   LATEST = the newest it knows). Returns 0, or -1 for an unknown value. */
int tls_settings_min_protocol(const char *value, int *version_r);

/* Parses ssl_options (no_compression, no_ticket) into OpenSSL SSL_OP_*
   bits. Returns 0, or -1 with *error_r naming the unknown option. */
int tls_settings_options(const char *const *options, uint64_t *ssl_op_r, const char **error_r);

/* Whether TLS is switched on at all (ssl = yes or required). */
bool tls_settings_enabled(const struct tls_settings *set);

#endif
