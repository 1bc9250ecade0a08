/* lib-tls against a real OpenSSL client over socketpairs, with keys and
   certificates made by the openssl program at test time. */
#include "test-common.h"
#include "ioloop.h"
#include "line-reader.h"
#include "net.h"
#include "tls-settings.h"
#include "tls-context.h"
#include "tls-conn.h"
#include "tls-proxy.h"

#include <stdio.h>
#include <sys/socket.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

static const char *dir;

static void run_openssl(const char *args)
{
	const char *cmd = t_strdup_printf("cd %s && openssl %s >/dev/null 2>&1", dir, args);

	if (system(cmd) != 0)
		i_fatal("failed: %s", cmd);
}

static void make_keys(void)
{
	dir = test_tmpdir();
	run_openssl("req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=default.example.com "
		    "-keyout rsa-key.pem -out rsa-cert.pem");
	run_openssl("req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
		    "-subj /CN=mail.example.com -keyout ec-key.pem -out ec-cert.pem");
	run_openssl("req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
		    "-subj /CN=wild.example.org -keyout wild-key.pem -out wild-cert.pem");
	run_openssl("pkey -in rsa-key.pem -aes256 -passout pass:s3cret -out rsa-key-enc.pem");
	run_openssl("genpkey -genparam -algorithm DH -pkeyopt dh_param:ffdhe2048 -out dh.pem");
	FILE *f = fopen(t_strdup_printf("%s/bad-dh.pem", dir), "w");
	i_assert(f != NULL);
	fputs("-----BEGIN DH PARAMETERS-----\nAAAA\n-----END DH PARAMETERS-----\n", f);
	fclose(f);
}

static struct config_tree *conf(const char *text)
{
	ARRAY_TYPE(settings_error) errors;
	struct config_tree *tree = config_tree_create();
	const char *path = t_strdup_printf("%s/test.conf", dir);
	FILE *f = fopen(path, "w");

	i_assert(f != NULL);
	fputs(text, f);
	fclose(f);
	p_array_init(&errors, test_pool, 4);
	test_assert(settings_parse_file(tree, path, NULL, &errors) == 0);
	return tree;
}

#define RSA_CONF(extra)                                                                            \
	t_strdup_printf("ssl_cert = <%s/rsa-cert.pem\nssl_key = <%s/rsa-key.pem\n%s", dir, dir,    \
			extra)

static int ctx_create(const char *text, struct tls_context **ctx_r, const char **error_r)
{
	struct config_tree *tree = conf(text);
	int ret = tls_context_create(tree, NULL, ctx_r, error_r);

	config_tree_free(&tree);
	return ret;
}

static bool contains(const char *str, const char *part)
{
	return str != NULL && strstr(str, part) != NULL;
}

/* ---- an OpenSSL client ---- */

struct client_opts {
	const char *sni;
	int max_version;
	const char *cipher_list;
};

static SSL *client_new(int fd, const struct client_opts *opts)
{
	SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
	SSL *ssl;

	SSL_CTX_set_verify(cctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_mode(cctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (opts != NULL && opts->max_version != 0) {
		SSL_CTX_set_security_level(cctx, 0);
		SSL_CTX_set_min_proto_version(cctx, opts->max_version);
		SSL_CTX_set_max_proto_version(cctx, opts->max_version);
	}
	if (opts != NULL && opts->cipher_list != NULL)
		i_assert(SSL_CTX_set_cipher_list(cctx, opts->cipher_list) == 1);
	ssl = SSL_new(cctx);
	SSL_CTX_free(cctx); /* the SSL holds a reference */
	SSL_set_fd(ssl, fd);
	SSL_set_connect_state(ssl);
	if (opts != NULL && opts->sni != NULL)
		SSL_set_tlsext_host_name(ssl, opts->sni);
	return ssl;
}

static void make_socketpair(int fds[2])
{
	i_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
	fd_set_nonblock(fds[0], true);
	fd_set_nonblock(fds[1], true);
}

/* Both sides take turns until both are done or one fails. Returns the
   server's result. */
static enum tls_handshake_result handshake(struct tls_conn *conn, SSL *client)
{
	enum tls_handshake_result sret = TLS_HANDSHAKE_NEED_IO;
	bool client_done = false, client_failed = false;

	for (unsigned int i = 0; i < 100; i++) {
		if (!client_done && !client_failed) {
			int ret = SSL_do_handshake(client);

			if (ret == 1)
				client_done = true;
			else if (SSL_get_error(client, ret) != SSL_ERROR_WANT_READ &&
				 SSL_get_error(client, ret) != SSL_ERROR_WANT_WRITE)
				client_failed = true;
			ERR_clear_error();
		}
		if (sret == TLS_HANDSHAKE_NEED_IO)
			sret = tls_conn_handshake(conn);
		if ((client_done || client_failed) && sret != TLS_HANDSHAKE_NEED_IO)
			break;
	}
	return sret;
}

static const char *peer_cn(SSL *client)
{
	X509 *cert = SSL_get1_peer_certificate(client);
	char buf[256];

	if (cert == NULL)
		return NULL;
	if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buf,
				      sizeof(buf)) < 0)
		buf[0] = '\0';
	X509_free(cert);
	return t_strdup(buf);
}

