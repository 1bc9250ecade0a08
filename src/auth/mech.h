#ifndef MECH_H
#define MECH_H

/* SASL mechanisms. A mechanism gets the client's data already decoded from
   base64 and answers through auth_request_continue(), _success(), _fail()
   or _internal_failure(). It keeps its state in request->mech_data,
   allocated from request->pool. */

#include "auth-request.h"

enum mech_security_flags {
	MECH_SEC_PRIVATE = 0x01,
	MECH_SEC_ANONYMOUS = 0x02,
	MECH_SEC_PLAINTEXT = 0x04,
	MECH_SEC_DICTIONARY = 0x08,
	MECH_SEC_ACTIVE = 0x10,
	MECH_SEC_FORWARD_SECRECY = 0x20,
	MECH_SEC_MUTUAL_AUTH = 0x40,
};

/* which stored secrets a mechanism can work with */
enum mech_passdb_need {
	MECH_PASSDB_NEED_PLAINTEXT, /* verify_plain: any scheme */
	MECH_PASSDB_NEED_CRAM_MD5,  /* PLAIN or CRAM-MD5 */
	MECH_PASSDB_NEED_SCRAM_SHA1, /* PLAIN or SCRAM-SHA-1 */
	MECH_PASSDB_NEED_SCRAM_SHA256,
	MECH_PASSDB_NEED_PLAIN, /* the plaintext itself (APOP, libsasl2's mechanisms) */
};

struct mech_module {
	const char *name; /* upper case */
	enum mech_security_flags flags;
	enum mech_passdb_need passdb_need;
	/* data: the initial response (may be empty); has_data: whether the
	   client sent one at all (resp= present) */
	void (*auth_initial)(struct auth_request *request, const unsigned char *data, size_t size,
			     bool has_data);
	void (*auth_continue)(struct auth_request *request, const unsigned char *data,
			      size_t size);
	/* optional: releases what mech_data holds outside request->pool,
	   called when the request is freed */
	void (*auth_free)(struct auth_request *request);
};

const struct mech_module *mech_module_find(const char *name);
/* Whether name is a mechanism Dovecot has and Roost does not (yet). */
bool mech_is_known_unimplemented(const char *name);
/* Appends " TAB flag" for each security flag, as Dovecot's MECH lines. */
void mech_append_flags(string_t *dest, enum mech_security_flags flags);
/* Whether a passdb whose bare entries are in scheme can serve the
   mechanism. */
bool mech_scheme_can_serve(const struct mech_module *mech, const char *scheme);
const char *mech_need_description(const struct mech_module *mech);

extern const struct mech_module mech_plain;
extern const struct mech_module mech_login;
extern const struct mech_module mech_cram_md5;
extern const struct mech_module mech_scram_sha1;
extern const struct mech_module mech_scram_sha256;
extern const struct mech_module mech_apop;

#endif
