#include "lib.h"
#include "password-crypto.h"
#include "password-scheme-private.h"

#include <argon2.h>

/* What Dovecot (libsodium's "interactive" limits) writes: 32 MiB for
   argon2i, 64 MiB for argon2id, one lane, 16 bytes of salt, 32 of hash. */
#define PASSWORD_ARGON2I_MEMORY_KIB 32768
#define PASSWORD_ARGON2ID_MEMORY_KIB 65536
#define PASSWORD_ARGON2_SALT_SIZE 16
#define PASSWORD_ARGON2_HASH_SIZE 32

/* Costs past these make a stored entry malformed (see password-scheme.h). */
#define PASSWORD_ARGON2_MAX_MEMORY_KIB (1024 * 1024)
#define PASSWORD_ARGON2_MAX_TIME 100
#define PASSWORD_ARGON2_MAX_PARALLELISM 16

static bool password_argon2_get_type(const char *hash, argon2_type *type_r, const char **rest_r)
{
	if (str_begins(hash, "$argon2id$", rest_r)) {
		*type_r = Argon2_id;
		return true;
	}
	if (str_begins(hash, "$argon2i$", rest_r)) {
		*type_r = Argon2_i;
		return true;
	}
	return false;
}

static int password_argon2_parse_cost(const char **p, const char *key, uint64_t max)
{
	uint64_t value;

	if (!str_begins(*p, key, p) || str_parse_uint64(*p, &value, p) < 0 || value > max)
		return -1;
	return 0;
}

/* Checks the costs in "[v=19$]m=M,t=T,p=P$..." before libargon2 acts on
   them; libargon2 checks the rest. */
static int password_argon2_check_costs(const char *p)
{
	const char *end;

	if (str_begins(p, "v=", NULL)) {
		if ((end = strchr(p, '$')) == NULL)
			return -1;
		p = end + 1;
	}
	if (password_argon2_parse_cost(&p, "m=", PASSWORD_ARGON2_MAX_MEMORY_KIB) < 0 ||
	    password_argon2_parse_cost(&p, ",t=", PASSWORD_ARGON2_MAX_TIME) < 0 ||
	    password_argon2_parse_cost(&p, ",p=", PASSWORD_ARGON2_MAX_PARALLELISM) < 0 || *p != '$')
		return -1;
	return 0;
}

int password_argon2_verify(const struct password_scheme *scheme, const char *plaintext,
			   const unsigned char *raw, size_t size, const char **error_r)
{
	const char *hash = (const char *)raw, *rest;
	argon2_type type;
	int ret;

	if (password_scheme_raw_string(scheme, raw, size, error_r) < 0)
		return -1;
	/* either variant under either name, as Dovecot (libsodium) does */
	if (!password_argon2_get_type(hash, &type, &rest)) {
		*error_r = password_scheme_error(scheme,
						 "stored hash is not $argon2i$ or $argon2id$");
		return -1;
	}
	if (password_argon2_check_costs(rest) < 0) {
		*error_r = password_scheme_error(
			scheme, "stored costs are malformed or above m=%u,t=%u,p=%u",
			PASSWORD_ARGON2_MAX_MEMORY_KIB, PASSWORD_ARGON2_MAX_TIME,
			PASSWORD_ARGON2_MAX_PARALLELISM);
		return -1;
	}
	ret = argon2_verify(hash, plaintext, strlen(plaintext), type);
	if (ret == ARGON2_OK)
		return 1;
	if (ret == ARGON2_VERIFY_MISMATCH)
		return 0;
	*error_r = password_scheme_error(scheme, "%s", argon2_error_message(ret));
	return -1;
}

int password_argon2_generate(const struct password_scheme *scheme, const char *plaintext,
			     unsigned int rounds, buffer_t *dest, const char **error_r)
{
	argon2_type type = strcmp(scheme->param, "argon2id") == 0 ? Argon2_id : Argon2_i;
	uint32_t memory = type == Argon2_id ? PASSWORD_ARGON2ID_MEMORY_KIB :
					      PASSWORD_ARGON2I_MEMORY_KIB;
	unsigned char salt[PASSWORD_ARGON2_SALT_SIZE];
	const char *error;
	size_t encoded_len;
	char *encoded;
	int ret;

	if (password_crypto_random(salt, sizeof(salt), &error) < 0) {
		*error_r = password_scheme_error(scheme, "%s", error);
		return -1;
	}
	encoded_len = argon2_encodedlen(rounds, memory, 1, sizeof(salt),
					PASSWORD_ARGON2_HASH_SIZE, type);
	encoded = i_malloc(encoded_len + 1);
	ret = argon2_hash(rounds, memory, 1, plaintext, strlen(plaintext), salt, sizeof(salt),
			  NULL, PASSWORD_ARGON2_HASH_SIZE, encoded, encoded_len + 1, type,
			  ARGON2_VERSION_13);
	if (ret != ARGON2_OK) {
		*error_r = password_scheme_error(scheme, "%s", argon2_error_message(ret));
		i_free(encoded);
		return -1;
	}
	buffer_append(dest, encoded, strlen(encoded));
	i_free(encoded);
	return 0;
}