static void client_write_all(SSL *client, const char *data, size_t len)
{
	while (len > 0) {
		int ret = SSL_write(client, data, (int)len);

		i_assert(ret > 0);
		data += ret;
		len -= (size_t)ret;
	}
}

/* ---- tests ---- */

static void test_settings_defaults(void)
{
	struct config_tree *tree = config_tree_create();
	struct tls_settings *set;
	void *setp;
	const char *error;
	int version;
	uint64_t op;

	test_begin("tls settings: Dovecot 2.3 defaults and values");
	test_assert(settings_to_struct(tree, tree->root, &tls_setting_table, NULL, test_pool,
				       &setp, &error) == 0);
	set = setp;
	test_assert_strcmp(set->ssl, "yes");
	test_assert_strcmp(set->ssl_min_protocol, "TLSv1.2");
	test_assert_strcmp(set->ssl_cipher_list,
			   "ALL:!kRSA:!SRP:!kDHd:!DSS:!aNULL:!eNULL:!EXPORT:!DES:!3DES:!MD5:"
			   "!PSK:!RC4:!ADH:!LOW@STRENGTH");
	test_assert_strcmp(set->ssl_cert_username_field, "commonName");
	test_assert(!set->ssl_prefer_server_ciphers);
	test_assert(set->ssl_options[0] == NULL);
	test_assert(tls_settings_min_protocol("TLSv1.1", &version) == 0 &&
		    version == TLS1_1_VERSION);
	test_assert(tls_settings_min_protocol("ANY", &version) == 0 && version == 0);
	test_assert(tls_settings_min_protocol("LATEST", &version) == 0 &&
		    version == TLS1_3_VERSION);
	test_assert(tls_settings_min_protocol("TLSv9", &version) < 0);
	const char *opts[] = { "no_compression", "no_ticket", NULL };
	test_assert(tls_settings_options(opts, &op, &error) == 0 &&
		    op == (SSL_OP_NO_COMPRESSION | SSL_OP_NO_TICKET));
	const char *bad_opts[] = { "no_such", NULL };
	test_assert(tls_settings_options(bad_opts, &op, &error) < 0 &&
		    contains(error, "ssl_options") && contains(error, "no_such"));
	config_tree_free(&tree);
	test_end();
}

