// SPDX-License-Identifier: MIT
/*
 * json-check: strict JSON (RFC 8259) validator with a tiny path query,
 * for the tool tests on the host and in the VM (which has no python).
 *
 *   json-check [-l] FILE|- [PATH]
 *
 * Exit 0 when the input is one valid JSON document (with -l: every
 * non-empty line is one); else 1 with the byte offset of the error.
 * PATH (dot separated: "devices.0.caps.num_queues") prints the raw text
 * of that value of the (last) document and exits 3 if it is absent.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct parser {
	const char *s, *p;
	const char *err;
	const char *hit;	/* start of the value the path names */
	size_t hit_len;
	int depth;
};

static int value(struct parser *ps, const char *path);

static void ws(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' ||
	       *ps->p == '\r')
		ps->p++;
}

static int fail(struct parser *ps, const char *why)
{
	if (!ps->err)
		ps->err = why;
	return -1;
}

/* A string; its unescaped-enough copy (no \u decoding) into @out. */
static int string(struct parser *ps, char *out, size_t outlen)
{
	size_t n = 0;

	if (*ps->p != '"')
		return fail(ps, "expected a string");
	ps->p++;
	for (;;) {
		unsigned char c = (unsigned char)*ps->p;

		if (!c)
			return fail(ps, "unterminated string");
		if (c < 0x20)
			return fail(ps, "control character in a string");
		ps->p++;
		if (c == '"')
			break;
		if (c == '\\') {
			c = (unsigned char)*ps->p++;
			if (c == 'u') {
				for (int i = 0; i < 4; i++, ps->p++)
					if (!isxdigit((unsigned char)*ps->p))
						return fail(ps, "bad \\u escape");
				c = '?';
			} else if (!strchr("\"\\/bfnrt", c) || !c) {
				return fail(ps, "bad escape");
			}
		}
		if (out && n + 1 < outlen)
			out[n++] = (char)c;
	}
	if (out)
		out[n] = '\0';
	return 0;
}

static int number(struct parser *ps)
{
	const char *p = ps->p;

	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (isdigit((unsigned char)*p))
			p++;
	else
		return fail(ps, "bad number");
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return fail(ps, "bad fraction");
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!isdigit((unsigned char)*p))
			return fail(ps, "bad exponent");
		while (isdigit((unsigned char)*p))
			p++;
	}
	ps->p = p;
	return 0;
}

/* Does the first component of @path equal @key?  Sets *@rest. */
static int head_is(const char *path, const char *key, const char **rest)
{
	size_t n;

	if (!path)
		return 0;
	n = strcspn(path, ".");
	if (strlen(key) != n || strncmp(path, key, n))
		return 0;
	*rest = path[n] ? path + n + 1 : "";
	return 1;
}

static int object(struct parser *ps, const char *path)
{
	char key[256];

	ps->p++;
	ws(ps);
	if (*ps->p == '}') {
		ps->p++;
		return 0;
	}
	for (;;) {
		const char *rest = NULL;

		ws(ps);
		if (string(ps, key, sizeof(key)))
			return -1;
		ws(ps);
		if (*ps->p++ != ':')
			return fail(ps, "expected ':'");
		if (!head_is(path, key, &rest))
			rest = NULL;
		if (value(ps, rest))
			return -1;
		ws(ps);
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p++ != '}')
			return fail(ps, "expected ',' or '}'");
		return 0;
	}
}

static int array(struct parser *ps, const char *path)
{
	unsigned int idx = 0;

	ps->p++;
	ws(ps);
	if (*ps->p == ']') {
		ps->p++;
		return 0;
	}
	for (;; idx++) {
		const char *rest = NULL;
		char key[16];

		snprintf(key, sizeof(key), "%u", idx);
		if (!head_is(path, key, &rest))
			rest = NULL;
		if (value(ps, rest))
			return -1;
		ws(ps);
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p++ != ']')
			return fail(ps, "expected ',' or ']'");
		return 0;
	}
}

