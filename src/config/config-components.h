#ifndef CONFIG_COMPONENTS_H
#define CONFIG_COMPONENTS_H

/* Every component's own setting table, checked the way its processes will
   read it, so that a value a service refuses (pop3_delete_type = flag
   without pop3_deleted_flag, a bad pop3_client_workarounds or
   postmaster_address) stops roost and roostconf at start instead of
   failing each login at run time. As in Dovecot, whose config compiles the
   settings files of every component, libconfigcomponents is built from the
   components' own *-settings.c files; each service still runs its table's
   check when it reads its settings.

   Kept apart from config_load() (libconfig), which lmtp, roost-lda and
   roostadm link without needing every component. */

#include "settings.h"

struct config_component {
	/* the processes that read the table ("pop3", "imap-login, pop3-login") */
	const char *name;
	const struct setting_table *table;
	/* the protocol filters they read it with; NULL: only the unfiltered
	   values (auth) */
	const char *const *protocols;
};

/* Terminated by an entry with table NULL. */
extern const struct config_component config_components[];

/* Fills every component's table from tree as its processes do, with each
   protocol filter they use, and again with every local, remote and
   local_name section of the tree (and the protocol sections they sit in),
   then runs the table's check. Each failure is appended to errors with the
   file:line of the setting at fault (else of the filter section, else
   path with line 0), prefixed by the filter section when it shows only
   there ("local 10.0.0.0/8: ..."). A table stops at its first failure
   under a filter, as its process would; a failure seen under several
   filters is reported once (one error per file:line). Messages come from
   tree->pool. Returns the number of errors added. */
unsigned int config_components_check(struct config_tree *tree, const char *path,
				     ARRAY_TYPE(settings_error) *errors);

/* config_load() and, when it found no error (a half-read configuration
   would give misleading ones), config_components_check(). The same
   contract as config_load(). */
int config_components_load(const char *path, struct config_tree **tree_r,
			   ARRAY_TYPE(settings_error) *errors,
			   ARRAY_TYPE(settings_error) *warnings);

#endif
