// SPDX-License-Identifier: MIT
/*
 * Job file reader (format: docs/job-format.md).  Line oriented; every
 * error names the file and line and leaves nothing half-built behind.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "jobfile.h"

#define MAX_TOKENS	64

struct parser {
	struct job *job;
	const char *path;
	unsigned int line;
	FILE *err;
	uint64_t rng;
	int have_memory;
};

__attribute__((format(printf, 2, 3)))
static int fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	fprintf(p->err, "%s:%u: ", p->path, p->line);
	va_start(ap, fmt);
	vfprintf(p->err, fmt, ap);
	va_end(ap);
	fputc('\n', p->err);
	return -1;
}

static int parse_u64(struct parser *p, const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	if (*s == '-')
		return fail(p, "'%s': expected an unsigned number", s);
	*v = strtoull(s, &end, 0);
	if (errno || end == s || *end)
		return fail(p, "'%s': not a number", s);
	return 0;
}

static int parse_i64(struct parser *p, const char *s, int64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoll(s, &end, 0);
	if (errno || end == s || *end)
		return fail(p, "'%s': not a number", s);
	return 0;
}

static int parse_f32(struct parser *p, const char *s, float *v)
{
	char *end;

	errno = 0;
	*v = strtof(s, &end);
	if (end == s || *end)
		return fail(p, "'%s': not a float", s);
	return 0;
}

/* [iova, iova + len) must lie inside the memory image. */
static int in_image(struct parser *p, uint64_t iova, uint64_t len)
{
	const struct lla_flat_mem *m = &p->job->mem;

	if (!p->have_memory)
		return fail(p, "'memory' must come first");
	if (iova < m->base || iova - m->base > m->size ||
	    len > m->size - (iova - m->base))
		return fail(p, "range %#llx+%#llx outside the memory image",
			    (unsigned long long)iova, (unsigned long long)len);
	return 0;
}

static uint8_t *at(struct parser *p, uint64_t iova)
{
	return p->job->mem.data + (iova - p->job->mem.base);
}

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static uint64_t seed_state(uint64_t seed)
{
	return seed * 0x9e3779b97f4a7c15ull + 0x2545f4914f6cdd1dull;
}

static int do_memory(struct parser *p, char **t, int n)
{
	uint64_t base, size;

	if (n != 3 || parse_u64(p, t[1], &base) || parse_u64(p, t[2], &size))
		return n != 3 ? fail(p, "usage: memory BASE SIZE") : -1;
	if (p->have_memory)
		return fail(p, "'memory' given twice");
	if (!size || size > JOB_MAX_MEMORY)
		return fail(p, "memory size must be 1..%llu bytes",
			    (unsigned long long)JOB_MAX_MEMORY);
	if (base < LLA_IOVA_MIN || base > LLA_IOVA_LIMIT - size)
		return fail(p, "memory must lie in [%#llx, 2^48)",
			    (unsigned long long)LLA_IOVA_MIN);
	p->job->mem.data = calloc(1, size);
	if (!p->job->mem.data)
		return fail(p, "out of memory");
	p->job->mem.base = base;
	p->job->mem.size = size;
	p->have_memory = 1;
	return 0;
}

static int do_fill(struct parser *p, char **t, int n)
{
	uint64_t iova, len, v = 0;
	uint8_t *d;

	if (n < 4 || parse_u64(p, t[1], &iova) || parse_u64(p, t[2], &len) ||
	    in_image(p, iova, len))
		return n < 4 ? fail(p, "usage: fill IOVA LEN zero|byte V|random SEED") : -1;
	d = at(p, iova);
	if (!strcmp(t[3], "zero") && n == 4) {
		memset(d, 0, len);
	} else if (!strcmp(t[3], "byte") && n == 5) {
		if (parse_u64(p, t[4], &v) || v > 255)
			return fail(p, "byte value must be 0..255");
		memset(d, (int)v, len);
	} else if (!strcmp(t[3], "random") && n == 5) {
		uint64_t s;

		if (parse_u64(p, t[4], &v))
			return -1;
		s = seed_state(v);
		for (uint64_t i = 0; i < len; i++)
			d[i] = (uint8_t)(next_rand(&s) >> 32);
	} else {
		return fail(p, "usage: fill IOVA LEN zero|byte V|random SEED");
	}
	return 0;
}

