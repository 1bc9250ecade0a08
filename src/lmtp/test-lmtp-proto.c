#include "test-common.h"
#include "str.h"
#include "lmtp-proto.h"

static void test_lmtp_headers(void)
{
	struct lmtp_header_info info;
	string_t *str = str_new(test_pool, 256);

	test_begin("lmtp trace headers");
	memset(&info, 0, sizeof(info));
	info.mail_from = "sender@example.org";
	info.delivered_to = "john@example.com";
	info.add_received = true;
	info.lhlo_name = "mx.example.org";
	info.remote_ip = "192.0.2.5";
	info.hostname = "mail.example.com";
	info.session_id = "abc:1";
	info.received_for = "john@example.com";
	info.time = 1700000000;
	info.tz_offset = 0;
	lmtp_proto_append_headers(str, &info);
	test_assert_strcmp(str_c(str),
			   "Return-Path: <sender@example.org>\r\n"
			   "Delivered-To: john@example.com\r\n"
			   "Received: from mx.example.org ([192.0.2.5])\r\n"
			   "\tby mail.example.com with LMTP id abc:1\r\n"
			   "\t(envelope-from <sender@example.org>)\r\n"
			   "\tfor <john@example.com>; Tue, 14 Nov 2023 22:13:20 +0000\r\n");

	/* null sender, several recipients, unix socket, no Received */
	str_truncate(str, 0);
	info.mail_from = "";
	info.delivered_to = NULL;
	info.received_for = NULL;
	info.remote_ip = NULL;
	info.lhlo_name = NULL;
	lmtp_proto_append_headers(str, &info);
	test_assert_strcmp(str_c(str),
			   "Return-Path: <>\r\n"
			   "Received: from unknown\r\n"
			   "\tby mail.example.com with LMTP id abc:1\r\n"
			   "\t(envelope-from <>); Tue, 14 Nov 2023 22:13:20 +0000\r\n");
	str_truncate(str, 0);
	info.add_received = false;
	lmtp_proto_append_headers(str, &info);
	test_assert_strcmp(str_c(str), "Return-Path: <>\r\n");
	test_end();
}

static void test_lmtp_delivered_to(void)
{
	enum lmtp_hdr_delivery_address mode;

	test_begin("lmtp Delivered-To choice");
	test_assert(lmtp_proto_parse_hdr_delivery_address("final", &mode) == 0 &&
		    mode == LMTP_HDR_DELIVERY_ADDRESS_FINAL);
	test_assert(lmtp_proto_parse_hdr_delivery_address("none", &mode) == 0 &&
		    mode == LMTP_HDR_DELIVERY_ADDRESS_NONE);
	test_assert(lmtp_proto_parse_hdr_delivery_address("original", &mode) == 0 &&
		    mode == LMTP_HDR_DELIVERY_ADDRESS_ORIGINAL);
	test_assert(lmtp_proto_parse_hdr_delivery_address("Final", &mode) < 0);
	test_assert_strcmp(lmtp_proto_delivered_to(LMTP_HDR_DELIVERY_ADDRESS_FINAL, 1,
						   "a+x@b", "rfc822;alias@b"), "a+x@b");
	test_assert(lmtp_proto_delivered_to(LMTP_HDR_DELIVERY_ADDRESS_FINAL, 2, "a@b", NULL) ==
		    NULL);
	test_assert(lmtp_proto_delivered_to(LMTP_HDR_DELIVERY_ADDRESS_NONE, 1, "a@b", NULL) ==
		    NULL);
	test_assert_strcmp(lmtp_proto_delivered_to(LMTP_HDR_DELIVERY_ADDRESS_ORIGINAL, 1,
						   "a@b", "rfc822;alias@b"), "alias@b");
	test_assert_strcmp(lmtp_proto_delivered_to(LMTP_HDR_DELIVERY_ADDRESS_ORIGINAL, 1,
						   "a@b", NULL), "a@b");
	test_assert_strcmp(lmtp_proto_delivered_to(LMTP_HDR_DELIVERY_ADDRESS_ORIGINAL, 1,
						   "a@b", "rfc822;"), "a@b");
	test_end();
}

