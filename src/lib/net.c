#include "lib.h"
#include "net.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>

void fd_set_nonblock(int fd, bool nonblock)
{
	int flags = fcntl(fd, F_GETFL, 0);

	if (flags < 0)
		i_panic("fcntl(%d, F_GETFL) failed: %m", fd);
	flags = nonblock ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
	if (fcntl(fd, F_SETFL, flags) < 0)
		i_panic("fcntl(%d, F_SETFL) failed: %m", fd);
}

void fd_close_on_exec(int fd, bool set)
{
	int flags = fcntl(fd, F_GETFD, 0);

	if (flags < 0)
		i_panic("fcntl(%d, F_GETFD) failed: %m", fd);
	flags = set ? (flags | FD_CLOEXEC) : (flags & ~FD_CLOEXEC);
	if (fcntl(fd, F_SETFD, flags) < 0)
		i_panic("fcntl(%d, F_SETFD) failed: %m", fd);
}

int net_addr2ip(const char *addr, struct ip_addr *ip_r)
{
	char buf[INET6_ADDRSTRLEN + 2];
	size_t len = strlen(addr);

	memset(ip_r, 0, sizeof(*ip_r));
	if (len > 2 && addr[0] == '[' && addr[len - 1] == ']') {
		if (len - 2 >= sizeof(buf))
			return -1;
		memcpy(buf, addr + 1, len - 2);
		buf[len - 2] = '\0';
		addr = buf;
	}
	if (inet_pton(AF_INET, addr, &ip_r->u.ip4) == 1) {
		ip_r->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &ip_r->u.ip6) == 1) {
		ip_r->family = AF_INET6;
		return 0;
	}
	return -1;
}

const char *net_ip2addr(pool_t pool, const struct ip_addr *ip)
{
	char buf[INET6_ADDRSTRLEN];

	if (ip->family == 0 || inet_ntop(ip->family, &ip->u, buf, sizeof(buf)) == NULL)
		return "";
	return p_strdup(pool, buf);
}

bool net_ip_compare(const struct ip_addr *a, const struct ip_addr *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return a->u.ip4.s_addr == b->u.ip4.s_addr;
	if (a->family == AF_INET6)
		return memcmp(&a->u.ip6, &b->u.ip6, sizeof(a->u.ip6)) == 0;
	return true;
}

int net_parse_range(const char *network, struct ip_addr *ip_r, unsigned int *bits_r)
{
	const char *slash = strchr(network, '/');
	char addr[INET6_ADDRSTRLEN + 2];
	unsigned int bits, max_bits;

	if (slash == NULL) {
		if (net_addr2ip(network, ip_r) < 0)
			return -1;
		*bits_r = ip_r->family == AF_INET ? 32 : 128;
		return 0;
	}
	if ((size_t)(slash - network) >= sizeof(addr))
		return -1;
	memcpy(addr, network, (size_t)(slash - network));
	addr[slash - network] = '\0';
	if (net_addr2ip(addr, ip_r) < 0 || str_to_uint(slash + 1, &bits) < 0)
		return -1;
	max_bits = ip_r->family == AF_INET ? 32 : 128;
	if (bits > max_bits)
		return -1;
	*bits_r = bits;
	return 0;
}

bool net_is_in_network(const struct ip_addr *ip, const struct ip_addr *net_ip,
		       unsigned int bits)
{
	const unsigned char *a, *n;
	struct ip_addr mapped;

	if (ip->family == AF_INET6 && net_ip->family == AF_INET &&
	    IN6_IS_ADDR_V4MAPPED(&ip->u.ip6)) {
		/* ::ffff:192.0.2.1 is in 192.0.2.0/24 */
		mapped.family = AF_INET;
		memcpy(&mapped.u.ip4, &ip->u.ip6.s6_addr[12], 4);
		ip = &mapped;
	}
	if (ip->family != net_ip->family)
		return false;
	a = (const unsigned char *)&ip->u;
	n = (const unsigned char *)&net_ip->u;
	for (unsigned int i = 0; bits > 0; i++) {
		unsigned int b = MIN(bits, 8);
		unsigned char mask = (unsigned char)(0xff << (8 - b));

		if ((a[i] & mask) != (n[i] & mask))
			return false;
		bits -= b;
	}
	return true;
}

static void sockaddr_to_ip(const struct sockaddr_storage *ss, struct ip_addr *ip_r,
			   unsigned int *port_r)
{
	memset(ip_r, 0, sizeof(*ip_r));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		ip_r->family = AF_INET;
		ip_r->u.ip4 = sin->sin_addr;
		if (port_r != NULL)
			*port_r = ntohs(sin->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

		ip_r->family = AF_INET6;
		ip_r->u.ip6 = sin6->sin6_addr;
		if (port_r != NULL)
			*port_r = ntohs(sin6->sin6_port);
	} else if (port_r != NULL) {
		*port_r = 0;
	}
}

