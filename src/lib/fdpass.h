#ifndef FDPASS_H
#define FDPASS_H

/* Passing file descriptors over unix sockets (SCM_RIGHTS) with data
   attached: the login -> post-login hand-off uses one message carrying the
   client fd and a fixed request struct. */

/* Sends data with fd attached (fd -1: none). size must be > 0. Returns the
   bytes sent or -1 with errno. */
ssize_t fd_send(int sock, int fd, const void *data, size_t size);
/* Reads up to size bytes; an attached fd goes to *fd_r (else -1). A
   message carrying more than one fd is refused: the extra fds are closed and
   -1 is returned with errno EPROTO. 0 = EOF. */
ssize_t fd_read(int sock, void *data, size_t size, int *fd_r);

#endif
