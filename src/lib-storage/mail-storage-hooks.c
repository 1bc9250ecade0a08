/* Plugin hooks and plugin loading (mail-storage-hooks.h). */
#include "lib.h"
#include "roost-config.h"
#include "module-dir.h"
#include "mail-user.h"
#include "mail-storage-hooks.h"

struct hook_entry {
	struct module *module;
	const struct mail_storage_hooks *hooks;
};

/* what a plugin-enabled user carries, outside struct mail_user */
struct user_plugin_state {
	struct mail_user *user;
	const char *const *userdb_fields;
	ARRAY(struct module_context) contexts;
};

struct module_context {
	struct module *module;
	void *ctx;
};

static ARRAY(struct hook_entry) hooks_list;
static ARRAY(struct user_plugin_state *) user_states;
static struct module *plugin_modules;
static const char *const *plugin_settings;

void mail_storage_hooks_add(struct module *module, const struct mail_storage_hooks *hooks)
{
	struct hook_entry entry = { .module = module, .hooks = hooks };

	if (!array_is_created(&hooks_list))
		p_array_init(&hooks_list, pool_system, 4);
	array_push(&hooks_list, &entry);
}

void mail_storage_hooks_remove(const struct mail_storage_hooks *hooks)
{
	for (unsigned int i = 0; i < array_count(&hooks_list); i++) {
		if (array_idx(&hooks_list, i)->hooks == hooks) {
			array_delete(&hooks_list, i, 1);
			return;
		}
	}
	i_panic("mail_storage_hooks_remove: hooks not registered");
}

int mail_storage_plugins_load(const char *dir, const char *const *names, const char **error_r)
{
	const struct module_dir_load_settings set = {
		.abi_version = ROOST_ABI_VERSION,
		.setting_name = "mail_plugins",
	};
	ARRAY_TYPE(const_string) wanted;

	p_array_init(&wanted, pool_temp, 8);
	for (; names != NULL && *names != NULL; names++) {
		const char *name = *names;

		if (name[0] != '$' && name[0] != '\0')
			array_push(&wanted, &name);
	}
	if (array_count(&wanted) == 0)
		return 0;
	array_append_space(&wanted); /* NULL-terminated */
	if (module_dir_load(&plugin_modules, dir, array_front(&wanted), &set, error_r) < 0)
		return -1;
	module_dir_init(plugin_modules);
	return 0;
}

void mail_storage_plugins_unload(void)
{
	module_dir_unload(&plugin_modules);
	if (array_is_created(&hooks_list) && array_count(&hooks_list) == 0)
		array_free(&hooks_list);
}

struct module *mail_storage_plugins_get(void)
{
	return plugin_modules;
}

void mail_storage_plugin_settings_set(const char *const *key_values)
{
	plugin_settings = key_values;
}

static struct user_plugin_state *user_state_find(struct mail_user *user, unsigned int *idx_r)
{
	if (!array_is_created(&user_states))
		return NULL;
	for (unsigned int i = 0; i < array_count(&user_states); i++) {
		struct user_plugin_state *state = array_idx_elem(&user_states, i);
		if (state->user == user) {
			if (idx_r != NULL)
				*idx_r = i;
			return state;
		}
	}
	return NULL;
}

void mail_user_plugins_init(struct mail_user *user, const char *const *userdb_fields)
{
	struct user_plugin_state *state;

	if (!array_is_created(&user_states))
		p_array_init(&user_states, pool_system, 4);
	state = p_new(user->pool, struct user_plugin_state, 1);
	state->user = user;
	state->userdb_fields = userdb_fields;
	p_array_init(&state->contexts, user->pool, 4);
	array_push(&user_states, &state);
	if (!array_is_created(&hooks_list))
		return;
	array_foreach(&hooks_list, entry) {
		if (entry->hooks->mail_user_created != NULL)
			entry->hooks->mail_user_created(user);
	}
}

void hook_mail_user_deinit(struct mail_user *user)
{
	unsigned int idx;

	if (user_state_find(user, &idx) == NULL)
		return;
	if (array_is_created(&hooks_list)) {
		array_foreach(&hooks_list, entry) {
			if (entry->hooks->mail_user_deinit != NULL)
				entry->hooks->mail_user_deinit(user);
		}
	}
	array_delete(&user_states, idx, 1);
	if (array_count(&user_states) == 0)
		array_free(&user_states);
}

void hook_mailbox_opened(struct mailbox *box)
{
	if (!array_is_created(&hooks_list))
		return;
	array_foreach(&hooks_list, entry) {
		if (entry->hooks->mailbox_opened != NULL)
			entry->hooks->mailbox_opened(box);
	}
}

int hook_mailbox_transaction_precommit(struct mailbox *box,
				       const struct mailbox_transaction_sizes *sizes)
{
	if (!array_is_created(&hooks_list))
		return 0;
	array_foreach(&hooks_list, entry) {
		if (entry->hooks->mailbox_transaction_precommit != NULL &&
		    entry->hooks->mailbox_transaction_precommit(box, sizes) < 0)
			return -1;
	}
	return 0;
}

void hook_mailbox_transaction_committed(struct mailbox *box,
					const struct mailbox_transaction_sizes *sizes)
{
	if (!array_is_created(&hooks_list))
		return;
	array_foreach(&hooks_list, entry) {
		if (entry->hooks->mailbox_transaction_committed != NULL)
			entry->hooks->mailbox_transaction_committed(box, sizes);
	}
}

const char *mail_user_plugin_getenv(struct mail_user *user, const char *key)
{
	struct user_plugin_state *state = user_state_find(user, NULL);
	size_t len = strlen(key);
	const char *value = NULL;

	if (state != NULL && state->userdb_fields != NULL) {
		for (const char *const *f = state->userdb_fields; *f != NULL; f++) {
			if (strncmp(*f, key, len) == 0 && (*f)[len] == '=')
				return *f + len + 1;
		}
	}
	for (const char *const *kv = plugin_settings; kv != NULL && kv[0] != NULL; kv += 2) {
		if (strcmp(kv[0], key) == 0)
			value = kv[1]; /* the last one wins */
	}
	return value;
}

void mail_user_module_context_set(struct mail_user *user, struct module *module, void *ctx)
{
	struct user_plugin_state *state = user_state_find(user, NULL);

	i_assert(state != NULL);
	array_foreach(&state->contexts, mc) {
		if (mc->module == module) {
			mc->ctx = ctx;
			return;
		}
	}
	struct module_context mc = { .module = module, .ctx = ctx };
	array_push(&state->contexts, &mc);
}

void *mail_user_module_context_get(struct mail_user *user, struct module *module)
{
	struct user_plugin_state *state = user_state_find(user, NULL);

	if (state == NULL)
		return NULL;
	array_foreach(&state->contexts, mc) {
		if (mc->module == module)
			return mc->ctx;
	}
	return NULL;
}