int net_listen_tcp(const char *addr, unsigned int port, bool reuse_port, int backlog,
		   const char **error_r)
{
	struct sockaddr_storage ss;
	struct ip_addr ip;
	socklen_t len;
	int fd, opt = 1;

	memset(&ss, 0, sizeof(ss));
	if (strcmp(addr, "*") == 0) {
		ip.family = AF_INET;
		ip.u.ip4.s_addr = htonl(INADDR_ANY);
	} else if (strcmp(addr, "::") == 0 || strcmp(addr, "[::]") == 0) {
		ip.family = AF_INET6;
		ip.u.ip6 = in6addr_any;
	} else if (net_addr2ip(addr, &ip) < 0) {
		*error_r = t_strdup_printf("invalid listen address '%s'", addr);
		return -1;
	}
	if (ip.family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_addr = ip.u.ip4;
		sin->sin_port = htons((uint16_t)port);
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = ip.u.ip6;
		sin6->sin6_port = htons((uint16_t)port);
		len = sizeof(*sin6);
	}
	fd = socket(ip.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*error_r = t_strdup_printf("socket() failed: %m");
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &opt, sizeof(opt));
	if (reuse_port)
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &opt, sizeof(opt));
	if (ip.family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &opt, sizeof(opt));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
		*error_r = t_strdup_printf("bind(%s, %u) failed: %m", addr, port);
		close(fd);
		return -1;
	}
	if (listen(fd, backlog) < 0) {
		*error_r = t_strdup_printf("listen(%s, %u) failed: %m", addr, port);
		close(fd);
		return -1;
	}
	return fd;
}

static int unix_sockaddr(const char *path, struct sockaddr_un *sa, const char **error_r)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path)) {
		*error_r = t_strdup_printf("unix socket path too long: %s", path);
		return -1;
	}
	strcpy(sa->sun_path, path);
	return 0;
}

int net_listen_unix(const char *path, int backlog, const char **error_r)
{
	struct sockaddr_un sa;
	int fd;

	if (unix_sockaddr(path, &sa, error_r) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*error_r = t_strdup_printf("socket() failed: %m");
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int test_fd;

		if (errno != EADDRINUSE) {
			*error_r = t_strdup_printf("bind(%s) failed: %m", path);
			close(fd);
			return -1;
		}
		/* a socket left by a crashed run is replaced; a live one is not */
		test_fd = net_connect_unix(path);
		if (test_fd >= 0) {
			close(test_fd);
			close(fd);
			*error_r = t_strdup_printf(
				"unix socket %s is in use by another process", path);
			return -1;
		}
		if ((unlink(path) < 0 && errno != ENOENT) ||
		    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			*error_r = t_strdup_printf("bind(%s) failed: %m", path);
			close(fd);
			return -1;
		}
	}
	if (listen(fd, backlog) < 0) {
		*error_r = t_strdup_printf("listen(%s) failed: %m", path);
		close(fd);
		return -1;
	}
	return fd;
}

int net_connect_unix(const char *path)
{
	struct sockaddr_un sa;
	const char *error;
	int fd;

	if (unix_sockaddr(path, &sa, &error) < 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

int net_connect_tcp(const struct ip_addr *ip, unsigned int port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;

	memset(&ss, 0, sizeof(ss));
	if (ip->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_addr = ip->u.ip4;
		sin->sin_port = htons((uint16_t)port);
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = ip->u.ip6;
		sin6->sin6_port = htons((uint16_t)port);
		len = sizeof(*sin6);
	}
	fd = socket(ip->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

int net_accept(int fd, struct ip_addr *ip_r, unsigned int *port_r)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int client;

	client = accept4(fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (client < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNABORTED ||
		    errno == EINTR)
			return -1;
		return -2;
	}
	if (ss.ss_family == AF_INET || ss.ss_family == AF_INET6) {
		int one = 1;

		/* not fatal: the connection works, only slower */
		(void)setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	if (ip_r != NULL)
		sockaddr_to_ip(&ss, ip_r, port_r);
	return client;
}

int net_getsockname(int fd, struct ip_addr *ip_r, unsigned int *port_r)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	sockaddr_to_ip(&ss, ip_r, port_r);
	return 0;
}

int net_getpeername(int fd, struct ip_addr *ip_r, unsigned int *port_r)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	sockaddr_to_ip(&ss, ip_r, port_r);
	return 0;
}

int net_getunixcred(int fd, pid_t *pid_r, uid_t *uid_r, gid_t *gid_r)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -1;
	*pid_r = cred.pid;
	*uid_r = cred.uid;
	*gid_r = cred.gid;
	return 0;
}
