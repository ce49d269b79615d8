// SPDX-License-Identifier: MIT
/*
 * llmaccel-run: generate text with a BitNet GGUF model on an llmaccel
 * device (the kernel driver or the in-process simulator).
 *
 * The model is converted and uploaded once; the prompt is one
 * submission (prefill), and every further token one submission of the
 * persistent decode command buffer, which samples on the device.  Text is
 * streamed as it is generated; then the figures: prompt tokens, time to
 * first token, decode tokens/s measured on the host (wall) and modeled
 * by the device's cycle model (job cycles / clock), and submissions per
 * token.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "libaccel.h"
#include "common.h"

#define PROG "llmaccel-run"

struct run_opts {
	const char *model, *prompt, *device;
	uint32_t n, ctx, top_k;
	double temp, top_p;
	uint64_t seed;
	uint32_t open_flags;
	uint8_t wfmt;
	uint32_t model_flags;
	int quiet, no_stream;
	const char *threads;	/* --threads, validated; NULL: unset */
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " -m MODEL [-p PROMPT] [-n N] [options]\n"
		"Generate text with a BitNet GGUF model on an llmaccel device.\n"
		"  -m, --model FILE     GGUF model (llama.cpp \"bitnet\" architecture)\n"
		"  -p, --prompt TEXT    prompt (default \"Once upon a time\")\n"
		"  -n, --n-predict N    tokens to generate (default 64)\n"
		"      --temp T         temperature, 0 = greedy (default 0.8)\n"
		"      --top-k K        top-k, 1..256, 0 = 256 (default 40)\n"
		"      --top-p P        top-p in (0, 1] (default 0.95)\n"
		"      --seed S         RNG seed of the on-device sampler (default 1)\n"
		"      --backend B      sim or kernel (default: LIBACCEL_BACKEND, else kernel)\n"
		"  -d, --device SPEC    device: first, an index, a path, sim[:N]\n"
		"      --threads N      sim backend: host threads per matmul, 0..64,\n"
		"                       0 = online CPUs (default: LIBACCEL_SIM_THREADS)\n"
		"  -c, --ctx N          KV cache positions (default min(model context, 512))\n"
		"      --wfmt F         device weight format t2 (default) or t5\n"
		"      --head-i8        int8 output head instead of fp16\n"
		"      --no-stream      print the text only at the end\n"
		"  -q, --quiet          no loading progress\n"
		"  -h, --help           this text\n");
}

static int parse(int argc, char **argv, struct run_opts *o)
{
	static const struct option lo[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "prompt", required_argument, NULL, 'p' },
		{ "n-predict", required_argument, NULL, 'n' },
		{ "temp", required_argument, NULL, 'T' },
		{ "top-k", required_argument, NULL, 'K' },
		{ "top-p", required_argument, NULL, 'P' },
		{ "seed", required_argument, NULL, 'S' },
		{ "backend", required_argument, NULL, 'B' },
		{ "device", required_argument, NULL, 'd' },
		{ "ctx", required_argument, NULL, 'c' },
		{ "wfmt", required_argument, NULL, 'W' },
		{ "head-i8", no_argument, NULL, 'I' },
		{ "no-stream", no_argument, NULL, 'N' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "threads", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t u;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "m:p:n:d:c:qh", lo, NULL)) != -1) {
		switch (c) {
		case 'm': o->model = optarg; break;
		case 'p': o->prompt = optarg; break;
		case 'd': o->device = optarg; break;
		case 'q': o->quiet = 1; break;
		case 'N': o->no_stream = 1; break;
		case 'I': o->model_flags |= ACCEL_MODEL_HEAD_I8; break;
		case 'h': usage(stdout); exit(0);
		case 'n':
			if (!tool_parse_u32(optarg, 1, LLA_MAX_CTX, &o->n))
				goto bad;
			break;
		case 'c':
			if (!tool_parse_u32(optarg, 1, LLA_MAX_CTX, &o->ctx))
				goto bad;
			break;
		case 'K':
			if (!tool_parse_u32(optarg, 0, LLA_MAX_TOPK, &u))
				goto bad;
			o->top_k = u;
			break;
		case 'T':
			if (!tool_parse_double(optarg, 0, 1e6, &o->temp))
				goto bad;
			break;
		case 'P':
			if (!tool_parse_double(optarg, 1e-9, 1, &o->top_p))
				goto bad;
			break;
		case 'S':
			errno = 0;
			o->seed = strtoull(optarg, &end, 0);
			if (errno || *end || !*optarg || *optarg == '-')
				goto bad;
			break;
		case 'B':
			if (!strcmp(optarg, "sim"))
				o->open_flags = ACCEL_OPEN_SIM;
			else if (!strcmp(optarg, "kernel"))
				o->open_flags = ACCEL_OPEN_KERNEL;
			else
				goto bad;
			break;
		case 'j':
			if (!tool_parse_u32(optarg, 0, 64, &u))
				goto bad;
			o->threads = optarg;
			break;
		case 'W':
			if (!strcmp(optarg, "t2"))
				o->wfmt = LLA_WFMT_T2;
			else if (!strcmp(optarg, "t5"))
				o->wfmt = LLA_WFMT_T5;
			else
				goto bad;
			break;
		default:
			usage(stderr);
			return -1;
		}
		continue;
bad:
		for (const struct option *x = lo; x->name; x++)
			if (x->val == c)
				fprintf(stderr, PROG ": bad value '%s' for --%s\n",
					optarg, x->name);
		return -1;
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return -1;
	}
	if (!o->model) {
		fprintf(stderr, PROG ": a model is required (-m MODEL)\n");
		usage(stderr);
		return -1;
	}
	return 0;
}

