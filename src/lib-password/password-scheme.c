#include "lib.h"
#include "base64.h"
#include "hex.h"
#include "md5.h"
#include "password-crypto.h"
#include "password-scheme-private.h"

#include <stdio.h>
#include <strings.h>

/* Longer names are never valid, and this bounds what an error repeats. */
#define PASSWORD_SCHEME_NAME_MAX 32

#define SCHEME(_name, _alias, _enc, _size, _param, _verify, _generate)                             \
	{                                                                                          \
		.name = _name, .alias_of = _alias, .encoding = PASSWORD_ENCODING_##_enc,           \
		.raw_size = _size, .param = _param, .verify = _verify, .generate = _generate,      \
	}
#define SCHEME_ROUNDS(_name, _alias, _param, _def, _min, _max, _verify, _generate)                 \
	{                                                                                          \
		.name = _name, .alias_of = _alias, .encoding = PASSWORD_ENCODING_NONE,             \
		.param = _param, .default_rounds = _def, .min_rounds = _min, .max_rounds = _max,   \
		.verify = _verify, .generate = _generate,                                          \
	}
#define PLAIN_SCHEME(_name, _alias)                                                                \
	SCHEME(_name, _alias, NONE, 0, NULL, password_plain_verify, password_plain_generate)
#define DIGEST_SCHEME(_name, _alias, _enc, _size, _digest)                                         \
	SCHEME(_name, _alias, _enc, _size, _digest, password_digest_verify,                        \
	       password_digest_generate)
#define SALTED_SCHEME(_name, _digest)                                                              \
	SCHEME(_name, NULL, BASE64, 0, _digest, password_digest_salted_verify,                     \
	       password_digest_salted_generate)
#define CRYPT_SCHEME(_name, _prefix, _def, _min, _max)                                             \
	SCHEME_ROUNDS(_name, NULL, _prefix, _def, _min, _max, password_crypt_verify,               \
		      password_crypt_generate)
#define CRAM_SCHEME(_name, _alias)                                                                 \
	SCHEME(_name, _alias, HEX, PASSWORD_CRAM_MD5_SECRET_SIZE, NULL, password_cram_md5_verify,  \
	       password_cram_md5_generate)

static const struct password_scheme password_schemes[] = {
	PLAIN_SCHEME("PLAIN", NULL),
	PLAIN_SCHEME("CLEAR", "PLAIN"),
	PLAIN_SCHEME("CLEARTEXT", "PLAIN"),
	/* Dovecot 2.3 generates bcrypt for CRYPT */
	CRYPT_SCHEME("CRYPT", "$2y$", 5, 4, 31),
	CRYPT_SCHEME("DES-CRYPT", "", 0, 0, 0),
	SCHEME_ROUNDS("MD5-CRYPT", NULL, "$1$", 0, 0, 0, password_crypt_md5_verify,
		      password_crypt_generate),
	/* 0 rounds = libxcrypt's default of 5000, written without "rounds=" */
	CRYPT_SCHEME("SHA256-CRYPT", "$5$", 0, 1000, 999999999),
	CRYPT_SCHEME("SHA512-CRYPT", "$6$", 0, 1000, 999999999),
	CRYPT_SCHEME("BLF-CRYPT", "$2y$", 5, 4, 31),
	SCHEME("MD5", NULL, NONE, 0, "$1$", password_digest_md5_verify, password_crypt_generate),
	DIGEST_SCHEME("PLAIN-MD5", NULL, HEX, 16, "MD5"),
	DIGEST_SCHEME("LDAP-MD5", NULL, BASE64, 16, "MD5"),
	SALTED_SCHEME("SMD5", "MD5"),
	DIGEST_SCHEME("SHA", NULL, BASE64, 20, "SHA1"),
	DIGEST_SCHEME("SHA1", "SHA", BASE64, 20, "SHA1"),
	SALTED_SCHEME("SSHA", "SHA1"),
	DIGEST_SCHEME("SHA256", NULL, BASE64, 32, "SHA256"),
	SALTED_SCHEME("SSHA256", "SHA256"),
	DIGEST_SCHEME("SHA512", NULL, BASE64, 64, "SHA512"),
	SALTED_SCHEME("SSHA512", "SHA512"),
	SCHEME_ROUNDS("PBKDF2", NULL, "SHA1", 5000, 1, PASSWORD_MAX_ITERATIONS,
		      password_pbkdf2_verify, password_pbkdf2_generate),
	SCHEME_ROUNDS("ARGON2I", NULL, "argon2i", 4, 3, 100, password_argon2_verify,
		      password_argon2_generate),
	SCHEME_ROUNDS("ARGON2ID", NULL, "argon2id", 3, 1, 100, password_argon2_verify,
		      password_argon2_generate),
	CRAM_SCHEME("CRAM-MD5", NULL),
	CRAM_SCHEME("HMAC-MD5", "CRAM-MD5"),
	SCHEME_ROUNDS("SCRAM-SHA-1", NULL, "SHA-1", PASSWORD_SCRAM_DEFAULT_ITERATIONS,
		      PASSWORD_SCRAM_DEFAULT_ITERATIONS, PASSWORD_MAX_ITERATIONS,
		      password_scram_verify, password_scram_generate),
	SCHEME_ROUNDS("SCRAM-SHA-256", NULL, "SHA-256", PASSWORD_SCRAM_DEFAULT_ITERATIONS,
		      PASSWORD_SCRAM_DEFAULT_ITERATIONS, PASSWORD_MAX_ITERATIONS,
		      password_scram_verify, password_scram_generate),
};

