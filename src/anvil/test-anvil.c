/* anvil's protocol handling and counters, without sockets. */
#include "test-common.h"
#include "anvil-interface.h"
#include "anvil-state.h"
#include "anvil-connection.h"

static int run(struct anvil_state *state, const void *owner, bool *version_seen,
	       const char *line, time_t now, string_t *reply)
{
	const char *error;

	return anvil_connection_line(state, owner, version_seen, line, now, reply, &error);
}

static void test_anvil_version(void)
{
	struct anvil_state *state = anvil_state_create();
	string_t *reply = str_new(test_pool, 64);
	bool seen = false;
	int owner;

	test_begin("anvil: VERSION first, strict");
	test_assert(run(state, &owner, &seen, "WHO", 0, reply) < 0);
	test_assert(run(state, &owner, &seen, "VERSION\tanvil\t2\t0", 0, reply) < 0);
	test_assert(run(state, &owner, &seen, "VERSION\tauth\t1\t0", 0, reply) < 0);
	test_assert(!seen);
	test_assert(run(state, &owner, &seen, "VERSION\tanvil\t1\t0", 0, reply) == 0);
	test_assert(seen);
	test_assert(str_len(reply) == 0);
	anvil_state_destroy(&state);
	test_end();
}

static void test_anvil_sessions(void)
{
	struct anvil_state *state = anvil_state_create();
	string_t *reply = str_new(test_pool, 64);
	bool seen = true;
	int owner1, owner2;

	test_begin("anvil: sessions, LOOKUP, WHO, owner cleanup");
	test_assert(run(state, &owner1, &seen, "CONNECT\t100\timap\tjohn\t192.0.2.1", 0,
			reply) == 0);
	test_assert(run(state, &owner1, &seen, "CONNECT\t101\timap\tjohn\t192.0.2.1", 0,
			reply) == 0);
	test_assert(run(state, &owner2, &seen, "CONNECT\t200\tpop3\tjohn\t192.0.2.1", 0,
			reply) == 0);
	test_assert(str_len(reply) == 0);
	test_assert(run(state, &owner2, &seen, "LOOKUP\timap\tjohn\t192.0.2.1", 0, reply) == 0);
	test_assert_strcmp(str_c(reply), "2\n");
	str_truncate(reply, 0);
	test_assert(run(state, &owner2, &seen, "WHO", 0, reply) == 0);
	test_assert_strcmp(str_c(reply), "john\timap\t100\t192.0.2.1\n"
					 "john\timap\t101\t192.0.2.1\n"
					 "john\tpop3\t200\t192.0.2.1\n\n");
	str_truncate(reply, 0);
	/* another owner cannot end owner1's session */
	test_assert(run(state, &owner2, &seen, "DISCONNECT\t100\timap\tjohn\t192.0.2.1", 0,
			reply) == 0);
	test_assert(anvil_state_lookup(state, "imap", "john", "192.0.2.1") == 2);
	test_assert(run(state, &owner1, &seen, "DISCONNECT\t100\timap\tjohn\t192.0.2.1", 0,
			reply) == 0);
	test_assert(anvil_state_lookup(state, "imap", "john", "192.0.2.1") == 1);
	anvil_state_disconnect_owner(state, &owner1);
	test_assert(anvil_state_lookup(state, "imap", "john", "192.0.2.1") == 0);
	test_assert(anvil_state_lookup(state, "pop3", "john", "192.0.2.1") == 1);
	anvil_state_destroy(&state);
	test_end();
}

static string_t *kick_log;

static void kick_notify(const void *owner, const char *user, void *context)
{
	const int *owners = context;

	str_printfa(kick_log, "%d:%s,", owner == &owners[0] ? 1 : owner == &owners[1] ? 2 : 0,
		    user);
}

