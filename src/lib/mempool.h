#ifndef MEMPOOL_H
#define MEMPOOL_H

/* Memory pools.

   Ownership rule: whatever is allocated from a pool belongs to that pool and
   lives until the pool is destroyed. Per-connection and per-command work gets
   its own alloconly pool ("arena"), so one pool_unref() frees it all and no
   individual free is needed. pool_system is malloc() with p_free() working;
   objects with an independent lifetime use it.

   Allocation failure is not an input error: it aborts the process (the master
   restarts it), the same choice Dovecot makes. */

typedef struct pool *pool_t;

struct pool_vfuncs {
	void *(*malloc)(pool_t pool, size_t size);
	void *(*realloc)(pool_t pool, void *mem, size_t old_size, size_t new_size);
	void (*free)(pool_t pool, void *mem);
	void (*destroy)(pool_t pool);
};

struct pool {
	const struct pool_vfuncs *v;
	const char *name;
	unsigned int refcount;
	bool alloconly;
};

extern pool_t pool_system;

/* An arena: allocations are carved from blocks; p_free() is a no-op and
   everything is released by pool_unref(). initial_size is a hint. */
pool_t pool_alloconly_create(const char *name, size_t initial_size);
void pool_ref(pool_t pool);
/* Drops a reference and sets *pool to NULL; the last one frees the pool. */
void pool_unref(pool_t *pool);
/* Frees every allocation of an alloconly pool but keeps the pool. */
void pool_clear(pool_t pool);

/* Zero-filled memory, aligned for any type. Never returns NULL. */
void *p_malloc(pool_t pool, size_t size);
void *p_realloc(pool_t pool, void *mem, size_t old_size, size_t new_size);
void p_free(pool_t pool, void *mem);
#define p_new(pool, type, count) ((type *)p_malloc(pool, sizeof(type) * (count)))

#define i_malloc(size) p_malloc(pool_system, size)
#define i_realloc(mem, old, new) p_realloc(pool_system, mem, old, new)
#define i_new(type, count) p_new(pool_system, type, count)
#define i_free(mem)                                                                                \
	do {                                                                                       \
		p_free(pool_system, mem);                                                          \
		(mem) = NULL;                                                                      \
	} while (0)

/* The temporary pool: for values that live only until control returns to
   the event loop, above all the strings libraries return in *error_r. The
   ioloop clears it once per loop iteration; programs without a loop (tools,
   tests) call pool_temp_clear() between units of work. Never keep a
   pointer into it in a long-lived object: copy what you keep. */
extern pool_t pool_temp;
void pool_temp_clear(void);
#define t_strdup(str) p_strdup(pool_temp, str)
#define t_strndup(str, len) p_strndup(pool_temp, str, len)
#define t_strdup_printf(...) p_strdup_printf(pool_temp, __VA_ARGS__)
#define t_new(type, count) p_new(pool_temp, type, count)

/* size * count, aborting on overflow (a bug, not input). */
size_t i_mul_size(size_t size, size_t count);
size_t i_add_size(size_t a, size_t b);

#endif
