// SPDX-License-Identifier: MIT
/*
 * libaccel example: generate text with a BitNet GGUF model.
 *   generate MODEL.gguf "PROMPT" [N [TEMPERATURE [SEED]]]
 * prints the prompt and up to N generated tokens (default 32; the token
 * of the prefill counts, end of text stops early) on stdout, then the
 * figures on stderr.  Build with
 *   cc -std=c11 generate.c $(pkg-config --cflags --libs libaccel)
 * and run with LIBACCEL_BACKEND=sim on a machine without the device.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libaccel.h>

static int fail(const char *what, int err)
{
	fprintf(stderr, "generate: %s: %s (%s)\n", what, accel_strerror(err),
		accel_last_error());
	return 1;
}

/* Print the bytes token @id adds to the text. */
static void put_token(const accel_model *m, int32_t id)
{
	char piece[128];
	int len = accel_model_token_piece(m, id, piece, sizeof(piece));

	if (len > (int)sizeof(piece))
		len = sizeof(piece);	/* no real vocabulary has such pieces */
	if (len > 0)
		fwrite(piece, 1, (size_t)len, stdout);
	fflush(stdout);
}

static int generate(accel_model *m, const char *prompt, uint32_t n_gen,
		    const struct accel_sampling *s)
{
	struct accel_model_info info;
	struct accel_model_stats st;
	size_t len = strlen(prompt), n = 0;
	int32_t *ids, tok, eos = accel_model_eos(m);
	uint32_t gen = 0;
	int err;

	/* The prompt's tokens: at most one per byte, plus BOS. */
	ids = malloc((len + 1) * sizeof(*ids));
	if (!ids)
		return fail("malloc", -ENOMEM);
	accel_model_info(m, &info);
	err = accel_model_tokenize(m, prompt, len, accel_model_add_bos(m),
				   ids, len + 1, &n);
	if (!err && (n == 0 || n + n_gen > info.max_ctx))
		err = -ENOSPC;	/* empty, or prompt + output exceed the context */
	if (err) {
		free(ids);
		return fail("tokenize", err);
	}

	/* A session: the decode step is built once, with the sampling. */
	err = accel_model_start(m, s);
	/* The whole prompt in one submission; the next token comes back. */
	if (!err)
		err = accel_model_prefill(m, ids, (uint32_t)n, &tok);
	free(ids);
	if (err)
		return fail("prefill", err);
	fputs(prompt, stdout);
	/* One submission per token; the device feeds its sample back in. */
	while (!err && tok != eos) {
		put_token(m, tok);
		if (++gen == n_gen)
			break;
		err = accel_model_decode(m, &tok);
	}
	putchar('\n');
	if (err)
		return fail("decode", err);

	accel_model_stats(m, &st);
	fprintf(stderr, "generate: %u tokens after a prompt of %zu (%s%s)\n",
		gen, n, info.name[0] ? info.name : info.arch,
		tok == eos ? ", end of text" : "");
	fprintf(stderr, "generate: prefill %.2f ms, decode %.1f tokens/s "
		"(host clock)\n", st.prefill_wall_ns / 1e6,
		st.decode_wall_ns ? st.decode_steps * 1e9 / st.decode_wall_ns : 0);
	if (st.clock_khz && st.decode_cycles)
		fprintf(stderr, "generate: %.1f tokens/s modeled by the device "
			"(%llu cycles per token at %u MHz)\n",
			st.decode_steps * (st.clock_khz * 1e3) / st.decode_cycles,
			(unsigned long long)(st.decode_cycles / st.decode_steps),
			st.clock_khz / 1000);
	fprintf(stderr, "generate: %llu submissions for %llu decode steps\n",
		(unsigned long long)st.decode_submissions,
		(unsigned long long)st.decode_steps);
	return 0;
}

int main(int argc, char **argv)
{
	struct accel_sampling s = { 0.8f, 40, 0.95f, 1 };
	struct accel_model_opts o = { 0 };
	struct accel_caps caps;
	accel_device *dev;
	accel_model *m;
	uint32_t n_gen = 32;
	int err, rc;

	if (argc < 3 || argc > 6) {
		fprintf(stderr, "usage: generate MODEL.gguf PROMPT "
			"[N [TEMPERATURE [SEED]]]\n");
		return 2;
	}
	if (argc > 3)
		n_gen = (uint32_t)strtoul(argv[3], NULL, 0);
	if (argc > 4)
		s.temperature = strtof(argv[4], NULL);	/* 0: greedy */
	if (argc > 5)
		s.seed = strtoull(argv[5], NULL, 0);
	if (n_gen == 0 || !(s.temperature >= 0)) {
		fprintf(stderr, "generate: N must be > 0, TEMPERATURE >= 0\n");
		return 2;
	}

	err = accel_device_open("first", 0, &dev);
	if (err)
		return fail("open", err);
	accel_device_caps(dev, &caps);
	fprintf(stderr, "generate: device %s (%s backend)\n", caps.path,
		accel_backend_name(caps.backend));

	/* Convert and upload the weights; the KV cache holds 256 positions. */
	o.max_ctx = 256;
	err = accel_model_load(dev, argv[1], &o, &m);
	if (err) {
		rc = fail("load", err);
	} else {
		rc = generate(m, argv[2], n_gen, &s);
		accel_model_free(m);
	}
	accel_device_close(dev);
	return rc;
}