/* A stored password split into its scheme and data. */
struct password_stored {
	const struct password_scheme *scheme;
	enum password_encoding encoding;
	bool explicit_encoding;
	const char *data;
};

static char password_error_buf[256];
static const char *password_scheme_names[N_ELEMENTS(password_schemes) + 1];

const char *password_error(const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vsnprintf(password_error_buf, sizeof(password_error_buf), fmt, args);
	va_end(args);
	return password_error_buf;
}

const char *password_scheme_error(const struct password_scheme *scheme, const char *fmt, ...)
{
	va_list args;
	int len;

	len = snprintf(password_error_buf, sizeof(password_error_buf), "%s: ", scheme->name);
	va_start(args, fmt);
	vsnprintf(password_error_buf + len, sizeof(password_error_buf) - (size_t)len, fmt, args);
	va_end(args);
	return password_error_buf;
}

int password_scheme_raw_string(const struct password_scheme *scheme, const unsigned char *raw,
			       size_t size, const char **error_r)
{
	if (memchr(raw, '\0', size) != NULL) {
		*error_r = password_scheme_error(scheme, "stored hash contains a NUL byte");
		return -1;
	}
	return 0;
}

/* The name may come from a passdb entry: repeat only a bounded, printable
   form of it. */
static const char *password_unknown_scheme_error(const char *name, size_t len)
{
	char safe[PASSWORD_SCHEME_NAME_MAX + 1];
	size_t i, n = MIN(len, PASSWORD_SCHEME_NAME_MAX);

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			  (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';

		safe[i] = ok ? (char)c : '?';
	}
	safe[n] = '\0';
	snprintf(password_error_buf, sizeof(password_error_buf), "Unknown password scheme '%s%s'",
		 safe, len > n ? "..." : "");
	return password_error_buf;
}

static bool password_suffix_is(const char *suffix, size_t len, const char *name)
{
	return len == strlen(name) && strncasecmp(suffix, name, len) == 0;
}

/* Finds name[0..len) with an optional encoding suffix. */
static const struct password_scheme *password_scheme_find(const char *name, size_t len,
							  enum password_encoding *encoding_r,
							  bool *explicit_r)
{
	const char *dot = memrchr(name, '.', len);
	size_t base_len = len;
	unsigned int i;

	*explicit_r = false;
	if (dot != NULL) {
		const char *suffix = dot + 1;
		size_t suffix_len = len - (size_t)(suffix - name);

		if (password_suffix_is(suffix, suffix_len, "HEX"))
			*encoding_r = PASSWORD_ENCODING_HEX;
		else if (password_suffix_is(suffix, suffix_len, "B64") ||
			 password_suffix_is(suffix, suffix_len, "BASE64"))
			*encoding_r = PASSWORD_ENCODING_BASE64;
		else
			return NULL;
		*explicit_r = true;
		base_len = (size_t)(dot - name);
	}
	for (i = 0; i < N_ELEMENTS(password_schemes); i++) {
		const struct password_scheme *scheme = &password_schemes[i];

		if (strlen(scheme->name) == base_len &&
		    strncasecmp(scheme->name, name, base_len) == 0) {
			if (!*explicit_r)
				*encoding_r = scheme->encoding;
			return scheme;
		}
	}
	return NULL;
}

