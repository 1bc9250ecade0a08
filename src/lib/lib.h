#ifndef LIB_H
#define LIB_H

/* The base header of Roost's core library (L0). Every file includes this
   first. It pulls in the C library, the compiler helpers and the basic
   containers: pools, buffers, strings and arrays. */

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <sys/types.h>

#define ATTR_FORMAT(fmt, args) __attribute__((format(printf, fmt, args)))
#define ATTR_NORETURN __attribute__((noreturn))
#define ATTR_UNUSED __attribute__((unused))
#define ATTR_WARN_UNUSED __attribute__((warn_unused_result))
#define ATTR_NULL_TERMINATED __attribute__((sentinel))

#define N_ELEMENTS(arr) (sizeof(arr) / sizeof((arr)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define POINTER_CAST(i) ((void *)(uintptr_t)(i))
#define POINTER_CAST_TO(p, type) ((type)(uintptr_t)(p))

/* Assertions are for our own bugs, never for input. */
#define i_assert(expr)                                                                             \
	do {                                                                                       \
		if (__builtin_expect(!(expr), 0))                                                  \
			i_panic("file %s: line %d (%s): assertion failed: (%s)", __FILE__,        \
				__LINE__, __func__, #expr);                                        \
	} while (0)
#define i_unreached() i_panic("file %s: line %d: unreached", __FILE__, __LINE__)

void i_panic(const char *fmt, ...) ATTR_FORMAT(1, 2) ATTR_NORETURN;

#include "mempool.h"
#include "buffer.h"
#include "str.h"
#include "array.h"
#include "strfuncs.h"
#include "log.h"

/* Close fd if it is not -1 and set it to -1; logs a failing close(). */
void i_close_fd(int *fd);

#endif
