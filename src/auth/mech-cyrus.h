#ifndef MECH_CYRUS_H
#define MECH_CYRUS_H

/* SASL mechanisms Roost does not implement itself, run by libsasl2 (Cyrus
   SASL) in this process: DIGEST-MD5 first, and whatever other server
   plugin is installed (libsasl2-modules*). libsasl2 asks for the user's
   password during sasl_server_step() through an auxprop plugin that we
   register: it answers from our passdb chain, synchronously, which is why
   these mechanisms only work with passdbs that answer in-process
   (passwd-file, static), and only with passwords stored in PLAIN.

   libsasl2 reads no configuration file here (no application name is
   given and every option comes from our own getopt callback: mech_list,
   auxprop_plugin, canon_user_plugin), and its log lines go to ours. */

#include "mech.h"

/* Looks name up among the mechanisms libsasl2 offers (sasl_listmech),
   loading libsasl2's plugins at the first call (while still privileged).
   Returns 1 with *mech_r (allocated from auth->pool), 0 when libsasl2 does
   not offer it, -1 with *error_r when it cannot be used with this
   configuration (a passdb that needs auth workers) or libsasl2 failed. */
int mech_cyrus_find(struct auth *auth, const char *name, const struct mech_module **mech_r,
		    const char **error_r);
/* The Debian package with the libsasl2 plugin for a mechanism, for hints. */
const char *mech_cyrus_plugin_package(const char *name);
/* Unloads libsasl2 if it was loaded. */
void mech_cyrus_deinit(void);

#endif
