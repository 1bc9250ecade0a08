#ifndef LMTP_PROTO_H
#define LMTP_PROTO_H

/* Pure pieces of the LMTP server (no I/O, unit-tested in test-lmtp-proto.c):
   the trace headers added to every delivered message, and the XCLIENT
   argument parser. */

#include <strings.h>
#include <time.h>
#include "net.h"

/* lmtp_hdr_delivery_address */
enum lmtp_hdr_delivery_address {
	LMTP_HDR_DELIVERY_ADDRESS_FINAL,
	LMTP_HDR_DELIVERY_ADDRESS_NONE,
	LMTP_HDR_DELIVERY_ADDRESS_ORIGINAL,
};

struct lmtp_header_info {
	/* the MAIL FROM path, encoded, "" for the null path <> */
	const char *mail_from;
	/* Delivered-To: value, or NULL for none */
	const char *delivered_to;
	/* Received: is added only when true; the fields below are for it */
	bool add_received;
	const char *lhlo_name;  /* may be NULL/"" */
	const char *remote_ip;  /* NULL/"" for a unix socket peer */
	const char *hostname;
	const char *session_id;
	/* "for <...>" only for single-recipient transactions; NULL: none */
	const char *received_for;
	time_t time;
	int tz_offset; /* minutes east of UTC */
};

/* Appends Return-Path:, Delivered-To: and Received: as Dovecot 2.3's LMTP
   does, each line ending in CRLF. */
void lmtp_proto_append_headers(string_t *dest, const struct lmtp_header_info *info);

/* The Delivered-To: address for a transaction of rcpt_count recipients:
   Dovecot 2.3 adds it only when there is exactly one recipient; "final"
   is the RCPT TO address, "original" the ORCPT address (the RCPT TO one
   when there was none). Returns NULL for no header. orcpt "rfc822;a@b"
   is stripped of its address type. */
const char *lmtp_proto_delivered_to(enum lmtp_hdr_delivery_address mode,
				    unsigned int rcpt_count, const char *rcpt_to,
				    const char *orcpt);

/* postmaster_address for a recipient in domain (NULL/"" when the address
   has none): %d and %{domain} are the domain, %{hostname} is hostname.
   The result must be an address (a bare local part is allowed, as in
   Dovecot). Returns 0 with *address_r (pool), or -1 with *error_r. */
int lmtp_proto_postmaster_address(pool_t pool, const char *setting, const char *domain,
				  const char *hostname, const char **address_r,
				  const char **error_r);

/* Parses the setting value; returns 0 or -1. */
int lmtp_proto_parse_hdr_delivery_address(const char *value,
					  enum lmtp_hdr_delivery_address *mode_r);

struct lmtp_xclient {
	bool have_addr, have_port;
	struct ip_addr addr;
	unsigned int port;
	const char *helo;  /* NULL when not given */
	const char *login; /* NULL when not given */
	const char *proto; /* NULL when not given */
};

/* Parses XCLIENT arguments ("ADDR=1.2.3.4 PORT=25 HELO=x ..."). Values
   are xtext; "[UNAVAILABLE]" and "[TEMPUNAVAIL]" mean not given. Unknown
   attribute names are ignored, as Postfix asks of XCLIENT servers. Returns
   0, or -1 with *error_r (client-safe). Allocates from pool. */
int lmtp_proto_parse_xclient(pool_t pool, const char *args, struct lmtp_xclient *xclient_r,
			     const char **error_r);

#endif