static int value(struct parser *ps, const char *path)
{
	const char *start;
	int r;

	if (++ps->depth > 200)
		return fail(ps, "nested too deeply");
	ws(ps);
	start = ps->p;
	switch (*ps->p) {
	case '{': r = object(ps, path && *path ? path : NULL); break;
	case '[': r = array(ps, path && *path ? path : NULL); break;
	case '"': r = string(ps, NULL, 0); break;
	case 't':
		r = strncmp(ps->p, "true", 4) ? fail(ps, "bad literal") : 0;
		ps->p += r ? 0 : 4;
		break;
	case 'f':
		r = strncmp(ps->p, "false", 5) ? fail(ps, "bad literal") : 0;
		ps->p += r ? 0 : 5;
		break;
	case 'n':
		r = strncmp(ps->p, "null", 4) ? fail(ps, "bad literal") : 0;
		ps->p += r ? 0 : 4;
		break;
	default: r = number(ps); break;
	}
	if (!r && path && !*path) {
		ps->hit = start;
		ps->hit_len = (size_t)(ps->p - start);
	}
	ps->depth--;
	return r;
}

/* Validate one document in [s, end); 0 if valid. */
static int document(struct parser *ps, const char *s, const char *path)
{
	ps->s = s;
	ps->p = s;
	ps->err = NULL;
	ps->hit = NULL;
	ps->depth = 0;
	if (value(ps, path ? path : NULL))
		return -1;
	ws(ps);
	if (*ps->p)
		return fail(ps, "trailing text after the document");
	return 0;
}

static char *slurp(const char *name)
{
	FILE *f = strcmp(name, "-") ? fopen(name, "rb") : stdin;
	size_t len = 0, cap = 65536, n;
	char *buf = malloc(cap);

	if (!f || !buf) {
		perror(name);
		exit(2);
	}
	while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len < 2) {
			char *nb = realloc(buf, cap *= 2);

			if (!nb)
				exit(2);
			buf = nb;
		}
	}
	buf[len] = '\0';
	if (strlen(buf) != len) {
		fprintf(stderr, "json-check: NUL byte in the input\n");
		exit(1);
	}
	if (f != stdin)
		fclose(f);
	return buf;
}

static int check(char *buf, const char *path, int lines)
{
	struct parser ps = { 0 };
	int docs = 0;

	if (lines) {
		char *line = buf, *nl;

		for (; line && *line; line = nl ? nl + 1 : NULL) {
			nl = strchr(line, '\n');
			if (nl)
				*nl = '\0';
			if (!line[strspn(line, " \t\r")])
				continue;
			if (document(&ps, line, path)) {
				fprintf(stderr, "json-check: line %d: %s at "
					"byte %ld\n", docs + 1, ps.err,
					(long)(ps.p - line));
				return 1;
			}
			docs++;
		}
		if (!docs) {
			fprintf(stderr, "json-check: no document\n");
			return 1;
		}
	} else if (document(&ps, buf, path)) {
		fprintf(stderr, "json-check: %s at byte %ld\n", ps.err,
			(long)(ps.p - buf));
		return 1;
	}
	if (path) {
		if (!ps.hit)
			return 3;
		printf("%.*s\n", (int)ps.hit_len, ps.hit);
	}
	return 0;
}

int main(int argc, char **argv)
{
	int lines = 0, a = 1, rc;
	char *buf;

	if (a < argc && !strcmp(argv[a], "-l")) {
		lines = 1;
		a++;
	}
	if (a >= argc || argc - a > 2) {
		fprintf(stderr, "usage: json-check [-l] FILE|- [PATH]\n");
		return 2;
	}
	buf = slurp(argv[a]);
	rc = check(buf, a + 1 < argc ? argv[a + 1] : NULL, lines);
	free(buf);
	return rc;
}
