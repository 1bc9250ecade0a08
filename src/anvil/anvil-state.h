#ifndef ANVIL_STATE_H
#define ANVIL_STATE_H

/* anvil's counters, without I/O: sessions (per owner connection) and
   per-IP login penalties. Time is passed in, so tests control it. */

#define ANVIL_MAX_SESSIONS 100000
#define ANVIL_MAX_PENALTY_IPS 10000

struct anvil_state;

struct anvil_session {
	const void *owner; /* the connection that registered it */
	pid_t pid;
	const char *service, *user, *ip;
};

struct anvil_state *anvil_state_create(void);
void anvil_state_destroy(struct anvil_state **state);

/* Returns 0, or -1 when ANVIL_MAX_SESSIONS are registered. */
int anvil_state_connect(struct anvil_state *state, const void *owner, pid_t pid,
			const char *service, const char *user, const char *ip);
/* Removes one matching session of owner; false when there was none. */
bool anvil_state_disconnect(struct anvil_state *state, const void *owner, pid_t pid,
			    const char *service, const char *user, const char *ip);
/* Removes every session of owner (its connection closed). */
void anvil_state_disconnect_owner(struct anvil_state *state, const void *owner);
unsigned int anvil_state_lookup(const struct anvil_state *state, const char *service,
				const char *user, const char *ip);
/* How KICK reaches the owner of a session (anvil-connection.c writes to
   the owner connection; tests set their own). */
typedef void anvil_state_notify_t(const void *owner, const char *user, void *context);
void anvil_state_set_notify(struct anvil_state *state, anvil_state_notify_t *notify,
			    void *context);
/* Tells the owner of every session whose user matches mask ('*' and '?'
   wildcards) to close it: the notify function once per owner and user.
   Appends each matched user once to users (strings valid until the state
   changes). Returns how many sessions matched. */
unsigned int anvil_state_kick(struct anvil_state *state, const char *mask,
			      ARRAY_TYPE(const_string) *users);

/* Every session, in registration order. */
const struct anvil_session *anvil_state_sessions(const struct anvil_state *state,
						 unsigned int *count_r);

/* The recent failures of ip and the time of the last one (0, 0 when none
   or expired). */
void anvil_state_penalty_get(struct anvil_state *state, const char *ip, time_t now,
			     unsigned int *count_r, time_t *last_r);
void anvil_state_penalty_inc(struct anvil_state *state, const char *ip, time_t now);

#endif
