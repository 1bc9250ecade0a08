/* Building SSL_CTXs from the TLS settings: certificates, keys, protocol
   and cipher choices, DH parameters, and the SNI switch between the
   global context and the local_name ones. Only OpenSSL 3 APIs (meson
   builds this directory with OPENSSL_NO_DEPRECATED). */
#include "lib.h"
#include "tls-context.h"
#include "tls-private.h"

#include <ctype.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

/* What a context build needs to name settings and files in errors. */
struct tls_build {
	const struct config_tree *tree;
	const struct settings_filter *filter;
	/* the local_name section being built, or NULL for the global scope */
	const struct config_node *name_node;
};

const char *tls_error_pop(const char *fallback, const char **details_r)
{
	unsigned long err = ERR_get_error();
	const char *reason;
	char buf[256];

	if (err == 0) {
		if (details_r != NULL)
			*details_r = fallback;
		return fallback;
	}
	reason = ERR_reason_error_string(err);
	if (details_r != NULL) {
		ERR_error_string_n(err, buf, sizeof(buf));
		*details_r = t_strdup(buf);
	}
	ERR_clear_error();
	return reason != NULL ? t_strdup(reason) : t_strdup_printf("error %lx", err);
}

bool tls_name_match(const char *pattern, const char *name)
{
	/* the same matching as the config's local_name filters */
	return settings_local_name_match(pattern, name);
}

/* ---- naming settings in errors ---- */

static const struct config_node *tls_find_setting(const struct config_node *section,
						  const char *key)
{
	const struct config_node *found = NULL;

	if (section == NULL)
		return NULL;
	for (const struct config_node *node = section->children; node != NULL; node = node->next) {
		if (node->type == CONFIG_NODE_SETTING && strcmp(node->key, key) == 0)
			found = node;
	}
	return found;
}

static const struct config_node *tls_find_protocol(const struct config_tree *tree,
						   const char *protocol)
{
	const struct config_node *found = NULL;

	if (protocol == NULL)
		return NULL;
	for (const struct config_node *node = tree->root->children; node != NULL;
	     node = node->next) {
		if (node->type == CONFIG_NODE_SECTION && strcmp(node->key, "protocol") == 0 &&
		    node->name != NULL && strcmp(node->name, protocol) == 0)
			found = node;
	}
	return found;
}

/* "ssl_key (/etc/ssl/private/key.pem)" when the tree knows the file,
   else "ssl_key"; prefixed with "local_name NAME: " inside a section. */
static const char *tls_setting_name(const struct tls_build *b, const char *key)
{
	const struct config_node *node;
	const char *prefix = b->name_node == NULL ? "" :
			     t_strdup_printf("local_name %s: ", b->name_node->name);

	node = tls_find_setting(b->name_node, key);
	if (node == NULL && b->filter != NULL)
		node = tls_find_setting(tls_find_protocol(b->tree, b->filter->protocol), key);
	if (node == NULL)
		node = tls_find_setting(b->tree->root, key);
	if (node != NULL && node->value_file_path != NULL)
		return t_strdup_printf("%s%s (%s)", prefix, key, node->value_file_path);
	if (node != NULL && node->file != NULL && node->file[0] != '(' && node->line > 0)
		return t_strdup_printf("%s%s (%s:%u)", prefix, key, node->file, node->line);
	return t_strdup_printf("%s%s", prefix, key);
}

static const char *tls_pem_hint(const char *value)
{
	if (strstr(value, "-----BEGIN") != NULL)
		return "";
	return t_strdup_printf(" (the value holds no PEM data: did you forget the '<' in "
			       "'<%s'?)", str_sanitize(pool_temp, value, 80));
}

/* ---- loading PEM ---- */

