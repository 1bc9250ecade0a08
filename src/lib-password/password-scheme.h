#ifndef PASSWORD_SCHEME_H
#define PASSWORD_SCHEME_H

/* Password schemes compatible with Dovecot 2.3: what `doveadm pw -s X`
   writes verifies here, and what password_generate() writes verifies in
   Dovecot. Used by the auth service (passdb checks, roostadm pw) and by the
   SASL mechanisms that need the stored secrets themselves.

   Stored passwords
   ----------------
   A stored password is "{SCHEME}data", or bare data in a default scheme.
   SCHEME is matched case-insensitively and may end in an encoding suffix:
   ".HEX" (hex digits, either case) or ".B64"/".BASE64" (padded base64).
   Without a suffix each scheme has Dovecot's default encoding; a scheme of
   fixed size also accepts the other encoding when the length says so
   (hex SHA1 under {SHA}, base64 MD5 under {PLAIN-MD5}). As in Dovecot, bare
   data that starts with "$1$" is read as MD5-CRYPT whatever the default.

   Schemes (aliases in brackets):
     PLAIN [CLEAR, CLEARTEXT]   the password itself
     CRYPT, DES-CRYPT, SHA256-CRYPT, SHA512-CRYPT, BLF-CRYPT
                                crypt(3) from libxcrypt. Any of them verifies
                                any hash libxcrypt knows ($1$, $5$, $6$,
                                $2a/b/y$, $y$, DES), as Dovecot does, so
                                entries survive a change of default scheme.
                                They differ when generating: CRYPT and
                                BLF-CRYPT write $2y$ (bcrypt, cost 5 like
                                Dovecot), DES-CRYPT writes DES, the SHA ones
                                $5$/$6$ with 5000 rounds. Entries that start
                                with '!' or '*' (locked, as in /etc/shadow)
                                never match.
     MD5-CRYPT                  $1$ only
     MD5                        MD5-CRYPT when the data starts with "$1$",
                                else PLAIN-MD5 (generates MD5-CRYPT)
     PLAIN-MD5 (hex), LDAP-MD5 (base64), SMD5
     SHA [SHA1], SSHA, SHA256, SSHA256, SHA512, SSHA512
                                base64 of the digest; the S variants append
                                the salt to both the password and the digest
     PBKDF2                     "$1$salt$rounds$hexhash", PBKDF2-HMAC-SHA1
     ARGON2I, ARGON2ID          libargon2's "$argon2id$v=19$m=..,t=..,p=..$.."
                                (either variant verifies under either name)
     CRAM-MD5 [HMAC-MD5]        hex of the HMAC-MD5 outer and inner states
     SCRAM-SHA-1, SCRAM-SHA-256 "iterations,salt,StoredKey,ServerKey", base64

   Cost
   ----
   BLF-CRYPT, the SHA-CRYPTs, PBKDF2, SCRAM and above all ARGON2 are slow
   on purpose (ARGON2ID: 64 MiB and tens of milliseconds). These calls block;
   the auth service runs them in its worker processes, never in an event
   loop. Iteration counts and argon2 costs past sane bounds (10 million
   iterations; 1 GiB, t=100, p=16 for argon2) count as malformed, so one
   corrupt entry cannot stall a worker.

   Errors
   ------
   Functions return -1 with *error_r for an unknown scheme or malformed
   stored data. The message names the scheme ("SSHA: stored hash is too
   short") but never contains the plaintext or the stored hash, so it may be
   logged. It points to static storage that stays valid until the next call
   into this library. Comparisons against stored secrets are constant-time.

   The user name parameters are there for schemes salted with the user name
   (DIGEST-MD5), which are not implemented; no current scheme reads them.
   SCRAM uses the password bytes as given: there is no SASLprep, as in
   Dovecot. */

#define PASSWORD_CRAM_MD5_SECRET_SIZE 32
#define PASSWORD_CRAM_MD5_DIGEST_SIZE 16
#define PASSWORD_SCRAM_MAX_KEY_SIZE 32
/* What Dovecot writes and what it requires at least when verifying. */
#define PASSWORD_SCRAM_DEFAULT_ITERATIONS 4096
#define PASSWORD_SCRAM_SALT_SIZE 16

/* Checks plaintext against stored. default_scheme is used for bare data and
   may be NULL, which makes bare data an error. Returns 1 on a match, 0 on a
   mismatch and -1 on error (unknown scheme, malformed stored data, libcrypto
   missing an algorithm). */
int password_verify(const char *plaintext, const char *stored, const char *default_scheme,
		    const char *user, const char **error_r);

/* Writes plaintext as "{SCHEME}data" in scheme (with its encoding suffix, if
   any), with a fresh random salt, allocated from pool. SCHEME is the given
   name upper-cased, as doveadm writes it. Returns 0, or -1 with *error_r
   for an unknown scheme or when random bytes or an algorithm are missing. */
int password_generate(const char *plaintext, const char *scheme, const char *user, pool_t pool,
		      const char **result_r, const char **error_r);
/* Like password_generate() with a cost parameter, `doveadm pw -r`: rounds
   for SHA256/SHA512-CRYPT (1000..999999999), bcrypt cost for CRYPT and
   BLF-CRYPT (4..31), iterations for PBKDF2 (1..10000000) and SCRAM
   (4096..10000000), time cost t for ARGON2I (3..100) and ARGON2ID (1..100).
   0 means the scheme's default. Other schemes take no rounds (error). */
