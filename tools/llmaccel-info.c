// SPDX-License-Identifier: MIT
/*
 * llmaccel-info: list llmaccel devices with their capabilities and
 * counters, as text or JSON.  Works on every libaccel backend (the
 * kernel driver, or the simulator with LIBACCEL_BACKEND=sim) through the
 * public API only.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"
#include "libaccel.h"

#define PROG		"llmaccel-info"
#define MAX_DEVICES	64

static void usage(FILE *f)
{
	fprintf(f,
"Usage: " PROG " [OPTIONS]\n"
"List llmaccel devices: capabilities, limits, the cycle model and counters.\n"
"\n"
"  -d, --device SPEC   only this device: an index, \"first\", a path\n"
"                      (/dev/accel/accel0) or \"sim\" / \"sim:N\"\n"
"  -j, --json          print one JSON document instead of text\n"
"  -V, --version       print the libaccel version and exit\n"
"  -h, --help          this text\n"
"\n"
"The backend is the kernel driver unless LIBACCEL_BACKEND=sim (or the\n"
"device spec \"sim\") selects the in-process simulator.\n"
"Exit status: 0 success, 1 a device operation failed, 2 usage error,\n"
"3 no device or driver.\n");
}

struct dev_report {
	struct accel_device_info info;
	struct accel_caps caps;
	struct accel_counters cnt;
	int err;		/* 0, or why the device could not be queried */
	char msg[256];
};

static void opcode_list(uint32_t mask, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (uint32_t op = 0; op < 32 && used < len; op++) {
		int n;

		if (!(mask & (1u << op)))
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used ? " " : "",
			     tool_opcode_name(op));
		if (n > 0)
			used += (size_t)n;
	}
}

static void wfmt_list(uint32_t mask, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (uint32_t f = 0; f < 32 && used < len; f++) {
		int n;

		if (!(mask & (1u << f)))
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used ? " " : "",
			     tool_wfmt_name(f));
		if (n > 0)
			used += (size_t)n;
	}
}

/* Open @spec (or index @idx when @spec is NULL) and query it. */
static void query(struct dev_report *r, const char *spec, uint32_t idx)
{
	accel_device *dev;
	int err;

	err = spec ? accel_device_open(spec, 0, &dev) :
		     accel_device_open_index(idx, 0, &dev);
	if (!err) {
		err = accel_device_caps(dev, &r->caps);
		if (!err)
			err = accel_device_counters(dev, &r->cnt);
		if (err)
			snprintf(r->msg, sizeof(r->msg), "%s",
				 accel_last_error());
		accel_device_close(dev);
	} else {
		snprintf(r->msg, sizeof(r->msg), "%s", accel_last_error());
	}
	r->err = err;
	if (!err && spec) {
		/* The open spec names one device: describe it from its caps. */
		r->info.backend = r->caps.backend;
		snprintf(r->info.path, sizeof(r->info.path), "%s",
			 r->caps.path);
		snprintf(r->info.name, sizeof(r->info.name), "%s",
			 r->caps.name);
	}
}

static void print_queue_row(const char *label,
			    const struct accel_queue_counters *q)
{
	printf("    %-6s %10llu %10llu %8llu %14llu %16llu %14llu %14llu\n",
	       label, (unsigned long long)q->jobs,
	       (unsigned long long)q->commands,
	       (unsigned long long)q->errors,
	       (unsigned long long)q->busy_cycles,
	       (unsigned long long)q->macs,
	       (unsigned long long)q->dma_rd_bytes,
	       (unsigned long long)q->dma_wr_bytes);
}

