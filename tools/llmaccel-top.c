// SPDX-License-Identifier: MIT
/*
 * llmaccel-top: live utilization of llmaccel devices, per device and per
 * process, from the kernel driver's telemetry:
 *   /sys/class/accel/accelN/device/{busy_time_ns,utilization,reset_count}
 *   /proc/PID/fdinfo/FD of every fd open on /dev/accel/accelN:
 *     drm-driver, drm-client-id, drm-pdev, drm-engine-q<N>: <ns> ns,
 *     drm-{total,shared,active,resident,purgeable}-memory: <n> [KiB|MiB]
 * Utilization over an interval is the growth of the busy time divided by
 * the wall time between two samples.  The simulator backend runs inside
 * its process and has no such telemetry, so only the kernel driver is
 * observed.  --root prefixes /sys and /proc (for tests on a fake tree).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "common.h"
#include "libaccel.h"

#define PROG		"llmaccel-top"
#define MAX_DEV		16
#define MAX_Q		LLA_MAX_QUEUES
#define MAX_CLIENTS	1024

struct dev_sample {
	char name[32];			/* "accel0" */
	char bus[64];			/* PCI address */
	uint32_t minor;
	uint32_t nq;
	uint64_t busy_ns[MAX_Q];	/* sysfs busy_time_ns */
	uint32_t util_life[MAX_Q];	/* sysfs utilization (since load) */
	uint64_t resets;
	bool have_busy, have_util, have_resets;
};

/* One DRM file (client) seen through one process. */
struct client {
	int pid;
	char comm[32];
	uint32_t minor;			/* accelN */
	uint64_t id;			/* drm-client-id */
	uint32_t nq;
	uint64_t engine_ns[MAX_Q];
	uint64_t mem_total, mem_resident;	/* bytes */
	uint32_t fds;			/* fds sharing this client */
};

struct sample {
	uint64_t t_ns;
	uint32_t ndev;
	struct dev_sample dev[MAX_DEV];
	uint32_t ncl;
	struct client cl[MAX_CLIENTS];
	bool denied;			/* some fdinfo could not be read */
};

struct opts {
	const char *root;
	const char *device;
	double interval;
	uint32_t iterations;		/* 0 = until interrupted */
	bool json;
};

static void usage(FILE *f)
{
	fprintf(f,
"Usage: " PROG " [OPTIONS]\n"
"Live utilization of llmaccel devices, per device (sysfs) and per process\n"
"(fdinfo of the files open on /dev/accel/accel*), refreshed every interval.\n"
"\n"
"  -d, --device DEV      only this device: an index, accelN,\n"
"                        /dev/accel/accelN or its PCI address\n"
"  -i, --interval SEC    refresh interval (default 1; decimals allowed)\n"
"  -n, --iterations N    stop after N refreshes (default: until Ctrl-C)\n"
"  -1, --once            one refresh (one interval), then exit\n"
"  -j, --json            one JSON document per refresh, one per line\n"
"      --root DIR        read DIR/sys and DIR/proc (for tests)\n"
"  -h, --help            this text\n"
"\n"
"Device busy%% is per queue over the interval; a process's busy%% is the\n"
"growth of its drm-engine-q* time over the interval (100%% = one queue\n"
"busy all the time, so it can exceed 100 with several queues).  Reading\n"
"other users' fdinfo needs root.\n"
"Exit status: 0 success, 2 usage error, 3 no llmaccel device or driver.\n");
}

/* ------------------------------------------------------------------ */
/* Reading                                                             */
/* ------------------------------------------------------------------ */
static const char *g_root = "";

/* @buf = the --root prefix + the formatted path. */
__attribute__((format(printf, 3, 4)))
static void rooted(char *buf, size_t len, const char *fmt, ...)
{
	char tail[PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tail, sizeof(tail), fmt, ap);
	va_end(ap);
	snprintf(buf, len, "%s%s", g_root, tail);
}

/* Read a small file into @buf; false if absent or unreadable. */
static bool read_small(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return false;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	return true;
}

/* Space-separated unsigned numbers; returns how many were parsed. */
static uint32_t parse_nums(const char *s, uint64_t *v, uint32_t max)
{
	uint32_t n = 0;
	char *end;

	while (n < max) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!isdigit((unsigned char)*s))
			break;
		v[n++] = strtoull(s, &end, 10);
		s = end;
	}
	return n;
}

static bool basename_of_link(const char *path, char *out, size_t len)
{
	char link[PATH_MAX];
	const char *base;
	ssize_t n = readlink(path, link, sizeof(link) - 1);

	if (n <= 0)
		return false;
	link[n] = '\0';
	base = strrchr(link, '/');
	tool_strlcpy(out, base ? base + 1 : link, len);
	return true;
}