static const struct {
	const char *name;
	unsigned int size;
} data_types[] = {
	{ "u8", 1 }, { "i8", 1 }, { "u16", 2 }, { "u32", 4 }, { "i32", 4 },
	{ "u64", 8 }, { "f32", 4 }, { "f16", 2 },
};

static int do_data(struct parser *p, char **t, int n)
{
	uint64_t iova;
	unsigned int ti, sz;

	if (n < 4 || parse_u64(p, t[1], &iova))
		return n < 4 ? fail(p, "usage: data IOVA TYPE VALUE...") : -1;
	for (ti = 0; ti < sizeof(data_types) / sizeof(data_types[0]); ti++)
		if (!strcmp(t[2], data_types[ti].name))
			break;
	if (ti == sizeof(data_types) / sizeof(data_types[0]))
		return fail(p, "unknown data type '%s'", t[2]);
	sz = data_types[ti].size;
	if (in_image(p, iova, (uint64_t)(n - 3) * sz))
		return -1;
	for (int i = 3; i < n; i++) {
		uint8_t *d = at(p, iova + (uint64_t)(i - 3) * sz);
		const char *ty = t[2];
		uint64_t u = 0;

		if (ty[0] == 'f') {
			float f;

			if (parse_f32(p, t[i], &f))
				return -1;
			if (sz == 4) {
				memcpy(d, &f, 4);
			} else {
				uint16_t h = lla_f32_to_f16(f);

				memcpy(d, &h, 2);
			}
			continue;
		}
		if (ty[0] == 'i') {
			int64_t s;
			int64_t lo = sz == 1 ? INT8_MIN : INT32_MIN;
			int64_t hi = sz == 1 ? INT8_MAX : INT32_MAX;

			if (parse_i64(p, t[i], &s))
				return -1;
			if (s < lo || s > hi)
				return fail(p, "'%s' out of range for %s", t[i], ty);
			u = (uint64_t)s;
		} else {
			if (parse_u64(p, t[i], &u))
				return -1;
			if (sz < 8 && u >> (8 * sz))
				return fail(p, "'%s' out of range for %s", t[i], ty);
		}
		memcpy(d, &u, sz);	/* little-endian host, like the device */
	}
	return 0;
}

/* frand IOVA COUNT SEED LO HI: uniform fp32 values. */
static int do_frand(struct parser *p, char **t, int n)
{
	uint64_t iova, count, seed, s;
	float lo, hi;

	if (n != 6)
		return fail(p, "usage: frand IOVA COUNT SEED LO HI");
	if (parse_u64(p, t[1], &iova) || parse_u64(p, t[2], &count) ||
	    parse_u64(p, t[3], &seed) || parse_f32(p, t[4], &lo) ||
	    parse_f32(p, t[5], &hi))
		return -1;
	if (!isfinite(lo) || !isfinite(hi) || lo > hi)
		return fail(p, "need finite LO <= HI");
	if (count > JOB_MAX_MEMORY / 4 || in_image(p, iova, count * 4))
		return count > JOB_MAX_MEMORY / 4 ? fail(p, "count too large") : -1;
	s = seed_state(seed);
	for (uint64_t i = 0; i < count; i++) {
		float u = (float)(next_rand(&s) >> 40) * 0x1p-24f;
		float v = lo + (hi - lo) * u;

		memcpy(at(p, iova + 4 * i), &v, 4);
	}
	return 0;
}

