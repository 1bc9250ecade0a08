#ifndef PASSWORD_SCHEME_PRIVATE_H
#define PASSWORD_SCHEME_PRIVATE_H

/* The scheme table and the per-scheme functions behind password-scheme.h.
   Stays inside src/lib-password. */

#include "password-scheme.h"

/* Iteration counts above this are taken as a corrupt entry (see the
   header comment of password-scheme.h). */
#define PASSWORD_MAX_ITERATIONS 10000000U

enum password_encoding {
	PASSWORD_ENCODING_NONE,
	PASSWORD_ENCODING_HEX,
	PASSWORD_ENCODING_BASE64,
};

struct password_scheme;

/* raw holds size decoded bytes followed by a NUL that is not counted.
   Returns 1 match, 0 mismatch, -1 with *error_r from password_scheme_error(). */
typedef int password_verify_func_t(const struct password_scheme *scheme, const char *plaintext,
				   const unsigned char *raw, size_t size, const char **error_r);
/* Appends the raw (not yet encoded) stored form to dest. rounds is already
   checked against the table's bounds, and is the default when the caller
   gave none. */
typedef int password_generate_func_t(const struct password_scheme *scheme, const char *plaintext,
				     unsigned int rounds, buffer_t *dest, const char **error_r);

struct password_scheme {
	const char *name;
	/* the name this one is an alias of, NULL if it is canonical */
	const char *alias_of;
	enum password_encoding encoding;
	/* decoded size of fixed-size hashes, 0 when it varies */
	size_t raw_size;
	/* the digest, crypt prefix, argon2 variant or SCRAM hash */
	const char *param;
	/* generation cost: default and bounds; max_rounds 0 = no rounds */
	unsigned int default_rounds, min_rounds, max_rounds;
	password_verify_func_t *verify;
	password_generate_func_t *generate;
};

/* password-scheme.c */

/* Formats into the library's static error buffer. Arguments must not point
   into that buffer: pass an earlier error on as it is, never re-wrapped. */
const char *password_error(const char *fmt, ...) ATTR_FORMAT(1, 2);
/* Formats "NAME: message" the same way. */
const char *password_scheme_error(const struct password_scheme *scheme, const char *fmt, ...)
	ATTR_FORMAT(2, 3);
/* Checks that raw is text without NUL bytes, for schemes whose stored form
   is a string (crypt, PBKDF2, argon2, SCRAM). */
int password_scheme_raw_string(const struct password_scheme *scheme, const unsigned char *raw,
			       size_t size, const char **error_r);

/* password-plain.c */
password_verify_func_t password_plain_verify;
password_generate_func_t password_plain_generate;

/* password-digest.c: plain and salted MD5/SHA digests, and the MD5 scheme */
password_verify_func_t password_digest_verify;
password_generate_func_t password_digest_generate;
password_verify_func_t password_digest_salted_verify;
password_generate_func_t password_digest_salted_generate;
password_verify_func_t password_digest_md5_verify;

/* password-crypt.c */
password_verify_func_t password_crypt_verify;
password_verify_func_t password_crypt_md5_verify;
password_generate_func_t password_crypt_generate;

/* password-pbkdf2.c */
password_verify_func_t password_pbkdf2_verify;
password_generate_func_t password_pbkdf2_generate;

/* password-argon2.c */
password_verify_func_t password_argon2_verify;
password_generate_func_t password_argon2_generate;

/* password-cram-md5.c */
password_verify_func_t password_cram_md5_verify;
password_generate_func_t password_cram_md5_generate;

/* password-scram.c */
password_verify_func_t password_scram_verify;
password_generate_func_t password_scram_generate;
/* Parses Dovecot's "iterations,salt,StoredKey,ServerKey" for a SCRAM
   scheme; the salt is copied into pool. */
int password_scram_secrets_parse(const struct password_scheme *scheme, const char *text,
				 pool_t pool, struct password_scram_secrets *secrets_r,
				 const char **error_r);

#endif