static void test_anvil_kick(void)
{
	struct anvil_state *state = anvil_state_create();
	string_t *reply = str_new(test_pool, 64);
	bool seen = true;
	int owners[3];

	test_begin("anvil: KICK tells each owner once per user, lists the users");
	kick_log = str_new(test_pool, 64);
	anvil_state_set_notify(state, kick_notify, owners);
	test_assert(run(state, &owners[0], &seen, "CONNECT\t100\timap\tjohn\t192.0.2.1", 0,
			reply) == 0);
	test_assert(run(state, &owners[0], &seen, "CONNECT\t100\timap\tjohn\t192.0.2.2", 0,
			reply) == 0);
	test_assert(run(state, &owners[0], &seen, "CONNECT\t100\timap\tmary\t192.0.2.1", 0,
			reply) == 0);
	test_assert(run(state, &owners[1], &seen, "CONNECT\t200\tpop3\tjohn\t192.0.2.1", 0,
			reply) == 0);
	test_assert(run(state, &owners[2], &seen, "KICK\tjohn", 0, reply) == 0);
	test_assert_strcmp(str_c(reply), "john\n\n");
	test_assert_strcmp(str_c(kick_log), "1:john,2:john,");
	str_truncate(reply, 0);
	str_truncate(kick_log, 0);
	test_assert(run(state, &owners[2], &seen, "KICK\tnobody", 0, reply) == 0);
	test_assert_strcmp(str_c(reply), "\n");
	test_assert(str_len(kick_log) == 0);
	str_truncate(reply, 0);
	test_assert(run(state, &owners[2], &seen, "KICK\t*r?", 0, reply) == 0);
	test_assert_strcmp(str_c(reply), "mary\n\n");
	test_assert_strcmp(str_c(kick_log), "1:mary,");
	str_truncate(reply, 0);
	/* KICK only tells: the sessions end with their processes' DISCONNECT */
	test_assert(anvil_state_lookup(state, "imap", "john", "192.0.2.1") == 1);
	test_assert(run(state, &owners[2], &seen, "KICK", 0, reply) < 0);
	test_assert(run(state, &owners[2], &seen, "KICK\ta\tb", 0, reply) < 0);
	anvil_state_destroy(&state);
	test_end();
}

static void test_anvil_penalty(void)
{
	struct anvil_state *state = anvil_state_create();
	string_t *reply = str_new(test_pool, 64);
	bool seen = true;
	int owner;

	test_begin("anvil: penalty counts, caps and expires");
	test_assert(run(state, &owner, &seen, "PENALTY-GET\t192.0.2.9", 1000, reply) == 0);
	test_assert_strcmp(str_c(reply), "0\t0\n");
	str_truncate(reply, 0);
	for (unsigned int i = 0; i < ANVIL_PENALTY_MAX + 3; i++)
		test_assert(run(state, &owner, &seen, "PENALTY-INC\t192.0.2.9", 1000 + i,
				reply) == 0);
	test_assert(str_len(reply) == 0);
	test_assert(run(state, &owner, &seen, "PENALTY-GET\t192.0.2.9", 2000, reply) == 0);
	test_assert_strcmp(str_c(reply), t_strdup_printf("%u\t1010\n", ANVIL_PENALTY_MAX));
	str_truncate(reply, 0);
	/* other IPs are independent */
	test_assert(run(state, &owner, &seen, "PENALTY-GET\t192.0.2.10", 2000, reply) == 0);
	test_assert_strcmp(str_c(reply), "0\t0\n");
	str_truncate(reply, 0);
	test_assert(run(state, &owner, &seen, "PENALTY-GET\t192.0.2.9",
			1010 + ANVIL_PENALTY_EXPIRE_SECS, reply) == 0);
	test_assert_strcmp(str_c(reply), "0\t0\n");
	anvil_state_destroy(&state);
	test_end();
}

static void test_anvil_malformed(void)
{
	static const char *const lines[] = {
		"",
		"HELLO",
		"WHO\textra",
		"CONNECT\t100\timap\tjohn",
		"CONNECT\tx\timap\tjohn\t192.0.2.1",
		"CONNECT\t0\timap\tjohn\t192.0.2.1",
		"CONNECT\t100\timap\t\t192.0.2.1",
		"CONNECT\t100\timap\tjo\001hn\t192.0.2.1",
		"LOOKUP\timap\tjohn",
		"PENALTY-GET",
		"PENALTY-INC\t1\t2",
		"connect\t100\timap\tjohn\t192.0.2.1",
	};
	struct anvil_state *state = anvil_state_create();
	string_t *reply = str_new(test_pool, 64);
	string_t *longf = str_new(test_pool, 512);
	bool seen = true;
	int owner;

	test_begin("anvil: malformed lines are errors");
	for (unsigned int i = 0; i < N_ELEMENTS(lines); i++)
		test_assert_idx(run(state, &owner, &seen, lines[i], 0, reply) < 0, i);
	str_append(longf, "PENALTY-INC\t");
	for (unsigned int i = 0; i <= ANVIL_MAX_FIELD_LENGTH; i++)
		str_append_c(longf, '1');
	test_assert(run(state, &owner, &seen, str_c(longf), 0, reply) < 0);
	test_assert(str_len(reply) == 0);
	test_assert(anvil_state_lookup(state, "imap", "john", "192.0.2.1") == 0);
	anvil_state_destroy(&state);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_anvil_version,
		test_anvil_sessions,
		test_anvil_kick,
		test_anvil_penalty,
		test_anvil_malformed,
		NULL
	};

	return test_run(tests);
}