/* ternary IOVA T2|T5 ROWS K STRIDE SEED: random packed ternary rows. */
static int do_ternary(struct parser *p, char **t, int n)
{
	uint64_t iova, rows, k, stride, seed, s, rb;
	uint8_t fmt;
	int8_t *w;

	if (n != 7)
		return fail(p, "usage: ternary IOVA T2|T5 ROWS K STRIDE SEED");
	if (!strcasecmp(t[2], "T2"))
		fmt = LLA_WFMT_T2;
	else if (!strcasecmp(t[2], "T5"))
		fmt = LLA_WFMT_T5;
	else
		return fail(p, "weight format must be T2 or T5");
	if (parse_u64(p, t[1], &iova) || parse_u64(p, t[3], &rows) ||
	    parse_u64(p, t[4], &k) || parse_u64(p, t[5], &stride) ||
	    parse_u64(p, t[6], &seed))
		return -1;
	if (!rows || !k || k > LLA_MAX_K || rows > LLA_MAX_N)
		return fail(p, "ROWS must be 1..%u and K 1..%u", LLA_MAX_N,
			    LLA_MAX_K);
	rb = lla_wfmt_row_bytes(fmt, (uint32_t)k);
	if (stride < rb || stride > UINT32_MAX)
		return fail(p, "STRIDE must be at least %llu",
			    (unsigned long long)rb);
	if (in_image(p, iova, (rows - 1) * stride + rb))
		return -1;
	w = malloc(k);
	if (!w)
		return fail(p, "out of memory");
	s = seed_state(seed);
	for (uint64_t r = 0; r < rows; r++) {
		for (uint64_t i = 0; i < k; i++)
			w[i] = (int8_t)((next_rand(&s) >> 33) % 3) - 1;
		lla_pack_row(fmt, w, (uint32_t)k, at(p, iova + r * stride));
	}
	free(w);
	return 0;
}

/* ropetable IOVA LEN HEAD_DIM THETA */
static int do_ropetable(struct parser *p, char **t, int n)
{
	uint64_t iova, len, hd;
	float theta;
	float *tab;

	if (n != 5)
		return fail(p, "usage: ropetable IOVA LEN HEAD_DIM THETA");
	if (parse_u64(p, t[1], &iova) || parse_u64(p, t[2], &len) ||
	    parse_u64(p, t[3], &hd) || parse_f32(p, t[4], &theta))
		return -1;
	if (!len || len > LLA_MAX_CTX || !hd || hd > LLA_MAX_HEAD_DIM ||
	    hd % 2 || !(theta > 0) || !isfinite(theta))
		return fail(p, "need 1 <= LEN <= %u, even HEAD_DIM <= %u, THETA > 0",
			    LLA_MAX_CTX, LLA_MAX_HEAD_DIM);
	if (in_image(p, iova, len * hd * 4))
		return -1;
	tab = malloc(len * hd * 4);
	if (!tab)
		return fail(p, "out of memory");
	lla_rope_table(tab, (uint32_t)len, (uint32_t)hd, theta);
	memcpy(at(p, iova), tab, len * hd * 4);
	free(tab);
	return 0;
}

/* Symbolic values for enumerations and flags, per field name. */
struct sym {
	int op;			/* -1: any opcode */
	const char *field;
	const char *name;
	uint64_t value;
};

