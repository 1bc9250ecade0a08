#ifndef AUTH_CLIENT_PROTOCOL_H
#define AUTH_CLIENT_PROTOCOL_H

/* Parsers for the client side's lines of protocol 1.x
   (auth-client-interface.h) and the master protocol's requests
   (auth-master-interface.h). No I/O: each takes the already unescaped
   fields of one line (without the command word) and returns 0 or -1 with
   *error_r, a text for the log. */

struct auth_client_auth_cmd {
	unsigned int id;
	const char *mech;
	/* parameters before resp= ("service=imap", "secured", ...) */
	const char *const *params;
	/* the base64 initial response, NULL when there was no resp= */
	const char *resp;
};

/* "VERSION" fields: major and minor must be numbers. */
int auth_protocol_parse_version(const char *const *args, unsigned int *major_r,
				unsigned int *minor_r, const char **error_r);
/* "CPID" fields: one positive pid. */
int auth_protocol_parse_cpid(const char *const *args, pid_t *pid_r, const char **error_r);
/* "AUTH" fields: id, mechanism, params; service= is required. */
int auth_protocol_parse_auth(pool_t pool, const char *const *args,
			     struct auth_client_auth_cmd *cmd_r, const char **error_r);
/* "CONT" fields: id and base64 data. */
int auth_protocol_parse_cont(const char *const *args, unsigned int *id_r, const char **data_r,
			     const char **error_r);

/* Master "REQUEST" fields: id, client pid, client request id, 32 hex
   digits of cookie. */
int auth_protocol_parse_request(const char *const *args, unsigned int *id_r, pid_t *pid_r,
				unsigned int *client_id_r, unsigned char cookie_r[16],
				const char **error_r);
/* Master "USER"/"PASS" fields: id, user, params (service= required). */
int auth_protocol_parse_lookup(const char *const *args, unsigned int *id_r,
			       const char **user_r, const char *const **params_r,
			       const char **error_r);

#endif