static bool password_scheme_is_pbkdf2(const char *name)
{
	const struct password_scheme *scheme;
	enum password_encoding encoding;
	bool explicit_encoding;

	if (name == NULL)
		return false;
	scheme = password_scheme_find(name, strlen(name), &encoding, &explicit_encoding);
	return scheme != NULL && scheme->verify == password_pbkdf2_verify;
}

static int password_stored_parse(const char *stored, const char *default_scheme,
				 struct password_stored *stored_r, const char **error_r)
{
	const char *name, *end;
	size_t len;

	if (stored[0] == '{' && (end = strchr(stored, '}')) != NULL) {
		name = stored + 1;
		len = (size_t)(end - name);
		stored_r->data = end + 1;
	} else if (str_begins(stored, "$1$", NULL) &&
		   !password_scheme_is_pbkdf2(default_scheme)) {
		/* Dovecot reads bare $1$ data as MD5-CRYPT whatever the
		   default scheme, and entries in the wild rely on it; only
		   PBKDF2's own format starts with $1$ too */
		name = "MD5-CRYPT";
		len = strlen(name);
		stored_r->data = stored;
	} else if (default_scheme != NULL) {
		name = default_scheme;
		len = strlen(name);
		stored_r->data = stored;
	} else {
		*error_r = "Stored password has no {SCHEME} prefix and there is no default scheme";
		return -1;
	}
	stored_r->scheme = password_scheme_find(name, len, &stored_r->encoding,
						&stored_r->explicit_encoding);
	if (stored_r->scheme == NULL) {
		*error_r = password_unknown_scheme_error(name, len);
		return -1;
	}
	return 0;
}

/* Decodes the stored data into dest (NUL-terminated, as buffers are). */
static int password_stored_decode(const struct password_stored *stored, buffer_t *dest,
				  const char **error_r)
{
	const struct password_scheme *scheme = stored->scheme;
	const char *data = stored->data, *error;
	size_t len = strlen(data);

	switch (stored->encoding) {
	case PASSWORD_ENCODING_NONE:
		buffer_append(dest, data, len);
		break;
	case PASSWORD_ENCODING_HEX:
		if (hex_decode(data, len, dest, &error) == 0)
			break;
		if (stored->explicit_encoding) {
			*error_r = password_scheme_error(
				scheme, "stored hash is not valid hex (%s)", error);
			return -1;
		}
		/* hex schemes accept base64 too, as in Dovecot */
		if (base64_decode(data, len, dest, &error) < 0) {
			*error_r = password_scheme_error(scheme,
							 "stored hash is neither hex nor base64");
			return -1;
		}
		break;
	case PASSWORD_ENCODING_BASE64:
		/* a fixed-size hash at twice its size can only be hex */
		if (!stored->explicit_encoding && scheme->raw_size > 0 &&
		    len == scheme->raw_size * 2 && hex_decode(data, len, dest, &error) == 0)
			break;
		if (base64_decode(data, len, dest, &error) < 0) {
			*error_r = password_scheme_error(
				scheme, "stored hash is not valid base64 (%s)", error);
			return -1;
		}
		break;
	}
	if (scheme->raw_size != 0 && dest->used != scheme->raw_size) {
		*error_r = password_scheme_error(scheme, "stored hash has %zu bytes instead of %zu",
						 dest->used, scheme->raw_size);
		return -1;
	}
	return 0;
}

/* Parses and decodes stored; *raw_r is to be released with
   password_raw_free(). */
static int password_stored_get_raw(const char *stored, const char *default_scheme,
				   struct password_stored *stored_r, buffer_t **raw_r,
				   const char **error_r)
{
	if (password_stored_parse(stored, default_scheme, stored_r, error_r) < 0)
		return -1;
	/* sized so that decoding never reallocates and leaves copies of a
	   plaintext behind in freed memory */
	*raw_r = buffer_create_dynamic(pool_system, strlen(stored_r->data) + 1);
	return password_stored_decode(stored_r, *raw_r, error_r);
}

