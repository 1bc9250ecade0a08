/* Line parsers of the auth protocols: strict about what the protocol
   requires (numbers, the service, the cookie), tolerant of unknown
   optional parameters as the protocol says. */
#include "lib.h"
#include "hex.h"
#include "auth-client-interface.h"
#include "auth-client-protocol.h"

static int parse_id(const char *str, unsigned int *id_r)
{
	return str != NULL && str_to_uint(str, id_r) == 0 ? 0 : -1;
}

int auth_protocol_parse_version(const char *const *args, unsigned int *major_r,
				unsigned int *minor_r, const char **error_r)
{
	if (str_array_length(args) < 2 || str_to_uint(args[0], major_r) < 0 ||
	    str_to_uint(args[1], minor_r) < 0) {
		*error_r = "invalid VERSION line";
		return -1;
	}
	return 0;
}

int auth_protocol_parse_cpid(const char *const *args, pid_t *pid_r, const char **error_r)
{
	unsigned int pid;

	if (str_array_length(args) != 1 || str_to_uint(args[0], &pid) < 0 || pid == 0 ||
	    pid > (unsigned int)INT32_MAX) {
		*error_r = "invalid CPID line";
		return -1;
	}
	*pid_r = (pid_t)pid;
	return 0;
}

int auth_protocol_parse_auth(pool_t pool, const char *const *args,
			     struct auth_client_auth_cmd *cmd_r, const char **error_r)
{
	ARRAY(const char *) params;
	const char *value, *null = NULL;
	bool have_service = false;

	memset(cmd_r, 0, sizeof(*cmd_r));
	if (args[0] == NULL || args[1] == NULL) {
		*error_r = "AUTH: missing id or mechanism";
		return -1;
	}
	if (parse_id(args[0], &cmd_r->id) < 0) {
		*error_r = "AUTH: invalid id";
		return -1;
	}
	if (args[1][0] == '\0') {
		*error_r = "AUTH: empty mechanism";
		return -1;
	}
	cmd_r->mech = p_strdup(pool, args[1]);
	p_array_init(&params, pool, 8);
	for (unsigned int i = 2; args[i] != NULL; i++) {
		if (str_begins(args[i], "resp=", &value)) {
			/* the last parameter: anything after it is ignored */
			cmd_r->resp = p_strdup(pool, value);
			break;
		}
		if (str_begins(args[i], "service=", &value)) {
			if (value[0] == '\0') {
				*error_r = "AUTH: empty service";
				return -1;
			}
			have_service = true;
		}
		value = p_strdup(pool, args[i]);
		array_push(&params, &value);
	}
	if (!have_service) {
		*error_r = "AUTH: missing service";
		return -1;
	}
	array_push(&params, &null);
	cmd_r->params = array_front(&params);
	return 0;
}

int auth_protocol_parse_cont(const char *const *args, unsigned int *id_r, const char **data_r,
			     const char **error_r)
{
	if (str_array_length(args) != 2 || parse_id(args[0], id_r) < 0) {
		*error_r = "CONT: invalid id or data";
		return -1;
	}
	*data_r = args[1];
	return 0;
}

int auth_protocol_parse_request(const char *const *args, unsigned int *id_r, pid_t *pid_r,
				unsigned int *client_id_r, unsigned char cookie_r[16],
				const char **error_r)
{
	buffer_t *cookie = buffer_create_dynamic(pool_temp, 16);
	unsigned int pid;
	const char *error;

	if (str_array_length(args) < 4 || parse_id(args[0], id_r) < 0 ||
	    str_to_uint(args[1], &pid) < 0 || pid == 0 || pid > (unsigned int)INT32_MAX ||
	    parse_id(args[2], client_id_r) < 0) {
		*error_r = "REQUEST: invalid id, pid or client id";
		return -1;
	}
	if (strlen(args[3]) != AUTH_CLIENT_COOKIE_SIZE * 2 ||
	    hex_decode(args[3], strlen(args[3]), cookie, &error) < 0) {
		*error_r = "REQUEST: invalid cookie";
		return -1;
	}
	memcpy(cookie_r, cookie->data, AUTH_CLIENT_COOKIE_SIZE);
	*pid_r = (pid_t)pid;
	return 0;
}

int auth_protocol_parse_lookup(const char *const *args, unsigned int *id_r,
			       const char **user_r, const char *const **params_r,
			       const char **error_r)
{
	bool have_service = false;
	const char *value;

	if (str_array_length(args) < 2 || parse_id(args[0], id_r) < 0) {
		*error_r = "invalid id";
		return -1;
	}
	if (args[1][0] == '\0') {
		*error_r = "empty user name";
		return -1;
	}
	for (unsigned int i = 2; args[i] != NULL; i++) {
		if (str_begins(args[i], "service=", &value) && value[0] != '\0')
			have_service = true;
	}
	if (!have_service) {
		*error_r = "missing service";
		return -1;
	}
	*user_r = args[1];
	*params_r = args + 2;
	return 0;
}