static int cmp_dev(const void *a, const void *b)
{
	const struct dev_sample *x = a, *y = b;

	return x->minor < y->minor ? -1 : x->minor > y->minor;
}

/* Does @d match the --device filter? */
static bool dev_match(const struct dev_sample *d, const char *want)
{
	char path[64];

	if (!want)
		return true;
	snprintf(path, sizeof(path), "/dev/accel/%s", d->name);
	if (!strcmp(want, d->name) || !strcmp(want, path) ||
	    !strcmp(want, d->bus))
		return true;
	return isdigit((unsigned char)*want) && !strchr(want, ':') &&
	       strtoul(want, NULL, 10) == d->minor;
}

static void read_devices(struct sample *s, const char *want)
{
	char path[PATH_MAX], buf[512], drv[64];
	uint64_t v[MAX_Q];
	struct dirent *de;
	DIR *d;

	s->ndev = 0;
	rooted(path, sizeof(path), "/sys/class/accel");
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d)) && s->ndev < MAX_DEV) {
		struct dev_sample *ds = &s->dev[s->ndev];
		char *end;

		if (strncmp(de->d_name, "accel", 5) ||
		    !isdigit((unsigned char)de->d_name[5]))
			continue;
		rooted(path, sizeof(path), "/sys/class/accel/%s/device/driver",
		       de->d_name);
		if (!basename_of_link(path, drv, sizeof(drv)) ||
		    strcmp(drv, "llmaccel"))
			continue;
		memset(ds, 0, sizeof(*ds));
		tool_strlcpy(ds->name, de->d_name, sizeof(ds->name));
		ds->minor = (uint32_t)strtoul(de->d_name + 5, &end, 10);
		rooted(path, sizeof(path), "/sys/class/accel/%s/device",
		       de->d_name);
		basename_of_link(path, ds->bus, sizeof(ds->bus));
		if (!dev_match(ds, want))
			continue;
		rooted(path, sizeof(path),
		       "/sys/class/accel/%s/device/busy_time_ns", de->d_name);
		if (read_small(path, buf, sizeof(buf))) {
			ds->nq = parse_nums(buf, ds->busy_ns, MAX_Q);
			ds->have_busy = true;
		}
		rooted(path, sizeof(path),
		       "/sys/class/accel/%s/device/utilization", de->d_name);
		if (read_small(path, buf, sizeof(buf))) {
			uint32_t n = parse_nums(buf, v, MAX_Q);

			for (uint32_t q = 0; q < n; q++)
				ds->util_life[q] = (uint32_t)v[q];
			if (n > ds->nq)
				ds->nq = n;
			ds->have_util = true;
		}
		rooted(path, sizeof(path),
		       "/sys/class/accel/%s/device/reset_count", de->d_name);
		if (read_small(path, buf, sizeof(buf)) &&
		    parse_nums(buf, v, 1) == 1) {
			ds->resets = v[0];
			ds->have_resets = true;
		}
		s->ndev++;
	}
	closedir(d);
	qsort(s->dev, s->ndev, sizeof(s->dev[0]), cmp_dev);
}

/* "4 KiB" / "12 MiB" / "100" (bytes) -> bytes. */
static uint64_t parse_size(const char *v)
{
	char *end;
	uint64_t n = strtoull(v, &end, 10);

	while (*end == ' ' || *end == '\t')
		end++;
	if (!strncmp(end, "KiB", 3))
		n <<= 10;
	else if (!strncmp(end, "MiB", 3))
		n <<= 20;
	else if (!strncmp(end, "GiB", 3))
		n <<= 30;
	return n;
}

/*
 * Parse one fdinfo file into @c.  Returns false when it is not an
 * llmaccel DRM file (another driver's, or the keys are missing).
 */
static bool parse_fdinfo(FILE *f, struct client *c)
{
	char line[256];
	bool drv = false, id = false;

	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':'), *val;

		if (!colon)
			continue;
		*colon = '\0';
		val = colon + 1;
		while (*val == ' ' || *val == '\t')
			val++;
		if (!strcmp(line, "drm-driver")) {
			drv = !strncmp(val, "llmaccel", 8) &&
			      (val[8] == '\n' || val[8] == '\0');
		} else if (!strcmp(line, "drm-client-id")) {
			c->id = strtoull(val, NULL, 10);
			id = true;
		} else if (!strncmp(line, "drm-engine-q", 12) &&
			   isdigit((unsigned char)line[12])) {
			unsigned long q = strtoul(line + 12, NULL, 10);

			if (q < MAX_Q) {
				c->engine_ns[q] = strtoull(val, NULL, 10);
				if (q + 1 > c->nq)
					c->nq = (uint32_t)q + 1;
			}
		} else if (!strcmp(line, "drm-total-memory")) {
			c->mem_total = parse_size(val);
		} else if (!strcmp(line, "drm-resident-memory")) {
			c->mem_resident = parse_size(val);
		}
	}
	return drv && id;
}