static void test_handshake_and_io(void)
{
	struct tls_context *ctx;
	struct tls_conn *conn;
	const char *error;
	char buf[256];
	int fds[2];
	SSL *client;

	test_begin("tls_conn: handshake, 1-byte reads and writes, has_pending, close");
	test_assert(ctx_create(RSA_CONF(""), &ctx, &error) == 0);
	make_socketpair(fds);
	conn = tls_conn_create(ctx, fds[0]);
	client = client_new(fds[1], NULL);
	test_assert(!tls_conn_is_handshaked(conn));
	test_assert_strcmp(tls_conn_get_security_string(conn), "");
	/* nothing from the client yet: EAGAIN, waiting for input */
	test_assert(tls_conn_read(conn, buf, sizeof(buf)) == -1 && errno == EAGAIN);
	test_assert(tls_conn_wants(conn) == IO_READ);
	test_assert(handshake(conn, client) == TLS_HANDSHAKE_DONE);
	test_assert(tls_conn_is_handshaked(conn));
	test_assert_strcmp(tls_conn_get_protocol(conn), "TLSv1.3");
	test_assert_strcmp(tls_conn_get_security_string(conn),
			   "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)");
	test_assert(tls_conn_get_sni_name(conn) == NULL);
	test_assert_strcmp(peer_cn(client), "default.example.com");
	test_assert(tls_context_get_handshakes(ctx) == 1);
	test_assert(!tls_conn_has_pending(conn));

	/* one 100-byte record, read a byte at a time: the rest is pending in
	   OpenSSL, not in the socket */
	char msg[100];
	for (unsigned int i = 0; i < sizeof(msg); i++)
		msg[i] = (char)('a' + i % 26);
	client_write_all(client, msg, sizeof(msg));
	for (unsigned int i = 0; i < sizeof(msg); i++) {
		char c;

		test_assert_idx(tls_conn_read(conn, &c, 1) == 1 && c == msg[i], i);
		test_assert_idx(tls_conn_has_pending(conn) == (i < sizeof(msg) - 1), i);
	}
	test_assert(tls_conn_read(conn, buf, sizeof(buf)) == -1 && errno == EAGAIN);
	test_assert(!tls_conn_has_pending(conn));

	/* a line through the line reader */
	struct line_reader_settings lset = { .max_line_length = 100 };
	struct line_reader *reader = line_reader_create(&lset, tls_conn_read, conn);
	const char *line;
	size_t len;
	client_write_all(client, "hello\r\nwor", 10);
	client_write_all(client, "ld\r\n", 4);
	for (unsigned int i = 0; i < 10 && line_reader_fill(reader) >= 0; i++)
		;
	test_assert(line_reader_next_line(reader, &line, &len) == LINE_READER_LINE &&
		    strcmp(line, "hello") == 0);
	test_assert(line_reader_next_line(reader, &line, &len) == LINE_READER_LINE &&
		    strcmp(line, "world") == 0);
	line_reader_destroy(&reader);

	/* server writes one byte at a time */
	for (unsigned int i = 0; i < 5; i++)
		test_assert(tls_conn_write(conn, &"12345"[i], 1) == 1);
	size_t got = 0;
	while (got < 5) {
		int ret = SSL_read(client, buf + got, (int)(sizeof(buf) - got));

		if (ret <= 0)
			break;
		got += (size_t)ret;
	}
	test_assert(got == 5 && memcmp(buf, "12345", 5) == 0);

	/* a big write is taken partially (one record at a time), never more
	   than asked; once the socket is full: EAGAIN, waiting to write; the
	   retry with the same bytes goes on where it stopped */
	static char big[1024 * 1024];
	size_t off = 0, recvd = 0;
	bool saw_eagain = false;
	for (unsigned int i = 0; i < 100000 && (off < sizeof(big) || recvd < sizeof(big)); i++) {
		while (off < sizeof(big)) {
			ssize_t n = tls_conn_write(conn, big + off, sizeof(big) - off);

			if (n <= 0) {
				test_assert(n == -1 && errno == EAGAIN &&
					    tls_conn_wants(conn) == IO_WRITE);
				saw_eagain = true;
				break;
			}
			test_assert((size_t)n <= sizeof(big) - off);
			off += (size_t)n;
		}
		int ret;
		while (recvd < off && (ret = SSL_read(client, buf, sizeof(buf))) > 0)
			recvd += (size_t)ret;
	}
	test_assert(off == sizeof(big) && recvd == sizeof(big));
	test_assert(saw_eagain);

	/* close_notify from the server: the client sees a clean end */
	test_assert(tls_conn_close(conn) == 1);
	int ret;
	while ((ret = SSL_read(client, buf, sizeof(buf))) > 0)
		;
	test_assert(SSL_get_error(client, ret) == SSL_ERROR_ZERO_RETURN);
	/* the client's close_notify: EOF on the server */
	SSL_shutdown(client);
	test_assert(tls_conn_read(conn, buf, sizeof(buf)) == 0);
	test_assert(tls_conn_write(conn, "x", 1) == -1);

	SSL_free(client);
	tls_conn_destroy(&conn);
	close(fds[0]);
	close(fds[1]);
	tls_context_unref(&ctx);
	test_end();
}

static void test_client_tcp_close(void)
{
	struct tls_context *ctx;
	struct tls_conn *conn;
	const char *error;
	char buf[16];
	int fds[2];
	SSL *client;

	test_begin("tls_conn: the client closes TCP without close_notify: EOF");
	test_assert(ctx_create(RSA_CONF(""), &ctx, &error) == 0);
	for (unsigned int i = 0; i < 2; i++) {
		make_socketpair(fds);
		conn = tls_conn_create(ctx, fds[0]);
		client = client_new(fds[1], NULL);
		test_assert(handshake(conn, client) == TLS_HANDSHAKE_DONE);
		if (i == 0) {
			/* the client reads the session tickets, then closes */
			test_assert(SSL_read(client, buf, sizeof(buf)) <= 0);
		}
		SSL_free(client);
		close(fds[1]);
		ssize_t ret = tls_conn_read(conn, buf, sizeof(buf));
		if (i == 0) {
			test_assert(ret == 0);
		} else {
			/* unread data at close: a reset, not a clean EOF */
			test_assert(ret == -1 && errno == ECONNRESET);
			test_assert(tls_conn_get_error(conn) != NULL);
		}
		tls_conn_destroy(&conn);
		close(fds[0]);
	}
	tls_context_unref(&ctx);
	test_end();
}