static void print_text(const struct dev_report *r)
{
	const struct accel_caps *c = &r->caps;
	char buf[512];

	printf("device %u: %s\n", r->info.index, r->info.path);
	if (r->info.name[0])
		printf("  name            %s\n", r->info.name);
	printf("  backend         %s\n", accel_backend_name(r->info.backend));
	if (r->info.bus[0])
		printf("  bus             %s\n", r->info.bus);
	if (r->err) {
		printf("  error           %s (%s)\n", accel_strerror(r->err),
		       r->msg);
		return;
	}
	printf("  hw version      %u.%u\n", LLA_VERSION_GET_MAJOR(c->hw_version),
	       LLA_VERSION_GET_MINOR(c->hw_version));
	tool_caps_string(c->caps, buf, sizeof(buf));
	printf("  capabilities    %s\n", buf[0] ? buf : "-");
	printf("  queues          %u\n", c->num_queues);
	opcode_list(c->opcodes, buf, sizeof(buf));
	printf("  opcodes         %s\n", buf);
	wfmt_list(c->wformats, buf, sizeof(buf));
	printf("  weight formats  %s\n", buf);
	printf("  limits          m %u, n %u, k %u, context %u\n", c->max_m,
	       c->max_n, c->max_k, c->max_ctx);
	printf("  command buffer  %u bytes\n", c->max_cmdbuf);
	printf("  cycle model     %s at %.3f MHz\n",
	       c->preset_name[0] ? c->preset_name : tool_preset_name(c->preset),
	       c->clock_khz / 1000.0);
	if (c->mem_size)
		printf("  device memory   %llu MiB\n",
		       (unsigned long long)(c->mem_size >> 20));
	else
		printf("  device memory   unknown\n");
	printf("  largest buffer  %llu MiB\n",
	       (unsigned long long)(c->max_bo_size >> 20));
	printf("  job results     status, command, fault address, cycles, "
	       "wall time%s%s%s\n",
	       c->result_fields & ACCEL_RESULT_FAULT_WRITE ?
	       ", fault direction" : "",
	       c->result_fields & ACCEL_RESULT_CLOCK ? ", device clock" : "",
	       c->result_fields & ACCEL_RESULT_TRAFFIC ?
	       ", MACs and bytes" : "");
	printf("  counters        device cycles %llu, faults %llu, hangs %llu, "
	       "resets %llu\n", (unsigned long long)r->cnt.device_cycles,
	       (unsigned long long)r->cnt.faults,
	       (unsigned long long)r->cnt.hangs,
	       (unsigned long long)r->cnt.resets);
	printf("    %-6s %10s %10s %8s %14s %16s %14s %14s\n", "queue", "jobs",
	       "commands", "errors", "busy cycles", "MACs", "DMA read",
	       "DMA written");
	for (uint32_t q = 0; q < r->cnt.num_queues && q < LLA_MAX_QUEUES; q++) {
		char label[16];

		snprintf(label, sizeof(label), "%u", q);
		print_queue_row(label, &r->cnt.queue[q]);
	}
	print_queue_row("total", &r->cnt.total);
}

static void json_queue(struct json *j, const char *key,
		       const struct accel_queue_counters *q)
{
	json_obj_begin(j, key);
	json_u64(j, "jobs", q->jobs);
	json_u64(j, "commands", q->commands);
	json_u64(j, "errors", q->errors);
	json_u64(j, "busy_cycles", q->busy_cycles);
	json_u64(j, "macs", q->macs);
	json_u64(j, "dma_rd_bytes", q->dma_rd_bytes);
	json_u64(j, "dma_wr_bytes", q->dma_wr_bytes);
	json_obj_end(j);
}

static void json_names(struct json *j, const char *key, uint32_t mask,
		       const char *(*name)(uint32_t))
{
	json_arr_begin(j, key);
	for (uint32_t i = 0; i < 32; i++)
		if (mask & (1u << i))
			json_str(j, NULL, name(i));
	json_arr_end(j);
}