static void test_lmtp_xclient(void)
{
	struct lmtp_xclient x;
	const char *error;

	test_begin("lmtp XCLIENT");
	test_assert(lmtp_proto_parse_xclient(test_pool, "ADDR=198.51.100.7 PORT=4025 "
					     "HELO=client.example LOGIN=[UNAVAILABLE] "
					     "NAME=spike.porcupine.org PROTO=ESMTP", &x,
					     &error) == 0);
	test_assert(x.have_addr && x.have_port && x.port == 4025);
	test_assert_strcmp(net_ip2addr(test_pool, &x.addr), "198.51.100.7");
	test_assert_strcmp(x.helo, "client.example");
	test_assert(x.login == NULL);
	test_assert_strcmp(x.proto, "ESMTP");
	test_assert(lmtp_proto_parse_xclient(test_pool, "ADDR=IPV6:2001:db8::1 helo=a+2Bb", &x,
					     &error) == 0);
	test_assert(x.have_addr && !x.have_port);
	test_assert_strcmp(net_ip2addr(test_pool, &x.addr), "2001:db8::1");
	test_assert_strcmp(x.helo, "a+b");
	test_assert(lmtp_proto_parse_xclient(test_pool, "ADDR=[TEMPUNAVAIL]", &x, &error) == 0);
	test_assert(!x.have_addr);
	static const char *const bad[] = {
		"", "   ", "ADDR", "=x", "ADDR=not-an-ip", "PORT=65536", "PORT=x", "HELO=a+zz",
	};
	for (unsigned int i = 0; i < N_ELEMENTS(bad); i++)
		test_assert_idx(lmtp_proto_parse_xclient(test_pool, bad[i], &x, &error) < 0, i);
	test_end();
}

static void test_lmtp_postmaster_address(void)
{
	static const char *const dflt = "postmaster@%{if;%d;ne;;%d;%{hostname}}";
	static const struct {
		const char *setting, *domain, *result;
	} ok[] = {
		{ dflt, "example.com", "postmaster@example.com" },
		{ dflt, "", "postmaster@mx" },
		{ dflt, NULL, "postmaster@mx" },
		{ "pm@%d", "example.org", "pm@example.org" },
		{ "root@%{domain}", "d\xc3\xa9j\xc3\xa0.fr", "root@d\xc3\xa9j\xc3\xa0.fr" },
		{ "postmaster", "example.com", "postmaster" },
		{ "hostmaster@%{hostname}", "x", "hostmaster@mx" },
	};
	static const char *const bad[] = {
		"", "%d@", "@example.com", "pm@", "pm@%", "pm@%{nosuch}", "a b@c", "<pm@c>",
		"pm@%{if;%d;xx;;a;b}", "pm@@c",
	};
	const char *address, *error;

	test_begin("lmtp postmaster_address");
	for (unsigned int i = 0; i < N_ELEMENTS(ok); i++) {
		address = NULL;
		test_assert_idx(lmtp_proto_postmaster_address(test_pool, ok[i].setting,
							      ok[i].domain, "mx", &address,
							      &error) == 0, i);
		test_assert_strcmp(address, ok[i].result);
	}
	for (unsigned int i = 0; i < N_ELEMENTS(bad); i++) {
		error = NULL;
		test_assert_idx(lmtp_proto_postmaster_address(test_pool, bad[i], "example.com",
							      "mx", &address, &error) < 0, i);
		test_assert_idx(error != NULL &&
				strncmp(error, "postmaster_address: ", 20) == 0, i);
	}
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_lmtp_headers, test_lmtp_delivered_to, test_lmtp_xclient,
		test_lmtp_postmaster_address, NULL,
	};
	return test_run(tests);
}