static void test_config_errors(void)
{
	struct tls_context *ctx = NULL;
	const char *error;

	test_begin("tls_context: errors name the setting and the file");
	/* EC key for the RSA certificate */
	test_assert(ctx_create(t_strdup_printf("ssl_cert = <%s/rsa-cert.pem\n"
					       "ssl_key = <%s/ec-key.pem\n", dir, dir),
			       &ctx, &error) < 0);
	test_assert(contains(error, "ssl_key (") && contains(error, "/ec-key.pem)") &&
		    contains(error, "does not match"));
	/* another key of the same type */
	test_assert(ctx_create(t_strdup_printf("ssl_cert = <%s/ec-cert.pem\n"
					       "ssl_key = <%s/wild-key.pem\n", dir, dir),
			       &ctx, &error) < 0);
	test_assert(contains(error, "ssl_key (") && contains(error, "/wild-key.pem)"));
	/* a certificate that is not one */
	test_assert(ctx_create(t_strdup_printf("ssl_cert = <%s/rsa-key.pem\n"
					       "ssl_key = <%s/rsa-key.pem\n", dir, dir),
			       &ctx, &error) < 0);
	test_assert(contains(error, "ssl_cert (") && contains(error, "/rsa-key.pem)"));
	/* a path without '<' */
	test_assert(ctx_create(t_strdup_printf("ssl_cert = %s/rsa-cert.pem\n"
					       "ssl_key = <%s/rsa-key.pem\n", dir, dir),
			       &ctx, &error) < 0);
	test_assert(contains(error, "ssl_cert") && contains(error, "forget the '<'"));
	test_assert(ctx_create(RSA_CONF("ssl_cipher_list = NO-SUCH-CIPHER\n"), &ctx, &error) < 0);
	test_assert(contains(error, "ssl_cipher_list (") && contains(error, "NO-SUCH-CIPHER"));
	test_assert(ctx_create(RSA_CONF("ssl_cipher_suites = TLS_NO_SUCH\n"), &ctx, &error) < 0);
	test_assert(contains(error, "ssl_cipher_suites"));
	test_assert(ctx_create(RSA_CONF("ssl_curve_list = P-999\n"), &ctx, &error) < 0);
	test_assert(contains(error, "ssl_curve_list"));
	test_assert(ctx_create(RSA_CONF("ssl_options = no_such_option\n"), &ctx, &error) < 0);
	test_assert(contains(error, "ssl_options"));
	test_assert(ctx_create("ssl_cert =\n", &ctx, &error) < 0);
	test_assert_strcmp(error, "ssl enabled, but ssl_cert not set");
	test_assert(ctx_create(RSA_CONF("ssl = no\n"), &ctx, &error) < 0);
	test_assert(ctx == NULL);
	/* settings that work */
	test_assert(ctx_create(RSA_CONF("ssl_cipher_list = HIGH:!aNULL\n"
					"ssl_cipher_suites = TLS_AES_128_GCM_SHA256\n"
					"ssl_curve_list = X25519:P-256\n"
					"ssl_prefer_server_ciphers = yes\n"
					"ssl_options = no_compression no_ticket\n"
					"ssl_min_protocol = TLSv1.3\n"),
			       &ctx, &error) == 0);
	tls_context_unref(&ctx);
	test_end();
}

static void test_key_password(void)
{
	struct tls_context *ctx;
	const char *error;

	test_begin("tls_context: encrypted key and ssl_key_password");
	test_assert(ctx_create(t_strdup_printf("ssl_cert = <%s/rsa-cert.pem\n"
					       "ssl_key = <%s/rsa-key-enc.pem\n"
					       "ssl_key_password = s3cret\n", dir, dir),
			       &ctx, &error) == 0);
	tls_context_unref(&ctx);
	test_assert(ctx_create(t_strdup_printf("ssl_cert = <%s/rsa-cert.pem\n"
					       "ssl_key = <%s/rsa-key-enc.pem\n"
					       "ssl_key_password = wrong\n", dir, dir),
			       &ctx, &error) < 0);
	test_assert(contains(error, "ssl_key_password") && contains(error, "wrong password"));
	test_assert(!contains(error, "s3cret") && !contains(error, "= wrong"));
	test_assert(ctx_create(t_strdup_printf("ssl_cert = <%s/rsa-cert.pem\n"
					       "ssl_key = <%s/rsa-key-enc.pem\n", dir, dir),
			       &ctx, &error) < 0);
	test_assert(contains(error, "ssl_key (") &&
		    contains(error, "ssl_key_password is not set"));
	test_end();
}

static void test_dh(void)
{
	struct tls_context *ctx;
	const char *error;

	test_begin("tls_context: ssl_dh through OSSL_DECODER");
	test_assert(ctx_create(RSA_CONF(t_strdup_printf("ssl_dh = <%s/dh.pem\n", dir)), &ctx,
			       &error) == 0);
	tls_context_unref(&ctx);
	test_assert(ctx_create(RSA_CONF(t_strdup_printf("ssl_dh = <%s/bad-dh.pem\n", dir)), &ctx,
			       &error) < 0);
	test_assert(contains(error, "ssl_dh (") && contains(error, "/bad-dh.pem)"));
	/* a key is not DH parameters */
	test_assert(ctx_create(RSA_CONF(t_strdup_printf("ssl_dh = <%s/ec-key.pem\n", dir)), &ctx,
			       &error) < 0);
	test_assert(contains(error, "ssl_dh"));
	test_end();
}

static const char *sni_handshake(struct tls_context *ctx, const char *sni, const char **name_r)
{
	struct tls_conn *conn;
	struct client_opts opts = { .sni = sni };
	const char *cn = NULL;
	int fds[2];
	SSL *client;

	make_socketpair(fds);
	conn = tls_conn_create(ctx, fds[0]);
	client = client_new(fds[1], &opts);
	if (handshake(conn, client) == TLS_HANDSHAKE_DONE)
		cn = peer_cn(client);
	*name_r = tls_conn_get_sni_name(conn) == NULL ? NULL :
						       t_strdup(tls_conn_get_sni_name(conn));
	SSL_free(client);
	tls_conn_destroy(&conn);
	close(fds[0]);
	close(fds[1]);
	return cn;
}

