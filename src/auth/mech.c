/* The mechanism registry and what each one needs from the passdb. */
#include "lib.h"
#include "password-scheme.h"
#include "auth-client-interface.h"
#include "mech.h"

static const struct mech_module *const mech_modules[] = {
	&mech_plain,
	&mech_login,
	&mech_cram_md5,
	&mech_scram_sha1,
	&mech_scram_sha256,
};

/* Dovecot mechanisms Roost does not offer (a warning, not an error) */
static const char *const mech_unimplemented[] = {
	"ANONYMOUS", "APOP", "DIGEST-MD5", "EXTERNAL", "GSSAPI", "GSS-SPNEGO", "NTLM",
	"OAUTHBEARER", "OTP", "RPA", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-256-PLUS", "SKEY",
	"WINBIND", "XOAUTH2", NULL
};

const struct mech_module *mech_module_find(const char *name)
{
	for (unsigned int i = 0; i < N_ELEMENTS(mech_modules); i++) {
		if (strcasecmp(mech_modules[i]->name, name) == 0)
			return mech_modules[i];
	}
	return NULL;
}

bool mech_is_known_unimplemented(const char *name)
{
	for (unsigned int i = 0; mech_unimplemented[i] != NULL; i++) {
		if (strcasecmp(mech_unimplemented[i], name) == 0)
			return true;
	}
	return false;
}

void mech_append_flags(string_t *dest, enum mech_security_flags flags)
{
	static const struct {
		enum mech_security_flags flag;
		const char *name;
	} names[] = {
		{ MECH_SEC_PRIVATE, AUTH_MECH_FLAG_PRIVATE },
		{ MECH_SEC_ANONYMOUS, AUTH_MECH_FLAG_ANONYMOUS },
		{ MECH_SEC_PLAINTEXT, AUTH_MECH_FLAG_PLAINTEXT },
		{ MECH_SEC_DICTIONARY, AUTH_MECH_FLAG_DICTIONARY },
		{ MECH_SEC_ACTIVE, AUTH_MECH_FLAG_ACTIVE },
		{ MECH_SEC_FORWARD_SECRECY, AUTH_MECH_FLAG_FORWARD_SECRECY },
		{ MECH_SEC_MUTUAL_AUTH, AUTH_MECH_FLAG_MUTUAL_AUTH },
	};

	for (unsigned int i = 0; i < N_ELEMENTS(names); i++) {
		if ((flags & names[i].flag) != 0) {
			str_append_c(dest, '\t');
			str_append(dest, names[i].name);
		}
	}
}

bool mech_scheme_can_serve(const struct mech_module *mech, const char *scheme)
{
	const char *canonical = password_scheme_canonical(scheme);

	if (canonical == NULL)
		return false;
	switch (mech->passdb_need) {
	case MECH_PASSDB_NEED_PLAINTEXT:
		return true;
	case MECH_PASSDB_NEED_CRAM_MD5:
		return strcmp(canonical, "PLAIN") == 0 || strcmp(canonical, "CRAM-MD5") == 0;
	case MECH_PASSDB_NEED_SCRAM_SHA1:
		return strcmp(canonical, "PLAIN") == 0 || strcmp(canonical, "SCRAM-SHA-1") == 0;
	case MECH_PASSDB_NEED_SCRAM_SHA256:
		return strcmp(canonical, "PLAIN") == 0 ||
		       strcmp(canonical, "SCRAM-SHA-256") == 0;
	case MECH_PASSDB_NEED_PLAIN:
		return strcmp(canonical, "PLAIN") == 0;
	}
	return false;
}

const char *mech_need_description(const struct mech_module *mech)
{
	switch (mech->passdb_need) {
	case MECH_PASSDB_NEED_PLAINTEXT:
		break;
	case MECH_PASSDB_NEED_CRAM_MD5:
		return "the password in PLAIN or CRAM-MD5 scheme";
	case MECH_PASSDB_NEED_SCRAM_SHA1:
		return "the password in PLAIN or SCRAM-SHA-1 scheme";
	case MECH_PASSDB_NEED_SCRAM_SHA256:
		return "the password in PLAIN or SCRAM-SHA-256 scheme";
	case MECH_PASSDB_NEED_PLAIN:
		return "the password in PLAIN scheme";
	}
	return "a plaintext password";
}
