/* Trace headers and XCLIENT parsing (lmtp-proto.h). */
#include "lib.h"
#include "str.h"
#include "strfuncs.h"
#include "date.h"
#include "var-expand.h"
#include "smtp-parser.h"
#include "lmtp-proto.h"

void lmtp_proto_append_headers(string_t *dest, const struct lmtp_header_info *info)
{
	str_printfa(dest, "Return-Path: <%s>\r\n", info->mail_from);
	if (info->delivered_to != NULL)
		str_printfa(dest, "Delivered-To: %s\r\n", info->delivered_to);
	if (!info->add_received)
		return;
	str_append(dest, "Received: from ");
	str_append(dest, info->lhlo_name != NULL && info->lhlo_name[0] != '\0' ?
			 info->lhlo_name : "unknown");
	if (info->remote_ip != NULL && info->remote_ip[0] != '\0')
		str_printfa(dest, " ([%s])", info->remote_ip);
	str_printfa(dest, "\r\n\tby %s with LMTP id %s\r\n\t(envelope-from <%s>)",
		    info->hostname, info->session_id, info->mail_from);
	if (info->received_for != NULL)
		str_printfa(dest, "\r\n\tfor <%s>", info->received_for);
	str_append(dest, "; ");
	date_append_rfc5322(dest, info->time, info->tz_offset);
	str_append(dest, "\r\n");
}

const char *lmtp_proto_delivered_to(enum lmtp_hdr_delivery_address mode,
				    unsigned int rcpt_count, const char *rcpt_to,
				    const char *orcpt)
{
	const char *p;

	if (rcpt_count != 1)
		return NULL;
	switch (mode) {
	case LMTP_HDR_DELIVERY_ADDRESS_NONE:
		return NULL;
	case LMTP_HDR_DELIVERY_ADDRESS_FINAL:
		return rcpt_to;
	case LMTP_HDR_DELIVERY_ADDRESS_ORIGINAL:
		if (orcpt == NULL)
			return rcpt_to;
		p = strchr(orcpt, ';');
		if (p == NULL || p[1] == '\0')
			return rcpt_to;
		return p + 1;
	}
	return rcpt_to;
}

int lmtp_proto_postmaster_address(pool_t pool, const char *setting, const char *domain,
				  const char *hostname, const char **address_r,
				  const char **error_r)
{
	const struct var_expand_table tab[] = {
		{ 'd', domain, "domain" },
		{ '\0', hostname, "hostname" },
		{ '\0', NULL, NULL },
	};
	string_t *str = str_new(pool, 64);
	struct smtp_address addr;
	const char *error;

	if (var_expand(str, setting, tab, &error) < 0) {
		*error_r = t_strdup_printf("postmaster_address: %s", error);
		return -1;
	}
	if (str_len(str) == 0 ||
	    smtp_address_parse(pool, str_c(str), true, &addr, &error) < 0 ||
	    addr.localpart == NULL) {
		*error_r = t_strdup_printf("postmaster_address: invalid address '%s'",
					   str_sanitize(pool_temp, str_c(str), 200));
		return -1;
	}
	*address_r = str_c(str);
	return 0;
}

int lmtp_proto_parse_hdr_delivery_address(const char *value,
					  enum lmtp_hdr_delivery_address *mode_r)
{
	if (strcmp(value, "final") == 0)
		*mode_r = LMTP_HDR_DELIVERY_ADDRESS_FINAL;
	else if (strcmp(value, "none") == 0)
		*mode_r = LMTP_HDR_DELIVERY_ADDRESS_NONE;
	else if (strcmp(value, "original") == 0)
		*mode_r = LMTP_HDR_DELIVERY_ADDRESS_ORIGINAL;
	else
		return -1;
	return 0;
}

static bool xclient_value_unavailable(const char *value)
{
	return strcasecmp(value, "[UNAVAILABLE]") == 0 || strcasecmp(value, "[TEMPUNAVAIL]") == 0;
}

int lmtp_proto_parse_xclient(pool_t pool, const char *args, struct lmtp_xclient *xclient_r,
			     const char **error_r)
{
	const char *const *words = p_strsplit_spaces(pool, args, " ");
	const char *key, *raw, *value, *ip;

	memset(xclient_r, 0, sizeof(*xclient_r));
	if (words[0] == NULL) {
		*error_r = "XCLIENT needs attributes";
		return -1;
	}
	for (; *words != NULL; words++) {
		raw = strchr(*words, '=');
		if (raw == NULL || raw == *words) {
			*error_r = "Invalid XCLIENT attribute";
			return -1;
		}
		key = p_strndup(pool, *words, (size_t)(raw - *words));
		if (smtp_xtext_decode(pool, raw + 1, &value) < 0) {
			*error_r = "Invalid XCLIENT value encoding";
			return -1;
		}
		if (xclient_value_unavailable(value))
			continue;
		if (strcasecmp(key, "ADDR") == 0) {
			ip = value;
			if (strncasecmp(ip, "IPV6:", 5) == 0)
				ip += 5;
			if (net_addr2ip(ip, &xclient_r->addr) < 0) {
				*error_r = "Invalid XCLIENT ADDR";
				return -1;
			}
			xclient_r->have_addr = true;
		} else if (strcasecmp(key, "PORT") == 0) {
			if (str_to_uint(value, &xclient_r->port) < 0 || xclient_r->port > 65535) {
				*error_r = "Invalid XCLIENT PORT";
				return -1;
			}
			xclient_r->have_port = true;
		} else if (strcasecmp(key, "HELO") == 0) {
			xclient_r->helo = value;
		} else if (strcasecmp(key, "LOGIN") == 0) {
			xclient_r->login = value;
		} else if (strcasecmp(key, "PROTO") == 0) {
			xclient_r->proto = value;
		}
	}
	return 0;
}