static void test_sni(void)
{
	struct tls_context *ctx;
	const char *error, *name;

	test_begin("tls_context: SNI chooses the local_name certificate");
	test_assert(ctx_create(RSA_CONF(t_strdup_printf(
				       "local_name mail.example.com {\n"
				       "  ssl_cert = <%s/ec-cert.pem\n"
				       "  ssl_key = <%s/ec-key.pem\n"
				       "}\n"
				       "local_name \"*.example.org other.example.net\" {\n"
				       "  ssl_cert = <%s/wild-cert.pem\n"
				       "  ssl_key = <%s/wild-key.pem\n"
				       "}\n"
				       "local_name plain.example.com {\n"
				       "  ssl_min_protocol = TLSv1.2\n"
				       "}\n"
				       "protocol pop3 {\n"
				       "  local_name pop.example.com {\n"
				       "    ssl_cert = <%s/wild-cert.pem\n"
				       "    ssl_key = <%s/wild-key.pem\n"
				       "  }\n"
				       "}\n",
				       dir, dir, dir, dir, dir, dir)),
			       &ctx, &error) == 0);
	test_assert(tls_context_get_name_count(ctx) == 3);
	test_assert_strcmp(sni_handshake(ctx, "mail.example.com", &name), "mail.example.com");
	test_assert_strcmp(name, "mail.example.com");
	test_assert_strcmp(sni_handshake(ctx, "MAIL.Example.COM", &name), "mail.example.com");
	test_assert_strcmp(name, "mail.example.com");
	test_assert_strcmp(sni_handshake(ctx, "imap.example.org", &name), "wild.example.org");
	test_assert_strcmp(sni_handshake(ctx, "other.example.net", &name), "wild.example.org");
	test_assert_strcmp(sni_handshake(ctx, "plain.example.com", &name),
			   "default.example.com");
	test_assert_strcmp(sni_handshake(ctx, "unknown.example.com", &name),
			   "default.example.com");
	test_assert_strcmp(name, "unknown.example.com");
	test_assert_strcmp(sni_handshake(ctx, NULL, &name), "default.example.com");
	test_assert(name == NULL);
	/* pop.example.com is only for pop3 */
	test_assert_strcmp(sni_handshake(ctx, "pop.example.com", &name), "default.example.com");
	tls_context_unref(&ctx);

	/* a local_name with a broken key is named */
	test_assert(ctx_create(RSA_CONF(t_strdup_printf("local_name mail.example.com {\n"
							"  ssl_cert = <%s/ec-cert.pem\n"
							"  ssl_key = <%s/rsa-key.pem\n"
							"}\n",
							dir, dir)),
			       &ctx, &error) < 0);
	test_assert(contains(error, "local_name mail.example.com: ssl_key (") &&
		    contains(error, "/rsa-key.pem)"));
	test_end();
}

static void test_refused_handshakes(void)
{
	struct tls_context *ctx;
	struct tls_conn *conn;
	const char *error;
	int fds[2];
	SSL *client;

	test_begin("tls_conn: TLSv1.1 and weak ciphers are refused");
	test_assert(ctx_create(RSA_CONF(""), &ctx, &error) == 0);

	struct client_opts old = { .max_version = TLS1_1_VERSION,
				   .cipher_list = "DEFAULT:@SECLEVEL=0" };
	make_socketpair(fds);
	conn = tls_conn_create(ctx, fds[0]);
	client = client_new(fds[1], &old);
	test_assert(handshake(conn, client) == TLS_HANDSHAKE_ERROR);
	test_assert_strcmp(tls_conn_get_error(conn), "unsupported protocol");
	test_assert(contains(tls_conn_get_error_details(conn), "unsupported protocol"));
	test_assert(tls_context_get_handshake_failures(ctx) == 1);
	char buf[8];
	test_assert(tls_conn_read(conn, buf, sizeof(buf)) == -1 && errno == EPROTO);
	SSL_free(client);
	tls_conn_destroy(&conn);
	close(fds[0]);
	close(fds[1]);

	/* AES128-SHA is static RSA key exchange: !kRSA in the default list */
	struct client_opts weak = { .max_version = TLS1_2_VERSION,
				    .cipher_list = "AES128-SHA:@SECLEVEL=0" };
	make_socketpair(fds);
	conn = tls_conn_create(ctx, fds[0]);
	client = client_new(fds[1], &weak);
	test_assert(handshake(conn, client) == TLS_HANDSHAKE_ERROR);
	test_assert_strcmp(tls_conn_get_error(conn), "no shared cipher");
	test_assert(tls_context_get_handshake_failures(ctx) == 2);
	SSL_free(client);
	tls_conn_destroy(&conn);
	close(fds[0]);
	close(fds[1]);

	/* plaintext where a ClientHello should be */
	make_socketpair(fds);
	conn = tls_conn_create(ctx, fds[0]);
	test_assert(write(fds[1], "A1 LOGIN x y\r\n", 14) == 14);
	test_assert(tls_conn_handshake(conn) == TLS_HANDSHAKE_ERROR);
	test_assert(tls_conn_get_error(conn) != NULL);
	tls_conn_destroy(&conn);
	close(fds[0]);
	close(fds[1]);

	/* the client goes away during the handshake */
	make_socketpair(fds);
	conn = tls_conn_create(ctx, fds[0]);
	close(fds[1]);
	test_assert(tls_conn_handshake(conn) == TLS_HANDSHAKE_ERROR);
	test_assert_strcmp(tls_conn_get_error(conn), "connection closed");
	tls_conn_destroy(&conn);
	close(fds[0]);
	test_assert(tls_context_get_handshake_failures(ctx) == 4);
	tls_context_unref(&ctx);
	test_end();
}

