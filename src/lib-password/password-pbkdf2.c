#include "lib.h"
#include "base64.h"
#include "hex.h"
#include "password-crypto.h"
#include "password-scheme-private.h"

/* Dovecot's format: "$1$salt$rounds$hex", PBKDF2-HMAC-SHA1 of 20 bytes.
   The salt is used as the text it is, not decoded. */
#define PBKDF2_HASH_SIZE 20
/* 12 random bytes make a 16-character base64 salt, as Dovecot writes. */
#define PBKDF2_SALT_RANDOM_SIZE 12

struct pbkdf2_entry {
	const char *salt;
	size_t salt_len;
	unsigned int rounds;
	unsigned char hash[PBKDF2_HASH_SIZE];
};

static int password_pbkdf2_parse_rounds(const char *str, size_t len, unsigned int *rounds_r)
{
	char digits[11];

	if (len == 0 || len >= sizeof(digits))
		return -1;
	memcpy(digits, str, len);
	digits[len] = '\0';
	if (str_to_uint(digits, rounds_r) < 0)
		return -1;
	return *rounds_r >= 1 && *rounds_r <= PASSWORD_MAX_ITERATIONS ? 0 : -1;
}

static int password_pbkdf2_parse(const struct password_scheme *scheme, const char *text,
				 struct pbkdf2_entry *entry_r, const char **error_r)
{
	const char *salt, *rounds, *hash;
	unsigned int i;

	if (!str_begins(text, "$1$", &salt)) {
		*error_r = password_scheme_error(scheme, "stored hash does not start with $1$");
		return -1;
	}
	rounds = strchr(salt, '$');
	hash = rounds == NULL ? NULL : strchr(rounds + 1, '$');
	if (hash == NULL || strchr(hash + 1, '$') != NULL) {
		*error_r = password_scheme_error(scheme, "stored hash is not $1$salt$rounds$hash");
		return -1;
	}
	rounds++;
	hash++;
	entry_r->salt = salt;
	entry_r->salt_len = (size_t)(rounds - 1 - salt);
	if (entry_r->salt_len == 0) {
		*error_r = password_scheme_error(scheme, "stored salt is empty");
		return -1;
	}
	if (password_pbkdf2_parse_rounds(rounds, (size_t)(hash - 1 - rounds), &entry_r->rounds) <
	    0) {
		*error_r = password_scheme_error(scheme, "stored rounds are not a number in 1..%u",
						 PASSWORD_MAX_ITERATIONS);
		return -1;
	}
	if (strlen(hash) != PBKDF2_HASH_SIZE * 2) {
		*error_r = password_scheme_error(scheme, "stored hash is not %u hex digits",
						 PBKDF2_HASH_SIZE * 2);
		return -1;
	}
	for (i = 0; i < PBKDF2_HASH_SIZE; i++) {
		int hi = hex_digit_value((unsigned char)hash[i * 2]);
		int lo = hex_digit_value((unsigned char)hash[i * 2 + 1]);

		if (hi < 0 || lo < 0) {
			*error_r = password_scheme_error(scheme, "stored hash is not valid hex");
			return -1;
		}
		entry_r->hash[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

int password_pbkdf2_verify(const struct password_scheme *scheme, const char *plaintext,
			   const unsigned char *raw, size_t size, const char **error_r)
{
	struct pbkdf2_entry entry;
	unsigned char out[PBKDF2_HASH_SIZE];
	const char *error;
	int ret;

	if (password_scheme_raw_string(scheme, raw, size, error_r) < 0 ||
	    password_pbkdf2_parse(scheme, (const char *)raw, &entry, error_r) < 0)
		return -1;
	if (password_crypto_pbkdf2(scheme->param, plaintext, strlen(plaintext), entry.salt,
				   entry.salt_len, entry.rounds, out, sizeof(out), &error) < 0) {
		*error_r = password_scheme_error(scheme, "%s", error);
		return -1;
	}
	ret = mem_equals_timing_safe(out, entry.hash, sizeof(out)) ? 1 : 0;
	explicit_bzero(out, sizeof(out));
	return ret;
}

int password_pbkdf2_generate(const struct password_scheme *scheme, const char *plaintext,
			     unsigned int rounds, buffer_t *dest, const char **error_r)
{
	unsigned char random[PBKDF2_SALT_RANDOM_SIZE], out[PBKDF2_HASH_SIZE];
	string_t *salt;
	const char *error;
	int ret = 0;

	if (password_crypto_random(random, sizeof(random), &error) < 0) {
		*error_r = password_scheme_error(scheme, "%s", error);
		return -1;
	}
	salt = str_new(pool_system, 32);
	base64_encode(random, sizeof(random), salt);
	if (password_crypto_pbkdf2(scheme->param, plaintext, strlen(plaintext), str_data(salt),
				   str_len(salt), rounds, out, sizeof(out), &error) < 0) {
		*error_r = password_scheme_error(scheme, "%s", error);
		ret = -1;
	} else {
		/* dest is a buffer_t, which is what string_t is */
		str_printfa(dest, "$1$%s$%u$", str_c(salt), rounds);
		hex_encode(out, sizeof(out), dest);
	}
	str_free(&salt);
	return ret;
}