static const struct sym syms[] = {
	{ -1, "wfmt", "T2", LLA_WFMT_T2 }, { -1, "wfmt", "T5", LLA_WFMT_T5 },
	{ -1, "wfmt", "I8", LLA_WFMT_I8 }, { -1, "wfmt", "F16", LLA_WFMT_F16 },
	{ -1, "epi.out_dtype", "F32", LLA_DTYPE_F32 },
	{ -1, "epi.out_dtype", "F16", LLA_DTYPE_F16 },
	{ -1, "epi.out_dtype", "I8", LLA_DTYPE_I8 },
	{ -1, "dtype", "F32", LLA_DTYPE_F32 },
	{ -1, "dtype", "F16", LLA_DTYPE_F16 },
	{ -1, "kv_dtype", "F16", LLA_DTYPE_F16 },
	{ -1, "epi.act", "NONE", LLA_ACT_NONE },
	{ -1, "epi.act", "RELU", LLA_ACT_RELU },
	{ -1, "epi.act", "RELU2", LLA_ACT_RELU2 },
	{ -1, "epi.act", "SILU", LLA_ACT_SILU },
	{ -1, "mask_mode", "CAUSAL", LLA_MASK_CAUSAL },
	{ LLA_OP_ELTWISE, "op", "ADD", LLA_ELT_ADD },
	{ LLA_OP_ELTWISE, "op", "MUL", LLA_ELT_MUL },
	{ LLA_OP_ELTWISE, "op", "SCALE", LLA_ELT_SCALE },
	{ LLA_OP_ELTWISE, "op", "RELU", LLA_ELT_RELU },
	{ LLA_OP_ELTWISE, "op", "RELU2", LLA_ELT_RELU2 },
	{ LLA_OP_ELTWISE, "op", "SILU", LLA_ELT_SILU },
	{ LLA_OP_SEM_SIGNAL, "op", "SET", LLA_SEM_SET },
	{ LLA_OP_SEM_SIGNAL, "op", "ADD", LLA_SEM_ADD },
	{ LLA_OP_SEM_WAIT, "op", "GE", LLA_SEM_GE },
	{ LLA_OP_SEM_WAIT, "op", "EQ", LLA_SEM_EQ },
	{ LLA_OP_NORM_QUANT, "flags", "NORM", LLA_NQ_F_NORM },
	{ LLA_OP_NORM_QUANT, "flags", "QUANT", LLA_NQ_F_QUANT },
	{ LLA_OP_NORM_QUANT, "flags", "F32OUT", LLA_NQ_F_F32OUT },
	{ LLA_OP_SAMPLE, "flags", "ADVANCE", LLA_SAMPLE_F_ADVANCE },
	{ LLA_OP_SEM_SIGNAL, "flags", "32BIT", LLA_SEM_F_32BIT },
	{ LLA_OP_SEM_WAIT, "flags", "32BIT", LLA_SEM_F_32BIT },
};

static int lookup_sym(int op, const char *field, const char *name,
		      uint64_t *v)
{
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++)
		if ((syms[i].op < 0 || syms[i].op == op) &&
		    !strcmp(syms[i].field, field) &&
		    !strcasecmp(syms[i].name, name)) {
			*v = syms[i].value;
			return 0;
		}
	return -1;
}

/* A field value: symbol(s) joined by '|', a number, or a float. */
static int field_value(struct parser *p, int op, const char *field,
		       int kind, char *s, uint64_t *v)
{
	if (kind == LLA_FK_F32 && strncasecmp(s, "0x", 2)) {
		float f;

		if (parse_f32(p, s, &f))
			return -1;
		*v = lla_f32_bits(f);
		return 0;
	}
	if (!lookup_sym(op, field, s, v))
		return 0;
	if ((s[0] >= '0' && s[0] <= '9') || s[0] == '-')
		return parse_u64(p, s, v);
	*v = 0;
	for (char *save = NULL, *tok = strtok_r(s, "|", &save); tok;
	     tok = strtok_r(NULL, "|", &save)) {
		uint64_t one;

		if (lookup_sym(op, field, tok, &one))
			return fail(p, "'%s' is not a value of %s", tok, field);
		*v |= one;
	}
	return 0;
}