struct progress {
	int tty, quiet, last;
};

static void on_progress(void *ud, uint64_t done, uint64_t total,
			const char *what)
{
	struct progress *p = ud;
	int pct = total ? (int)(done * 100 / total) : 100;

	/* every 5%, and 100% once */
	if (p->quiet || p->last >= 100 ||
	    (pct / 5 == p->last / 5 && done < total))
		return;
	if (p->tty) {
		fprintf(stderr, "\r" PROG ": loading %3d%% %-40.40s", pct, what);
		if (done >= total)
			fprintf(stderr, "\n");
	} else if (pct / 25 != p->last / 25 || done >= total) {
		fprintf(stderr, PROG ": loading %3d%%\n", pct);
	}
	p->last = pct;
}

static void put_piece(accel_model *m, int32_t id, char *text, size_t cap,
		      size_t *len, int stream)
{
	char buf[256];
	int n = accel_model_token_piece(m, id, buf, sizeof(buf));

	if (n <= 0)
		return;
	if ((size_t)n > sizeof(buf))
		n = sizeof(buf);
	if (stream) {
		fwrite(buf, 1, (size_t)n, stdout);
		fflush(stdout);
	}
	if (*len + (size_t)n < cap) {
		memcpy(text + *len, buf, (size_t)n);
		*len += (size_t)n;
		text[*len] = 0;
	}
}

static double per_s(uint64_t count, double seconds)
{
	return seconds > 0 ? (double)count / seconds : 0.0;
}

