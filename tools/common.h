/* SPDX-License-Identifier: MIT */
/*
 * common.h: helpers shared by llmaccel-info, llmaccel-bench and
 * llmaccel-top: option parsing of numbers, a small JSON writer, the
 * names of the contract's enums, and the "no device" diagnostics.
 * The tools use libaccel's public API only (libaccel.h).
 */
#ifndef LLMACCEL_TOOLS_COMMON_H
#define LLMACCEL_TOOLS_COMMON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Exit codes of every tool. */
#define TOOL_EXIT_OK		0
#define TOOL_EXIT_FAIL		1	/* a device operation failed */
#define TOOL_EXIT_USAGE		2	/* bad command line */
#define TOOL_EXIT_NODEV		3	/* no device, no driver, no backend */

/* Copy with truncation, always terminated (@len >= 1). */
void tool_strlcpy(char *dst, const char *src, size_t len);

/* Monotonic clock in nanoseconds. */
uint64_t tool_now_ns(void);

/* Strict decimal parsing; false on junk, overflow or out of [min, max]. */
bool tool_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);
bool tool_parse_double(const char *s, double min, double max, double *out);

/* Names of the contract's enums ("?" when unknown). */
const char *tool_opcode_name(uint32_t op);
const char *tool_wfmt_name(uint32_t wfmt);
const char *tool_preset_name(uint32_t preset);
/* Writes the names of the set bits of @caps, space separated. */
void tool_caps_string(uint32_t caps, char *buf, size_t len);

/* ------------------------------------------------------------------ */
/* JSON writer: enough for the tools' reports, output always valid.    */
/* ------------------------------------------------------------------ */
struct json {
	FILE *f;
	int depth;
	bool first[16];		/* no member written yet at this depth */
	bool pretty;
};

void json_init(struct json *j, FILE *f, bool pretty);
/* @key NULL inside arrays and at the top level. */
void json_obj_begin(struct json *j, const char *key);
void json_obj_end(struct json *j);
void json_arr_begin(struct json *j, const char *key);
void json_arr_end(struct json *j);
void json_str(struct json *j, const char *key, const char *val);
void json_u64(struct json *j, const char *key, uint64_t val);
void json_i64(struct json *j, const char *key, int64_t val);
/* Non-finite values are written as null. */
void json_dbl(struct json *j, const char *key, double val);
void json_bool(struct json *j, const char *key, bool val);
/* Ends the document with a newline. */
void json_finish(struct json *j);

/*
 * Explain why no device could be used, on stderr, prefixed with @prog:
 * the backend in effect and what to do (load the module, or use the
 * simulator).  @err is the libaccel error (0 when enumeration found no
 * device), @detail accel_last_error() or NULL.
 */
void tool_no_device(const char *prog, int err, const char *detail);

/* The backend the library will pick for flags 0 ("kernel" or "sim"). */
const char *tool_env_backend(void);

#endif /* LLMACCEL_TOOLS_COMMON_H */