static void test_starttls_discard(void)
{
	struct line_reader_settings lset = { .max_line_length = 100 };
	struct line_reader *reader;
	struct tls_context *ctx;
	struct tls_conn *conn;
	const char *error, *line;
	size_t len, discarded;
	int fds[2];
	SSL *client;

	test_begin("tls_conn: plaintext pipelined after STARTTLS is discarded");
	test_assert(ctx_create(RSA_CONF(""), &ctx, &error) == 0);
	make_socketpair(fds);
	reader = line_reader_create_fd(&lset, fds[0]);
	test_assert(write(fds[1], "STARTTLS\r\nECHO injected\r\n", 25) == 25);
	test_assert(line_reader_fill(reader) == 25);
	test_assert(line_reader_next_line(reader, &line, &len) == LINE_READER_LINE &&
		    strcmp(line, "STARTTLS") == 0);
	/* "OK Begin TLS" would be sent here */
	conn = tls_conn_create_starttls(ctx, fds[0]);
	reader = tls_conn_starttls_line_reader(conn, &reader, &lset, &discarded);
	test_assert(discarded == strlen("ECHO injected\r\n"));
	client = client_new(fds[1], NULL);
	test_assert(handshake(conn, client) == TLS_HANDSHAKE_DONE);
	client_write_all(client, "ECHO real\r\n", 11);
	for (unsigned int i = 0; i < 10 && line_reader_fill(reader) >= 0; i++)
		;
	test_assert(line_reader_next_line(reader, &line, &len) == LINE_READER_LINE &&
		    strcmp(line, "ECHO real") == 0);
	test_assert(line_reader_next_line(reader, &line, &len) == LINE_READER_MORE);
	line_reader_destroy(&reader);
	SSL_free(client);
	tls_conn_destroy(&conn);
	close(fds[0]);
	close(fds[1]);
	tls_context_unref(&ctx);
	test_end();
}

/* ---- the proxy, 10 MB each way ---- */

#define PROXY_TOTAL (10 * 1024 * 1024)

struct proxy_test {
	struct ioloop *ioloop;
	struct tls_proxy *proxy;
	struct timeout *to_fail;

	SSL *client;
	int client_fd;
	struct io *io_client;
	enum io_condition client_cond;
	bool client_write_wants_write;
	size_t client_sent, client_recv;
	bool client_bad;

	int server_fd; /* the post-login side */
	struct io *io_server;
	enum io_condition server_cond;
	size_t server_sent, server_recv;
	bool server_bad;

	bool finished;
	enum tls_proxy_end end;
};

static unsigned char pattern(size_t offset, unsigned char seed)
{
	return (unsigned char)((offset * 31) ^ (offset >> 11) ^ seed);
}

static void fill_pattern(unsigned char *buf, size_t offset, size_t len, unsigned char seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = pattern(offset + i, seed);
}

static bool check_pattern(const unsigned char *buf, size_t offset, size_t len,
			  unsigned char seed)
{
	for (size_t i = 0; i < len; i++) {
		if (buf[i] != pattern(offset + i, seed))
			return false;
	}
	return true;
}

static void proxy_test_client_io(void *context);
static void proxy_test_server_io(void *context);

static void set_io(int fd, struct io **io, enum io_condition *cur, enum io_condition cond,
		   io_callback_t *cb, void *context)
{
	if (*io != NULL && *cur == cond)
		return;
	io_remove(io);
	*cur = cond;
	if (cond != 0)
		*io = io_add(fd, cond, cb, context);
}

