#ifndef ARRAY_H
#define ARRAY_H

/* Typed growable arrays on top of buffer_t.

   ARRAY(struct foo) arr;  p_array_init(&arr, pool, 8);
   array_push(&arr, &foo);  array_count(&arr);  array_idx(&arr, i)
   array_foreach_elem / array_foreach iterate. The element type is carried
   by the union's typed pointer so wrong-type pushes fail to compile. */

#define ARRAY(type)                                                                                \
	union {                                                                                    \
		buffer_t *arr;                                                                     \
		type *v;                                                                           \
	}
#define ARRAY_TYPE(name) array_##name##_t
#define ARRAY_DEFINE_TYPE(name, type) typedef ARRAY(type) ARRAY_TYPE(name)

#define p_array_init(a, pool, count)                                                               \
	((a)->arr = buffer_create_dynamic(pool, i_mul_size(sizeof(*(a)->v), count)))
#define i_array_init(a, count) p_array_init(a, pool_system, count)
#define array_is_created(a) ((a)->arr != NULL)
#define array_free(a) buffer_free(&(a)->arr)
#define array_count(a) ((a)->arr == NULL ? 0 : (unsigned int)((a)->arr->used / sizeof(*(a)->v)))
#define array_is_empty(a) (array_count(a) == 0)
#define array_front(a) ((__typeof__((a)->v))(a)->arr->data)
#define array_idx(a, i) (&array_front(a)[array_idx_check(i, array_count(a))])
#define array_idx_elem(a, i) (*array_idx(a, i))
#define array_push(a, elem)                                                                        \
	do {                                                                                       \
		__typeof__((a)->v) _elem = (elem);                                                 \
		buffer_append((a)->arr, _elem, sizeof(*(a)->v));                                   \
	} while (0)
#define array_append(a, elems, count)                                                              \
	do {                                                                                       \
		__typeof__((a)->v) _elems = (elems);                                               \
		buffer_append((a)->arr, _elems, i_mul_size(sizeof(*(a)->v), count));               \
	} while (0)
/* Appends a zeroed element and returns a pointer to it. */
#define array_append_space(a) ((__typeof__((a)->v))buffer_append_space((a)->arr, sizeof(*(a)->v)))
#define array_delete(a, idx, count)                                                                \
	buffer_delete((a)->arr, (idx) * sizeof(*(a)->v), (count) * sizeof(*(a)->v))
#define array_clear(a) buffer_reset((a)->arr)
#define array_sort(a, cmp) qsort(array_front(a), array_count(a), sizeof(*(a)->v), (cmp))
#define array_foreach(a, elem)                                                                     \
	for (__typeof__(*(a)->v) *elem = array_count(a) == 0 ? NULL : array_front(a),              \
				 *_end_##elem = elem + array_count(a);                             \
	     elem != NULL && elem != _end_##elem; elem++)
#define array_foreach_elem(a, elem)                                                                \
	for (unsigned int _i_##elem = 0;                                                           \
	     _i_##elem < array_count(a) && ((elem) = array_front(a)[_i_##elem], true); _i_##elem++)

static inline unsigned int array_idx_check(unsigned int i, unsigned int count)
{
	if (i >= count)
		i_panic("array index %u out of bounds (count %u)", i, count);
	return i;
}

ARRAY_DEFINE_TYPE(const_string, const char *);

#endif