int main(int argc, char **argv)
{
	struct run_opts o = {
		.prompt = "Once upon a time", .n = 64, .top_k = 40,
		.temp = 0.8, .top_p = 0.95, .seed = 1, .wfmt = LLA_WFMT_T2,
	};
	struct progress pr = { 0, 0, -1 };
	struct accel_model_opts mo;
	struct accel_model_info info;
	struct accel_model_stats st;
	struct accel_sampling s;
	struct accel_caps caps;
	accel_device *dev = NULL;
	accel_model *m = NULL;
	int32_t *ids = NULL, tok, eos;
	size_t n = 0, cap, tlen = 0, tcap;
	uint64_t t0, t_load, t_pf0, t_first, t_dec = 0;
	uint32_t gen = 0, steps = 0;
	char *text = NULL;
	int e, rc = TOOL_EXIT_FAIL;
	double clk;

	if (parse(argc, argv, &o))
		return TOOL_EXIT_USAGE;
	if (access(o.model, R_OK)) {
		fprintf(stderr, PROG ": %s: %s\n", o.model, strerror(errno));
		return TOOL_EXIT_FAIL;
	}
	/* The sim backend reads it when the device opens. */
	if (o.threads)
		setenv("LIBACCEL_SIM_THREADS", o.threads, 1);
	e = accel_device_open(o.device, o.open_flags, &dev);
	if (e) {
		tool_no_device(PROG, e, accel_last_error());
		return TOOL_EXIT_NODEV;
	}
	accel_device_caps(dev, &caps);
	pr.tty = isatty(2);
	pr.quiet = o.quiet;
	memset(&mo, 0, sizeof(mo));
	mo.max_ctx = o.ctx;
	mo.wfmt = o.wfmt;
	mo.flags = o.model_flags;
	mo.progress = on_progress;
	mo.progress_ud = &pr;
	t0 = tool_now_ns();
	e = accel_model_load(dev, o.model, &mo, &m);
	if (e) {
		fprintf(stderr, PROG ": cannot load the model: %s\n",
			accel_last_error());
		goto out;
	}
	t_load = tool_now_ns() - t0;
	accel_model_info(m, &info);
	/* even with -q: the file's weights are not the ones computed with */
	if (info.absmean_matrices)
		fprintf(stderr, PROG ": note: %u matrices held latent (not "
			"ternary) float weights; the loader ternarized them with "
			"absmean\n", info.absmean_matrices);
	if (!o.quiet)
		fprintf(stderr, PROG ": %s: %u layers, %u embd, %u heads (%u kv), "
			"vocab %u, %s FFN; %.1f MB weights, %.1f MB KV cache "
			"(%u positions) on %s (%s backend), loaded in %.2f s\n",
			info.name[0] ? info.name : o.model,
			info.n_layer, info.n_embd, info.n_head,
			info.n_head_kv, info.n_vocab,
			info.ffn_act == LLA_ACT_RELU2 ? "relu2" : "silu",
			info.weight_bytes / 1e6, info.kv_bytes / 1e6,
			info.max_ctx, caps.path, accel_backend_name(caps.backend),
			t_load / 1e9);

	cap = strlen(o.prompt) + 16;
	ids = malloc(cap * sizeof(*ids));
	if (!ids)
		goto out;
	e = accel_model_tokenize(m, o.prompt, strlen(o.prompt),
				 accel_model_add_bos(m), ids, cap, &n);
	if (e || n == 0) {
		fprintf(stderr, PROG ": cannot tokenize the prompt (%s)\n",
			e ? accel_strerror(e) : "no tokens: give a prompt");
		goto out;
	}
	if (n >= info.max_ctx) {
		fprintf(stderr, PROG ": the prompt has %zu tokens, the context %u "
			"(use --ctx)\n", n, info.max_ctx);
		goto out;
	}
	if (n + o.n > info.max_ctx) {
		fprintf(stderr, PROG ": generating %zu tokens, not %u: the "
			"context holds %u (use --ctx)\n", info.max_ctx - n, o.n,
			info.max_ctx);
		o.n = (uint32_t)(info.max_ctx - n);
	}
	tcap = (size_t)o.n * 64 + 1;
	text = calloc(1, tcap);
	if (!text)
		goto out;

	s.temperature = (float)o.temp;
	s.top_k = o.top_k;
	s.top_p = (float)o.top_p;
	s.seed = o.seed;
	e = accel_model_start(m, &s);
	if (e) {
		fprintf(stderr, PROG ": cannot build the decode step: %s (%s)\n",
			accel_strerror(e), accel_last_error());
		goto out;
	}
	accel_model_info(m, &info);	/* the decode buffer exists now */
	eos = accel_model_eos(m);
	if (!o.no_stream) {
		fputs(o.prompt, stdout);
		fflush(stdout);
	}
	t_pf0 = tool_now_ns();
	e = accel_model_prefill(m, ids, (uint32_t)n, &tok);
	t_first = tool_now_ns() - t_pf0;
	if (e) {
		fprintf(stderr, "\n" PROG ": prefill failed: %s (%s)\n",
			accel_strerror(e), accel_last_error());
		goto out;
	}
	while (tok != eos) {
		uint64_t a;

		put_piece(m, tok, text, tcap, &tlen, !o.no_stream);
		if (++gen >= o.n)
			break;
		a = tool_now_ns();
		e = accel_model_decode(m, &tok);
		t_dec += tool_now_ns() - a;
		if (e) {
			fprintf(stderr, "\n" PROG ": decode step %u failed: %s (%s)\n",
				steps, accel_strerror(e), accel_last_error());
			goto out;
		}
		steps++;
	}
	if (o.no_stream)
		printf("%s%s", o.prompt, text);
	printf("\n\n");
	accel_model_stats(m, &st);
	clk = st.clock_khz ? st.clock_khz * 1e3 : 0;
	printf("--- %s on %s (%s backend, cycle model %s, %u MHz)\n",
	       info.name[0] ? info.name : o.model, caps.path,
	       accel_backend_name(caps.backend), caps.preset_name,
	       caps.clock_khz / 1000);
	printf("prompt tokens         %zu (prefill: 1 submission)\n", n);
	printf("generated tokens      %u%s\n", gen,
	       tok == eos && gen < o.n ? " (end of text)" : "");
	printf("time to first token   %.2f ms wall, %.3f ms modeled\n",
	       t_first / 1e6, clk ? st.prefill_cycles / clk * 1e3 : 0.0);
	printf("decode                %.2f tokens/s wall, %.2f tokens/s modeled "
	       "(%u steps, %.0f cycles/token)\n",
	       per_s(steps, t_dec / 1e9),
	       clk && st.decode_cycles ?
	       per_s(steps, st.decode_cycles / clk) : 0.0, steps,
	       steps ? (double)st.decode_cycles / steps : 0.0);
	printf("submissions/token     %.2f (decode: %" PRIu64 " submissions for "
	       "%" PRIu64 " steps, %u commands each)\n",
	       st.decode_steps ? (double)st.decode_submissions / st.decode_steps :
	       0.0, st.decode_submissions, st.decode_steps,
	       info.decode_commands);
	rc = TOOL_EXIT_OK;
out:
	free(text);
	free(ids);
	accel_model_free(m);
	accel_device_close(dev);
	return rc;
}
