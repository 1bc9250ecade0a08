#ifndef NET_H
#define NET_H

/* Sockets: listening, accepting, addresses. Every fd this returns is
   non-blocking and close-on-exec unless said otherwise. */

#include <netinet/in.h>

struct ip_addr {
	unsigned short family; /* AF_INET, AF_INET6, or 0 for none (unix socket) */
	union {
		struct in_addr ip4;
		struct in6_addr ip6;
	} u;
};

/* Parses "192.0.2.1", "::1", "[::1]". Returns 0 or -1. */
int net_addr2ip(const char *addr, struct ip_addr *ip_r);
/* Text form into pool ("" for family 0). */
const char *net_ip2addr(pool_t pool, const struct ip_addr *ip);
bool net_ip_compare(const struct ip_addr *a, const struct ip_addr *b);
/* "10.0.0.0/8", "2001:db8::/32" or a bare address. Returns 0 or -1. */
int net_parse_range(const char *network, struct ip_addr *ip_r, unsigned int *bits_r);
bool net_is_in_network(const struct ip_addr *ip, const struct ip_addr *net_ip,
		       unsigned int bits);

/* Binds and listens. addr "*" = all IPv4, "::" = all IPv6 (with
   IPV6_V6ONLY so that "*" and "::" can coexist). Returns fd or -1 with
   *error_r. */
int net_listen_tcp(const char *addr, unsigned int port, bool reuse_port, int backlog,
		   const char **error_r);
/* Creates a unix socket at path (an existing stale socket is replaced, but
   not one that still answers). Returns fd or -1 with *error_r. */
int net_listen_unix(const char *path, int backlog, const char **error_r);
int net_connect_unix(const char *path);
int net_connect_tcp(const struct ip_addr *ip, unsigned int port);
/* Returns the new fd, -1 when there is nothing to accept (EAGAIN), or -2 on
   error (errno set). ip_r/port_r may be NULL. A TCP connection gets
   TCP_NODELAY: our protocols buffer their output themselves, and Nagle would
   hold a response's last segment until the client's delayed ACK (40 ms). */
int net_accept(int fd, struct ip_addr *ip_r, unsigned int *port_r);
int net_getsockname(int fd, struct ip_addr *ip_r, unsigned int *port_r);
int net_getpeername(int fd, struct ip_addr *ip_r, unsigned int *port_r);
/* For unix sockets: the peer's credentials. */
int net_getunixcred(int fd, pid_t *pid_r, uid_t *uid_r, gid_t *gid_r);

void fd_set_nonblock(int fd, bool nonblock);
void fd_close_on_exec(int fd, bool set);

#endif
