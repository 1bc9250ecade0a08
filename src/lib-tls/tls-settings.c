/* The TLS setting table (Dovecot 2.3 names and defaults: keep them equal to
   the entries of all_settings_table in src/config, which validates whole
   files; test-tls checks the defaults against Dovecot's) and the
   translation of values that OpenSSL needs as numbers. */
#include "lib.h"
#include "tls-settings.h"

#include <stddef.h>
#include <openssl/ssl.h>

#define F SET_FLAG_FILTERABLE
#define DEF(t, name, def, fl)                                                                      \
	{ .type = (t), .key = #name, .offset = offsetof(struct tls_settings, name),               \
	  .default_value = (def), .flags = (fl) }
#define DEF_ENUM(name, def, values, fl)                                                            \
	{ .type = SET_ENUM, .key = #name, .offset = offsetof(struct tls_settings, name),          \
	  .default_value = (def), .enum_values = (values), .flags = (fl) }

static const struct setting_def tls_setting_defs[] = {
	DEF_ENUM(ssl, "yes", "yes:no:required", F),
	DEF(SET_STR, ssl_cert, "", F),
	DEF(SET_STR, ssl_key, "", F | SET_FLAG_SECRET),
	DEF(SET_STR, ssl_key_password, "", F | SET_FLAG_SECRET),
	DEF(SET_STR, ssl_alt_cert, "", F),
	DEF(SET_STR, ssl_alt_key, "", F | SET_FLAG_SECRET),
	DEF(SET_STR, ssl_ca, "", F),
	DEF(SET_STR, ssl_dh, "", F),
	DEF_ENUM(ssl_min_protocol, "TLSv1.2", "TLSv1.2:TLSv1.3:TLSv1.1:TLSv1:SSLv3:ANY:LATEST", F),
	DEF(SET_STR, ssl_cipher_list, TLS_CIPHER_LIST_DEFAULT, F),
	DEF(SET_STR, ssl_cipher_suites, "", F),
	DEF(SET_STR, ssl_curve_list, "", F),
	DEF(SET_BOOL, ssl_prefer_server_ciphers, "no", F),
	DEF(SET_LIST, ssl_options, "", F),
	DEF(SET_BOOL, ssl_verify_client_cert, "no", F),
	DEF(SET_BOOL, ssl_require_crl, "yes", F),
	DEF(SET_STR, ssl_client_ca_file, "", F),
	DEF(SET_STR, ssl_client_ca_dir, "", F),
	DEF(SET_STR, ssl_cert_username_field, "commonName", F),
	{ .key = NULL },
};

/* What tls_context_create() would refuse without reading a key: the
   master and roostconf run it for every filter at start. */
static bool tls_settings_check(void *_set, pool_t pool, const char **error_r)
{
	struct tls_settings *set = _set;
	const char *error;
	uint64_t op;

	if (!tls_settings_enabled(set))
		return true;
	if (tls_settings_options(set->ssl_options, &op, &error) < 0) {
		*error_r = p_strdup(pool, error);
		return false;
	}
	return true;
}

const struct setting_table tls_setting_table = {
	.name = "tls",
	.defs = tls_setting_defs,
	.struct_size = sizeof(struct tls_settings),
	.named = false,
	.name_offset = SETTING_NO_FIELD,
	.check = tls_settings_check,
};

int tls_settings_min_protocol(const char *value, int *version_r)
{
	static const struct {
		const char *name;
		int version;
	} versions[] = {
		{ "SSLv3", SSL3_VERSION },     { "TLSv1", TLS1_VERSION },
		{ "TLSv1.1", TLS1_1_VERSION }, { "TLSv1.2", TLS1_2_VERSION },
		{ "TLSv1.3", TLS1_3_VERSION }, { "ANY", 0 },
		{ "LATEST", TLS1_3_VERSION },
	};

	for (unsigned int i = 0; i < N_ELEMENTS(versions); i++) {
		if (strcmp(versions[i].name, value) == 0) {
			*version_r = versions[i].version;
			return 0;
		}
	}
	return -1;
}

int tls_settings_options(const char *const *options, uint64_t *ssl_op_r, const char **error_r)
{
	uint64_t op = 0;

	for (unsigned int i = 0; options[i] != NULL; i++) {
		if (strcmp(options[i], "no_compression") == 0)
			op |= SSL_OP_NO_COMPRESSION;
		else if (strcmp(options[i], "no_ticket") == 0)
			op |= SSL_OP_NO_TICKET;
		else {
			*error_r = t_strdup_printf("ssl_options: unknown option '%s' "
						   "(expected no_compression, no_ticket)",
						   options[i]);
			return -1;
		}
	}
	*ssl_op_r = op;
	return 0;
}

bool tls_settings_enabled(const struct tls_settings *set)
{
	return strcmp(set->ssl, "no") != 0;
}
