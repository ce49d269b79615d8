// SPDX-License-Identifier: MIT
/*
 * GGUF reader: a strict parser of llama.cpp's model file format (v2, v3).
 *
 * Layout (all little-endian):
 *   u32 magic "GGUF", u32 version, u64 n_tensors, u64 n_kv
 *   n_kv x { string key, u32 type, value }
 *   n_tensors x { string name, u32 n_dims, u64 ne[n_dims], u32 ggml_type,
 *                 u64 offset }
 *   padding to general.alignment (default 32)
 *   data section: tensor i at data_offset + offset_i
 * string = u64 length + bytes; array = u32 element type + u64 count +
 * elements.
 *
 * Every read is preceded by a check that the bytes exist; counts are
 * bounded by the bytes left (each element needs at least a known number
 * of bytes), so a hostile count cannot make us allocate more than a few
 * times the file size.  Messages name the item and the numbers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "gguf.h"

#define GG_NAME_MAX	64	/* ggml's GGML_MAX_NAME, NUL included */

MDL_API int gguf_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* ------------------------------------------------------------------ */
/* type tables                                                         */
/* ------------------------------------------------------------------ */

struct gg_tinfo {
	uint32_t type;
	const char *name;
	uint32_t blck, bytes;
};

/*
 * Block sizes of ggml's types, so files holding types we do not convert
 * still parse (their tensors are refused by name only if used).
 */
static const struct gg_tinfo gg_types[] = {
	{ GGML_TYPE_F32, "F32", 1, 4 },
	{ GGML_TYPE_F16, "F16", 1, 2 },
	{ GGML_TYPE_Q4_0, "Q4_0", 32, 18 },
	{ GGML_TYPE_Q4_1, "Q4_1", 32, 20 },
	{ GGML_TYPE_Q5_0, "Q5_0", 32, 22 },
	{ GGML_TYPE_Q5_1, "Q5_1", 32, 24 },
	{ GGML_TYPE_Q8_0, "Q8_0", 32, 34 },
	{ GGML_TYPE_Q8_1, "Q8_1", 32, 36 },
	{ GGML_TYPE_Q2_K, "Q2_K", 256, 84 },
	{ GGML_TYPE_Q3_K, "Q3_K", 256, 110 },
	{ GGML_TYPE_Q4_K, "Q4_K", 256, 144 },
	{ GGML_TYPE_Q5_K, "Q5_K", 256, 176 },
	{ GGML_TYPE_Q6_K, "Q6_K", 256, 210 },
	{ GGML_TYPE_Q8_K, "Q8_K", 256, 292 },
	{ GGML_TYPE_I8, "I8", 1, 1 },
	{ GGML_TYPE_I16, "I16", 1, 2 },
	{ GGML_TYPE_I32, "I32", 1, 4 },
	{ GGML_TYPE_I64, "I64", 1, 8 },
	{ GGML_TYPE_F64, "F64", 1, 8 },
	{ GGML_TYPE_BF16, "BF16", 1, 2 },
	{ GGML_TYPE_TQ1_0, "TQ1_0", GGML_QK_K, GGML_TQ1_0_BYTES },
	{ GGML_TYPE_TQ2_0, "TQ2_0", GGML_QK_K, GGML_TQ2_0_BYTES },
	{ GGML_TYPE_I2_S, "I2_S", 4, 1 },
};

MDL_API int gguf_type_layout(uint32_t type, uint32_t *blck, uint32_t *bytes)
{
	for (size_t i = 0; i < sizeof(gg_types) / sizeof(gg_types[0]); i++)
		if (gg_types[i].type == type) {
			*blck = gg_types[i].blck;
			*bytes = gg_types[i].bytes;
			return 0;
		}
	return -1;
}

MDL_API const char *gguf_type_name(uint32_t type)
{
	for (size_t i = 0; i < sizeof(gg_types) / sizeof(gg_types[0]); i++)
		if (gg_types[i].type == type)
			return gg_types[i].name;
	return "unknown";
}

