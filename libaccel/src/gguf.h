/* SPDX-License-Identifier: MIT */
/*
 * GGUF reader (llama.cpp's model file format, versions 2 and 3,
 * little-endian).  Internal to libaccel.
 *
 * The whole file is parsed and checked when opened: header, every
 * metadata key/value (all value types, arrays of any type including
 * arrays of strings), every tensor info, the alignment
 * (general.alignment, default 32) and the data offsets.  Nothing in the
 * file is trusted: every count, length, dimension and offset is checked
 * against the bytes actually present and against overflow before it is
 * used, and no allocation is larger than a small multiple of the file
 * size.  A bad file yields -EINVAL and a message naming what is wrong
 * ("tensor 3 (blk.0.attn_q.weight): data [4096, 70144) is past the end
 * of the file (65600 bytes)").
 *
 * Strings in the file are not NUL-terminated; struct gguf_str points
 * into the mapping.  Keys and tensor names are additionally checked to be
 * non-empty, free of NUL bytes and unique.
 */
#ifndef ACCEL_GGUF_H
#define ACCEL_GGUF_H

#include <stddef.h>
#include <stdint.h>

/*
 * The unit tests compile the implementation into the test program with
 * MDL_API defined as "static __attribute__((unused))".
 */
#ifndef MDL_API
#define MDL_API
#endif

#define GGUF_MAGIC		0x46554747u	/* "GGUF" little-endian */
#define GGUF_DEFAULT_ALIGN	32u
#define GGUF_MAX_DIMS		4u
#define GGUF_MAX_ALIGN		(1u << 20)	/* sanity bound */

enum gguf_vtype {
	GGUF_T_UINT8 = 0,
	GGUF_T_INT8 = 1,
	GGUF_T_UINT16 = 2,
	GGUF_T_INT16 = 3,
	GGUF_T_UINT32 = 4,
	GGUF_T_INT32 = 5,
	GGUF_T_FLOAT32 = 6,
	GGUF_T_BOOL = 7,
	GGUF_T_STRING = 8,
	GGUF_T_ARRAY = 9,
	GGUF_T_UINT64 = 10,
	GGUF_T_INT64 = 11,
	GGUF_T_FLOAT64 = 12,
	GGUF_T_COUNT
};

/* ggml tensor types this reader knows the block layout of. */
enum ggml_type {
	GGML_TYPE_F32 = 0,
	GGML_TYPE_F16 = 1,
	GGML_TYPE_Q4_0 = 2,
	GGML_TYPE_Q4_1 = 3,
	GGML_TYPE_Q5_0 = 6,
	GGML_TYPE_Q5_1 = 7,
	GGML_TYPE_Q8_0 = 8,
	GGML_TYPE_Q8_1 = 9,
	GGML_TYPE_Q2_K = 10,
	GGML_TYPE_Q3_K = 11,
	GGML_TYPE_Q4_K = 12,
	GGML_TYPE_Q5_K = 13,
	GGML_TYPE_Q6_K = 14,
	GGML_TYPE_Q8_K = 15,
	GGML_TYPE_I8 = 24,
	GGML_TYPE_I16 = 25,
	GGML_TYPE_I32 = 26,
	GGML_TYPE_I64 = 27,
	GGML_TYPE_F64 = 28,
	GGML_TYPE_BF16 = 30,
	GGML_TYPE_TQ1_0 = 34,	/* 256 weights: qs[48] qh[4] d (54 bytes) */
	GGML_TYPE_TQ2_0 = 35,	/* 256 weights: qs[64] d (66 bytes) */
	GGML_TYPE_I2_S = 36,	/* bitnet.cpp: 2 bits/weight + fp32 scale */
};

#define GGML_QK_K		256u
#define GGML_TQ1_0_BYTES	54u
#define GGML_TQ2_0_BYTES	66u
#define GGML_I2S_BLOCK		128u	/* x86 layout of bitnet.cpp */

struct gguf_str {
	const char *p;		/* into the file, not NUL-terminated */
	uint64_t len;
};

struct gguf_kv {
	struct gguf_str key;
	uint32_t type;		/* enum gguf_vtype */
	uint32_t arr_type;	/* element type when type == ARRAY */
	uint64_t n;		/* array elements (1 for scalars) */
	const uint8_t *data;	/* scalar value / first array element */
	struct gguf_str *strs;	/* STRING and arrays of STRING: n entries */
};