static void proxy_test_client_io(void *context)
{
	struct proxy_test *t = context;
	static unsigned char wbuf[16384], rbuf[16384];
	bool progress = true;

	while (progress) {
		progress = false;
		if (t->client_sent < PROXY_TOTAL) {
			size_t len = MIN(sizeof(wbuf), PROXY_TOTAL - t->client_sent);
			int ret;

			fill_pattern(wbuf, t->client_sent, len, 0x11);
			ret = SSL_write(t->client, wbuf, (int)len);
			if (ret > 0) {
				t->client_sent += (size_t)ret;
				progress = true;
			} else {
				int err = SSL_get_error(t->client, ret);

				if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE)
					t->client_bad = true;
				t->client_write_wants_write = err == SSL_ERROR_WANT_WRITE;
			}
		}
		int ret = SSL_read(t->client, rbuf, sizeof(rbuf));
		if (ret > 0) {
			if (!check_pattern(rbuf, t->client_recv, (size_t)ret, 0x22))
				t->client_bad = true;
			t->client_recv += (size_t)ret;
			progress = true;
		} else if (SSL_get_error(t->client, ret) != SSL_ERROR_WANT_READ) {
			/* close_notify arrives only after everything */
			if (SSL_get_error(t->client, ret) != SSL_ERROR_ZERO_RETURN ||
			    t->client_recv != PROXY_TOTAL)
				t->client_bad = true;
			set_io(t->client_fd, &t->io_client, &t->client_cond, 0, NULL, NULL);
			return;
		}
		ERR_clear_error();
		if (t->client_bad)
			io_loop_stop(t->ioloop);
	}
	set_io(t->client_fd, &t->io_client, &t->client_cond,
	       IO_READ | (t->client_sent < PROXY_TOTAL && t->client_write_wants_write ?
				  IO_WRITE : 0),
	       proxy_test_client_io, t);
}

static void proxy_test_server_io(void *context)
{
	struct proxy_test *t = context;
	static unsigned char wbuf[8192], rbuf[8192];
	ssize_t n;

	while ((n = read(t->server_fd, rbuf, sizeof(rbuf))) > 0) {
		if (!check_pattern(rbuf, t->server_recv, (size_t)n, 0x11))
			t->server_bad = true;
		t->server_recv += (size_t)n;
	}
	while (t->server_sent < PROXY_TOTAL) {
		size_t len = MIN(sizeof(wbuf), PROXY_TOTAL - t->server_sent);

		fill_pattern(wbuf, t->server_sent, len, 0x22);
		n = write(t->server_fd, wbuf, len);
		if (n <= 0)
			break;
		t->server_sent += (size_t)n;
	}
	if (t->server_sent == PROXY_TOTAL && t->server_recv == PROXY_TOTAL) {
		/* the post-login process logs out */
		set_io(t->server_fd, &t->io_server, &t->server_cond, 0, NULL, NULL);
		close(t->server_fd);
		t->server_fd = -1;
		return;
	}
	set_io(t->server_fd, &t->io_server, &t->server_cond,
	       IO_READ | (t->server_sent < PROXY_TOTAL ? IO_WRITE : 0), proxy_test_server_io, t);
}

static void proxy_test_finished(enum tls_proxy_end end, void *context)
{
	struct proxy_test *t = context;

	t->finished = true;
	t->end = end;
	/* destroying the proxy inside its callback is allowed */
	test_assert(tls_proxy_get_bytes_in(t->proxy) == PROXY_TOTAL);
	test_assert(tls_proxy_get_bytes_out(t->proxy) == PROXY_TOTAL);
	test_assert(tls_proxy_get_max_buffered(t->proxy) > 0);
	test_assert(tls_proxy_get_max_buffered(t->proxy) <= TLS_PROXY_BUFFER_SIZE);
	test_assert(tls_proxy_get_idle_secs(t->proxy) < 60);
	tls_proxy_destroy(&t->proxy);
	/* let the client read the rest and the close_notify */
}

static void proxy_test_timeout(void *context)
{
	struct proxy_test *t = context;

	t->to_fail = NULL;
	io_loop_stop(t->ioloop);
}

static void proxy_test_check_done(void *context)
{
	struct proxy_test *t = context;

	if (t->finished && t->io_client == NULL)
		io_loop_stop(t->ioloop);
}

static void test_proxy(void)
{
	struct proxy_test t = { 0 };
	struct tls_context *ctx;
	struct tls_conn *conn;
	const char *error;
	int tls_fds[2], plain_fds[2];

	test_begin("tls_proxy: 10 MB each way, bounded buffers, clean end");
	test_assert(ctx_create(RSA_CONF(""), &ctx, &error) == 0);
	t.ioloop = io_loop_create();
	make_socketpair(tls_fds);
	make_socketpair(plain_fds);
	conn = tls_conn_create(ctx, tls_fds[0]);
	t.client = client_new(tls_fds[1], NULL);
	t.client_fd = tls_fds[1];
	t.server_fd = plain_fds[1];
	/* the proxy drives the handshake itself */
	t.proxy = tls_proxy_create(conn, plain_fds[0], proxy_test_finished, &t);
	proxy_test_client_io(&t);
	proxy_test_server_io(&t);
	t.to_fail = timeout_add_once(120 * 1000, proxy_test_timeout, &t);
	struct timeout *to_check = timeout_add(10, proxy_test_check_done, &t);
	io_loop_run(t.ioloop);
	timeout_remove(&to_check);
	if (t.to_fail != NULL)
		timeout_remove(&t.to_fail);

	test_assert(t.finished);
	test_assert(t.end == TLS_PROXY_END_SERVER_CLOSED);
	test_assert(!t.client_bad && !t.server_bad);
	test_assert(t.client_sent == PROXY_TOTAL && t.server_recv == PROXY_TOTAL);
	test_assert(t.server_sent == PROXY_TOTAL && t.client_recv == PROXY_TOTAL);
	test_assert(tls_context_get_handshakes(ctx) == 1);

	set_io(t.client_fd, &t.io_client, &t.client_cond, 0, NULL, NULL);
	set_io(plain_fds[1], &t.io_server, &t.server_cond, 0, NULL, NULL);
	tls_proxy_destroy(&t.proxy);
	tls_conn_destroy(&conn);
	SSL_free(t.client);
	close(tls_fds[0]);
	close(tls_fds[1]);
	close(plain_fds[0]);
	if (t.server_fd != -1)
		close(t.server_fd);
	io_loop_destroy(&t.ioloop);
	tls_context_unref(&ctx);
	test_end();
}

