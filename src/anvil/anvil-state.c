/* anvil's counters (anvil-state.h). Linear scans: the sets are small
   (sessions of one server, IPs that failed in the last hour) and bounded. */
#include "lib.h"
#include "anvil-interface.h"
#include "anvil-state.h"

#include <fnmatch.h>
#include <time.h>

struct anvil_penalty {
	char *ip;
	unsigned int count;
	time_t last;
};

struct anvil_state {
	ARRAY(struct anvil_session) sessions;
	ARRAY(struct anvil_penalty) penalties;
	anvil_state_notify_t *notify;
	void *notify_context;
};

struct anvil_state *anvil_state_create(void)
{
	struct anvil_state *state = i_new(struct anvil_state, 1);

	i_array_init(&state->sessions, 64);
	i_array_init(&state->penalties, 64);
	return state;
}

static void session_free(struct anvil_session *session)
{
	char *p;

	p = (char *)session->service;
	i_free(p);
	p = (char *)session->user;
	i_free(p);
	p = (char *)session->ip;
	i_free(p);
}

void anvil_state_destroy(struct anvil_state **_state)
{
	struct anvil_state *state = *_state;

	*_state = NULL;
	array_foreach(&state->sessions, session)
		session_free(session);
	array_foreach(&state->penalties, penalty)
		i_free(penalty->ip);
	array_free(&state->sessions);
	array_free(&state->penalties);
	i_free(state);
}

int anvil_state_connect(struct anvil_state *state, const void *owner, pid_t pid,
			const char *service, const char *user, const char *ip)
{
	struct anvil_session session;

	if (array_count(&state->sessions) >= ANVIL_MAX_SESSIONS)
		return -1;
	session.owner = owner;
	session.pid = pid;
	session.service = i_strdup(service);
	session.user = i_strdup(user);
	session.ip = i_strdup(ip);
	array_push(&state->sessions, &session);
	return 0;
}

static bool session_matches(const struct anvil_session *session, const char *service,
			    const char *user, const char *ip)
{
	return strcmp(session->service, service) == 0 && strcmp(session->user, user) == 0 &&
	       strcmp(session->ip, ip) == 0;
}

bool anvil_state_disconnect(struct anvil_state *state, const void *owner, pid_t pid,
			    const char *service, const char *user, const char *ip)
{
	unsigned int i = 0;

	array_foreach(&state->sessions, session) {
		if (session->owner == owner && session->pid == pid &&
		    session_matches(session, service, user, ip)) {
			session_free(session);
			array_delete(&state->sessions, i, 1);
			return true;
		}
		i++;
	}
	return false;
}

void anvil_state_set_notify(struct anvil_state *state, anvil_state_notify_t *notify,
			    void *context)
{
	state->notify = notify;
	state->notify_context = context;
}

struct kick_target {
	const void *owner;
	const char *user;
};

static int kick_target_cmp(const void *p1, const void *p2)
{
	const struct kick_target *t1 = p1, *t2 = p2;
	int ret = strcmp(t1->user, t2->user);

	if (ret != 0)
		return ret;
	return t1->owner < t2->owner ? -1 : t1->owner > t2->owner ? 1 : 0;
}

unsigned int anvil_state_kick(struct anvil_state *state, const char *mask,
			      ARRAY_TYPE(const_string) *users)
{
	ARRAY(struct kick_target) targets;
	unsigned int matched = 0;
	const char *prev_user = NULL;
	const void *prev_owner = NULL;

	p_array_init(&targets, pool_temp, 16);
	array_foreach(&state->sessions, session) {
		struct kick_target target = { session->owner, session->user };

		if (fnmatch(mask, session->user, 0) != 0)
			continue;
		matched++;
		array_push(&targets, &target);
	}
	/* sorted by user, then owner: one line per owner and user */
	array_sort(&targets, kick_target_cmp);
	array_foreach(&targets, t) {
		bool same_user = prev_user != NULL && strcmp(prev_user, t->user) == 0;

		if (!same_user)
			array_push(users, &t->user);
		if (!same_user || prev_owner != t->owner) {
			if (state->notify != NULL)
				state->notify(t->owner, t->user, state->notify_context);
		}
		prev_user = t->user;
		prev_owner = t->owner;
	}
	return matched;
}

void anvil_state_disconnect_owner(struct anvil_state *state, const void *owner)
{
	unsigned int i = 0;

	while (i < array_count(&state->sessions)) {
		struct anvil_session *session = array_idx(&state->sessions, i);

		if (session->owner == owner) {
			session_free(session);
			array_delete(&state->sessions, i, 1);
		} else {
			i++;
		}
	}
}

unsigned int anvil_state_lookup(const struct anvil_state *state, const char *service,
				const char *user, const char *ip)
{
	unsigned int count = 0;

	array_foreach(&state->sessions, session) {
		if (session_matches(session, service, user, ip))
			count++;
	}
	return count;
}

const struct anvil_session *anvil_state_sessions(const struct anvil_state *state,
						 unsigned int *count_r)
{
	*count_r = array_count(&state->sessions);
	return *count_r == 0 ? NULL : array_front(&state->sessions);
}

static struct anvil_penalty *penalty_find(struct anvil_state *state, const char *ip,
					  unsigned int *idx_r)
{
	unsigned int i = 0;

	array_foreach(&state->penalties, penalty) {
		if (strcmp(penalty->ip, ip) == 0) {
			*idx_r = i;
			return penalty;
		}
		i++;
	}
	return NULL;
}

static void penalty_delete(struct anvil_state *state, unsigned int idx)
{
	i_free(array_idx(&state->penalties, idx)->ip);
	array_delete(&state->penalties, idx, 1);
}

void anvil_state_penalty_get(struct anvil_state *state, const char *ip, time_t now,
			     unsigned int *count_r, time_t *last_r)
{
	unsigned int idx;
	struct anvil_penalty *penalty = penalty_find(state, ip, &idx);

	*count_r = 0;
	*last_r = 0;
	if (penalty == NULL)
		return;
	if (now - penalty->last >= ANVIL_PENALTY_EXPIRE_SECS) {
		penalty_delete(state, idx);
		return;
	}
	*count_r = penalty->count;
	*last_r = penalty->last;
}

void anvil_state_penalty_inc(struct anvil_state *state, const char *ip, time_t now)
{
	unsigned int idx;
	struct anvil_penalty *penalty = penalty_find(state, ip, &idx);

	if (penalty != NULL && now - penalty->last >= ANVIL_PENALTY_EXPIRE_SECS)
		penalty->count = 0;
	if (penalty == NULL) {
		if (array_count(&state->penalties) >= ANVIL_MAX_PENALTY_IPS) {
			/* forget the IP whose last failure is oldest */
			unsigned int oldest = 0, i = 0;

			array_foreach(&state->penalties, p) {
				if (p->last < array_idx(&state->penalties, oldest)->last)
					oldest = i;
				i++;
			}
			penalty_delete(state, oldest);
		}
		penalty = array_append_space(&state->penalties);
		penalty->ip = i_strdup(ip);
	}
	if (penalty->count < ANVIL_PENALTY_MAX)
		penalty->count++;
	penalty->last = now;
}