struct gguf_tensor {
	struct gguf_str name;
	uint32_t n_dims;
	uint64_t ne[GGUF_MAX_DIMS];	/* ne[0] innermost; unused dims 1 */
	uint32_t type;			/* enum ggml_type */
	uint64_t offset;		/* from the start of the data section */
	uint64_t n_elements;
	uint64_t nbytes;
	const uint8_t *data;		/* into the file */
};

struct gguf_file {
	uint32_t version;
	uint32_t alignment;
	uint64_t n_kv, n_tensors;
	struct gguf_kv *kv;
	struct gguf_tensor *tensors;
	uint64_t data_offset;		/* start of the data section */
	const uint8_t *base;
	uint64_t size;
	void *map;			/* mmap of gguf_open(), else NULL */
	uint64_t map_len;
	uint64_t alloc_bytes;		/* heap used by the parse */
};

/*
 * Block layout of ggml @type: weights per block and bytes per block.
 * 0 for a known type, -1 for an unknown one.  I2_S reports (4, 1): its
 * tensors carry 32 more bytes (the fp32 scale, padded) after the codes.
 */
/*
 * Format a message into @err (when non-NULL) and return -EINVAL: the one
 * error helper of the reader, the model loader and the tokenizer.
 */
__attribute__((format(printf, 3, 4)))
MDL_API int gguf_fail(char *err, size_t errlen, const char *fmt, ...);
MDL_API int gguf_type_layout(uint32_t type, uint32_t *blck, uint32_t *bytes);
MDL_API const char *gguf_type_name(uint32_t type);
MDL_API const char *gguf_vtype_name(uint32_t vtype);

/*
 * Parse @size bytes at @data (borrowed: they must outlive the result).
 * Returns 0 or a negative errno with a message in @err (if not NULL).
 */
MDL_API int gguf_parse(const void *data, uint64_t size,
		       struct gguf_file **out, char *err, size_t errlen);
/* mmap @path read-only and parse it. */
MDL_API int gguf_open(const char *path, struct gguf_file **out, char *err,
		      size_t errlen);
MDL_API void gguf_close(struct gguf_file *f);

/* Lookup by NUL-terminated name; NULL when absent. */
MDL_API const struct gguf_kv *gguf_find_kv(const struct gguf_file *f,
					   const char *key);
MDL_API const struct gguf_tensor *gguf_find_tensor(const struct gguf_file *f,
						   const char *name);
/* Does @s equal the NUL-terminated @c? */
MDL_API int gguf_str_eq(struct gguf_str s, const char *c);

/*
 * Typed getters: 0, -ENOENT if the key is absent, -EINVAL (with a
 * message) if it has another type or its value does not fit.
 * Integer getters accept any integer type whose value is in range.
 */
MDL_API int gguf_get_u32(const struct gguf_file *f, const char *key,
			 uint32_t *v, char *err, size_t errlen);
MDL_API int gguf_get_i64(const struct gguf_file *f, const char *key,
			 int64_t *v, char *err, size_t errlen);
MDL_API int gguf_get_f32(const struct gguf_file *f, const char *key,
			 float *v, char *err, size_t errlen);
MDL_API int gguf_get_bool(const struct gguf_file *f, const char *key,
			  int *v, char *err, size_t errlen);
MDL_API int gguf_get_str(const struct gguf_file *f, const char *key,
			 struct gguf_str *v, char *err, size_t errlen);
/* Array of @elem_type (GGUF_T_*): *@kv on success. */
MDL_API int gguf_get_arr(const struct gguf_file *f, const char *key,
			 uint32_t elem_type, const struct gguf_kv **kv,
			 char *err, size_t errlen);
/* Element @i of an integer or float array as double (no checks of i). */
MDL_API double gguf_arr_num(const struct gguf_kv *kv, uint64_t i);

/* Little-endian loads of unaligned data. */
static inline uint16_t gguf_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}

static inline uint32_t gguf_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t gguf_le64(const uint8_t *p)
{
	return (uint64_t)gguf_le32(p) | (uint64_t)gguf_le32(p + 4) << 32;
}

#endif /* ACCEL_GGUF_H */
