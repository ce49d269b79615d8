// SPDX-License-Identifier: MIT
/*
 * llmaccel-model: run a job file through the rtl-model and report output
 * checksums, the error record and modeled cycles.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "jobfile.h"
#include "llmaccel_estimate.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: llmaccel-model run [--lut] [--preset NAME] [--quiet] JOB\n"
		"       llmaccel-model validate JOB\n"
		"       llmaccel-model dump JOB\n"
		"       llmaccel-model presets\n"
		"       llmaccel-model estimate [--preset NAME] [--model NAME] [--prompt N]\n"
		"\n"
		"Job files are described in docs/job-format.md.  'run' exits 0 when\n"
		"the job ends as the file's 'expect' line says (default: OK) and every\n"
		"'check' with an expected checksum matches, 1 otherwise, 2 on usage\n"
		"or file errors.\n");
}

static void print_cmd(const struct lla_cmd_hdr *h)
{
	const struct lla_cmd_desc *d = lla_cmd_desc_get(h->opcode);

	if (!d) {
		printf("  opcode %u (unknown)\n", h->opcode);
		return;
	}
	printf("  %s", d->name);
	if (h->flags)
		printf(" flags=%#x", h->flags);
	for (uint32_t i = 0; i < d->nfields; i++) {
		const struct lla_field_desc *f = &d->fields[i];
		uint64_t v = 0;

		memcpy(&v, (const uint8_t *)h + f->offset, f->size);
		if (f->kind == LLA_FK_RSVD && !v)
			continue;
		if (f->kind == LLA_FK_F32)
			printf(" %s=%g", f->name, (double)lla_bits_f32((uint32_t)v));
		else if (f->kind == LLA_FK_IOVA)
			printf(" %s=%#llx", f->name, (unsigned long long)v);
		else
			printf(" %s=%llu", f->name, (unsigned long long)v);
	}
	printf("\n");
}

static int cmd_dump(struct job *job)
{
	for (uint32_t off = 0; off < job->cmds_len;) {
		const struct lla_cmd_hdr *h = (void *)(job->cmds + off);

		print_cmd(h);
		off += h->size;
	}
	return 0;
}

static int cmd_validate(struct job *job)
{
	uint32_t idx;
	int err = lla_validate(job->cmds, job->cmds_len, &idx);

	printf("validate: %s", lla_error_name(err));
	if (err)
		printf(" at command %u (%s)", idx, lla_error_text(err));
	printf("\n");
	return err ? 1 : 0;
}

static int cmd_run(struct job *job, const char *preset, int lut, int quiet)
{
	const struct lla_uarch *u = lla_uarch_preset(preset ? preset : job->preset);
	struct lla_exec_opts opts = { .uarch = u, .use_lut = (uint32_t)lut };
	struct lla_job_result res;
	struct lla_mem mem;
	uint32_t idx;
	int rc = 0;

	if (!u) {
		fprintf(stderr, "unknown preset '%s'\n", preset);
		return 2;
	}
	if (job_place_cmdbuf(job, stderr))
		return 2;
	printf("job: %u commands, %u bytes, preset %s, TLMM engine %s\n",
	       job->ncmds, job->cmds_len, u->name, lut ? "lut" : "direct");
	if (!quiet && lla_validate(job->cmds, job->cmds_len, &idx) == LLA_OK) {
		uint32_t i = 0;

		for (uint32_t off = 0; off < job->cmds_len; i++) {
			const struct lla_cmd_hdr *h = (void *)(job->cmds + off);
			uint64_t macs = 0, cyc = lla_cmd_cycles(u, h, &macs);

			printf("  #%-3u %-13s %12llu cycles %14llu MACs\n", i,
			       lla_cmd_desc_get(h->opcode)->name,
			       (unsigned long long)cyc,
			       (unsigned long long)macs);
			off += h->size;
		}
	}
	lla_flat_mem_init(&mem, &job->mem);
	lla_run_job(&mem, job->cmdbuf_iova, job->cmds_len, &opts, &res);
	printf("status: %s (%s), %u of %u commands completed\n",
	       lla_error_name((int)res.status), lla_error_text((int)res.status),
	       res.commands, job->ncmds);
	if (res.status != LLA_OK)
		printf("error: command %u code %u %s fault_iova %#llx%s\n",
		       res.cmd_index, res.status, lla_error_name((int)res.status),
		       (unsigned long long)res.fault_iova,
		       res.fault_write ? " (write)" : "");
	printf("cycles: %llu (%.3f us at %u MHz)\n",
	       (unsigned long long)res.cycles,
	       (double)res.cycles / u->clock_mhz, u->clock_mhz);
	printf("macs: %llu  dma read: %llu bytes  dma written: %llu bytes\n",
	       (unsigned long long)res.macs,
	       (unsigned long long)res.bytes_read,
	       (unsigned long long)res.bytes_written);
	for (uint32_t i = 0; i < job->nchecks; i++) {
		const struct job_check *c = &job->checks[i];
		uint64_t sum = job_checksum(job, c);
		int bad = c->has_expect && sum != c->expect;

		printf("check %-12s %#llx+%-8llu fnv1a64 %#018llx%s\n", c->name,
		       (unsigned long long)c->iova,
		       (unsigned long long)c->len, (unsigned long long)sum,
		       !c->has_expect ? "" : bad ? "  MISMATCH" : "  ok");
		rc |= bad;
	}
	if (job->has_expect_status) {
		int bad = (int)res.status != job->expect_status ||
			  (job->has_expect_status == 2 &&
			   res.cmd_index != job->expect_index);

		printf("expected status %s: %s\n",
		       lla_error_name(job->expect_status),
		       bad ? "MISMATCH" : "ok");
		rc |= bad;
	} else {
		rc |= res.status != LLA_OK;
	}
	return rc;
}

static int cmd_presets(void)
{
	for (const char *const *n = lla_uarch_preset_names(); *n; n++) {
		const struct lla_uarch *u = lla_uarch_preset(*n);

		printf("%-14s id %u  %u MHz  TLMM %u lanes x group %u  "
		       "weight buffer %u KiB  DRAM %u MB/s  attention %u MAC/cycle\n",
		       u->name, u->preset_id, u->clock_mhz, u->tlmm_lanes,
		       u->tlmm_group, u->weight_buf_kib, u->dram_mbps,
		       u->attn_macs_per_cycle);
	}
	return 0;
}

static int cmd_estimate(int argc, char **argv)
{
	const char *preset = "tellme-kv260", *model = "bitnet-0.7b";
	const struct lla_model_shape *shape;
	const struct lla_uarch *u;
	long prompt = 64;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--preset") && i + 1 < argc) {
			preset = argv[++i];
		} else if (!strcmp(argv[i], "--model") && i + 1 < argc) {
			model = argv[++i];
		} else if (!strcmp(argv[i], "--prompt") && i + 1 < argc) {
			char *end;

			prompt = strtol(argv[++i], &end, 10);
			if (*end || prompt < 1 || prompt > LLA_MAX_M) {
				fprintf(stderr, "--prompt must be 1..%u\n",
					LLA_MAX_M);
				return 2;
			}
		} else {
			usage(stderr);
			return 2;
		}
	}
	u = lla_uarch_preset(preset);
	shape = lla_model_shape_preset(model);
	if (!u || !shape) {
		fprintf(stderr, "unknown %s '%s'\n", u ? "model" : "preset",
			u ? model : preset);
		return 2;
	}
	printf("model %s on %s (%u MHz), prompt %ld tokens\n", model, u->name,
	       u->clock_mhz, prompt);
	printf("  time to first token: %.3f s\n",
	       lla_estimate_ttft_s(u, shape, (uint32_t)prompt));
	printf("  decode: %.2f tokens/s at context %ld\n",
	       lla_estimate_tokens_per_s(u, shape, (uint32_t)prompt), prompt);
	return 0;
}

int main(int argc, char **argv)
{
	const char *preset = NULL, *path = NULL;
	int lut = 0, quiet = 0, rc;
	struct job job;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "presets"))
		return cmd_presets();
	if (!strcmp(argv[1], "estimate"))
		return cmd_estimate(argc - 2, argv + 2);
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--lut"))
			lut = 1;
		else if (!strcmp(argv[i], "--quiet"))
			quiet = 1;
		else if (!strcmp(argv[i], "--preset") && i + 1 < argc)
			preset = argv[++i];
		else if (argv[i][0] != '-' && !path)
			path = argv[i];
		else {
			usage(stderr);
			return 2;
		}
	}
	if (!path) {
		usage(stderr);
		return 2;
	}
	if (job_load(&job, path, stderr))
		return 2;
	if (!strcmp(argv[1], "run"))
		rc = cmd_run(&job, preset, lut, quiet);
	else if (!strcmp(argv[1], "validate"))
		rc = cmd_validate(&job);
	else if (!strcmp(argv[1], "dump"))
		rc = cmd_dump(&job);
	else {
		usage(stderr);
		rc = 2;
	}
	job_free(&job);
	return rc;
}