static int do_cmd(struct parser *p, char **t, int n)
{
	const struct lla_cmd_desc *d;
	struct job *job = p->job;
	uint8_t *c;

	if (n < 2)
		return fail(p, "usage: cmd OPCODE field=value...");
	d = lla_cmd_desc_find(t[1]);
	if (!d)
		return fail(p, "unknown opcode '%s'", t[1]);
	if (job->cmds_len + d->size > LLA_MAX_CMDBUF_BYTES)
		return fail(p, "command buffer full");
	c = job->cmds + job->cmds_len;
	memset(c, 0, d->size);
	((struct lla_cmd_hdr *)c)->opcode = d->opcode;
	((struct lla_cmd_hdr *)c)->size = d->size;
	for (int i = 2; i < n; i++) {
		char *eq = strchr(t[i], '=');
		const struct lla_field_desc *f = NULL;
		uint64_t v;

		if (!eq)
			return fail(p, "'%s': expected field=value", t[i]);
		*eq = '\0';
		if (!strcmp(t[i], "flags")) {
			if (field_value(p, d->opcode, "flags", LLA_FK_FLAGS,
					eq + 1, &v))
				return -1;
			((struct lla_cmd_hdr *)c)->flags = (uint16_t)v;
			continue;
		}
		for (uint32_t j = 0; j < d->nfields; j++)
			if (!strcmp(d->fields[j].name, t[i]))
				f = &d->fields[j];
		if (!f)
			return fail(p, "%s has no field '%s'", d->name, t[i]);
		if (field_value(p, d->opcode, f->name, f->kind, eq + 1, &v))
			return -1;
		if (f->size < 8 && v >> (8 * f->size))
			return fail(p, "value of %s does not fit in %u bytes",
				    f->name, f->size);
		memcpy(c + f->offset, &v, f->size);
	}
	job->cmds_len += d->size;
	job->ncmds++;
	return 0;
}

static int do_check(struct parser *p, char **t, int n)
{
	struct job_check *c;

	if (n != 4 && n != 5)
		return fail(p, "usage: check NAME IOVA LEN [EXPECTED]");
	if (p->job->nchecks == JOB_MAX_CHECKS)
		return fail(p, "too many checks");
	c = &p->job->checks[p->job->nchecks];
	if (strlen(t[1]) >= JOB_NAME_LEN)
		return fail(p, "check name too long");
	strcpy(c->name, t[1]);
	if (parse_u64(p, t[2], &c->iova) || parse_u64(p, t[3], &c->len) ||
	    in_image(p, c->iova, c->len))
		return -1;
	c->has_expect = n == 5;
	if (n == 5 && parse_u64(p, t[4], &c->expect))
		return -1;
	p->job->nchecks++;
	return 0;
}

static int do_expect(struct parser *p, char **t, int n)
{
	uint64_t idx = 0;
	int s;

	if ((n != 3 && n != 4) || strcmp(t[1], "status"))
		return fail(p, "usage: expect status NAME [INDEX]");
	for (s = 0; s < LLA_ERR_COUNT; s++)
		if (!strcasecmp(t[2], lla_error_name(s)))
			break;
	if (s == LLA_ERR_COUNT)
		return fail(p, "unknown status '%s'", t[2]);
	if (n == 4 && (parse_u64(p, t[3], &idx) || idx > UINT32_MAX))
		return -1;
	p->job->has_expect_status = n == 4 ? 2 : 1;
	p->job->expect_status = s;
	p->job->expect_index = (uint32_t)idx;
	return 0;
}

static int do_line(struct parser *p, char **t, int n)
{
	struct job *job = p->job;
	uint64_t v;

	if (!strcmp(t[0], "memory"))
		return do_memory(p, t, n);
	if (!strcmp(t[0], "preset")) {
		if (n != 2 || strlen(t[1]) >= JOB_NAME_LEN)
			return fail(p, "usage: preset NAME");
		if (!lla_uarch_preset(t[1]))
			return fail(p, "unknown preset '%s'", t[1]);
		strcpy(job->preset, t[1]);
		return 0;
	}
	if (!strcmp(t[0], "cmdbuf")) {
		if (n != 2 || parse_u64(p, t[1], &v))
			return n != 2 ? fail(p, "usage: cmdbuf IOVA") : -1;
		if (v % 8 || in_image(p, v, 8))
			return v % 8 ? fail(p, "cmdbuf must be 8-byte aligned") : -1;
		job->cmdbuf_iova = v;
		return 0;
	}
	if (!p->have_memory)
		return fail(p, "'memory' must come before '%s'", t[0]);
	if (!strcmp(t[0], "fill"))
		return do_fill(p, t, n);
	if (!strcmp(t[0], "data"))
		return do_data(p, t, n);
	if (!strcmp(t[0], "frand"))
		return do_frand(p, t, n);
	if (!strcmp(t[0], "ternary"))
		return do_ternary(p, t, n);
	if (!strcmp(t[0], "ropetable"))
		return do_ropetable(p, t, n);
	if (!strcmp(t[0], "cmd"))
		return do_cmd(p, t, n);
	if (!strcmp(t[0], "check"))
		return do_check(p, t, n);
	if (!strcmp(t[0], "expect"))
		return do_expect(p, t, n);
	return fail(p, "unknown directive '%s'", t[0]);
}

