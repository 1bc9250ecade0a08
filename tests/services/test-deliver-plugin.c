/* lib99_test_deliver_plugin.so: a mail plugin for the tests, loaded through
   mail_plugins = test_deliver. It uses every hook a quota or Sieve plugin
   needs, driven by plugin { } settings (or userdb fields, which win):

     test_deliver_header = TEXT   adds "X-Test-Deliver: TEXT user=<user>
                                  postmaster=<postmaster_address>"
     test_deliver_reject = ADDR   refuses the recipient ADDR at delivery:
                                  550 5.7.1 Rejected by test_deliver
     test_deliver_tempfail = ADDR 451 4.2.0 for ADDR at delivery
     test_deliver_redirect = BOX  saves into mailbox BOX
     test_deliver_full = USER     USER is over quota: refused at RCPT (with
                                  lmtp_rcpt_check_quota = yes) with
                                  552 5.2.2 Quota exceeded

   It logs "test_deliver: user <name> created" and "test_deliver: opened
   <mailbox>" from the storage hooks. */
#include "lib.h"
#include "module-dir.h"
#include "roost-config.h"
#include "mail-user.h"
#include "mail-storage.h"
#include "mail-storage-hooks.h"
#include "mail-deliver-hooks.h"

const char test_deliver_plugin_version[] = ROOST_ABI_VERSION;
void test_deliver_plugin_init(struct module *module);
void test_deliver_plugin_deinit(void);

static struct module *test_module;

struct test_user {
	unsigned int opened;
};

static void test_user_created(struct mail_user *user)
{
	struct test_user *tuser = p_new(user->pool, struct test_user, 1);

	mail_user_module_context_set(user, test_module, tuser);
	i_info("test_deliver: user %s created", user->username);
}

static void test_mailbox_opened(struct mailbox *box)
{
	i_info("test_deliver: opened %s", mailbox_get_vname(box));
}

static void test_user_deinit(struct mail_user *user)
{
	if (mail_user_module_context_get(user, test_module) == NULL)
		i_error("test_deliver: no context for %s", user->username);
}

static enum mail_deliver_hook_result test_rcpt_check_quota(struct mail_user *user,
							   const char *rcpt_to,
							   struct mail_deliver_reply *reply_r)
{
	const char *full = mail_user_plugin_getenv(user, "test_deliver_full");

	if (full == NULL || strcmp(full, user->username) != 0)
		return MAIL_DELIVER_HOOK_CONTINUE;
	reply_r->code = 552;
	reply_r->enh = "5.2.2";
	reply_r->text = "Quota exceeded (mailbox for user is full)";
	return MAIL_DELIVER_HOOK_REJECT;
}

static enum mail_deliver_hook_result test_deliver(struct mail_deliver_context *ctx,
						  struct mail_deliver_reply *reply_r)
{
	const char *value;

	value = mail_user_plugin_getenv(ctx->user, "test_deliver_reject");
	if (value != NULL && strcmp(value, ctx->rcpt_to) == 0) {
		reply_r->code = 550;
		reply_r->enh = "5.7.1";
		reply_r->text = "Rejected by test_deliver";
		return MAIL_DELIVER_HOOK_REJECT;
	}
	value = mail_user_plugin_getenv(ctx->user, "test_deliver_tempfail");
	if (value != NULL && strcmp(value, ctx->rcpt_to) == 0) {
		reply_r->code = 451;
		reply_r->enh = "4.2.0";
		reply_r->text = "Try again later (test_deliver)";
		return MAIL_DELIVER_HOOK_REJECT;
	}
	value = mail_user_plugin_getenv(ctx->user, "test_deliver_redirect");
	if (value != NULL)
		ctx->mailbox = p_strdup(ctx->pool, value);
	value = mail_user_plugin_getenv(ctx->user, "test_deliver_header");
	if (value != NULL) {
		str_printfa(ctx->headers, "X-Test-Deliver: %s user=%s postmaster=%s\r\n", value,
			    ctx->user->username, ctx->postmaster_address);
	}
	return MAIL_DELIVER_HOOK_CONTINUE;
}

static const struct mail_storage_hooks test_storage_hooks = {
	.mail_user_created = test_user_created,
	.mail_user_deinit = test_user_deinit,
	.mailbox_opened = test_mailbox_opened,
};

static const struct mail_deliver_hooks test_deliver_hooks = {
	.rcpt_check_quota = test_rcpt_check_quota,
	.deliver = test_deliver,
};

void test_deliver_plugin_init(struct module *module)
{
	test_module = module;
	mail_storage_hooks_add(module, &test_storage_hooks);
	mail_deliver_hooks_add(module, &test_deliver_hooks);
	i_info("test_deliver: plugin loaded from %s", module->path);
}

void test_deliver_plugin_deinit(void)
{
	mail_deliver_hooks_remove(&test_deliver_hooks);
	mail_storage_hooks_remove(&test_storage_hooks);
}
