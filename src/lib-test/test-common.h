#ifndef TEST_COMMON_H
#define TEST_COMMON_H

/* The unit-test harness. A test program lists its test functions and calls
   test_run(); each function wraps its checks in test_begin()/test_end().
   A failed check prints file:line and the expression and the program exits
   non-zero, which meson test counts as a failure. */

#include "lib.h"

void test_begin(const char *name);
void test_end(void);
bool test_has_failed(void);
void test_assert_failed(const char *code, const char *file, unsigned int line);
void test_assert_failed_strcmp(const char *code, const char *file, unsigned int line,
			       const char *src, const char *dst);

#define test_assert(code)                                                                          \
	do {                                                                                       \
		if (!(code))                                                                       \
			test_assert_failed(#code, __FILE__, __LINE__);                             \
	} while (0)
/* idx is printed with the failure: use it inside loops. */
#define test_assert_idx(code, idx)                                                                 \
	do {                                                                                       \
		if (!(code))                                                                       \
			test_assert_failed(                                                        \
				p_strdup_printf(test_pool, "%s (index %lld)", #code,               \
						(long long)(idx)),                                 \
				__FILE__, __LINE__);                                               \
	} while (0)
#define test_assert_strcmp(s1, s2)                                                                 \
	do {                                                                                       \
		const char *_s1 = (s1), *_s2 = (s2);                                               \
		if (_s1 == NULL || _s2 == NULL ? _s1 != _s2 : strcmp(_s1, _s2) != 0)               \
			test_assert_failed_strcmp(#s1 " == " #s2, __FILE__, __LINE__, _s1, _s2);   \
	} while (0)
#define test_assert_cmp(a, op, b)                                                                  \
	do {                                                                                       \
		long long _a = (long long)(a), _b = (long long)(b);                                \
		if (!(_a op _b))                                                                   \
			test_assert_failed(p_strdup_printf(test_pool, "%s %s %s (%lld vs %lld)",   \
							   #a, #op, #b, _a, _b),                   \
					   __FILE__, __LINE__);                                    \
	} while (0)

/* An arena cleared after every test: tests allocate from it freely. */
extern pool_t test_pool;

/* Makes a fresh temporary directory for the test (removed at exit). */
const char *test_tmpdir(void);

/* Runs the NULL-terminated list; returns the process exit code. */
int test_run(void (*const tests[])(void));

#endif