static int tokenize(char *s, char **t)
{
	int n = 0;

	for (char *save = NULL, *tok = strtok_r(s, " \t\r\n", &save); tok;
	     tok = strtok_r(NULL, " \t\r\n", &save)) {
		if (tok[0] == '#')
			break;
		if (n == MAX_TOKENS)
			return -1;
		t[n++] = tok;
	}
	return n;
}

int job_load(struct job *job, const char *path, FILE *err)
{
	struct parser p = { job, path, 0, err, 0, 0 };
	char *line = NULL, *t[MAX_TOKENS];
	size_t cap = 0;
	int seen_magic = 0, rc = 0;
	FILE *f;

	memset(job, 0, sizeof(*job));
	strcpy(job->preset, "default");
	f = fopen(path, "r");
	if (!f) {
		fprintf(err, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	job->cmds = aligned_alloc(8, LLA_MAX_CMDBUF_BYTES);
	if (!job->cmds) {
		fclose(f);
		fprintf(err, "%s: out of memory\n", path);
		return -1;
	}
	while (!rc && getline(&line, &cap, f) >= 0) {
		int n;

		p.line++;
		if (strlen(line) > 4096) {
			rc = fail(&p, "line too long");
			break;
		}
		n = tokenize(line, t);
		if (n < 0)
			rc = fail(&p, "too many words on one line");
		else if (n == 0)
			continue;
		else if (!seen_magic)
			rc = (n == 2 && !strcmp(t[0], "llmaccel-job") &&
			      !strcmp(t[1], "1")) ? (seen_magic = 1, 0) :
			     fail(&p, "expected 'llmaccel-job 1' first");
		else
			rc = do_line(&p, t, n);
	}
	free(line);
	if (!rc && ferror(f))
		rc = fail(&p, "read error");
	fclose(f);
	if (!rc && !seen_magic)
		rc = fail(&p, "empty job file");
	if (!rc && !job->ncmds)
		rc = fail(&p, "no commands");
	if (!rc && !job->cmdbuf_iova)
		rc = fail(&p, "no 'cmdbuf' address");
	if (rc)
		job_free(job);
	return rc;
}

int job_place_cmdbuf(struct job *job, FILE *err)
{
	const struct lla_flat_mem *m = &job->mem;
	uint64_t off = job->cmdbuf_iova - m->base;

	if (job->cmds_len > m->size - off) {
		fprintf(err, "command buffer (%u bytes) does not fit at %#llx\n",
			job->cmds_len, (unsigned long long)job->cmdbuf_iova);
		return -1;
	}
	memcpy(m->data + off, job->cmds, job->cmds_len);
	return 0;
}

uint64_t job_checksum(const struct job *job, const struct job_check *c)
{
	const uint8_t *d = job->mem.data + (c->iova - job->mem.base);
	uint64_t h = 0xcbf29ce484222325ull;

	for (uint64_t i = 0; i < c->len; i++) {
		h ^= d[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

void job_free(struct job *job)
{
	free(job->mem.data);
	free(job->cmds);
	job->mem.data = NULL;
	job->cmds = NULL;
}