static void test_proxy_client_eof(void)
{
	struct proxy_test t = { 0 };
	struct tls_context *ctx;
	struct tls_conn *conn;
	const char *error;
	int tls_fds[2], plain_fds[2];
	char buf[64];

	test_begin("tls_proxy: the client's close reaches the post-login side as EOF");
	test_assert(ctx_create(RSA_CONF(""), &ctx, &error) == 0);
	t.ioloop = io_loop_create();
	make_socketpair(tls_fds);
	make_socketpair(plain_fds);
	conn = tls_conn_create(ctx, tls_fds[0]);
	t.client = client_new(tls_fds[1], NULL);
	test_assert(handshake(conn, t.client) == TLS_HANDSHAKE_DONE);
	client_write_all(t.client, "a1 LOGOUT\r\n", 11);
	SSL_shutdown(t.client);
	t.proxy = tls_proxy_create(conn, plain_fds[0], proxy_test_finished, &t);
	/* everything the client sent, then EOF */
	fd_set_nonblock(plain_fds[1], false);
	ssize_t n, got = 0;
	while ((n = read(plain_fds[1], buf + got, sizeof(buf) - (size_t)got)) > 0)
		got += n;
	test_assert(got == 11 && memcmp(buf, "a1 LOGOUT\r\n", 11) == 0);
	test_assert(n == 0);
	tls_proxy_destroy(&t.proxy);
	tls_conn_destroy(&conn);
	SSL_free(t.client);
	close(tls_fds[0]);
	close(tls_fds[1]);
	close(plain_fds[0]);
	close(plain_fds[1]);
	io_loop_destroy(&t.ioloop);
	tls_context_unref(&ctx);
	test_end();
}

static void test_config_check(void)
{
	struct config_tree *tree;
	const char *error;

	test_begin("tls_config_check");
	tree = conf("ssl = no\n");
	test_assert(tls_config_check(tree, &error) == 0);
	config_tree_free(&tree);
	tree = conf("ssl = yes\n");
	test_assert(tls_config_check(tree, &error) == 0);
	config_tree_free(&tree);
	tree = conf("ssl = required\n");
	test_assert(tls_config_check(tree, &error) < 0 && contains(error, "ssl_cert"));
	config_tree_free(&tree);
	tree = conf(RSA_CONF(""));
	test_assert(tls_config_check(tree, &error) == 0);
	config_tree_free(&tree);
	tree = conf(t_strdup_printf("ssl_cert = <%s/rsa-cert.pem\nssl_key = <%s/ec-key.pem\n",
				    dir, dir));
	test_assert(tls_config_check(tree, &error) < 0 && contains(error, "ssl_key (") &&
		    contains(error, "/ec-key.pem"));
	config_tree_free(&tree);
	/* a broken certificate inside a protocol section */
	tree = conf(RSA_CONF(t_strdup_printf("protocol imap {\n"
					     "  ssl_key = <%s/ec-key.pem\n"
					     "}\n",
					     dir)));
	test_assert(tls_config_check(tree, &error) < 0 &&
		    contains(error, "protocol imap: ssl_key (") && contains(error, "/ec-key.pem"));
	config_tree_free(&tree);
	/* ... but not when TLS is off there */
	tree = conf(RSA_CONF(t_strdup_printf("protocol imap {\n"
					     "  ssl = no\n"
					     "  ssl_key = <%s/ec-key.pem\n"
					     "}\n",
					     dir)));
	test_assert(tls_config_check(tree, &error) == 0);
	config_tree_free(&tree);
	/* a key only: ssl_cert is missing */
	tree = conf(t_strdup_printf("ssl_key = <%s/ec-key.pem\n", dir));
	test_assert(tls_config_check(tree, &error) < 0 &&
		    contains(error, "ssl_cert not set"));
	config_tree_free(&tree);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_settings_defaults,
		test_handshake_and_io,
		test_client_tcp_close,
		test_config_errors,
		test_key_password,
		test_dh,
		test_sni,
		test_refused_handshakes,
		test_starttls_discard,
		test_proxy,
		test_proxy_client_eof,
		test_config_check,
		NULL
	};

	make_keys();
	return test_run(tests);
}