static void password_raw_free(buffer_t **raw)
{
	if (*raw == NULL)
		return;
	explicit_bzero((*raw)->data, (*raw)->alloc);
	buffer_free(raw);
}

int password_verify(const char *plaintext, const char *stored, const char *default_scheme,
		    const char *user, const char **error_r)
{
	struct password_stored parsed;
	buffer_t *raw = NULL;
	int ret;

	if (password_stored_get_raw(stored, default_scheme, &parsed, &raw, error_r) < 0)
		ret = -1;
	else
		ret = parsed.scheme->verify(parsed.scheme, plaintext, raw->data, raw->used,
					    error_r);
	password_raw_free(&raw);
	return ret;
}

int password_generate(const char *plaintext, const char *scheme, const char *user, pool_t pool,
		      const char **result_r, const char **error_r)
{
	return password_generate_rounds(plaintext, scheme, user, 0, pool, result_r, error_r);
}

static int password_check_rounds(const struct password_scheme *scheme, unsigned int *rounds,
				 const char **error_r)
{
	if (*rounds == 0) {
		*rounds = scheme->default_rounds;
		return 0;
	}
	if (scheme->max_rounds == 0) {
		*error_r = password_scheme_error(scheme, "the scheme takes no rounds");
		return -1;
	}
	if (*rounds < scheme->min_rounds || *rounds > scheme->max_rounds) {
		*error_r = password_scheme_error(scheme, "rounds must be between %u and %u",
						 scheme->min_rounds, scheme->max_rounds);
		return -1;
	}
	return 0;
}

int password_generate_rounds(const char *plaintext, const char *scheme_name, const char *user,
			     unsigned int rounds, pool_t pool, const char **result_r,
			     const char **error_r)
{
	const struct password_scheme *scheme;
	enum password_encoding encoding;
	bool explicit_encoding;
	buffer_t *raw;
	string_t *str;
	size_t name_len = strlen(scheme_name);

	scheme = password_scheme_find(scheme_name, name_len, &encoding, &explicit_encoding);
	if (scheme == NULL) {
		*error_r = password_unknown_scheme_error(scheme_name, name_len);
		return -1;
	}
	if (password_check_rounds(scheme, &rounds, error_r) < 0)
		return -1;

	raw = buffer_create_dynamic(pool_system, strlen(plaintext) + 512);
	if (scheme->generate(scheme, plaintext, rounds, raw, error_r) < 0) {
		password_raw_free(&raw);
		return -1;
	}
	str = str_new(pool, name_len + 3 + raw->used * 2);
	str_append_c(str, '{');
	for (size_t i = 0; i < name_len; i++) {
		unsigned char c = (unsigned char)scheme_name[i];

		str_append_c(str, (char)(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c));
	}
	str_append_c(str, '}');
	switch (encoding) {
	case PASSWORD_ENCODING_NONE:
		str_append_data(str, raw->data, raw->used);
		break;
	case PASSWORD_ENCODING_HEX:
		hex_encode(raw->data, raw->used, str);
		break;
	case PASSWORD_ENCODING_BASE64:
		base64_encode(raw->data, raw->used, str);
		break;
	}
	password_raw_free(&raw);
	*result_r = str_c(str);
	return 0;
}

const char *password_scheme_canonical(const char *name)
{
	const struct password_scheme *scheme;
	enum password_encoding encoding;
	bool explicit_encoding;

	scheme = password_scheme_find(name, strlen(name), &encoding, &explicit_encoding);
	if (scheme == NULL)
		return NULL;
	return scheme->alias_of != NULL ? scheme->alias_of : scheme->name;
}

const char *const *password_schemes_get_names(void)
{
	if (password_scheme_names[0] == NULL) {
		for (unsigned int i = 0; i < N_ELEMENTS(password_schemes); i++)
			password_scheme_names[i] = password_schemes[i].name;
	}
	return password_scheme_names;
}