static const char *const gg_vnames[GGUF_T_COUNT] = {
	"uint8", "int8", "uint16", "int16", "uint32", "int32", "float32",
	"bool", "string", "array", "uint64", "int64", "float64",
};

/* Bytes of one scalar of @t; 0 for STRING/ARRAY/unknown. */
static uint32_t gg_vsize(uint32_t t)
{
	static const uint8_t sz[GGUF_T_COUNT] = {
		1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8,
	};

	return t < GGUF_T_COUNT ? sz[t] : 0;
}

MDL_API const char *gguf_vtype_name(uint32_t vtype)
{
	return vtype < GGUF_T_COUNT ? gg_vnames[vtype] : "unknown";
}

/* ------------------------------------------------------------------ */
/* reader                                                              */
/* ------------------------------------------------------------------ */

struct gg_rd {
	const uint8_t *p;
	uint64_t size, pos;
	char *err;
	size_t errlen;
	struct gguf_file *f;
	uint64_t alloc_cap;	/* bound on heap use: a multiple of size */
};

static int gg_need(struct gg_rd *r, uint64_t n, const char *what)
{
	if (n > r->size - r->pos)
		return gguf_fail(r->err, r->errlen,
			       "truncated file: %s needs %llu bytes at offset %llu but the file has %llu",
			       what, (unsigned long long)n,
			       (unsigned long long)r->pos,
			       (unsigned long long)r->size);
	return 0;
}

static int gg_u32(struct gg_rd *r, uint32_t *v, const char *what)
{
	int e = gg_need(r, 4, what);

	if (e)
		return e;
	*v = gguf_le32(r->p + r->pos);
	r->pos += 4;
	return 0;
}

static int gg_u64(struct gg_rd *r, uint64_t *v, const char *what)
{
	int e = gg_need(r, 8, what);

	if (e)
		return e;
	*v = gguf_le64(r->p + r->pos);
	r->pos += 8;
	return 0;
}

static int gg_str(struct gg_rd *r, struct gguf_str *s, const char *what)
{
	uint64_t len;
	int e = gg_u64(r, &len, what);

	if (e)
		return e;
	if (len > r->size - r->pos)
		return gguf_fail(r->err, r->errlen,
			       "%s: string length %llu at offset %llu exceeds the %llu bytes left in the file",
			       what, (unsigned long long)len,
			       (unsigned long long)(r->pos - 8),
			       (unsigned long long)(r->size - r->pos));
	s->p = (const char *)r->p + r->pos;
	s->len = len;
	r->pos += len;
	return 0;
}

static void *gg_calloc(struct gg_rd *r, uint64_t n, uint64_t elem,
		       const char *what, int *e)
{
	uint64_t bytes;
	void *p;

	if (__builtin_mul_overflow(n, elem, &bytes) ||
	    bytes > r->alloc_cap - r->f->alloc_bytes) {
		*e = gguf_fail(r->err, r->errlen,
			     "%s: %llu entries need more memory than a file of %llu bytes can justify",
			     what, (unsigned long long)n,
			     (unsigned long long)r->size);
		return NULL;
	}
	p = calloc(n ? n : 1, elem);
	if (!p) {
		*e = -ENOMEM;
		if (r->err && r->errlen)
			snprintf(r->err, r->errlen, "%s: out of memory", what);
		return NULL;
	}
	r->f->alloc_bytes += bytes;
	return p;
}

/* Names: non-empty, no NUL byte. */
static int gg_name_ok(struct gguf_str s)
{
	return s.len > 0 && !memchr(s.p, 0, s.len);
}

