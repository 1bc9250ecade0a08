#ifndef MODULE_DIR_H
#define MODULE_DIR_H

/* Loading plugins (shared objects) from a module directory, the way
   Dovecot 2.3 loads mail_plugins from mail_plugin_dir.

   File names: "lib<NN>_<name>_plugin.so" (the number only orders loading:
   lower first) or "<name>.so"; module_file_get_name() maps both to <name>,
   which is what a setting such as mail_plugins names. A module exports:

     const char <name>_plugin_version[];  the host's ABI version string,
                                          checked before anything runs
     void <name>_plugin_init(struct module *module);
     void <name>_plugin_deinit(void);

   A module calls back into the program that loaded it (its symbols are
   exported with -rdynamic), e.g. to register hooks in its init function. */

struct module {
	char *path;
	char *name;
	void *handle;
	void (*init)(struct module *module);
	void (*deinit)(void);
	bool initialized;
	struct module *next;
};

struct module_dir_load_settings {
	/* the host's ABI version; a module whose version string differs is
	   refused */
	const char *abi_version;
	/* the setting that named the modules, for error texts */
	const char *setting_name;
};

/* "lib20_quota_plugin.so" -> "quota", "foo.so" -> "foo". Allocated from
   pool. Returns NULL when fname is not a shared object (no ".so"). */
const char *module_file_get_name(pool_t pool, const char *fname);

/* Whether dir has a module file for name. */
bool module_dir_has(const char *dir, const char *name);

/* Loads (dlopen) the modules that names lists, from dir, in the order of
   their file names, and appends them to *modules (which may already hold
   loaded modules; a name already loaded is skipped). Nothing is
   initialised yet. Returns 0, or -1 with *error_r (pool_temp) naming the
   first problem: "Plugin 'x' not found from directory D", a dlopen()
   error, a missing init function or a different ABI version. On -1 the
   modules loaded by this call are unloaded again. */
int module_dir_load(struct module **modules, const char *dir, const char *const *names,
		    const struct module_dir_load_settings *set, const char **error_r);
/* Calls the init function of every module not initialised yet, in load
   order. */
void module_dir_init(struct module *modules);
/* Calls the deinit functions in reverse order. */
void module_dir_deinit(struct module *modules);
/* Deinitialises (when needed), dlcloses and frees every module; sets
   *modules to NULL. */
void module_dir_unload(struct module **modules);
/* The loaded module called name, or NULL. */
struct module *module_dir_find(struct module *modules, const char *name);

#endif