static struct client *find_client(struct sample *s, int pid, uint32_t minor,
				  uint64_t id)
{
	for (uint32_t i = 0; i < s->ncl; i++)
		if (s->cl[i].pid == pid && s->cl[i].minor == minor &&
		    s->cl[i].id == id)
			return &s->cl[i];
	return NULL;
}

static bool minor_wanted(const struct sample *s, uint32_t minor)
{
	for (uint32_t i = 0; i < s->ndev; i++)
		if (s->dev[i].minor == minor)
			return true;
	return false;
}

static void read_process(struct sample *s, const char *pid_s)
{
	char path[PATH_MAX], target[PATH_MAX], comm[64] = "?";
	int pid = atoi(pid_s);
	struct dirent *de;
	DIR *d;

	rooted(path, sizeof(path), "/proc/%s/fd", pid_s);
	d = opendir(path);
	if (!d)
		return;
	rooted(path, sizeof(path), "/proc/%s/comm", pid_s);
	if (read_small(path, comm, sizeof(comm)))
		comm[strcspn(comm, "\n")] = '\0';
	while ((de = readdir(d))) {
		struct client c = { 0 }, *old;
		unsigned long minor;
		char *end;
		ssize_t n;
		FILE *f;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		rooted(path, sizeof(path), "/proc/%s/fd/%s", pid_s,
		       de->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (strncmp(target, "/dev/accel/accel", 16) ||
		    !isdigit((unsigned char)target[16]))
			continue;
		minor = strtoul(target + 16, &end, 10);
		if (*end || !minor_wanted(s, (uint32_t)minor))
			continue;
		rooted(path, sizeof(path), "/proc/%s/fdinfo/%s", pid_s,
		       de->d_name);
		f = fopen(path, "r");
		if (!f) {
			if (errno == EACCES || errno == EPERM)
				s->denied = true;
			continue;
		}
		c.pid = pid;
		c.minor = (uint32_t)minor;
		if (!parse_fdinfo(f, &c)) {
			fclose(f);
			continue;
		}
		fclose(f);
		old = find_client(s, pid, c.minor, c.id);
		if (old) {
			old->fds++;
			continue;
		}
		if (s->ncl == MAX_CLIENTS)
			continue;
		tool_strlcpy(c.comm, comm, sizeof(c.comm));
		c.fds = 1;
		s->cl[s->ncl++] = c;
	}
	closedir(d);
}

static void read_processes(struct sample *s)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	s->ncl = 0;
	s->denied = false;
	rooted(path, sizeof(path), "/proc");
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d)))
		if (isdigit((unsigned char)de->d_name[0]))
			read_process(s, de->d_name);
	closedir(d);
}

static void take_sample(struct sample *s, const char *want)
{
	s->t_ns = tool_now_ns();
	read_devices(s, want);
	read_processes(s);
}

/* ------------------------------------------------------------------ */
/* Reporting                                                           */
/* ------------------------------------------------------------------ */
static double pct(uint64_t now, uint64_t before, uint64_t dt_ns)
{
	if (!dt_ns || now < before)
		return 0;
	return (double)(now - before) * 100.0 / (double)dt_ns;
}

static const struct dev_sample *find_dev(const struct sample *s,
					 uint32_t minor)
{
	for (uint32_t i = 0; i < s->ndev; i++)
		if (s->dev[i].minor == minor)
			return &s->dev[i];
	return NULL;
}

/* Busy percent of queue @q of device @d over the interval. */
static double dev_q_pct(const struct sample *a, const struct sample *b,
			const struct dev_sample *d, uint32_t q)
{
	const struct dev_sample *old = find_dev(a, d->minor);

	if (!old || q >= old->nq || !d->have_busy)
		return 0;
	return pct(d->busy_ns[q], old->busy_ns[q], b->t_ns - a->t_ns);
}

/* Engine time of @c over the interval (0 for a client new in @b). */
static uint64_t client_delta(const struct sample *a, const struct client *c,
			     uint32_t q)
{
	for (uint32_t i = 0; i < a->ncl; i++) {
		const struct client *o = &a->cl[i];

		if (o->pid == c->pid && o->minor == c->minor && o->id == c->id)
			return c->engine_ns[q] >= o->engine_ns[q] ?
			       c->engine_ns[q] - o->engine_ns[q] : 0;
	}
	return 0;
}

