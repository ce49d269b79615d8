// SPDX-License-Identifier: MIT
/*
 * common.c: helpers shared by the llmaccel tools (see common.h).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "common.h"
#include "libaccel.h"

void tool_strlcpy(char *dst, const char *src, size_t len)
{
	size_t n = strlen(src);

	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

uint64_t tool_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

bool tool_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = (uint32_t)v;
	return true;
}

bool tool_parse_double(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	if (!s || !*s)
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static const char *const opcode_names[] = {
	[LLA_OP_NOP] = "NOP",
	[LLA_OP_TLMM] = "TLMM",
	[LLA_OP_QMM] = "QMM",
	[LLA_OP_NORM_QUANT] = "NORM_QUANT",
	[LLA_OP_ROPE] = "ROPE",
	[LLA_OP_ELTWISE] = "ELTWISE",
	[LLA_OP_EMBED] = "EMBED",
	[LLA_OP_ARGMAX] = "ARGMAX",
	[LLA_OP_TOPK] = "TOPK",
	[LLA_OP_SAMPLE] = "SAMPLE",
	[LLA_OP_ATTN_PREFILL] = "ATTN_PREFILL",
	[LLA_OP_ATTN_DECODE] = "ATTN_DECODE",
	[LLA_OP_COPY] = "COPY",
	[LLA_OP_FILL] = "FILL",
	[LLA_OP_TIMESTAMP] = "TIMESTAMP",
	[LLA_OP_SEM_SIGNAL] = "SEM_SIGNAL",
	[LLA_OP_SEM_WAIT] = "SEM_WAIT",
};

const char *tool_opcode_name(uint32_t op)
{
	if (op < sizeof(opcode_names) / sizeof(opcode_names[0]) &&
	    opcode_names[op])
		return opcode_names[op];
	return "?";
}

const char *tool_wfmt_name(uint32_t wfmt)
{
	switch (wfmt) {
	case LLA_WFMT_T2: return "T2";
	case LLA_WFMT_T5: return "T5";
	case LLA_WFMT_I8: return "I8";
	case LLA_WFMT_F16: return "F16";
	default: return "?";
	}
}

const char *tool_preset_name(uint32_t preset)
{
	switch (preset) {
	case LLA_PRESET_DEFAULT: return "default";
	case LLA_PRESET_TELLME_KV260: return "tellme-kv260";
	default: return "?";
	}
}

void tool_caps_string(uint32_t caps, char *buf, size_t len)
{
	static const struct { uint32_t bit; const char *name; } names[] = {
		{ LLA_CAP_MMU, "MMU" },
		{ LLA_CAP_LUT_TLMM, "LUT_TLMM" },
		{ LLA_CAP_ATTN, "ATTN" },
		{ LLA_CAP_SAMPLE, "SAMPLE" },
		{ LLA_CAP_SEM, "SEM" },
		{ LLA_CAP_QUEUE_RESET, "QUEUE_RESET" },
		{ LLA_CAP_FAULT_INJECT, "FAULT_INJECT" },
	};
	size_t used = 0;

	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int n;

		if (!(caps & names[i].bit) || used >= len)
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used ? " " : "",
			     names[i].name);
		if (n > 0)
			used += (size_t)n;
	}
	caps &= ~(LLA_CAP_MMU | LLA_CAP_LUT_TLMM | LLA_CAP_ATTN |
		  LLA_CAP_SAMPLE | LLA_CAP_SEM | LLA_CAP_QUEUE_RESET |
		  LLA_CAP_FAULT_INJECT);
	if (caps && used < len)
		snprintf(buf + used, len - used, "%s0x%x", used ? " " : "",
			 caps);
}

/* ------------------------------------------------------------------ */
/* JSON                                                                */
/* ------------------------------------------------------------------ */
void json_init(struct json *j, FILE *f, bool pretty)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->pretty = pretty;
	j->first[0] = true;
}

static void json_escaped(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", f);
		else if (*p == '\t')
			fputs("\\t", f);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* Separator, indentation and key of the next member. */
static void json_member(struct json *j, const char *key)
{
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
	if (j->pretty && j->depth) {
		fputc('\n', j->f);
		for (int i = 0; i < j->depth; i++)
			fputs("  ", j->f);
	}
	if (key) {
		json_escaped(j->f, key);
		fputs(j->pretty ? ": " : ":", j->f);
	}
}

static void json_open(struct json *j, const char *key, char c)
{
	json_member(j, key);
	fputc(c, j->f);
	if (j->depth < 15)
		j->depth++;
	j->first[j->depth] = true;
}

static void json_close(struct json *j, char c)
{
	bool empty = j->first[j->depth];

	if (j->depth)
		j->depth--;
	if (j->pretty && !empty) {
		fputc('\n', j->f);
		for (int i = 0; i < j->depth; i++)
			fputs("  ", j->f);
	}
	fputc(c, j->f);
}

void json_obj_begin(struct json *j, const char *key)
{
	json_open(j, key, '{');
}

void json_obj_end(struct json *j)
{
	json_close(j, '}');
}

void json_arr_begin(struct json *j, const char *key)
{
	json_open(j, key, '[');
}

void json_arr_end(struct json *j)
{
	json_close(j, ']');
}

void json_str(struct json *j, const char *key, const char *val)
{
	json_member(j, key);
	json_escaped(j->f, val ? val : "");
}

void json_u64(struct json *j, const char *key, uint64_t val)
{
	json_member(j, key);
	fprintf(j->f, "%llu", (unsigned long long)val);
}

void json_i64(struct json *j, const char *key, int64_t val)
{
	json_member(j, key);
	fprintf(j->f, "%lld", (long long)val);
}

void json_dbl(struct json *j, const char *key, double val)
{
	json_member(j, key);
	if (isfinite(val))
		fprintf(j->f, "%.10g", val);
	else
		fputs("null", j->f);
}

void json_bool(struct json *j, const char *key, bool val)
{
	json_member(j, key);
	fputs(val ? "true" : "false", j->f);
}

void json_finish(struct json *j)
{
	fputc('\n', j->f);
	fflush(j->f);
}

/* ------------------------------------------------------------------ */
/* Diagnostics                                                         */
/* ------------------------------------------------------------------ */
const char *tool_env_backend(void)
{
	const char *b = getenv("LIBACCEL_BACKEND");

	return b && *b ? b : "kernel";
}

void tool_no_device(const char *prog, int err, const char *detail)
{
	const char *be = tool_env_backend();

	if (err)
		fprintf(stderr, "%s: cannot use a device: %s%s%s\n", prog,
			accel_strerror(err), detail && *detail ? ": " : "",
			detail && *detail ? detail : "");
	else
		fprintf(stderr, "%s: no llmaccel device found (backend %s)\n",
			prog, be);
	if (!strcmp(be, "kernel"))
		fprintf(stderr,
			"%s: the kernel backend needs the llmaccel driver: "
			"is the module loaded ('modprobe llmaccel') and is "
			"/dev/accel/accel* present?  Without the hardware, "
			"use the simulator: LIBACCEL_BACKEND=sim or "
			"--device sim\n", prog);
}
