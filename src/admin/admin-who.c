/* roostadm who (admin-who.h). */
#include "lib.h"
#include "anvil-interface.h"
#include "anvil-client.h"
#include "admin-auth.h"
#include "admin-who.h"

#include <fnmatch.h>
#include <stdio.h>

#define WHO_TIMEOUT_MSECS 5000

struct who_group {
	const char *user, *service;
	unsigned int count;
	string_t *pids, *ips;
};
ARRAY_DEFINE_TYPE(who_group, struct who_group);

static struct who_group *who_group_get(ARRAY_TYPE(who_group) *groups, const char *user,
				       const char *service)
{
	struct who_group *group;

	array_foreach(groups, g) {
		if (strcmp(g->user, user) == 0 && strcmp(g->service, service) == 0)
			return g;
	}
	group = array_append_space(groups);
	group->user = user;
	group->service = service;
	group->pids = str_new(pool_temp, 32);
	group->ips = str_new(pool_temp, 32);
	return group;
}

static bool word_listed(const string_t *list, const char *word)
{
	const char *const *words = p_strsplit(pool_temp, str_c(list), " ");

	return str_array_find(words, word);
}

static void word_add(string_t *list, const char *word)
{
	if (word_listed(list, word))
		return;
	if (str_len(list) > 0)
		str_append_c(list, ' ');
	str_append(list, word);
}

int cmd_who(struct admin_context *ctx, int argc, char *argv[])
{
	struct anvil_client *anvil;
	const char *const *lines, *path, *error, *mask = argc > 0 ? argv[0] : NULL;
	ARRAY_TYPE(who_group) groups;

	/* argv holds the arguments after the command's words */
	if (argc > 1) {
		fprintf(stderr, "usage: roostadm who [<user>]\n");
		return 64;
	}
	path = t_strdup_printf("%s/%s", admin_base_dir(ctx), ANVIL_SOCKET_NAME);
	if (anvil_client_connect(path, &anvil, &error) < 0) {
		i_error("%s (is Roost running?)", error);
		return 75;
	}
	if (anvil_client_query_sync(anvil, "WHO", true, WHO_TIMEOUT_MSECS, pool_temp, &lines,
				    &error) < 0) {
		i_error("anvil: %s", error);
		anvil_client_deinit(&anvil);
		return 75;
	}
	anvil_client_deinit(&anvil);

	p_array_init(&groups, pool_temp, 16);
	for (unsigned int i = 0; lines[i] != NULL; i++) {
		const char *const *f = p_strsplit(pool_temp, lines[i], "\t");
		struct who_group *group;

		if (str_array_length(f) != 4) {
			i_error("anvil sent a malformed session line");
			return 75;
		}
		if (mask != NULL && fnmatch(mask, f[0], 0) != 0)
			continue;
		group = who_group_get(&groups, f[0], f[1]);
		group->count++;
		word_add(group->pids, f[2]);
		word_add(group->ips, f[3]);
	}
	printf("%-30s %2s %-5s %-20s %s\n", "username", "#", "proto", "(pids)", "(ips)");
	array_foreach(&groups, g) {
		printf("%-30s %2u %-5s %-20s %s\n", g->user, g->count, g->service,
		       t_strdup_printf("(%s)", str_c(g->pids)),
		       t_strdup_printf("(%s)", str_c(g->ips)));
	}
	return 0;
}

int cmd_kick(struct admin_context *ctx, int argc, char *argv[])
{
	struct anvil_client *anvil;
	const char *const *lines, *path, *error;

	if (argc != 1 || argv[0][0] == '\0') {
		fprintf(stderr, "usage: roostadm kick <user mask>\n");
		return 64;
	}
	path = t_strdup_printf("%s/%s", admin_base_dir(ctx), ANVIL_SOCKET_NAME);
	if (anvil_client_connect(path, &anvil, &error) < 0) {
		i_error("%s (is Roost running?)", error);
		return 75;
	}
	if (anvil_client_query_sync(anvil, t_strdup_printf(
		    "KICK\t%s", anvil_client_field(pool_temp, argv[0])), true, WHO_TIMEOUT_MSECS,
		    pool_temp, &lines, &error) < 0) {
		i_error("anvil: %s", error);
		anvil_client_deinit(&anvil);
		return 75;
	}
	anvil_client_deinit(&anvil);
	if (lines[0] == NULL) {
		printf("no users kicked\n");
		/* doveadm's "not found" */
		return 68;
	}
	/* doveadm kick's wording */
	printf("kicked connections from the following users:\n");
	for (unsigned int i = 0; lines[i] != NULL; i++)
		printf("%s ", lines[i]);
	printf("\n");
	return 0;
}
