/* Plugin loading (module-dir.h). */
#include "lib.h"
#include "module-dir.h"

#include <dirent.h>
#include <dlfcn.h>

const char *module_file_get_name(pool_t pool, const char *fname)
{
	const char *p = fname, *end;
	size_t len = strlen(fname);

	if (len <= 3 || strcmp(fname + len - 3, ".so") != 0)
		return NULL;
	end = fname + len - 3;
	/* lib<NN>_ prefix */
	if (strncmp(p, "lib", 3) == 0) {
		const char *q = p + 3;
		while (*q >= '0' && *q <= '9')
			q++;
		if (q != p + 3 && *q == '_')
			p = q + 1;
	}
	/* _plugin suffix */
	if (end - p > 7 && strncmp(end - 7, "_plugin", 7) == 0)
		end -= 7;
	if (end <= p)
		return NULL;
	return p_strndup(pool, p, (size_t)(end - p));
}

struct module *module_dir_find(struct module *modules, const char *name)
{
	for (; modules != NULL; modules = modules->next) {
		if (strcmp(modules->name, name) == 0)
			return modules;
	}
	return NULL;
}

static void module_free(struct module *module)
{
	if (module->handle != NULL)
		(void)dlclose(module->handle);
	i_free(module->path);
	i_free(module->name);
	i_free(module);
}

static struct module *module_load(const char *path, const char *name,
				  const struct module_dir_load_settings *set, const char **error_r)
{
	struct module *module;
	const char *version;
	void *handle;

	/* RTLD_GLOBAL: a later plugin may use an earlier one's symbols */
	handle = dlopen(path, RTLD_GLOBAL | RTLD_NOW);
	if (handle == NULL) {
		*error_r = t_strdup_printf("dlopen(%s) failed: %s", path, dlerror());
		return NULL;
	}
	module = i_new(struct module, 1);
	module->path = i_strdup(path);
	module->name = i_strdup(name);
	module->handle = handle;

	version = dlsym(handle, t_strdup_printf("%s_plugin_version", name));
	if (set->abi_version != NULL &&
	    (version == NULL || strcmp(version, set->abi_version) != 0)) {
		*error_r = t_strdup_printf("Module %s is for a different ABI version %s "
					   "(we have %s)", path,
					   version == NULL ? "(none)" : version, set->abi_version);
		module_free(module);
		return NULL;
	}
	*(void **)&module->init = dlsym(handle, t_strdup_printf("%s_plugin_init", name));
	*(void **)&module->deinit = dlsym(handle, t_strdup_printf("%s_plugin_deinit", name));
	if (module->init == NULL || module->deinit == NULL) {
		*error_r = t_strdup_printf("Module %s doesn't have %s_plugin_init and "
					   "%s_plugin_deinit functions", path, name, name);
		module_free(module);
		return NULL;
	}
	return module;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The file names in dir that are modules, sorted. */
static int module_dir_list(const char *dir, ARRAY_TYPE(const_string) *files,
			   const char **error_r)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (d == NULL) {
		if (errno == ENOENT)
			return 0; /* no modules installed: every name is "not found" */
		*error_r = t_strdup_printf("opendir(%s) failed: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (module_file_get_name(pool_temp, de->d_name) == NULL)
			continue;
		const char *name = t_strdup(de->d_name);
		array_push(files, &name);
	}
	(void)closedir(d);
	if (array_count(files) > 0)
		array_sort(files, cmp_str);
	return 0;
}

bool module_dir_has(const char *dir, const char *name)
{
	ARRAY_TYPE(const_string) files;
	const char *error, *file;

	p_array_init(&files, pool_temp, 16);
	if (module_dir_list(dir, &files, &error) < 0)
		return false;
	array_foreach_elem(&files, file) {
		if (strcmp(module_file_get_name(pool_temp, file), name) == 0)
			return true;
	}
	return false;
}

int module_dir_load(struct module **modules, const char *dir, const char *const *names,
		    const struct module_dir_load_settings *set, const char **error_r)
{
	ARRAY_TYPE(const_string) files;
	struct module *first_new = NULL, **tail = modules;
	const char *file;

	if (names == NULL || names[0] == NULL)
		return 0;
	while (*tail != NULL)
		tail = &(*tail)->next;
	p_array_init(&files, pool_temp, 16);
	if (module_dir_list(dir, &files, error_r) < 0)
		return -1;
	/* every name must exist before anything is loaded */
	for (const char *const *n = names; *n != NULL; n++) {
		bool found = false;

		array_foreach_elem(&files, file) {
			if (strcmp(module_file_get_name(pool_temp, file), *n) == 0)
				found = true;
		}
		if (!found && module_dir_find(*modules, *n) == NULL) {
			*error_r = t_strdup_printf("Plugin '%s' not found from directory %s", *n,
						   dir);
			return -1;
		}
	}
	/* load in file name order, so lib10_ comes before lib20_ */
	array_foreach_elem(&files, file) {
		const char *name = module_file_get_name(pool_temp, file);
		struct module *module;

		if (!str_array_find(names, name) || module_dir_find(*modules, name) != NULL)
			continue;
		module = module_load(t_strdup_printf("%s/%s", dir, file), name, set, error_r);
		if (module == NULL) {
			if (set->setting_name != NULL)
				*error_r = t_strdup_printf("%s: %s", set->setting_name, *error_r);
			/* unload what this call loaded */
			while (first_new != NULL) {
				struct module *next = first_new->next;
				module_free(first_new);
				first_new = next;
			}
			*tail = NULL;
			return -1;
		}
		*tail = module;
		if (first_new == NULL)
			first_new = module;
		tail = &module->next;
	}
	return 0;
}

void module_dir_init(struct module *modules)
{
	for (; modules != NULL; modules = modules->next) {
		if (!modules->initialized) {
			modules->initialized = true;
			modules->init(modules);
		}
	}
}

static void module_dir_deinit_rec(struct module *module)
{
	if (module == NULL)
		return;
	module_dir_deinit_rec(module->next);
	if (module->initialized) {
		module->initialized = false;
		module->deinit();
	}
}

void module_dir_deinit(struct module *modules)
{
	module_dir_deinit_rec(modules);
}

void module_dir_unload(struct module **_modules)
{
	struct module *modules = *_modules;

	*_modules = NULL;
	module_dir_deinit(modules);
	while (modules != NULL) {
		struct module *next = modules->next;
		module_free(modules);
		modules = next;
	}
}