int password_generate_rounds(const char *plaintext, const char *scheme, const char *user,
			     unsigned int rounds, pool_t pool, const char **result_r,
			     const char **error_r);

/* The canonical name of a scheme (static, upper case, without encoding
   suffix): "clear" -> "PLAIN", "sha.hex" -> "SHA", "HMAC-MD5" ->
   "CRAM-MD5". NULL when the name (or its suffix) is unknown. */
const char *password_scheme_canonical(const char *name);
/* Every accepted scheme name, aliases included, NULL-terminated (static),
   for `roostadm pw -l`. */
const char *const *password_schemes_get_names(void);

/* The plaintext password itself from a stored PLAIN entry (and its
   aliases and encodings: "{CLEAR}x", "{PLAIN.B64}eA==", bare data when
   default_scheme is one of them), for mechanisms run by a library that
   needs it (libsasl2's DIGEST-MD5). Returns 1 with *plaintext_r allocated
   from pool, 0 when the stored scheme is a one-way hash (*error_r names
   it), -1 on error (malformed data, a NUL byte in the password). */
int password_get_plaintext(const char *stored, const char *default_scheme, pool_t pool,
			   const char **plaintext_r, const char **error_r);

/* CRAM-MD5
   The secret Dovecot stores for CRAM-MD5: the MD5 states after hashing the
   HMAC key block XORed with opad, then with ipad (4 little-endian words
   each). With it the server computes HMAC-MD5 without the password. */

/* Gets the CRAM-MD5 secret from a stored {CRAM-MD5}/{HMAC-MD5} entry, or
   computes it when the entry holds the plaintext (PLAIN and its aliases).
   Returns 1 with secret_r filled, 0 when the stored scheme cannot provide
   it (a one-way hash; *error_r says so), -1 on error. */
int password_get_cram_md5_secret(const char *stored, const char *default_scheme,
				 unsigned char secret_r[PASSWORD_CRAM_MD5_SECRET_SIZE],
				 const char **error_r);
/* Computes the secret from a plaintext of size bytes. */
void password_cram_md5_secret(const void *plaintext, size_t size,
			      unsigned char secret_r[PASSWORD_CRAM_MD5_SECRET_SIZE]);
/* HMAC-MD5(password, data) from the secret: the CRAM-MD5 response that the
   client should have sent for the challenge in data (RFC 2195). */
void password_cram_md5_hmac(const unsigned char secret[PASSWORD_CRAM_MD5_SECRET_SIZE],
			    const void *data, size_t size,
			    unsigned char digest_r[PASSWORD_CRAM_MD5_DIGEST_SIZE]);

/* APOP (RFC 1939 section 7)
   The digest is MD5(timestamp + password): only an entry that holds the
   plaintext (PLAIN and its aliases, in any encoding) can serve it. */
#define PASSWORD_APOP_DIGEST_SIZE 16

/* Computes the APOP digest for timestamp (the "<...>" of the greeting)
   from stored. Returns 1 with digest_r filled, 0 when the stored scheme
   cannot provide the plaintext (*error_r says so), -1 on error. */
int password_get_apop_digest(const char *stored, const char *default_scheme,
			     const char *timestamp,
			     unsigned char digest_r[PASSWORD_APOP_DIGEST_SIZE], const char **error_r);

/* SCRAM (RFC 5802, RFC 7677) */

struct password_scram_secrets {
	/* "SHA-1" or "SHA-256" (static), and its libcrypto digest name for
	   password_crypto_hmac() / password_crypto_digest() */
	const char *hash;
	const char *digest;
	unsigned int iterations;
	/* raw salt bytes, from the pool given to the function that filled
	   this struct */
	const unsigned char *salt;
	size_t salt_size;
	/* StoredKey = H(ClientKey), ServerKey = HMAC(SaltedPassword,
	   "Server Key"); key_size bytes each */
	unsigned char stored_key[PASSWORD_SCRAM_MAX_KEY_SIZE];
	unsigned char server_key[PASSWORD_SCRAM_MAX_KEY_SIZE];
	size_t key_size;
};

/* Gets the SCRAM secrets for hash ("SHA-1" or "SHA-256", case-insensitive)
   from a stored {SCRAM-SHA-1}/{SCRAM-SHA-256} entry of that hash, or
   computes them when the entry holds the plaintext (with a fresh random
   salt and 4096 iterations, as Dovecot does, so a PLAIN passdb can serve
   SCRAM). Returns 1 with *secrets_r filled, 0 when the stored scheme
   cannot provide them (*error_r says why), -1 on error (including an
   unknown hash name). */
int password_get_scram_secrets(const char *stored, const char *default_scheme, const char *hash,
			       pool_t pool, struct password_scram_secrets *secrets_r,
			       const char **error_r);
/* Computes the secrets for a plaintext of size bytes with the given salt
   (copied into pool) and iteration count (4096..10000000). */
int password_scram_secrets_compute(const void *plaintext, size_t size, const char *hash,
				   unsigned int iterations, const void *salt, size_t salt_size,
				   pool_t pool, struct password_scram_secrets *secrets_r,
				   const char **error_r);
/* Dovecot's text for the secrets, without the {SCHEME} prefix:
   "iterations,salt,StoredKey,ServerKey", allocated from pool. */
const char *password_scram_secrets_format(pool_t pool,
					  const struct password_scram_secrets *secrets);

#endif
