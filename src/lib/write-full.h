#ifndef WRITE_FULL_H
#define WRITE_FULL_H

/* Writes all of data to a blocking fd, retrying after EINTR and short
   writes. Returns 0, or -1 with errno (EAGAIN on a non-blocking fd too). */
int write_full(int fd, const void *data, size_t size);

#endif