static void gg_quote(struct gguf_str s, char *buf, size_t len)
{
	size_t n = s.len < len - 1 ? (size_t)s.len : len - 1, i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s.p[i];

		buf[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	buf[i] = 0;
}

/* ------------------------------------------------------------------ */
/* name index: open addressing over (ptr, len)                         */
/* ------------------------------------------------------------------ */

static uint64_t gg_hash(const char *p, uint64_t len)
{
	uint64_t h = 1469598103934665603ull;

	for (uint64_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
	return h;
}

static int gg_str_same(struct gguf_str a, struct gguf_str b)
{
	return a.len == b.len && !memcmp(a.p, b.p, a.len);
}

/*
 * Check names[0..n) (stride @stride bytes, gguf_str at the start of each
 * element) for duplicates; returns the index of the second of a pair or
 * n if all unique.  @slots has @cap (power of two > n) entries.
 */
static uint64_t gg_dup(const void *elems, uint64_t n, size_t stride,
		       uint32_t *slots, uint64_t cap)
{
	for (uint64_t i = 0; i < n; i++) {
		const struct gguf_str *s =
			(const void *)((const char *)elems + i * stride);
		uint64_t h = gg_hash(s->p, s->len) & (cap - 1);

		while (slots[h]) {
			const struct gguf_str *o = (const void *)
				((const char *)elems + (slots[h] - 1) * stride);

			if (gg_str_same(*s, *o))
				return i;
			h = (h + 1) & (cap - 1);
		}
		slots[h] = (uint32_t)(i + 1);
	}
	return n;
}

static int gg_check_unique(struct gg_rd *r, const void *elems, uint64_t n,
			   size_t stride, const char *what)
{
	uint64_t cap = 16, dup;
	uint32_t *slots;
	char q[80];
	int e = 0;

	while (cap <= 2 * n)
		cap <<= 1;
	slots = gg_calloc(r, cap, sizeof(*slots), what, &e);
	if (!slots)
		return e;
	dup = gg_dup(elems, n, stride, slots, cap);
	r->f->alloc_bytes -= cap * sizeof(*slots);
	free(slots);
	if (dup < n) {
		gg_quote(*(const struct gguf_str *)(const void *)
			 ((const char *)elems + dup * stride), q, sizeof(q));
		return gguf_fail(r->err, r->errlen, "%s %llu: duplicated name '%s'",
			       what, (unsigned long long)dup, q);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* metadata                                                            */
/* ------------------------------------------------------------------ */

static int gg_read_value(struct gg_rd *r, struct gguf_kv *kv, const char *key)
{
	char what[160];
	uint32_t et, es;
	uint64_t n;
	int e;

	if (kv->type >= GGUF_T_COUNT)
		return gguf_fail(r->err, r->errlen,
			       "key '%s': unknown value type %u", key, kv->type);
	if (kv->type == GGUF_T_STRING) {
		kv->n = 1;
		kv->strs = gg_calloc(r, 1, sizeof(*kv->strs), key, &e);
		if (!kv->strs)
			return e;
		snprintf(what, sizeof(what), "value of key '%s'", key);
		return gg_str(r, &kv->strs[0], what);
	}
	if (kv->type != GGUF_T_ARRAY) {
		snprintf(what, sizeof(what), "value of key '%s'", key);
		e = gg_need(r, gg_vsize(kv->type), what);
		if (e)
			return e;
		kv->n = 1;
		kv->data = r->p + r->pos;
		r->pos += gg_vsize(kv->type);
		return 0;
	}
	snprintf(what, sizeof(what), "array header of key '%s'", key);
	e = gg_u32(r, &et, what);
	if (!e)
		e = gg_u64(r, &n, what);
	if (e)
		return e;
	if (et == GGUF_T_ARRAY)
		return gguf_fail(r->err, r->errlen,
			       "key '%s': arrays of arrays are not supported", key);
	if (et >= GGUF_T_COUNT)
		return gguf_fail(r->err, r->errlen,
			       "key '%s': unknown array element type %u", key, et);
	kv->arr_type = et;
	kv->n = n;
	/* every element needs at least es bytes: bounds n before allocating */
	es = et == GGUF_T_STRING ? 8 : gg_vsize(et);
	if (n > (r->size - r->pos) / es)
		return gguf_fail(r->err, r->errlen,
			       "key '%s': array of %llu %s elements does not fit in the %llu bytes left in the file",
			       key, (unsigned long long)n, gg_vnames[et],
			       (unsigned long long)(r->size - r->pos));
	if (et != GGUF_T_STRING) {
		kv->data = r->p + r->pos;
		r->pos += n * es;
		return 0;
	}
	kv->strs = gg_calloc(r, n, sizeof(*kv->strs), key, &e);
	if (!kv->strs)
		return e;
	for (uint64_t i = 0; i < n; i++) {
		snprintf(what, sizeof(what), "key '%s' element %llu", key,
			 (unsigned long long)i);
		e = gg_str(r, &kv->strs[i], what);
		if (e)
			return e;
	}
	return 0;
}

static int gg_read_kvs(struct gg_rd *r)
{
	struct gguf_file *f = r->f;
	char what[64], key[96];
	int e = 0;

	/* a KV needs at least 8 (key length) + 4 (type) + 1 bytes */
	if (f->n_kv > (r->size - r->pos) / 13)
		return gguf_fail(r->err, r->errlen,
			       "header: %llu metadata entries cannot fit in a file of %llu bytes",
			       (unsigned long long)f->n_kv,
			       (unsigned long long)r->size);
	f->kv = gg_calloc(r, f->n_kv, sizeof(*f->kv), "metadata", &e);
	if (!f->kv)
		return e;
	for (uint64_t i = 0; i < f->n_kv; i++) {
		struct gguf_kv *kv = &f->kv[i];

		snprintf(what, sizeof(what), "key of metadata entry %llu",
			 (unsigned long long)i);
		e = gg_str(r, &kv->key, what);
		if (e)
			return e;
		if (!gg_name_ok(kv->key))
			return gguf_fail(r->err, r->errlen,
				       "metadata entry %llu: key is empty or contains a NUL byte",
				       (unsigned long long)i);
		gg_quote(kv->key, key, sizeof(key));
		snprintf(what, sizeof(what), "type of metadata entry %llu",
			 (unsigned long long)i);
		e = gg_u32(r, &kv->type, what);
		if (!e)
			e = gg_read_value(r, kv, key);
		if (e)
			return e;
	}
	return gg_check_unique(r, f->kv, f->n_kv, sizeof(*f->kv),
			       "metadata entry");
}

/* ------------------------------------------------------------------ */
/* tensor infos                                                        */
/* ------------------------------------------------------------------ */

static int gg_read_tinfo(struct gg_rd *r, uint64_t i, struct gguf_tensor *t)
{
	char what[128], nm[80];
	uint64_t ne;
	int e;

	snprintf(what, sizeof(what), "name of tensor %llu",
		 (unsigned long long)i);
	e = gg_str(r, &t->name, what);
	if (e)
		return e;
	if (!gg_name_ok(t->name) || t->name.len >= GG_NAME_MAX)
		return gguf_fail(r->err, r->errlen,
			       "tensor %llu: name is empty, contains a NUL byte or is longer than %d bytes",
			       (unsigned long long)i, GG_NAME_MAX - 1);
	gg_quote(t->name, nm, sizeof(nm));
	snprintf(what, sizeof(what), "tensor %llu (%s)", (unsigned long long)i,
		 nm);
	e = gg_u32(r, &t->n_dims, what);
	if (e)
		return e;
	if (t->n_dims > GGUF_MAX_DIMS)
		return gguf_fail(r->err, r->errlen,
			       "%s: %u dimensions (at most %u)", what, t->n_dims,
			       GGUF_MAX_DIMS);
	t->n_elements = 1;
	for (uint32_t d = 0; d < GGUF_MAX_DIMS; d++) {
		t->ne[d] = 1;
		if (d >= t->n_dims)
			continue;
		e = gg_u64(r, &ne, what);
		if (e)
			return e;
		if (ne == 0 || ne > INT64_MAX)
			return gguf_fail(r->err, r->errlen,
				       "%s: dimension %u is %llu", what, d,
				       (unsigned long long)ne);
		t->ne[d] = ne;
		if (__builtin_mul_overflow(t->n_elements, ne, &t->n_elements) ||
		    t->n_elements > INT64_MAX)
			return gguf_fail(r->err, r->errlen,
				       "%s: the number of elements overflows",
				       what);
	}
	e = gg_u32(r, &t->type, what);
	if (!e)
		e = gg_u64(r, &t->offset, what);
	return e;
}

static int gg_tensor_size(struct gg_rd *r, uint64_t i, struct gguf_tensor *t)
{
	uint32_t blck, bytes;
	char nm[80];

	gg_quote(t->name, nm, sizeof(nm));
	if (gguf_type_layout(t->type, &blck, &bytes))
		return gguf_fail(r->err, r->errlen,
			       "tensor %llu (%s): unknown tensor type %u",
			       (unsigned long long)i, nm, t->type);
	if (t->ne[0] % blck)
		return gguf_fail(r->err, r->errlen,
			       "tensor %llu (%s): row of %llu elements is not a multiple of the %s block size %u",
			       (unsigned long long)i, nm,
			       (unsigned long long)t->ne[0],
			       gguf_type_name(t->type), blck);
	if (__builtin_mul_overflow(t->n_elements / blck, (uint64_t)bytes,
				   &t->nbytes) || t->nbytes > r->size)
		return gguf_fail(r->err, r->errlen,
			       "tensor %llu (%s): %llu elements of %s need more bytes than the file has",
			       (unsigned long long)i, nm,
			       (unsigned long long)t->n_elements,
			       gguf_type_name(t->type));
	if (t->type == GGML_TYPE_I2_S)
		t->nbytes += 32;	/* fp32 per-tensor scale, padded */
	if (t->offset % r->f->alignment)
		return gguf_fail(r->err, r->errlen,
			       "tensor %llu (%s): offset %llu is not a multiple of the alignment %u",
			       (unsigned long long)i, nm,
			       (unsigned long long)t->offset, r->f->alignment);
	if (t->offset > r->size - r->f->data_offset ||
	    t->nbytes > r->size - r->f->data_offset - t->offset)
		return gguf_fail(r->err, r->errlen,
			       "tensor %llu (%s): data [%llu, +%llu) is past the end of the data section (%llu bytes)",
			       (unsigned long long)i, nm,
			       (unsigned long long)t->offset,
			       (unsigned long long)t->nbytes,
			       (unsigned long long)(r->size - r->f->data_offset));
	t->data = r->p + r->f->data_offset + t->offset;
	return 0;
}

static int gg_read_tensors(struct gg_rd *r)
{
	struct gguf_file *f = r->f;
	uint64_t end;
	int e = 0;

	/* a tensor info needs at least 8 + 4 + 4 + 8 bytes */
	if (f->n_tensors > (r->size - r->pos) / 24)
		return gguf_fail(r->err, r->errlen,
			       "header: %llu tensors cannot fit in a file of %llu bytes",
			       (unsigned long long)f->n_tensors,
			       (unsigned long long)r->size);
	f->tensors = gg_calloc(r, f->n_tensors, sizeof(*f->tensors),
			       "tensors", &e);
	if (!f->tensors)
		return e;
	for (uint64_t i = 0; i < f->n_tensors; i++) {
		e = gg_read_tinfo(r, i, &f->tensors[i]);
		if (e)
			return e;
	}
	e = gg_check_unique(r, f->tensors, f->n_tensors,
			    sizeof(*f->tensors), "tensor");
	if (e)
		return e;
	end = (r->pos + f->alignment - 1) / f->alignment * f->alignment;
	if (f->n_tensors && end > r->size)
		return gguf_fail(r->err, r->errlen,
			       "truncated file: the data section would start at %llu but the file has %llu bytes",
			       (unsigned long long)end,
			       (unsigned long long)r->size);
	f->data_offset = end < r->size ? end : r->size;
	for (uint64_t i = 0; i < f->n_tensors; i++) {
		e = gg_tensor_size(r, i, &f->tensors[i]);
		if (e)
			return e;
	}
	return 0;
}

/* general.alignment: u32, a power of two. */
static int gg_alignment(struct gg_rd *r)
{
	const struct gguf_kv *kv = gguf_find_kv(r->f, "general.alignment");
	uint32_t a;

	r->f->alignment = GGUF_DEFAULT_ALIGN;
	if (!kv)
		return 0;
	if (kv->type != GGUF_T_UINT32)
		return gguf_fail(r->err, r->errlen,
			       "general.alignment has type %s (must be uint32)",
			       gguf_vtype_name(kv->type));
	a = gguf_le32(kv->data);
	if (!a || (a & (a - 1)) || a > GGUF_MAX_ALIGN)
		return gguf_fail(r->err, r->errlen,
			       "general.alignment is %u (must be a power of two up to %u)",
			       a, GGUF_MAX_ALIGN);
	r->f->alignment = a;
	return 0;
}

static int gg_header(struct gg_rd *r)
{
	struct gguf_file *f = r->f;
	uint32_t magic;
	int e;

	e = gg_u32(r, &magic, "magic");
	if (e)
		return e;
	if (magic != GGUF_MAGIC)
		return gguf_fail(r->err, r->errlen,
			       "not a GGUF file (magic %#010x, expected \"GGUF\")",
			       magic);
	e = gg_u32(r, &f->version, "version");
	if (e)
		return e;
	if (f->version == 1)
		return gguf_fail(r->err, r->errlen,
			       "GGUF version 1 is not supported (only 2 and 3)");
	if (f->version != 2 && f->version != 3) {
		if (__builtin_bswap32(f->version) == 2 ||
		    __builtin_bswap32(f->version) == 3)
			return gguf_fail(r->err, r->errlen,
				       "big-endian GGUF files are not supported");
		return gguf_fail(r->err, r->errlen,
			       "unsupported GGUF version %u (only 2 and 3)",
			       f->version);
	}
	e = gg_u64(r, &f->n_tensors, "tensor count");
	if (!e)
		e = gg_u64(r, &f->n_kv, "metadata count");
	return e;
}

MDL_API void gguf_close(struct gguf_file *f)
{
	if (!f)
		return;
	if (f->kv)
		for (uint64_t i = 0; i < f->n_kv; i++)
			free(f->kv[i].strs);
	free(f->kv);
	free(f->tensors);
	if (f->map)
		munmap(f->map, f->map_len);
	free(f);
}

MDL_API int gguf_parse(const void *data, uint64_t size,
		       struct gguf_file **out, char *err, size_t errlen)
{
	struct gg_rd r;
	int e;

	if (err && errlen)
		err[0] = 0;
	if (!out || (!data && size))
		return gguf_fail(err, errlen, "gguf_parse: bad arguments");
	*out = NULL;
	memset(&r, 0, sizeof(r));
	r.p = data;
	r.size = size;
	r.err = err;
	r.errlen = errlen;
	/* every table is at most a few times the bytes that describe it */
	r.alloc_cap = 8 * size + 4096;
	r.f = calloc(1, sizeof(*r.f));
	if (!r.f)
		return -ENOMEM;
	r.f->base = data;
	r.f->size = size;
	r.f->alignment = GGUF_DEFAULT_ALIGN;
	e = gg_header(&r);
	if (!e)
		e = gg_read_kvs(&r);
	if (!e)
		e = gg_alignment(&r);
	if (!e)
		e = gg_read_tensors(&r);
	if (e) {
		gguf_close(r.f);
		return e;
	}
	*out = r.f;
	return 0;
}

MDL_API int gguf_open(const char *path, struct gguf_file **out, char *err,
		      size_t errlen)
{
	struct stat st;
	void *map = NULL;
	int fd, e;

	if (!path || !out)
		return gguf_fail(err, errlen, "gguf_open: bad arguments");
	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		e = -errno;
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", path, strerror(-e));
		return e;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		e = S_ISREG(st.st_mode) ? -errno : -EINVAL;
		if (err && errlen)
			snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return e;
	}
	if (st.st_size > 0) {
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE,
			   fd, 0);
		if (map == MAP_FAILED) {
			e = -errno;
			if (err && errlen)
				snprintf(err, errlen, "%s: mmap: %s", path,
					 strerror(-e));
			close(fd);
			return e;
		}
	}
	close(fd);
	e = gguf_parse(map, (uint64_t)st.st_size, out, err, errlen);
	if (e) {
		if (map)
			munmap(map, (size_t)st.st_size);
		if (err && errlen) {
			char msg[256];
			size_t n = strnlen(err, sizeof(msg) - 1);

			memcpy(msg, err, n);
			msg[n] = 0;
			snprintf(err, errlen, "%.200s: %s", path, msg);
		}
		return e;
	}
	(*out)->map = map;
	(*out)->map_len = (uint64_t)st.st_size;
	return 0;
}

/* ------------------------------------------------------------------ */
/* lookup and typed getters                                            */
/* ------------------------------------------------------------------ */

MDL_API int gguf_str_eq(struct gguf_str s, const char *c)
{
	size_t n = strlen(c);

	return s.len == n && !memcmp(s.p, c, n);
}

MDL_API const struct gguf_kv *gguf_find_kv(const struct gguf_file *f,
					   const char *key)
{
	for (uint64_t i = 0; f && i < f->n_kv; i++)
		if (gguf_str_eq(f->kv[i].key, key))
			return &f->kv[i];
	return NULL;
}

MDL_API const struct gguf_tensor *gguf_find_tensor(const struct gguf_file *f,
						   const char *name)
{
	for (uint64_t i = 0; f && i < f->n_tensors; i++)
		if (gguf_str_eq(f->tensors[i].name, name))
			return &f->tensors[i];
	return NULL;
}

/* Integer value of a scalar kv; 0 if not an integer type. */
static int gg_int(const struct gguf_kv *kv, const uint8_t *p, int64_t *s,
		  uint64_t *u, int *is_unsigned)
{
	*is_unsigned = 0;
	switch (kv->type == GGUF_T_ARRAY ? kv->arr_type : kv->type) {
	case GGUF_T_UINT8: *u = p[0]; *is_unsigned = 1; break;
	case GGUF_T_INT8: *s = (int8_t)p[0]; break;
	case GGUF_T_UINT16: *u = gguf_le16(p); *is_unsigned = 1; break;
	case GGUF_T_INT16: *s = (int16_t)gguf_le16(p); break;
	case GGUF_T_UINT32: *u = gguf_le32(p); *is_unsigned = 1; break;
	case GGUF_T_INT32: *s = (int32_t)gguf_le32(p); break;
	case GGUF_T_UINT64: *u = gguf_le64(p); *is_unsigned = 1; break;
	case GGUF_T_INT64: *s = (int64_t)gguf_le64(p); break;
	default: return 0;
	}
	if (*is_unsigned)
		*s = *u > INT64_MAX ? INT64_MAX : (int64_t)*u;
	else
		*u = *s < 0 ? 0 : (uint64_t)*s;
	return 1;
}

MDL_API int gguf_get_i64(const struct gguf_file *f, const char *key,
			 int64_t *v, char *err, size_t errlen)
{
	const struct gguf_kv *kv = gguf_find_kv(f, key);
	uint64_t u;
	int uns;

	if (!kv)
		return -ENOENT;
	if (kv->type == GGUF_T_ARRAY || !gg_int(kv, kv->data, v, &u, &uns))
		return gguf_fail(err, errlen, "metadata '%s' has type %s (must be an integer)",
			       key, gguf_vtype_name(kv->type));
	if (uns && u > INT64_MAX)
		return gguf_fail(err, errlen, "metadata '%s' = %llu is too large",
			       key, (unsigned long long)u);
	return 0;
}

MDL_API int gguf_get_u32(const struct gguf_file *f, const char *key,
			 uint32_t *v, char *err, size_t errlen)
{
	int64_t s;
	int e = gguf_get_i64(f, key, &s, err, errlen);

	if (e)
		return e;
	if (s < 0 || s > UINT32_MAX)
		return gguf_fail(err, errlen,
			       "metadata '%s' = %lld is out of range (0..%u)",
			       key, (long long)s, UINT32_MAX);
	*v = (uint32_t)s;
	return 0;
}

static float gg_f32(const uint8_t *p)
{
	uint32_t b = gguf_le32(p);
	float f;

	memcpy(&f, &b, 4);
	return f;
}

static double gg_f64(const uint8_t *p)
{
	uint64_t b = gguf_le64(p);
	double d;

	memcpy(&d, &b, 8);
	return d;
}

MDL_API int gguf_get_f32(const struct gguf_file *f, const char *key,
			 float *v, char *err, size_t errlen)
{
	const struct gguf_kv *kv = gguf_find_kv(f, key);

	if (!kv)
		return -ENOENT;
	if (kv->type == GGUF_T_FLOAT32)
		*v = gg_f32(kv->data);
	else if (kv->type == GGUF_T_FLOAT64)
		*v = (float)gg_f64(kv->data);
	else
		return gguf_fail(err, errlen,
			       "metadata '%s' has type %s (must be float32)",
			       key, gguf_vtype_name(kv->type));
	return 0;
}

MDL_API int gguf_get_bool(const struct gguf_file *f, const char *key, int *v,
			  char *err, size_t errlen)
{
	const struct gguf_kv *kv = gguf_find_kv(f, key);

	if (!kv)
		return -ENOENT;
	if (kv->type != GGUF_T_BOOL)
		return gguf_fail(err, errlen,
			       "metadata '%s' has type %s (must be bool)",
			       key, gguf_vtype_name(kv->type));
	*v = kv->data[0] != 0;
	return 0;
}

MDL_API int gguf_get_str(const struct gguf_file *f, const char *key,
			 struct gguf_str *v, char *err, size_t errlen)
{
	const struct gguf_kv *kv = gguf_find_kv(f, key);

	if (!kv)
		return -ENOENT;
	if (kv->type != GGUF_T_STRING)
		return gguf_fail(err, errlen,
			       "metadata '%s' has type %s (must be string)",
			       key, gguf_vtype_name(kv->type));
	*v = kv->strs[0];
	return 0;
}

MDL_API int gguf_get_arr(const struct gguf_file *f, const char *key,
			 uint32_t elem_type, const struct gguf_kv **out,
			 char *err, size_t errlen)
{
	const struct gguf_kv *kv = gguf_find_kv(f, key);

	if (!kv)
		return -ENOENT;
	if (kv->type != GGUF_T_ARRAY || kv->arr_type != elem_type)
		return gguf_fail(err, errlen,
			       "metadata '%s' has type %s%s%s (must be array of %s)",
			       key, gguf_vtype_name(kv->type),
			       kv->type == GGUF_T_ARRAY ? " of " : "",
			       kv->type == GGUF_T_ARRAY ?
			       gguf_vtype_name(kv->arr_type) : "",
			       gguf_vtype_name(elem_type));
	*out = kv;
	return 0;
}

MDL_API double gguf_arr_num(const struct gguf_kv *kv, uint64_t i)
{
	uint32_t t = kv->type == GGUF_T_ARRAY ? kv->arr_type : kv->type;
	const uint8_t *p = kv->data + i * gg_vsize(t);
	int64_t s;
	uint64_t u;
	int uns;

	if (t == GGUF_T_FLOAT32)
		return gg_f32(p);
	if (t == GGUF_T_FLOAT64)
		return gg_f64(p);
	if (t == GGUF_T_BOOL)
		return p[0] != 0;
	if (gg_int(kv, p, &s, &u, &uns))
		return uns ? (double)u : (double)s;
	return 0.0;
}