static void fmt_bytes(uint64_t v, char *buf, size_t len)
{
	if (v >= 10ull << 30)
		snprintf(buf, len, "%lluG", (unsigned long long)(v >> 30));
	else if (v >= 10ull << 20)
		snprintf(buf, len, "%lluM", (unsigned long long)(v >> 20));
	else if (v >= 10ull << 10)
		snprintf(buf, len, "%lluK", (unsigned long long)(v >> 10));
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
}

static void print_text(const struct sample *a, const struct sample *b,
		       bool clear)
{
	double dt = (double)(b->t_ns - a->t_ns) * 1e-9;
	char tbuf[32];
	time_t now = time(NULL);
	struct tm tm;

	if (clear)
		fputs("\033[H\033[2J", stdout);
	localtime_r(&now, &tm);
	strftime(tbuf, sizeof(tbuf), "%H:%M:%S", &tm);
	printf(PROG " - %s, interval %.2f s, %u device%s, %u client%s\n",
	       tbuf, dt, b->ndev, b->ndev == 1 ? "" : "s", b->ncl,
	       b->ncl == 1 ? "" : "s");
	printf("\n%-8s %-14s %6s %7s %7s  %s\n", "DEVICE", "PCI", "RESETS",
	       "BUSY%", "LIFE%", "QUEUES (busy% over the interval)");
	for (uint32_t i = 0; i < b->ndev; i++) {
		const struct dev_sample *d = &b->dev[i];
		double sum = 0;
		uint32_t life = 0;

		for (uint32_t q = 0; q < d->nq; q++) {
			sum += dev_q_pct(a, b, d, q);
			life += d->util_life[q];
		}
		printf("%-8s %-14s %6llu %7.1f %7.1f ", d->name, d->bus,
		       (unsigned long long)d->resets,
		       d->nq ? sum / d->nq : 0.0,
		       d->nq ? (double)life / d->nq : 0.0);
		for (uint32_t q = 0; q < d->nq; q++)
			printf(" q%u %5.1f", q, dev_q_pct(a, b, d, q));
		printf("\n");
	}
	printf("\n%7s %-16s %-8s %8s %4s %7s %9s %9s  %s\n", "PID", "COMMAND",
	       "DEVICE", "CLIENT", "FDS", "BUSY%", "MEM", "RESIDENT",
	       "QUEUES");
	for (uint32_t i = 0; i < b->ncl; i++) {
		const struct client *c = &b->cl[i];
		char mem[16], res[16], dev[16];
		double busy = 0;

		for (uint32_t q = 0; q < c->nq; q++)
			busy += pct(client_delta(a, c, q), 0,
				    b->t_ns - a->t_ns);
		fmt_bytes(c->mem_total, mem, sizeof(mem));
		fmt_bytes(c->mem_resident, res, sizeof(res));
		snprintf(dev, sizeof(dev), "accel%u", c->minor);
		printf("%7d %-16s %-8s %8llu %4u %7.1f %9s %9s ", c->pid,
		       c->comm, dev, (unsigned long long)c->id, c->fds, busy,
		       mem, res);
		for (uint32_t q = 0; q < c->nq; q++)
			printf(" q%u %5.1f", q, pct(client_delta(a, c, q), 0,
						    b->t_ns - a->t_ns));
		printf("\n");
	}
	if (!b->ncl)
		printf("%7s (no process has an llmaccel device open)\n", "-");
	if (b->denied)
		printf("\nsome processes' fdinfo could not be read "
		       "(run as root to see every process)\n");
	fflush(stdout);
}