int password_get_plaintext(const char *stored, const char *default_scheme, pool_t pool,
			   const char **plaintext_r, const char **error_r)
{
	struct password_stored parsed;
	buffer_t *raw = NULL;
	int ret = 1;

	if (password_stored_get_raw(stored, default_scheme, &parsed, &raw, error_r) < 0) {
		ret = -1;
	} else if (parsed.scheme->verify != password_plain_verify) {
		*error_r = password_scheme_error(parsed.scheme, "cannot provide the plaintext");
		ret = 0;
	} else if (memchr(raw->data, '\0', raw->used) != NULL) {
		*error_r = password_scheme_error(parsed.scheme, "stored password has a NUL byte");
		ret = -1;
	} else {
		*plaintext_r = p_strndup(pool, raw->data, raw->used);
	}
	password_raw_free(&raw);
	return ret;
}

int password_get_cram_md5_secret(const char *stored, const char *default_scheme,
				 unsigned char secret_r[PASSWORD_CRAM_MD5_SECRET_SIZE],
				 const char **error_r)
{
	struct password_stored parsed;
	buffer_t *raw = NULL;
	int ret = 1;

	if (password_stored_get_raw(stored, default_scheme, &parsed, &raw, error_r) < 0) {
		ret = -1;
	} else if (parsed.scheme->verify == password_cram_md5_verify) {
		memcpy(secret_r, raw->data, PASSWORD_CRAM_MD5_SECRET_SIZE);
	} else if (parsed.scheme->verify == password_plain_verify) {
		password_cram_md5_secret(raw->data, raw->used, secret_r);
	} else {
		*error_r = password_scheme_error(parsed.scheme, "cannot provide CRAM-MD5 secrets");
		ret = 0;
	}
	password_raw_free(&raw);
	return ret;
}

int password_get_apop_digest(const char *stored, const char *default_scheme,
			     const char *timestamp,
			     unsigned char digest_r[PASSWORD_APOP_DIGEST_SIZE], const char **error_r)
{
	struct password_stored parsed;
	struct md5_context ctx;
	buffer_t *raw = NULL;
	int ret = 1;

	if (password_stored_get_raw(stored, default_scheme, &parsed, &raw, error_r) < 0) {
		ret = -1;
	} else if (parsed.scheme->verify == password_plain_verify) {
		md5_init(&ctx);
		md5_update(&ctx, timestamp, strlen(timestamp));
		md5_update(&ctx, raw->data, raw->used);
		md5_final(&ctx, digest_r);
		explicit_bzero(&ctx, sizeof(ctx));
	} else {
		*error_r = password_scheme_error(parsed.scheme, "cannot provide the plaintext");
		ret = 0;
	}
	password_raw_free(&raw);
	return ret;
}

int password_get_scram_secrets(const char *stored, const char *default_scheme, const char *hash,
			       pool_t pool, struct password_scram_secrets *secrets_r,
			       const char **error_r)
{
	struct password_stored parsed;
	unsigned char salt[PASSWORD_SCRAM_SALT_SIZE];
	buffer_t *raw = NULL;
	int ret = 1;

	if (strcasecmp(hash, "SHA-1") != 0 && strcasecmp(hash, "SHA-256") != 0) {
		*error_r = "Unknown SCRAM hash (expected SHA-1 or SHA-256)";
		return -1;
	}
	if (password_stored_get_raw(stored, default_scheme, &parsed, &raw, error_r) < 0) {
		ret = -1;
	} else if (parsed.scheme->verify == password_scram_verify) {
		if (strcasecmp(parsed.scheme->param, hash) != 0) {
			*error_r = password_scheme_error(parsed.scheme,
							 "cannot provide SCRAM-%s secrets",
							 hash);
			ret = 0;
		} else if (password_scheme_raw_string(parsed.scheme, raw->data, raw->used,
						      error_r) < 0 ||
			   password_scram_secrets_parse(parsed.scheme, (const char *)raw->data,
							pool, secrets_r, error_r) < 0) {
			ret = -1;
		}
	} else if (parsed.scheme->verify == password_plain_verify) {
		if (password_crypto_random(salt, sizeof(salt), error_r) < 0 ||
		    password_scram_secrets_compute(raw->data, raw->used, hash,
						   PASSWORD_SCRAM_DEFAULT_ITERATIONS, salt,
						   sizeof(salt), pool, secrets_r, error_r) < 0)
			ret = -1;
	} else {
		*error_r = password_scheme_error(parsed.scheme, "cannot provide SCRAM-%s secrets",
						 hash);
		ret = 0;
	}
	password_raw_free(&raw);
	return ret;
}