static int tls_load_cert(SSL_CTX *ssl_ctx, const struct tls_build *b, const char *key,
			 const char *value, const char **error_r)
{
	BIO *bio = BIO_new_mem_buf(value, -1);
	X509 *cert;
	int ret = 0;

	ERR_clear_error();
	cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	if (cert == NULL) {
		*error_r = t_strdup_printf("%s: cannot read the certificate: %s%s",
					   tls_setting_name(b, key),
					   tls_error_pop("no certificate", NULL), tls_pem_hint(value));
		BIO_free(bio);
		return -1;
	}
	if (SSL_CTX_use_certificate(ssl_ctx, cert) != 1) {
		*error_r = t_strdup_printf("%s: cannot use the certificate: %s",
					   tls_setting_name(b, key), tls_error_pop("unknown", NULL));
		ret = -1;
	}
	X509_free(cert);
	/* the rest of the file is the chain (fullchain.pem) */
	while (ret == 0 && (cert = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		if (SSL_CTX_add0_chain_cert(ssl_ctx, cert) != 1) {
			X509_free(cert);
			*error_r = t_strdup_printf("%s: cannot use a chain certificate: %s",
						   tls_setting_name(b, key),
						   tls_error_pop("unknown", NULL));
			ret = -1;
		}
	}
	if (ret == 0) {
		unsigned long err = ERR_peek_last_error();

		if (ERR_GET_LIB(err) == ERR_LIB_PEM && ERR_GET_REASON(err) == PEM_R_NO_START_LINE)
			ERR_clear_error(); /* the normal end of the file */
		else if (err != 0) {
			*error_r = t_strdup_printf("%s: cannot read a chain certificate: %s",
						   tls_setting_name(b, key),
						   tls_error_pop("unknown", NULL));
			ret = -1;
		}
	}
	BIO_free(bio);
	return ret;
}

static int tls_password_cb(char *buf, int size, int rwflag, void *context)
{
	const char *password = context;
	size_t len = strlen(password);

	if (len == 0 || len >= (size_t)size)
		return 0; /* never prompt on a terminal */
	memcpy(buf, password, len);
	return (int)len;
}

static int tls_load_key(SSL_CTX *ssl_ctx, const struct tls_build *b, const char *key,
			const char *cert_key, const char *value, const char *password,
			const char **error_r)
{
	bool encrypted = strstr(value, "ENCRYPTED") != NULL;
	BIO *bio = BIO_new_mem_buf(value, -1);
	EVP_PKEY *pkey;

	ERR_clear_error();
	pkey = PEM_read_bio_PrivateKey(bio, NULL, tls_password_cb, (void *)password);
	BIO_free(bio);
	if (pkey == NULL) {
		const char *reason = tls_error_pop("no private key", NULL);

		if (encrypted && password[0] == '\0') {
			*error_r = t_strdup_printf("%s: the key is encrypted, but "
						   "ssl_key_password is not set",
						   tls_setting_name(b, key));
		} else if (encrypted) {
			*error_r = t_strdup_printf("%s: cannot decrypt %s: wrong password? (%s)",
						   tls_setting_name(b, "ssl_key_password"),
						   tls_setting_name(b, key), reason);
		} else {
			*error_r = t_strdup_printf("%s: cannot read the private key: %s%s",
						   tls_setting_name(b, key), reason,
						   tls_pem_hint(value));
		}
		return -1;
	}
	if (SSL_CTX_use_PrivateKey(ssl_ctx, pkey) != 1 || SSL_CTX_check_private_key(ssl_ctx) != 1) {
		*error_r = t_strdup_printf("%s: the key does not match the certificate of %s (%s)",
					   tls_setting_name(b, key), tls_setting_name(b, cert_key),
					   tls_error_pop("key values mismatch", NULL));
		EVP_PKEY_free(pkey);
		return -1;
	}
	EVP_PKEY_free(pkey);
	return 0;
}

static int tls_load_ca(SSL_CTX *ssl_ctx, const struct tls_build *b, const char *value,
		       const char **error_r)
{
	X509_STORE *store = SSL_CTX_get_cert_store(ssl_ctx);
	BIO *bio = BIO_new_mem_buf(value, -1);
	unsigned int count = 0;
	X509 *cert;
	unsigned long err;

	ERR_clear_error();
	while ((cert = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		(void)X509_STORE_add_cert(store, cert);
		X509_free(cert);
		count++;
	}
	BIO_free(bio);
	err = ERR_peek_last_error();
	if (count > 0 && ERR_GET_LIB(err) == ERR_LIB_PEM &&
	    ERR_GET_REASON(err) == PEM_R_NO_START_LINE) {
		ERR_clear_error();
		return 0;
	}
	*error_r = t_strdup_printf("%s: cannot read the CA certificates: %s%s",
				   tls_setting_name(b, "ssl_ca"),
				   tls_error_pop("no certificate", NULL), tls_pem_hint(value));
	return -1;
}

static int tls_load_dh(SSL_CTX *ssl_ctx, const struct tls_build *b, const char *value,
		       const char **error_r)
{
	OSSL_DECODER_CTX *dctx;
	EVP_PKEY *pkey = NULL;
	const unsigned char *data = (const unsigned char *)value;
	size_t len = strlen(value);
	const char *error = NULL;

	ERR_clear_error();
	dctx = OSSL_DECODER_CTX_new_for_pkey(&pkey, "PEM", NULL, NULL,
					     OSSL_KEYMGMT_SELECT_DOMAIN_PARAMETERS, NULL, NULL);
	if (dctx == NULL)
		error = "no DH decoder";
	else if (OSSL_DECODER_from_data(dctx, &data, &len) != 1 || pkey == NULL)
		error = t_strdup_printf("cannot read DH parameters: %s%s",
					tls_error_pop("no DH parameters", NULL), tls_pem_hint(value));
	else if (!EVP_PKEY_is_a(pkey, "DH") && !EVP_PKEY_is_a(pkey, "DHX"))
		error = "the PEM data are not DH parameters";
	else if (SSL_CTX_set0_tmp_dh_pkey(ssl_ctx, pkey) != 1)
		error = t_strdup_printf("cannot use the DH parameters: %s",
					tls_error_pop("unknown", NULL));
	else
		pkey = NULL; /* the SSL_CTX owns it now */
	OSSL_DECODER_CTX_free(dctx);
	EVP_PKEY_free(pkey);
	if (error != NULL) {
		*error_r = t_strdup_printf("%s: %s", tls_setting_name(b, "ssl_dh"), error);
		return -1;
	}
	return 0;
}

/* ---- one SSL_CTX ---- */

static int tls_ssl_ctx_protocol(SSL_CTX *ssl_ctx, const struct tls_build *b,
				const struct tls_settings *set, const char **error_r)
{
	uint64_t options = SSL_OP_NO_RENEGOTIATION | SSL_OP_IGNORE_UNEXPECTED_EOF |
			   SSL_OP_NO_COMPRESSION;
	uint64_t extra;
	int version;

	if (tls_settings_min_protocol(set->ssl_min_protocol, &version) < 0 ||
	    SSL_CTX_set_min_proto_version(ssl_ctx, version) != 1) {
		*error_r = t_strdup_printf("%s: unsupported value '%s'",
					   tls_setting_name(b, "ssl_min_protocol"),
					   set->ssl_min_protocol);
		return -1;
	}
	if (tls_settings_options(set->ssl_options, &extra, error_r) < 0)
		return -1;
	options |= extra;
	if (set->ssl_prefer_server_ciphers)
		options |= SSL_OP_CIPHER_SERVER_PREFERENCE;
	SSL_CTX_set_options(ssl_ctx, options);
	SSL_CTX_set_mode(ssl_ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
					  SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
					  SSL_MODE_RELEASE_BUFFERS);

	ERR_clear_error();
	if (SSL_CTX_set_cipher_list(ssl_ctx, set->ssl_cipher_list) != 1) {
		*error_r = t_strdup_printf("%s: invalid cipher list '%s': %s",
					   tls_setting_name(b, "ssl_cipher_list"),
					   set->ssl_cipher_list, tls_error_pop("no cipher match", NULL));
		return -1;
	}
	if (set->ssl_cipher_suites[0] != '\0' &&
	    SSL_CTX_set_ciphersuites(ssl_ctx, set->ssl_cipher_suites) != 1) {
		*error_r = t_strdup_printf("%s: invalid TLSv1.3 cipher suites '%s': %s",
					   tls_setting_name(b, "ssl_cipher_suites"),
					   set->ssl_cipher_suites, tls_error_pop("no cipher match", NULL));
		return -1;
	}
	if (set->ssl_curve_list[0] != '\0' &&
	    SSL_CTX_set1_groups_list(ssl_ctx, set->ssl_curve_list) != 1) {
		*error_r = t_strdup_printf("%s: invalid curve list '%s': %s",
					   tls_setting_name(b, "ssl_curve_list"), set->ssl_curve_list,
					   tls_error_pop("unknown curve", NULL));
		return -1;
	}
	return 0;
}

static int tls_ssl_ctx_load(SSL_CTX *ssl_ctx, const struct tls_build *b,
			    const struct tls_settings *set, const char **error_r)
{
	if (tls_ssl_ctx_protocol(ssl_ctx, b, set, error_r) < 0)
		return -1;
	if (set->ssl_dh[0] == '\0')
		SSL_CTX_set_dh_auto(ssl_ctx, 1); /* RFC 7919 groups sized to the key */
	else if (tls_load_dh(ssl_ctx, b, set->ssl_dh, error_r) < 0)
		return -1;
	if (tls_load_cert(ssl_ctx, b, "ssl_cert", set->ssl_cert, error_r) < 0 ||
	    tls_load_key(ssl_ctx, b, "ssl_key", "ssl_cert", set->ssl_key, set->ssl_key_password,
			 error_r) < 0)
		return -1;
	if (set->ssl_alt_cert[0] != '\0' &&
	    (tls_load_cert(ssl_ctx, b, "ssl_alt_cert", set->ssl_alt_cert, error_r) < 0 ||
	     tls_load_key(ssl_ctx, b, "ssl_alt_key", "ssl_alt_cert", set->ssl_alt_key,
			  set->ssl_key_password, error_r) < 0))
		return -1;
	if (set->ssl_ca[0] != '\0' && tls_load_ca(ssl_ctx, b, set->ssl_ca, error_r) < 0)
		return -1;
	return 0;
}

static int tls_ssl_ctx_create(const struct tls_build *b, const struct tls_settings *set,
			      SSL_CTX **ssl_ctx_r, const char **error_r)
{
	SSL_CTX *ssl_ctx;

	if (set->ssl_cert[0] == '\0' || set->ssl_key[0] == '\0') {
		*error_r = t_strdup_printf("%sssl enabled, but %s not set",
					   b->name_node == NULL ? "" :
					   t_strdup_printf("local_name %s: ", b->name_node->name),
					   set->ssl_cert[0] == '\0' ? "ssl_cert" : "ssl_key");
		return -1;
	}
	ERR_clear_error();
	ssl_ctx = SSL_CTX_new(TLS_server_method());
	if (ssl_ctx == NULL) {
		*error_r = t_strdup_printf("SSL_CTX_new() failed: %s",
					   tls_error_pop("unknown", NULL));
		return -1;
	}
	if (tls_ssl_ctx_load(ssl_ctx, b, set, error_r) < 0) {
		SSL_CTX_free(ssl_ctx);
		ERR_clear_error();
		return -1;
	}
	*ssl_ctx_r = ssl_ctx;
	return 0;
}

/* ---- SNI ---- */

static int tls_servername_cb(SSL *ssl, int *alert, void *context)
{
	struct tls_context *ctx = context;
	const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
	unsigned int i;

	if (name == NULL)
		return SSL_TLSEXT_ERR_NOACK;
	/* tls-conn.c keeps the name for the log; see tls_conn_servername() */
	name = tls_conn_servername(ssl, name);
	for (i = array_count(&ctx->names); i > 0; i--) {
		const struct tls_name_context *nctx = array_idx(&ctx->names, i - 1);

		if (tls_name_match(nctx->pattern, name)) {
			if (SSL_set_SSL_CTX(ssl, nctx->ssl_ctx) == NULL)
				return SSL_TLSEXT_ERR_ALERT_FATAL;
			break;
		}
	}
	return SSL_TLSEXT_ERR_OK;
}

/* ---- the context ---- */

ARRAY_DEFINE_TYPE(tls_config_node, const struct config_node *);

static void tls_collect_names(const struct config_node *section, const char *protocol,
			      ARRAY_TYPE(tls_config_node) *names)
{
	for (const struct config_node *node = section->children; node != NULL;
	     node = node->next) {
		if (node->type != CONFIG_NODE_SECTION || node->name == NULL)
			continue;
		if (strcmp(node->key, "local_name") == 0) {
			array_push(names, &node);
		} else if (strcmp(node->key, "protocol") == 0 && protocol != NULL &&
			   (node->name[0] == '!' ? strcmp(node->name + 1, protocol) != 0 :
						   strcmp(node->name, protocol) == 0)) {
			tls_collect_names(node, protocol, names);
		}
	}
}

static void tls_context_free(struct tls_context *ctx)
{
	array_foreach(&ctx->names, nctx)
		SSL_CTX_free(nctx->ssl_ctx);
	SSL_CTX_free(ctx->ssl_ctx);
	pool_unref(&ctx->pool);
}

static int tls_context_add_name(struct tls_context *ctx, const struct tls_build *global_b,
				const struct tls_settings *global_set,
				const struct config_node *node, const char **error_r)
{
	struct settings_filter filter = { 0 };
	struct tls_build b = *global_b;
	struct tls_name_context *nctx;
	struct tls_settings *set;
	const char *const *words = p_strsplit_spaces(pool_temp, node->name, " ");
	void *setp;
	const char *error;

	if (words[0] == NULL)
		return 0;
	if (global_b->filter != NULL)
		filter = *global_b->filter;
	filter.local_name = words[0];
	b.name_node = node;
	if (settings_to_struct(b.tree, b.tree->root, &tls_setting_table, &filter, pool_temp,
			       &setp, &error) < 0) {
		*error_r = t_strdup_printf("local_name %s: %s", node->name, error);
		return -1;
	}
	set = setp;
	nctx = array_append_space(&ctx->names);
	nctx->pattern = p_strdup(ctx->pool, node->name);
	if (strcmp(set->ssl_cert, global_set->ssl_cert) == 0 &&
	    strcmp(set->ssl_key, global_set->ssl_key) == 0 &&
	    strcmp(set->ssl_ca, global_set->ssl_ca) == 0 &&
	    strcmp(set->ssl_dh, global_set->ssl_dh) == 0) {
		/* nothing of its own for TLS: share the global context */
		SSL_CTX_up_ref(ctx->ssl_ctx);
		nctx->ssl_ctx = ctx->ssl_ctx;
		return 0;
	}
	if (tls_ssl_ctx_create(&b, set, &nctx->ssl_ctx, error_r) < 0) {
		array_delete(&ctx->names, array_count(&ctx->names) - 1, 1);
		return -1;
	}
	return 0;
}

int tls_context_create(const struct config_tree *tree, const struct settings_filter *filter,
		       struct tls_context **ctx_r, const char **error_r)
{
	struct tls_build b = { .tree = tree, .filter = filter };
	ARRAY_TYPE(tls_config_node) names;
	struct tls_context *ctx;
	struct tls_settings *set;
	const struct config_node *node;
	void *setp;
	pool_t pool;

	if (settings_to_struct(tree, tree->root, &tls_setting_table, filter, pool_temp, &setp,
			       error_r) < 0)
		return -1;
	set = setp;
	if (!tls_settings_enabled(set)) {
		*error_r = "ssl = no";
		return -1;
	}
	pool = pool_alloconly_create("tls context", 1024);
	ctx = p_new(pool, struct tls_context, 1);
	ctx->pool = pool;
	ctx->refcount = 1;
	p_array_init(&ctx->names, pool, 4);
	if (tls_ssl_ctx_create(&b, set, &ctx->ssl_ctx, error_r) < 0) {
		pool_unref(&pool);
		return -1;
	}
	p_array_init(&names, pool_temp, 4);
	tls_collect_names(tree->root, filter == NULL ? NULL : filter->protocol, &names);
	array_foreach_elem(&names, node) {
		if (tls_context_add_name(ctx, &b, set, node, error_r) < 0) {
			tls_context_free(ctx);
			return -1;
		}
	}
	SSL_CTX_set_tlsext_servername_callback(ctx->ssl_ctx, tls_servername_cb);
	SSL_CTX_set_tlsext_servername_arg(ctx->ssl_ctx, ctx);
	*ctx_r = ctx;
	return 0;
}

void tls_context_ref(struct tls_context *ctx)
{
	i_assert(ctx->refcount > 0);
	ctx->refcount++;
}

void tls_context_unref(struct tls_context **_ctx)
{
	struct tls_context *ctx = *_ctx;

	if (ctx == NULL)
		return;
	*_ctx = NULL;
	i_assert(ctx->refcount > 0);
	if (--ctx->refcount == 0)
		tls_context_free(ctx);
}

unsigned int tls_context_get_name_count(const struct tls_context *ctx)
{
	return array_count(&ctx->names);
}

unsigned int tls_context_get_handshakes(const struct tls_context *ctx)
{
	return ctx->handshakes;
}

unsigned int tls_context_get_handshake_failures(const struct tls_context *ctx)
{
	return ctx->handshake_failures;
}

/* ---- the master's check ---- */

static bool tls_tree_has_key_material(const struct config_node *section)
{
	for (const struct config_node *node = section->children; node != NULL;
	     node = node->next) {
		if (node->type == CONFIG_NODE_SECTION) {
			if (settings_is_filter_section(node->key) &&
			    tls_tree_has_key_material(node))
				return true;
		} else if ((strcmp(node->key, "ssl_cert") == 0 ||
			    strcmp(node->key, "ssl_key") == 0) &&
			   node->value != NULL && node->value[0] != '\0') {
			return true;
		}
	}
	return false;
}

static int tls_config_check_filter(const struct config_tree *tree,
				   const struct settings_filter *filter, const char **error_r)
{
	struct tls_context *ctx;
	void *setp;

	if (settings_to_struct(tree, tree->root, &tls_setting_table, filter, pool_temp, &setp,
			       error_r) < 0)
		return -1;
	if (!tls_settings_enabled(setp))
		return 0;
	if (tls_context_create(tree, filter, &ctx, error_r) < 0)
		return -1;
	tls_context_unref(&ctx);
	return 0;
}

int tls_config_check(const struct config_tree *tree, const char **error_r)
{
	struct tls_settings *set;
	void *setp;

	if (settings_to_struct(tree, tree->root, &tls_setting_table, NULL, pool_temp, &setp,
			       error_r) < 0)
		return -1;
	set = setp;
	if (!tls_settings_enabled(set))
		return 0;
	if (!tls_tree_has_key_material(tree->root)) {
		if (strcmp(set->ssl, "required") != 0)
			return 0;
		*error_r = "ssl = required, but ssl_cert not set";
		return -1;
	}
	if (tls_config_check_filter(tree, NULL, error_r) < 0)
		return -1;
	for (const struct config_node *node = tree->root->children; node != NULL;
	     node = node->next) {
		struct settings_filter filter = { 0 };

		if (node->type != CONFIG_NODE_SECTION || strcmp(node->key, "protocol") != 0 ||
		    node->name == NULL || node->name[0] == '!')
			continue;
		filter.protocol = node->name;
		if (tls_config_check_filter(tree, &filter, error_r) < 0) {
			*error_r = t_strdup_printf("protocol %s: %s", node->name, *error_r);
			return -1;
		}
	}
	return 0;
}