static void print_json(const struct sample *a, const struct sample *b)
{
	uint64_t dt = b->t_ns - a->t_ns;
	struct json j;

	json_init(&j, stdout, false);
	json_obj_begin(&j, NULL);
	json_str(&j, "tool", PROG);
	json_dbl(&j, "interval_s", (double)dt * 1e-9);
	json_arr_begin(&j, "devices");
	for (uint32_t i = 0; i < b->ndev; i++) {
		const struct dev_sample *d = &b->dev[i];

		json_obj_begin(&j, NULL);
		json_str(&j, "device", d->name);
		json_u64(&j, "minor", d->minor);
		json_str(&j, "pci", d->bus);
		json_u64(&j, "reset_count", d->resets);
		json_arr_begin(&j, "queues");
		for (uint32_t q = 0; q < d->nq; q++) {
			json_obj_begin(&j, NULL);
			json_u64(&j, "queue", q);
			json_u64(&j, "busy_time_ns", d->busy_ns[q]);
			json_dbl(&j, "busy_pct", dev_q_pct(a, b, d, q));
			json_u64(&j, "utilization_since_load_pct",
				 d->util_life[q]);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_arr_begin(&j, "clients");
	for (uint32_t i = 0; i < b->ncl; i++) {
		const struct client *c = &b->cl[i];
		char dev[16];
		double busy = 0;

		snprintf(dev, sizeof(dev), "accel%u", c->minor);
		json_obj_begin(&j, NULL);
		json_i64(&j, "pid", c->pid);
		json_str(&j, "command", c->comm);
		json_str(&j, "device", dev);
		json_u64(&j, "client_id", c->id);
		json_u64(&j, "fds", c->fds);
		json_u64(&j, "memory_total", c->mem_total);
		json_u64(&j, "memory_resident", c->mem_resident);
		json_arr_begin(&j, "engine_ns");
		for (uint32_t q = 0; q < c->nq; q++)
			json_u64(&j, NULL, c->engine_ns[q]);
		json_arr_end(&j);
		json_arr_begin(&j, "busy_pct_queues");
		for (uint32_t q = 0; q < c->nq; q++) {
			double p = pct(client_delta(a, c, q), 0, dt);

			busy += p;
			json_dbl(&j, NULL, p);
		}
		json_arr_end(&j);
		json_dbl(&j, "busy_pct", busy);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_bool(&j, "fdinfo_denied", b->denied);
	json_obj_end(&j);
	json_finish(&j);
}

static void sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	enum { OPT_ROOT = 256 };
	static const struct option lo[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "interval", required_argument, NULL, 'i' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "once", no_argument, NULL, '1' },
		{ "json", no_argument, NULL, 'j' },
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct opts){ .root = "", .interval = 1.0 };
	while ((c = getopt_long(argc, argv, "d:i:n:1jh", lo, NULL)) != -1) {
		switch (c) {
		case 'd': o->device = optarg; break;
		case 'i':
			if (!tool_parse_double(optarg, 0.01, 3600,
					       &o->interval)) {
				fprintf(stderr, PROG ": invalid --interval '%s'"
					" (0.01 .. 3600 seconds)\n", optarg);
				return TOOL_EXIT_USAGE;
			}
			break;
		case 'n':
			if (!tool_parse_u32(optarg, 1, UINT32_MAX,
					    &o->iterations)) {
				fprintf(stderr, PROG ": invalid --iterations "
					"'%s'\n", optarg);
				return TOOL_EXIT_USAGE;
			}
			break;
		case '1': o->iterations = 1; break;
		case 'j': o->json = true; break;
		case OPT_ROOT: o->root = optarg; break;
		case 'h': usage(stdout); exit(TOOL_EXIT_OK);
		default: usage(stderr); return TOOL_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n",
			argv[optind]);
		return TOOL_EXIT_USAGE;
	}
	return 0;
}

static void no_device(const struct opts *o)
{
	const char *be = getenv("LIBACCEL_BACKEND");

	if (o->device)
		fprintf(stderr, PROG ": no llmaccel device '%s'\n", o->device);
	else
		fprintf(stderr, PROG ": no llmaccel device: no "
			"%s/sys/class/accel/accel* is bound to the llmaccel "
			"driver (is the module loaded? 'modprobe llmaccel')\n",
			o->root);
	if (be && !strcmp(be, "sim"))
		fprintf(stderr, PROG ": the simulator backend "
			"(LIBACCEL_BACKEND=sim) runs inside its process and "
			"has no sysfs or fdinfo telemetry; use llmaccel-info "
			"there\n");
}

int main(int argc, char **argv)
{
	static struct sample s[2];
	struct opts o;
	uint32_t it = 0;
	int err, cur = 0;
	bool clear;

	err = parse_args(argc, argv, &o);
	if (err)
		return err;
	g_root = o.root;
	clear = !o.json && !o.iterations && isatty(STDOUT_FILENO);
	take_sample(&s[cur], o.device);
	if (!s[cur].ndev) {
		no_device(&o);
		return TOOL_EXIT_NODEV;
	}
	for (;;) {
		sleep_s(o.interval);
		take_sample(&s[!cur], o.device);
		if (o.json)
			print_json(&s[cur], &s[!cur]);
		else
			print_text(&s[cur], &s[!cur], clear);
		cur = !cur;
		if (o.iterations && ++it >= o.iterations)
			break;
		if (!o.json && !clear)
			printf("\n");
	}
	return TOOL_EXIT_OK;
}