static void print_json_dev(struct json *j, const struct dev_report *r)
{
	const struct accel_caps *c = &r->caps;
	char buf[256];

	json_obj_begin(j, NULL);
	json_u64(j, "index", r->info.index);
	json_str(j, "path", r->info.path);
	json_str(j, "name", r->info.name);
	json_str(j, "backend", accel_backend_name(r->info.backend));
	json_str(j, "bus", r->info.bus);
	if (r->err) {
		snprintf(buf, sizeof(buf), "%s: %s", accel_strerror(r->err),
			 r->msg);
		json_str(j, "error", buf);
		json_obj_end(j);
		return;
	}
	json_obj_begin(j, "caps");
	snprintf(buf, sizeof(buf), "%u.%u",
		 LLA_VERSION_GET_MAJOR(c->hw_version),
		 LLA_VERSION_GET_MINOR(c->hw_version));
	json_str(j, "hw_version", buf);
	json_u64(j, "caps", c->caps);
	json_arr_begin(j, "cap_names");
	for (uint32_t b = 0; b < 32; b++) {
		if (c->caps & (1u << b)) {
			tool_caps_string(1u << b, buf, sizeof(buf));
			json_str(j, NULL, buf);
		}
	}
	json_arr_end(j);
	json_u64(j, "num_queues", c->num_queues);
	json_names(j, "opcodes", c->opcodes, tool_opcode_name);
	json_names(j, "weight_formats", c->wformats, tool_wfmt_name);
	json_u64(j, "max_m", c->max_m);
	json_u64(j, "max_n", c->max_n);
	json_u64(j, "max_k", c->max_k);
	json_u64(j, "max_ctx", c->max_ctx);
	json_u64(j, "max_cmdbuf", c->max_cmdbuf);
	json_u64(j, "clock_khz", c->clock_khz);
	json_str(j, "preset", c->preset_name[0] ? c->preset_name :
		 tool_preset_name(c->preset));
	json_u64(j, "mem_size", c->mem_size);
	json_u64(j, "max_bo_size", c->max_bo_size);
	json_bool(j, "result_fault_write",
		  c->result_fields & ACCEL_RESULT_FAULT_WRITE);
	json_bool(j, "result_clock", c->result_fields & ACCEL_RESULT_CLOCK);
	json_bool(j, "result_traffic", c->result_fields & ACCEL_RESULT_TRAFFIC);
	json_obj_end(j);

	json_obj_begin(j, "counters");
	json_u64(j, "device_cycles", r->cnt.device_cycles);
	json_u64(j, "faults", r->cnt.faults);
	json_u64(j, "hangs", r->cnt.hangs);
	json_u64(j, "resets", r->cnt.resets);
	json_queue(j, "total", &r->cnt.total);
	json_arr_begin(j, "queues");
	for (uint32_t q = 0; q < r->cnt.num_queues && q < LLA_MAX_QUEUES; q++)
		json_queue(j, NULL, &r->cnt.queue[q]);
	json_arr_end(j);
	json_obj_end(j);
	json_obj_end(j);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct dev_report reps[MAX_DEVICES];
	struct accel_device_info infos[MAX_DEVICES];
	const char *spec = NULL;
	uint32_t count = 0, n;
	bool json = false;
	int c, err, rc = TOOL_EXIT_OK;
	char version[32];

	while ((c = getopt_long(argc, argv, "d:jVh", opts, NULL)) != -1) {
		switch (c) {
		case 'd': spec = optarg; break;
		case 'j': json = true; break;
		case 'V':
			printf(PROG " (libaccel %u.%u)\n",
			       accel_version() >> 16, accel_version() & 0xffff);
			return TOOL_EXIT_OK;
		case 'h': usage(stdout); return TOOL_EXIT_OK;
		default: usage(stderr); return TOOL_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n",
			argv[optind]);
		usage(stderr);
		return TOOL_EXIT_USAGE;
	}

	snprintf(version, sizeof(version), "%u.%u", accel_version() >> 16,
		 accel_version() & 0xffff);
	if (spec) {
		n = 1;
		snprintf(reps[0].info.path, sizeof(reps[0].info.path), "%s",
			 spec);
		query(&reps[0], spec, 0);
	} else {
		err = accel_enumerate(0, infos, MAX_DEVICES, &count);
		if (err) {
			tool_no_device(PROG, err, accel_last_error());
			return TOOL_EXIT_NODEV;
		}
		n = count < MAX_DEVICES ? count : MAX_DEVICES;
		for (uint32_t i = 0; i < n; i++) {
			reps[i].info = infos[i];
			query(&reps[i], NULL, i);
		}
	}

	if (json) {
		struct json j;

		json_init(&j, stdout, true);
		json_obj_begin(&j, NULL);
		json_str(&j, "tool", PROG);
		json_str(&j, "backend", tool_env_backend());
		json_str(&j, "libaccel_version", version);
		json_arr_begin(&j, "devices");
		for (uint32_t i = 0; i < n; i++)
			print_json_dev(&j, &reps[i]);
		json_arr_end(&j);
		json_obj_end(&j);
		json_finish(&j);
	} else {
		if (!spec)
			printf("%u llmaccel device%s (backend %s, libaccel "
			       "%s)\n", count, count == 1 ? "" : "s",
			       tool_env_backend(), version);
		for (uint32_t i = 0; i < n; i++) {
			/* A device named by --device that failed: stderr only. */
			if (spec && reps[i].err)
				continue;
			if (i || !spec)
				printf("\n");
			print_text(&reps[i]);
		}
	}

	if (n == 0) {
		tool_no_device(PROG, 0, NULL);
		return TOOL_EXIT_NODEV;
	}
	for (uint32_t i = 0; i < n; i++) {
		if (!reps[i].err)
			continue;
		if (n == 1 && reps[i].err == -ENODEV) {
			tool_no_device(PROG, reps[i].err, reps[i].msg);
			return TOOL_EXIT_NODEV;
		}
		fprintf(stderr, PROG ": %s: %s (%s)\n", reps[i].info.path[0] ?
			reps[i].info.path : (spec ? spec : "?"),
			accel_strerror(reps[i].err), reps[i].msg);
		rc = TOOL_EXIT_FAIL;
	}
	return rc;
}
