/* Delivery hooks (mail-deliver-hooks.h). */
#include "lib.h"
#include "mail-deliver-hooks.h"

struct deliver_hook_entry {
	struct module *module;
	const struct mail_deliver_hooks *hooks;
};

static ARRAY(struct deliver_hook_entry) deliver_hooks;

void mail_deliver_hooks_add(struct module *module, const struct mail_deliver_hooks *hooks)
{
	struct deliver_hook_entry entry = { .module = module, .hooks = hooks };

	if (!array_is_created(&deliver_hooks))
		p_array_init(&deliver_hooks, pool_system, 4);
	array_push(&deliver_hooks, &entry);
}

void mail_deliver_hooks_remove(const struct mail_deliver_hooks *hooks)
{
	for (unsigned int i = 0; i < array_count(&deliver_hooks); i++) {
		if (array_idx(&deliver_hooks, i)->hooks == hooks) {
			array_delete(&deliver_hooks, i, 1);
			if (array_count(&deliver_hooks) == 0)
				array_free(&deliver_hooks);
			return;
		}
	}
	i_panic("mail_deliver_hooks_remove: hooks not registered");
}

/* A refusing hook must say why; a broken reply becomes a temporary failure
   rather than a bounce. */
static void reply_check(struct mail_deliver_reply *reply)
{
	if (reply->code < 400 || reply->code > 599 || reply->enh == NULL ||
	    reply->enh[0] != (char)('0' + reply->code / 100) || reply->text == NULL) {
		i_error("A delivery hook refused with an invalid reply (%u)", reply->code);
		reply->code = 451;
		reply->enh = "4.3.0";
		reply->text = "Temporary internal error";
	}
}

enum mail_deliver_hook_result hook_mail_deliver_rcpt_check_quota(struct mail_user *user,
								 const char *rcpt_to,
								 struct mail_deliver_reply *reply_r)
{
	if (!array_is_created(&deliver_hooks))
		return MAIL_DELIVER_HOOK_CONTINUE;
	array_foreach(&deliver_hooks, entry) {
		if (entry->hooks->rcpt_check_quota == NULL)
			continue;
		memset(reply_r, 0, sizeof(*reply_r));
		if (entry->hooks->rcpt_check_quota(user, rcpt_to, reply_r) !=
		    MAIL_DELIVER_HOOK_CONTINUE) {
			reply_check(reply_r);
			return MAIL_DELIVER_HOOK_REJECT;
		}
	}
	return MAIL_DELIVER_HOOK_CONTINUE;
}

enum mail_deliver_hook_result hook_mail_deliver(struct mail_deliver_context *ctx,
						struct mail_deliver_reply *reply_r)
{
	if (!array_is_created(&deliver_hooks))
		return MAIL_DELIVER_HOOK_CONTINUE;
	array_foreach(&deliver_hooks, entry) {
		if (entry->hooks->deliver == NULL)
			continue;
		memset(reply_r, 0, sizeof(*reply_r));
		if (entry->hooks->deliver(ctx, reply_r) != MAIL_DELIVER_HOOK_CONTINUE) {
			reply_check(reply_r);
			return MAIL_DELIVER_HOOK_REJECT;
		}
	}
	return MAIL_DELIVER_HOOK_CONTINUE;
}

bool mail_deliver_hooks_have_rcpt_check_quota(void)
{
	if (!array_is_created(&deliver_hooks))
		return false;
	array_foreach(&deliver_hooks, entry) {
		if (entry->hooks->rcpt_check_quota != NULL)
			return true;
	}
	return false;
}

bool mail_deliver_hooks_have_deliver(void)
{
	if (!array_is_created(&deliver_hooks))
		return false;
	array_foreach(&deliver_hooks, entry) {
		if (entry->hooks->deliver != NULL)
			return true;
	}
	return false;
}
