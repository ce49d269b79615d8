// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * llmaccel_fuzz: multi-process, multi-threaded ioctl fuzzer for
 * /dev/accel/accelN, run in the VM by `make fuzz-vm` / `check-fuzz-vm`
 * (mk/fuzz.mk).
 *
 *   llmaccel_fuzz [-d SECONDS] [-p PROCESSES] [-t THREADS] [-s SEED]
 *                 [-u NOBODY_PROCESSES] [-r RESET_INTERVAL_MS] [-g GRACE_S]
 *                 [-H HUNG_TASK_TIMEOUT_S]
 *
 * P worker processes x T threads hammer the node for the duration with a
 * weighted random mix of: the driver's ioctls with near-valid structures
 * (a valid one with 1-3 fields mutated), valid, near-valid and random
 * command buffers (also rewritten while their job runs), DRM core ioctls
 * (random numbers and arguments; syncobj create/wait/signal/export/import;
 * PRIME between files; GEM_CLOSE), mmap/munmap/touching of BOs, files
 * closed and reopened under the other threads, debugfs resets, jobs held
 * by vgem fences, and forked children SIGKILLed with jobs in flight.  Some
 * workers run as uid 65534 on the node (group 65534, mode 0660, as the
 * udev rule sets it for group render).
 *
 * Nothing here expects an ioctl to succeed: the verdict is that the kernel
 * and the device survive and stay usable.  The TAP tests afterwards: every
 * worker and child ended, the fuzzer reached the device, every queue runs
 * a NOP and a FILL on a fresh file, the counters did not go backwards, and
 * the kernel log (watched live from /dev/kmsg and scanned at the end) has
 * no WARN/BUG/oops/hung task/KASAN/lockdep report.
 *
 * Needs root (the node's group, debugfs, the kernel log); the VM runs with
 * oops=panic, so an oops ends the run with the console as the report.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "llmaccel_lib.h"

#define NOBODY		65534
#define MAXP		32
#define MAXT		32
#define NSLOT		3		/* device files per worker process */
#define MAXBO		24		/* BOs per file */
#define MAXSYNC		16		/* syncobjs per file */
#define NDEAD		16		/* remembered bad handles per file */
#define NORPHAN		16		/* maps kept after their handle/file */
#define NDMABUF		8		/* dma-buf fds kept open */
/* Bytes of BOs one file may hold: 3 files x 4 processes stay well below
 * the 1 GiB guest even with every orphaned map still pinned. */
#define SLOT_BYTES	(12ull << 20)
#define CMD_MAX		(16u << 10)	/* generated command buffer bytes */

#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------ */
/* Shared counters (MAP_SHARED across the worker processes)            */
/* ------------------------------------------------------------------ */

enum kind {
	K_QUERY, K_BO_CREATE, K_BO_INFO, K_SUBMIT, K_WAIT, K_JOB_STATUS,
	K_DRV_RANDOM, K_GEM_CLOSE, K_PRIME_EXPORT, K_PRIME_IMPORT,
	K_SYNC_CREATE, K_SYNC_DESTROY, K_SYNC_WAIT, K_SYNC_SIGNAL,
	K_SYNC_RESET, K_SYNC_EXPORT, K_SYNC_IMPORT, K_SYNC_TIMELINE,
	K_SYNC_TRANSFER, K_SYNC_EVENTFD, K_VERSION, K_CORE_RANDOM,
	K_MMAP, K_MUNMAP, K_TOUCH, K_REOPEN, K_RESET, K_GATE, K_CHILD,
	K_COUNT
};

static const char *const kind_name[K_COUNT] = {
	"QUERY", "BO_CREATE", "BO_INFO", "SUBMIT", "WAIT", "JOB_STATUS",
	"driver nr random", "GEM_CLOSE", "PRIME_HANDLE_TO_FD",
	"PRIME_FD_TO_HANDLE", "SYNCOBJ_CREATE", "SYNCOBJ_DESTROY",
	"SYNCOBJ_WAIT", "SYNCOBJ_SIGNAL", "SYNCOBJ_RESET",
	"SYNCOBJ_HANDLE_TO_FD", "SYNCOBJ_FD_TO_HANDLE",
	"SYNCOBJ timeline", "SYNCOBJ_TRANSFER", "SYNCOBJ_EVENTFD",
	"VERSION/GET_CAP", "core nr random", "mmap", "munmap",
	"touch mapping", "close+reopen", "debugfs reset", "vgem-gated jobs",
	"SIGKILLed child",
};

#define NERR		135
/* Job outcomes: enum lla_error, then the driver's 0x100.. codes. */
#define NSTATUS		40
#define STATUS_DRV	32

struct shared {
	atomic_ullong n[K_COUNT], ok[K_COUNT];
	atomic_ullong err[K_COUNT][NERR];
	atomic_ullong status[NSTATUS];
	atomic_llong last_reset_ns;
	atomic_ullong children_unreaped;
	atomic_int cur[MAXP][MAXT];		/* kind a thread is in */
	atomic_llong cur_since[MAXP][MAXT];
	atomic_int tid[MAXP][MAXT];
	atomic_int started[MAXP];
};

static struct shared *sh;

/* ------------------------------------------------------------------ */
/* Configuration, read-only after start                                */
/* ------------------------------------------------------------------ */

static struct {
	int seconds, procs, threads, nobody;
	uint64_t seed;
	int reset_ms, grace_s, hung_s;
} opt = { .seconds = 60, .procs = 4, .threads = 4, .nobody = -1,
	  .seed = 1, .reset_ms = 3000, .grace_s = 120 };

static struct drm_llmaccel_device_info info;
static char reset_path[PATH_MAX];
static uint64_t file_limit;		/* per-file pinned limit, 0 unknown */
static int64_t stop_at;

/* ------------------------------------------------------------------ */
/* Per worker process                                                  */
/* ------------------------------------------------------------------ */

struct fbo {
	uint32_t handle, flags;
	uint64_t size, iova, off;
	uint8_t *map;
};

struct slot {
	/* Core ioctls hold it for reading, close+reopen for writing: the
	 * fd number cannot be reused by a vgem or dma-buf fd under a random
	 * core ioctl (that would fuzz another driver).  Driver ioctls and
	 * mmap do not take it, so they race with the close. */
	pthread_rwlock_t fdlock;
	pthread_mutex_t lock;		/* the tables below */
	atomic_int fd;
	int gen;
	struct fbo bo[MAXBO];
	int nbo;
	uint64_t bytes;
	uint32_t sync[MAXSYNC];
	int nsync;
	uint32_t dead[NDEAD];		/* closed or foreign handles */
	int ndead;
	uint64_t last_job;
	uint64_t done_job;		/* a job known done, 0 none */
};

struct mapping {
	void *p;
	size_t len;
};

static struct slot slots[NSLOT];
static pthread_mutex_t orphan_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mapping orphans[NORPHAN];
static pthread_mutex_t dmabuf_lock = PTHREAD_MUTEX_INITIALIZER;
static int dmabufs[NDMABUF];
static atomic_int child_busy;
static volatile sig_atomic_t stopping;
static int wid;				/* this worker's index */
static bool is_root;

struct thr {
	int idx;
	uint64_t rng;
	uint8_t *pe_base;		/* two pages, the second PROT_NONE */
	uint8_t *ro;			/* a read-only page */
	pthread_t pt;
};

static inline uint32_t rnd(struct thr *t, uint32_t n)
{
	return n ? rng_next(&t->rng) % n : 0;
}

static inline uint64_t rnd64(struct thr *t)
{
	return (uint64_t)rng_next(&t->rng) << 32 | rng_next(&t->rng);
}

static inline bool chance(struct thr *t, unsigned int percent)
{
	return rnd(t, 100) < percent;
}

static void set_cur(struct thr *t, int kind)
{
	if (t->idx < MAXT) {
		atomic_store(&sh->cur[wid][t->idx], kind);
		atomic_store(&sh->cur_since[wid][t->idx], now_ns());
	}
}

static void tally(int kind, int r)
{
	atomic_fetch_add(&sh->n[kind], 1);
	if (!r)
		atomic_fetch_add(&sh->ok[kind], 1);
	else if (-r > 0 && -r < NERR)
		atomic_fetch_add(&sh->err[kind][-r], 1);
}

/* One ioctl, counted; EINTR is not retried so a stop can interrupt it. */
static int fz_ioctl(int kind, int fd, unsigned long req, void *arg)
{
	int r = ioctl(fd, req, arg) == -1 ? -errno : 0;

	tally(kind, r);
	return r;
}

static void tally_status(uint32_t status)
{
	uint32_t i = status < STATUS_DRV ? status :
		     status >= 0x100 && status < 0x100 + NSTATUS - STATUS_DRV ?
		     STATUS_DRV + status - 0x100 : NSTATUS - 1;

	atomic_fetch_add(&sh->status[i], 1);
}

/* ------------------------------------------------------------------ */
/* Interesting values                                                  */
/* ------------------------------------------------------------------ */

/*
 * F_OPTR: a pointer the kernel writes through.  It only gets values that
 * cannot reach the fuzzer's own memory: a pointer nudged by a bit or a
 * byte would let the kernel scribble over our stack (the kernel is right
 * to do it; the fuzzer would die of it).
 */
enum fkind { F_NUM, F_PTR, F_OPTR, F_HANDLE, F_FLAGS, F_PAD, F_SYNC };

struct field {
	uint16_t off;
	uint8_t size;
	uint8_t kind;
};

#define FLD(type, m, k) \
	{ offsetof(type, m), sizeof(((type *)0)->m), k }

static uint64_t some_handle(struct thr *t, struct slot *s)
{
	struct slot *o = &slots[rnd(t, NSLOT)];
	uint64_t h = 0;

	switch (rnd(t, 8)) {
	case 0: return 0;
	case 1: return 0xdead;
	case 2: return UINT32_MAX;
	case 3: return 1 + rnd(t, 64);
	case 4:			/* another file's (or a closed) handle */
		pthread_mutex_lock(&o->lock);
		if (o->nbo)
			h = o->bo[rnd(t, o->nbo)].handle;
		pthread_mutex_unlock(&o->lock);
		return h;
	case 5:
		pthread_mutex_lock(&o->lock);
		if (o->nsync)
			h = o->sync[rnd(t, o->nsync)];
		pthread_mutex_unlock(&o->lock);
		return h;
	default:
		pthread_mutex_lock(&s->lock);
		if (s->ndead)
			h = s->dead[rnd(t, s->ndead)];
		pthread_mutex_unlock(&s->lock);
		return h ? h : 0x7fffffff;
	}
}

static uint64_t some_ptr(struct thr *t)
{
	long pg = sysconf(_SC_PAGESIZE);

	switch (rnd(t, 7)) {
	case 0: return 0;
	case 1: return (uintptr_t)unmapped_ptr();
	case 2: return KERNEL_PTR + rnd(t, 1 << 20) * 8;
	case 3: return (uintptr_t)(t->pe_base + pg - 8 * rnd(t, 4));
	case 4: return (uintptr_t)t->ro;
	case 5: return UINT64_MAX - rnd(t, 4096);
	default: return rnd64(t);
	}
}

static uint64_t some_num(struct thr *t, uint64_t cur)
{
	static const uint64_t v[] = {
		0, 1, 2, 3, 4, 7, 8, 16, 255, 256, 4095, 4096, 4097, 0xffff,
		0x10000, 0x7fffffff, 0x80000000, 0xffffffff, 1ull << 32,
		1ull << 47, 1ull << 48, 1ull << 63, UINT64_MAX, UINT64_MAX - 7,
	};

	switch (rnd(t, 6)) {
	case 0: return cur + 1;
	case 1: return cur - 1;
	case 2: return cur ^ (1ull << rnd(t, 64));
	case 3: return rnd64(t);
	default: return v[rnd(t, ARRAY_LEN(v))];
	}
}

static uint64_t interesting(struct thr *t, struct slot *s, int kind,
			    uint64_t cur)
{
	switch (kind) {
	case F_PTR:
		return chance(t, 80) ? some_ptr(t) : some_num(t, cur);
	case F_OPTR:
		return some_ptr(t);
	case F_HANDLE:
	case F_SYNC:
		return chance(t, 80) ? some_handle(t, s) : some_num(t, cur);
	case F_FLAGS:
		return chance(t, 70) ? cur ^ (1ull << rnd(t, 32)) : some_num(t, cur);
	case F_PAD:
		return chance(t, 50) ? 1 + rnd(t, 255) : some_num(t, cur);
	default:
		return some_num(t, cur);
	}
}

static void put_field(void *s, unsigned int off, unsigned int size,
		      uint64_t v)
{
	uint8_t *p = (uint8_t *)s + off;

	switch (size) {
	case 1: *p = v; break;
	case 2: { uint16_t x = v; memcpy(p, &x, 2); break; }
	case 4: { uint32_t x = v; memcpy(p, &x, 4); break; }
	default: memcpy(p, &v, 8); break;
	}
}

static uint64_t get_field(const void *s, unsigned int off, unsigned int size)
{
	const uint8_t *p = (const uint8_t *)s + off;
	uint64_t v = 0;

	memcpy(&v, p, size > 8 ? 8 : size);
	return size >= 8 ? v : v & ((1ull << (8 * size)) - 1);
}

/*
 * Mutate 1-3 fields of a valid structure: usually one of the named fields
 * with a value of its kind, sometimes any aligned word (fields this table
 * does not name, such as ones newer than it).
 */
static void mutate(struct thr *t, struct slot *s, void *st, size_t len,
		   const struct field *f, size_t nf)
{
	unsigned int i, n = 1 + rnd(t, 3);

	for (i = 0; i < n; i++) {
		if (nf && chance(t, 85)) {
			const struct field *x = &f[rnd(t, nf)];

			put_field(st, x->off, x->size,
				  interesting(t, s, x->kind,
					      get_field(st, x->off, x->size)));
		} else {
			unsigned int off = 4 * rnd(t, len / 4);
			size_t j;

			for (j = 0; j < nf; j++)
				if (f[j].kind == F_OPTR && off + 4 > f[j].off &&
				    off < f[j].off + f[j].size)
					break;
			if (j < nf)
				put_field(st, f[j].off, f[j].size, some_ptr(t));
			else
				put_field(st, off, 4,
					  some_num(t, get_field(st, off, 4)));
		}
	}
}

/*
 * Where an ioctl's argument lives: usually the caller's structure, else
 * NULL, unmapped, kernel, read-only memory or a copy that straddles the
 * end of a readable page.
 */
static void *arg_ptr(struct thr *t, void *st, size_t len)
{
	long pg = sysconf(_SC_PAGESIZE);
	uint8_t *p;

	if (!chance(t, 8))
		return st;
	switch (rnd(t, 5)) {
	case 0: return NULL;
	case 1: return unmapped_ptr();
	case 2: return (void *)(uintptr_t)KERNEL_PTR;
	case 3: return t->ro;
	default:
		/* 0 bytes over: readable; more: EFAULT part way. */
		p = t->pe_base + pg - len + rnd(t, len);
		memcpy(p, st, t->pe_base + pg - p);
		return p;
	}
}

/* ------------------------------------------------------------------ */
/* Files and their tables                                              */
/* ------------------------------------------------------------------ */

static int slot_fd(struct slot *s)
{
	return atomic_load(&s->fd);
}

static void orphan_add(void *p, size_t len)
{
	int i = 0;

	if (!p)
		return;
	pthread_mutex_lock(&orphan_lock);
	while (i < NORPHAN && orphans[i].p)
		i++;
	if (i == NORPHAN) {
		i = 0;
		munmap(orphans[0].p, orphans[0].len);
	}
	orphans[i] = (struct mapping){ p, len };
	pthread_mutex_unlock(&orphan_lock);
}

static void dead_add(struct slot *s, uint32_t h)
{
	if (s->ndead < NDEAD)
		s->dead[s->ndead++] = h;
	else
		s->dead[h % NDEAD] = h;
}

/* Forget BO @i of @s (lock held); its map lives on as an orphan. */
static void bo_forget(struct slot *s, int i)
{
	orphan_add(s->bo[i].map, s->bo[i].size);
	dead_add(s, s->bo[i].handle);
	s->bytes -= s->bo[i].size;
	s->bo[i] = s->bo[--s->nbo];
}

static void slot_reopen(struct thr *t, struct slot *s)
{
	int fd, r;

	set_cur(t, K_REOPEN);
	pthread_rwlock_wrlock(&s->fdlock);
	pthread_mutex_lock(&s->lock);
	fd = atomic_exchange(&s->fd, -1);
	while (s->nbo)
		bo_forget(s, 0);
	s->nsync = 0;
	s->ndead = 0;
	s->last_job = s->done_job = 0;
	s->gen++;
	pthread_mutex_unlock(&s->lock);
	/* Other threads may be inside an ioctl or mmap on it right now. */
	if (fd >= 0)
		close(fd);
	r = lla_open();
	tally(K_REOPEN, r < 0 ? r : 0);
	if (r >= 0) {
		fd = r;
		atomic_store(&s->fd, fd);
	}
	pthread_rwlock_unlock(&s->fdlock);
}

/* A BO of @s with a mapping, copied out under the lock; false if none. */
static bool pick_mapped(struct thr *t, struct slot *s, struct fbo *out)
{
	int i, n, start;

	pthread_mutex_lock(&s->lock);
	n = s->nbo;
	start = rnd(t, n ? n : 1);
	for (i = 0; i < n; i++) {
		struct fbo *b = &s->bo[(start + i) % n];

		if (b->map && !(b->flags & DRM_LLMACCEL_BO_DEVICE_READ_ONLY &&
				chance(t, 50))) {
			*out = *b;
			return true;	/* still locked */
		}
	}
	pthread_mutex_unlock(&s->lock);
	return false;
}

/* ------------------------------------------------------------------ */
/* Command buffers                                                     */
/* ------------------------------------------------------------------ */

struct ctx {
	struct thr *t;
	struct fbo bo[MAXBO];
	int nbo;
	uint64_t other_iova;		/* another file's BO, 0 if none */
	uint64_t maxsz;			/* largest BO */
	int odd;			/* percent of addresses off the BOs */
};

/*
 * A device address of @len bytes, @align aligned: mostly inside a BO that
 * is large enough (and writable for @wr), sometimes anywhere.
 */
static uint64_t pick_iova_w(struct ctx *c, uint64_t len, uint64_t align,
			    bool wr)
{
	struct thr *t = c->t;
	const struct fbo *b = NULL;
	uint64_t room, off;
	int i, start;

	if (!c->nbo || chance(t, c->odd)) {
		switch (rnd(t, 8)) {
		case 0: return 0;
		case 1: return 4096;
		case 2: return c->other_iova;
		case 3: return info.iova_limit - align;
		case 4: return UINT64_MAX - 7;
		case 5: return c->nbo ? c->bo[0].iova + c->bo[0].size : 8192;
		case 6: return 1ull << 63;
		default: return rnd64(t) & ~(align - 1);
		}
	}
	start = rnd(t, c->nbo);
	for (i = 0; i < c->nbo; i++) {
		b = &c->bo[(start + i) % c->nbo];
		if (b->size >= len && !(wr && c->odd < 5 &&
					b->flags & DRM_LLMACCEL_BO_DEVICE_READ_ONLY))
			break;
	}
	room = b->size > len ? b->size - len : 0;
	off = rnd(t, room / align + 1) * align;
	return b->iova + off;
}

static uint64_t pick_iova(struct ctx *c, uint64_t len, uint64_t align)
{
	return pick_iova_w(c, len, align, false);
}

static uint64_t pick_dst(struct ctx *c, uint64_t len, uint64_t align)
{
	return pick_iova_w(c, len, align, true);
}

/* A length of at most @max bytes that fits the largest BO. */
static uint64_t pick_len(struct ctx *c, uint64_t max, uint64_t unit)
{
	uint64_t lim = c->maxsz && c->maxsz < max ? c->maxsz : max;

	return unit * (1 + rnd(c->t, lim / unit ? lim / unit : 1));
}

static uint32_t f32(float f)
{
	uint32_t u;

	memcpy(&u, &f, 4);
	return u;
}

#define CMD_INIT(var, op) \
	memset(&var, 0, sizeof(var)); \
	var.hdr.opcode = (op); \
	var.hdr.size = sizeof(var)

/* One command that the device should accept, with small dimensions. */
static size_t gen_valid(struct ctx *c, uint8_t *out)
{
	struct thr *t = c->t;
	uint32_t m = 1 + rnd(t, 4), n = 1 + rnd(t, 64), k = 4 * (1 + rnd(t, 32));

	switch (rnd(t, 12)) {
	case 0: {
		struct lla_cmd_nop x;

		CMD_INIT(x, LLA_OP_NOP);
		memcpy(out, &x, sizeof(x));
		return sizeof(x);
	}
	case 1: case 2: {
		struct lla_cmd_fill x;

		CMD_INIT(x, LLA_OP_FILL);
		x.len = pick_len(c, 16384, 4);
		x.dst_iova = pick_dst(c, x.len, 4);
		x.value = rng_next(&t->rng);
		memcpy(out, &x, sizeof(x));
		return sizeof(x);
	}
	case 3: case 4: {
		struct lla_cmd_copy x;

		CMD_INIT(x, LLA_OP_COPY);
		x.len = pick_len(c, 16384, 1);
		x.src_iova = pick_iova(c, x.len, 1);
		x.dst_iova = pick_dst(c, x.len, 1);
		if (x.src_iova < x.dst_iova + x.len &&
		    x.dst_iova < x.src_iova + x.len && chance(t, 90))
			x.len = 1 + (x.src_iova > x.dst_iova ?
				     x.src_iova - x.dst_iova - 1 :
				     x.dst_iova - x.src_iova - 1) % x.len;
		memcpy(out, &x, sizeof(x));
		return sizeof(x);
	}
	case 5: {
		struct lla_cmd_timestamp x;

		CMD_INIT(x, LLA_OP_TIMESTAMP);
		x.dst_iova = pick_dst(c, 8, 8);
		memcpy(out, &x, sizeof(x));
		return sizeof(x);
	}
	case 6: {
		struct lla_cmd_sem x;
		bool wait = chance(t, 40);

		CMD_INIT(x, wait ? LLA_OP_SEM_WAIT : LLA_OP_SEM_SIGNAL);
		x.hdr.flags = chance(t, 30) ? LLA_SEM_F_32BIT : 0;
		x.iova = wait ? pick_iova(c, 8, 8) : pick_dst(c, 8, 8);
		/* A wait for >= 0 is always satisfied; a rare EQ on a random
		 * value blocks until the device's SEM timeout. */
		if (wait && chance(t, 97)) {
			x.op = LLA_SEM_GE;
			x.value = 0;
		} else {
			x.op = rnd(t, 2);
			x.value = rnd(t, 16);
		}
		memcpy(out, &x, sizeof(x));
		return sizeof(x);
	}
	case 7: {
		struct lla_cmd_eltwise x;

		CMD_INIT(x, LLA_OP_ELTWISE);
		x.count = 1 + rnd(t, 1024);
		x.op = rnd(t, LLA_ELT_COUNT);
		x.a_iova = pick_iova(c, 4ull * x.count, 4);
		if (x.op <= LLA_ELT_MUL)
			x.b_iova = pick_iova(c, 4ull * x.count, 4);
		x.y_iova = pick_dst(c, 4ull * x.count, 4);
		x.imm = x.op == LLA_ELT_SCALE ? f32(0.5f) : 0;
		memcpy(out, &x, sizeof(x));
		return sizeof(x);
	}
	case 8: {
		struct lla_cmd_argmax x;

		CMD_INIT(x, LLA_OP_ARGMAX);
		x.m = m;
		x.n = n;
		x.x_stride = 4 * n;
		x.x_iova = pick_iova(c, 4ull * m * n, 4);
		x.y_iova = pick_dst(c, 4ull * m, 4);
		memcpy(out, &x, sizeof(x));
		return sizeof(x);
	}
	case 9: {
		struct lla_cmd_topk x;

		CMD_INIT(x, LLA_OP_TOPK);
		x.n = n;
		x.k = 1 + rnd(t, n < 16 ? n : 16);
		x.x_iova = pick_iova(c, 4ull * n, 4);
		x.idx_iova = pick_dst(c, 4ull * x.k, 4);
		x.val_iova = chance(t, 50) ? pick_dst(c, 4ull * x.k, 4) : 0;
		memcpy(out, &x, sizeof(x));
		return sizeof(x);
	}
	case 10: {
		struct lla_cmd_norm_quant x;

		CMD_INIT(x, LLA_OP_NORM_QUANT);
		/* Some output must be asked for; eps and gamma only
		 * with the norm. */
		x.hdr.flags = rnd(t, 2) * LLA_NQ_F_NORM |
			      (1 + rnd(t, 3)) * LLA_NQ_F_QUANT;
		x.m = m;
		x.k = k;
		x.x_stride = 4 * k;
		x.x_iova = pick_iova(c, 4ull * m * k, 4);
		if (x.hdr.flags & LLA_NQ_F_NORM) {
			x.eps = f32(1e-5f);
			if (chance(t, 50))
				x.gamma_iova = pick_iova(c, 4ull * k, 4);
		}
		if (x.hdr.flags & LLA_NQ_F_QUANT) {
			x.q_stride = k;
			x.q_iova = pick_dst(c, (uint64_t)m * k, 1);
			x.scale_iova = pick_dst(c, 4ull * m, 4);
		}
		if (x.hdr.flags & LLA_NQ_F_F32OUT) {
			x.y_stride = 4 * k;
			x.y_iova = pick_dst(c, 4ull * m * k, 4);
		}
		memcpy(out, &x, sizeof(x));
		return sizeof(x);
	}
	default: {
		struct lla_cmd_tlmm x;

		CMD_INIT(x, LLA_OP_TLMM);
		x.m = m;
		x.n = n;
		x.k = k;
		x.wfmt = LLA_WFMT_T2;
		x.x_stride = k;
		x.w_stride = k / 4;
		x.y_stride = 4 * n;
		x.w_scale = f32(1.0f);
		x.x_iova = pick_iova(c, (uint64_t)m * k, 1);
		x.x_scale_iova = pick_iova(c, 4ull * m, 4);
		x.w_iova = pick_iova(c, (uint64_t)n * k / 4, 1);
		x.y_iova = pick_dst(c, 4ull * m * n, 4);
		x.epi.act = rnd(t, LLA_ACT_COUNT);
		x.epi.out_dtype = LLA_DTYPE_F32;
		memcpy(out, &x, sizeof(x));
		return sizeof(x);
	}
	}
}

/* Offsets of the device addresses in each opcode's structure. */
#define IOVA(type, m) offsetof(type, m)
static const uint16_t iova_offs[LLA_OP_COUNT][8] = {
	[LLA_OP_TLMM] = { IOVA(struct lla_cmd_tlmm, x_iova),
		IOVA(struct lla_cmd_tlmm, x_scale_iova),
		IOVA(struct lla_cmd_tlmm, w_iova),
		IOVA(struct lla_cmd_tlmm, y_iova),
		IOVA(struct lla_cmd_tlmm, epi.bias_iova),
		IOVA(struct lla_cmd_tlmm, epi.residual_iova) },
	[LLA_OP_QMM] = { IOVA(struct lla_cmd_qmm, x_iova),
		IOVA(struct lla_cmd_qmm, x_scale_iova),
		IOVA(struct lla_cmd_qmm, w_iova),
		IOVA(struct lla_cmd_qmm, w_scale_iova),
		IOVA(struct lla_cmd_qmm, y_iova) },
	[LLA_OP_NORM_QUANT] = { IOVA(struct lla_cmd_norm_quant, x_iova),
		IOVA(struct lla_cmd_norm_quant, gamma_iova),
		IOVA(struct lla_cmd_norm_quant, q_iova),
		IOVA(struct lla_cmd_norm_quant, scale_iova),
		IOVA(struct lla_cmd_norm_quant, y_iova) },
	[LLA_OP_ROPE] = { IOVA(struct lla_cmd_rope, x_iova),
		IOVA(struct lla_cmd_rope, table_iova),
		IOVA(struct lla_cmd_rope, pos_iova) },
	[LLA_OP_ELTWISE] = { IOVA(struct lla_cmd_eltwise, a_iova),
		IOVA(struct lla_cmd_eltwise, b_iova),
		IOVA(struct lla_cmd_eltwise, y_iova) },
	[LLA_OP_EMBED] = { IOVA(struct lla_cmd_embed, table_iova),
		IOVA(struct lla_cmd_embed, ids_iova),
		IOVA(struct lla_cmd_embed, y_iova) },
	[LLA_OP_ARGMAX] = { IOVA(struct lla_cmd_argmax, x_iova),
		IOVA(struct lla_cmd_argmax, y_iova) },
	[LLA_OP_TOPK] = { IOVA(struct lla_cmd_topk, x_iova),
		IOVA(struct lla_cmd_topk, idx_iova),
		IOVA(struct lla_cmd_topk, val_iova) },
	[LLA_OP_SAMPLE] = { IOVA(struct lla_cmd_sample, logits_iova),
		IOVA(struct lla_cmd_sample, out_iova),
		IOVA(struct lla_cmd_sample, counter_iova) },
	[LLA_OP_ATTN_PREFILL] = { IOVA(struct lla_cmd_attn, q_iova),
		IOVA(struct lla_cmd_attn, k_iova),
		IOVA(struct lla_cmd_attn, v_iova),
		IOVA(struct lla_cmd_attn, k_cache_iova),
		IOVA(struct lla_cmd_attn, v_cache_iova),
		IOVA(struct lla_cmd_attn, o_iova),
		IOVA(struct lla_cmd_attn, pos_iova) },
	[LLA_OP_ATTN_DECODE] = { IOVA(struct lla_cmd_attn, q_iova),
		IOVA(struct lla_cmd_attn, k_iova),
		IOVA(struct lla_cmd_attn, v_iova),
		IOVA(struct lla_cmd_attn, k_cache_iova),
		IOVA(struct lla_cmd_attn, v_cache_iova),
		IOVA(struct lla_cmd_attn, o_iova),
		IOVA(struct lla_cmd_attn, pos_iova) },
	[LLA_OP_COPY] = { IOVA(struct lla_cmd_copy, src_iova),
		IOVA(struct lla_cmd_copy, dst_iova) },
	[LLA_OP_FILL] = { IOVA(struct lla_cmd_fill, dst_iova) },
	[LLA_OP_TIMESTAMP] = { IOVA(struct lla_cmd_timestamp, dst_iova) },
	[LLA_OP_SEM_SIGNAL] = { IOVA(struct lla_cmd_sem, iova) },
	[LLA_OP_SEM_WAIT] = { IOVA(struct lla_cmd_sem, iova) },
};

static const uint16_t op_size[LLA_OP_COUNT] = {
	[LLA_OP_NOP] = sizeof(struct lla_cmd_nop),
	[LLA_OP_TLMM] = sizeof(struct lla_cmd_tlmm),
	[LLA_OP_QMM] = sizeof(struct lla_cmd_qmm),
	[LLA_OP_NORM_QUANT] = sizeof(struct lla_cmd_norm_quant),
	[LLA_OP_ROPE] = sizeof(struct lla_cmd_rope),
	[LLA_OP_ELTWISE] = sizeof(struct lla_cmd_eltwise),
	[LLA_OP_EMBED] = sizeof(struct lla_cmd_embed),
	[LLA_OP_ARGMAX] = sizeof(struct lla_cmd_argmax),
	[LLA_OP_TOPK] = sizeof(struct lla_cmd_topk),
	[LLA_OP_SAMPLE] = sizeof(struct lla_cmd_sample),
	[LLA_OP_ATTN_PREFILL] = sizeof(struct lla_cmd_attn),
	[LLA_OP_ATTN_DECODE] = sizeof(struct lla_cmd_attn),
	[LLA_OP_COPY] = sizeof(struct lla_cmd_copy),
	[LLA_OP_FILL] = sizeof(struct lla_cmd_fill),
	[LLA_OP_TIMESTAMP] = sizeof(struct lla_cmd_timestamp),
	[LLA_OP_SEM_SIGNAL] = sizeof(struct lla_cmd_sem),
	[LLA_OP_SEM_WAIT] = sizeof(struct lla_cmd_sem),
};

/*
 * A random command: any opcode (some past the last), mostly version 0
 * and the right size, fields small or random, device addresses mostly in
 * this file's BOs.  Returns its size (a multiple of 8, at most 256).
 */
static size_t gen_random(struct ctx *c, uint8_t *out)
{
	struct thr *t = c->t;
	struct lla_cmd_hdr h = { 0 };
	uint32_t words, i, op = chance(t, 90) ? rnd(t, LLA_OP_COUNT) :
						rnd(t, 256);
	size_t size = op < LLA_OP_COUNT ? op_size[op] : 8 * (1 + rnd(t, 16));

	h.opcode = op;
	h.version = chance(t, 95) ? 0 : rnd(t, 256);
	h.flags = chance(t, 70) ? 0 : chance(t, 50) ? 1u << rnd(t, 16) :
						 rng_next(&t->rng);
	h.size = size;
	if (chance(t, 10))
		h.size = chance(t, 50) ? 8 * rnd(t, 40) : rng_next(&t->rng);
	words = (size - 8) / 4;
	for (i = 0; i < words; i++) {
		uint32_t v;

		switch (rnd(t, 4)) {
		case 0: v = 0; break;
		case 1: v = rng_next(&t->rng); break;
		case 2: v = 1u << rnd(t, 32); break;
		default: v = rnd(t, 65); break;
		}
		memcpy(out + 8 + 4 * i, &v, 4);
	}
	if (op < LLA_OP_COUNT)
		for (i = 0; i < 8 && iova_offs[op][i]; i++)
			if (chance(t, 85))
				put_field(out, iova_offs[op][i], 8,
					  pick_iova(c, 4ull << rnd(t, 12), 4));
	memcpy(out, &h, sizeof(h));
	return size;
}

/* Fill @buf with a command buffer; returns its length in bytes. */
static size_t gen_cmdbuf(struct ctx *c, uint8_t *buf, size_t cap, int mode)
{
	struct thr *t = c->t;
	size_t len = 0, n = 1 + rnd(t, chance(t, 10) ? 64 : 8), i;

	c->odd = mode == 0 ? 2 : 10;
	if (mode == 2) {		/* pure noise */
		len = 8 * (1 + rnd(t, cap / 8));
		for (i = 0; i < len; i += 4) {
			uint32_t v = rng_next(&t->rng);

			memcpy(buf + i, &v, 4);
		}
		return len;
	}
	for (i = 0; i < n && len + 256 <= cap; i++)
		len += mode == 0 || chance(t, 50) ? gen_valid(c, buf + len) :
						     gen_random(c, buf + len);
	return len;
}

/* The BOs of @s (and one of another file) for generating commands. */
static void ctx_init(struct thr *t, struct slot *s, struct ctx *c)
{
	struct slot *o = &slots[rnd(t, NSLOT)];

	c->t = t;
	c->other_iova = 0;
	pthread_mutex_lock(&s->lock);
	c->nbo = s->nbo;
	memcpy(c->bo, s->bo, sizeof(c->bo[0]) * s->nbo);
	pthread_mutex_unlock(&s->lock);
	c->maxsz = 0;
	c->odd = 10;
	for (int i = 0; i < c->nbo; i++)
		if (c->bo[i].size > c->maxsz)
			c->maxsz = c->bo[i].size;
	if (o != s) {
		pthread_mutex_lock(&o->lock);
		if (o->nbo)
			c->other_iova = o->bo[rnd(t, o->nbo)].iova;
		pthread_mutex_unlock(&o->lock);
	}
}

/* ------------------------------------------------------------------ */
/* Driver ioctls                                                       */
/* ------------------------------------------------------------------ */

static const struct field query_f[] = {
	FLD(struct drm_llmaccel_query, query, F_NUM),
	FLD(struct drm_llmaccel_query, size, F_NUM),
	FLD(struct drm_llmaccel_query, data, F_OPTR),
	FLD(struct drm_llmaccel_query, flags, F_FLAGS),
	FLD(struct drm_llmaccel_query, pad, F_PAD),
};

static void op_query(struct thr *t, struct slot *s)
{
	uint8_t buf[1024];
	struct drm_llmaccel_query q = {
		.query = rnd(t, 2), .size = rnd(t, 4) ? sizeof(buf) : rnd(t, 200),
		.data = (uintptr_t)buf,
	};

	if (chance(t, 50))
		mutate(t, s, &q, sizeof(q), query_f, ARRAY_LEN(query_f));
	fz_ioctl(K_QUERY, slot_fd(s), DRM_IOCTL_LLMACCEL_QUERY,
		 arg_ptr(t, &q, sizeof(q)));
}

static const struct field create_f[] = {
	FLD(struct drm_llmaccel_bo_create, size, F_NUM),
	FLD(struct drm_llmaccel_bo_create, flags, F_FLAGS),
	FLD(struct drm_llmaccel_bo_create, handle, F_HANDLE),
	FLD(struct drm_llmaccel_bo_create, iova, F_NUM),
};

static uint64_t bo_size(struct thr *t)
{
	switch (rnd(t, 20)) {
	case 0: return 1 << 20 << rnd(t, 3);	/* 1-4 MiB */
	case 1: case 2: return 65536 + rnd(t, 1 << 20);
	case 3: return 1 + rnd(t, 8192);	/* unaligned */
	default: return 4096 << rnd(t, 5);	/* 4-64 KiB */
	}
}

static void op_bo_create(struct thr *t, struct slot *s)
{
	struct drm_llmaccel_bo_create c = {
		.size = bo_size(t),
		.flags = chance(t, 15) ? DRM_LLMACCEL_BO_DEVICE_READ_ONLY : 0,
	};
	struct fbo *b;
	int fd = slot_fd(s), r;
	bool valid = chance(t, 75);

	if (!valid) {
		mutate(t, s, &c, sizeof(c), create_f, ARRAY_LEN(create_f));
		/* Sizes that would succeed but pin a lot: only above the
		 * per-file limit (ENOSPC) or the largest size (EINVAL). */
		if (c.size > (8u << 20) && c.size <= info.max_bo_size) {
			if (file_limit && file_limit < info.max_bo_size &&
			    chance(t, 50))
				c.size = file_limit + 4096;
			else
				c.size = info.max_bo_size + 1;
		}
	}
	pthread_mutex_lock(&s->lock);
	while (s->nbo && (s->nbo == MAXBO || s->bytes + c.size > SLOT_BYTES)) {
		struct drm_gem_close g = { .handle = s->bo[0].handle };

		fz_ioctl(K_GEM_CLOSE, fd, DRM_IOCTL_GEM_CLOSE, &g);
		bo_forget(s, 0);
	}
	pthread_mutex_unlock(&s->lock);
	if (c.size > SLOT_BYTES && c.size <= info.max_bo_size &&
	    c.size <= file_limit)
		return;		/* never pin that much for real */
	r = fz_ioctl(K_BO_CREATE, fd, DRM_IOCTL_LLMACCEL_BO_CREATE,
		     valid ? &c : arg_ptr(t, &c, sizeof(c)));
	if (r)
		return;
	pthread_mutex_lock(&s->lock);
	if (slot_fd(s) != fd || s->nbo == MAXBO) {
		/* The file was reopened meanwhile: the handle is stale. */
		pthread_mutex_unlock(&s->lock);
		return;
	}
	b = &s->bo[s->nbo++];
	*b = (struct fbo){ .handle = c.handle, .flags = c.flags,
			   .size = (c.size + 4095) & ~4095ull, .iova = c.iova };
	s->bytes += b->size;
	pthread_mutex_unlock(&s->lock);
}

static const struct field info_f[] = {
	FLD(struct drm_llmaccel_bo_info, handle, F_HANDLE),
	FLD(struct drm_llmaccel_bo_info, flags, F_FLAGS),
	FLD(struct drm_llmaccel_bo_info, mmap_offset, F_NUM),
	FLD(struct drm_llmaccel_bo_info, pad, F_PAD),
};

static void op_bo_info(struct thr *t, struct slot *s)
{
	struct drm_llmaccel_bo_info i = { .handle = some_handle(t, s) };

	pthread_mutex_lock(&s->lock);
	if (s->nbo && chance(t, 70))
		i.handle = s->bo[rnd(t, s->nbo)].handle;
	pthread_mutex_unlock(&s->lock);
	if (chance(t, 40))
		mutate(t, s, &i, sizeof(i), info_f, ARRAY_LEN(info_f));
	fz_ioctl(K_BO_INFO, slot_fd(s), DRM_IOCTL_LLMACCEL_BO_INFO,
		 arg_ptr(t, &i, sizeof(i)));
}

static void op_gem_close(struct thr *t, struct slot *s)
{
	struct drm_gem_close g = { .handle = some_handle(t, s) };
	int i = -1;

	pthread_rwlock_rdlock(&s->fdlock);
	pthread_mutex_lock(&s->lock);
	if (s->nbo && chance(t, 70)) {
		i = rnd(t, s->nbo);
		g.handle = s->bo[i].handle;
		bo_forget(s, i);
	}
	pthread_mutex_unlock(&s->lock);
	if (chance(t, 10))
		g.pad = 1 + rnd(t, 100);
	fz_ioctl(K_GEM_CLOSE, slot_fd(s), DRM_IOCTL_GEM_CLOSE, &g);
	pthread_rwlock_unlock(&s->fdlock);
}

/* Record a finished job's outcome (and learn a done id for WAIT). */
static void job_outcome(struct thr *t, struct slot *s, int fd, uint64_t id)
{
	struct drm_llmaccel_job_status st = { .job_id = id };

	if (!fz_ioctl(K_JOB_STATUS, fd, DRM_IOCTL_LLMACCEL_JOB_STATUS, &st) &&
	    st.state == DRM_LLMACCEL_JOB_DONE) {
		tally_status(st.status);
		pthread_mutex_lock(&s->lock);
		if (slot_fd(s) == fd)
			s->done_job = id;
		pthread_mutex_unlock(&s->lock);
	}
}

static const struct field submit_f[] = {
	FLD(struct drm_llmaccel_submit, cmdbuf_handle, F_HANDLE),
	FLD(struct drm_llmaccel_submit, flags, F_FLAGS),
	FLD(struct drm_llmaccel_submit, cmdbuf_offset, F_NUM),
	FLD(struct drm_llmaccel_submit, cmdbuf_size, F_NUM),
	FLD(struct drm_llmaccel_submit, queue, F_NUM),
	FLD(struct drm_llmaccel_submit, priority, F_NUM),
	FLD(struct drm_llmaccel_submit, bo_count, F_NUM),
	FLD(struct drm_llmaccel_submit, bos, F_PTR),
	FLD(struct drm_llmaccel_submit, bo_elem_size, F_NUM),
	FLD(struct drm_llmaccel_submit, in_sync_count, F_NUM),
	FLD(struct drm_llmaccel_submit, in_syncs, F_PTR),
	FLD(struct drm_llmaccel_submit, in_sync_elem_size, F_NUM),
	FLD(struct drm_llmaccel_submit, out_sync, F_SYNC),
	FLD(struct drm_llmaccel_submit, out_sync_point, F_NUM),
	FLD(struct drm_llmaccel_submit, job_id, F_NUM),
	FLD(struct drm_llmaccel_submit, reserved, F_PAD),
};

/*
 * SUBMIT: @mode 0 valid commands, 1 valid and random commands, 2 noise;
 * @mutated: mutate the submit structure; @rewrite: overwrite the command
 * buffer while the job may be running.  Returns the job id or 0.
 */
static uint64_t do_fuzz_submit(struct thr *t, struct slot *s, int mode,
			       bool mutated, bool rewrite,
			       const struct drm_llmaccel_sync *gate)
{
	struct drm_llmaccel_submit sub = {
		.priority = chance(t, 70) ? DRM_LLMACCEL_PRIO_NORMAL :
			    is_root && chance(t, 30) ? DRM_LLMACCEL_PRIO_HIGH :
			    DRM_LLMACCEL_PRIO_LOW,
		.queue = rnd(t, info.num_queues ? info.num_queues : 1),
	};
	struct drm_llmaccel_bo_ref refs[MAXBO + 4];
	/* Elements larger than the published ones, zero-extended. */
	uint8_t refs_big[(MAXBO + 4) * 16];
	struct drm_llmaccel_sync in[4];
	struct ctx c;
	struct fbo cb;
	uint8_t cmds[CMD_MAX];
	size_t len, off, nref = 0, nin = 0, i;
	int fd = slot_fd(s), r;

	ctx_init(t, s, &c);
	len = gen_cmdbuf(&c, cmds, sizeof(cmds), mode);
	if (!pick_mapped(t, s, &cb))
		return 0;
	/* Offset: 8-aligned, so the buffer fits (mostly). */
	off = len < cb.size ? 8 * rnd(t, (cb.size - len) / 8 + 1) : 0;
	if (len > cb.size)
		len = cb.size & ~7ull;
	memcpy(cb.map + off, cmds, len);
	pthread_mutex_unlock(&s->lock);

	sub.cmdbuf_handle = cb.handle;
	sub.cmdbuf_offset = off;
	sub.cmdbuf_size = len;
	if (c.nbo && chance(t, 60)) {
		nref = 1 + rnd(t, c.nbo);
		for (i = 0; i < nref; i++)
			refs[i] = (struct drm_llmaccel_bo_ref){
				.handle = c.bo[rnd(t, c.nbo)].handle };
		if (chance(t, 10)) {
			memset(refs_big, 0, sizeof(refs_big));
			for (i = 0; i < nref; i++)
				memcpy(refs_big + 16 * i, &refs[i], 8);
			sub.bos = (uintptr_t)refs_big;
			sub.bo_elem_size = 16;
		} else {
			sub.bos = (uintptr_t)refs;
			sub.bo_elem_size = sizeof(refs[0]);
		}
		sub.bo_count = nref;
	}
	pthread_mutex_lock(&s->lock);
	if (s->nsync && chance(t, 30)) {
		nin = 1 + rnd(t, s->nsync < 3 ? s->nsync : 3);
		for (i = 0; i < nin; i++)
			in[i] = (struct drm_llmaccel_sync){
				.handle = s->sync[rnd(t, s->nsync)] };
	}
	if (s->nsync && chance(t, 30))
		sub.out_sync = s->sync[rnd(t, s->nsync)];
	pthread_mutex_unlock(&s->lock);
	if (gate && nin < ARRAY_LEN(in))
		in[nin++] = *gate;
	if (nin) {
		sub.in_syncs = (uintptr_t)in;
		sub.in_sync_count = nin;
		sub.in_sync_elem_size = sizeof(in[0]);
	}
	if (mutated)
		mutate(t, s, &sub, sizeof(sub), submit_f, ARRAY_LEN(submit_f));
	r = fz_ioctl(K_SUBMIT, fd, DRM_IOCTL_LLMACCEL_SUBMIT,
		     mutated ? arg_ptr(t, &sub, sizeof(sub)) : &sub);
	if (r)
		return 0;
	if (rewrite && pick_mapped(t, s, &cb)) {
		/* The device reads the buffer through the MMU as it runs. */
		size_t n = 8 * (1 + rnd(t, 64)), o = 8 * rnd(t, cb.size / 8);

		if (o + n > cb.size)
			n = cb.size - o;
		for (i = 0; i + 4 <= n; i += 4) {
			uint32_t v = chance(t, 50) ? 0 : rng_next(&t->rng);

			memcpy(cb.map + o + i, &v, 4);
		}
		pthread_mutex_unlock(&s->lock);
	}
	pthread_mutex_lock(&s->lock);
	if (slot_fd(s) == fd && sub.job_id > s->last_job)
		s->last_job = sub.job_id;
	pthread_mutex_unlock(&s->lock);
	if (chance(t, 25)) {
		struct drm_llmaccel_wait w = {
			.job_id = sub.job_id,
			.timeout_ns = now_ns() + rnd(t, 300) * 1000000ll,
		};

		if (!fz_ioctl(K_WAIT, fd, DRM_IOCTL_LLMACCEL_WAIT, &w))
			job_outcome(t, s, fd, sub.job_id);
	}
	return sub.job_id;
}

static void op_submit(struct thr *t, struct slot *s)
{
	int what = rnd(t, 10);

	if (what < 4)
		do_fuzz_submit(t, s, 0, false, false, NULL);
	else if (what < 6)
		do_fuzz_submit(t, s, 1, false, chance(t, 30), NULL);
	else if (what < 7)
		do_fuzz_submit(t, s, 2, false, false, NULL);
	else
		do_fuzz_submit(t, s, rnd(t, 2), true, false, NULL);
}

/*
 * A job that blocks in SEM_WAIT on a word of its own BO, whose remaining
 * commands are rewritten before the CPU releases it: the device then
 * reads the new commands (or runs into the SEM timeout).
 */
static void op_rewrite_running(struct thr *t, struct slot *s)
{
	struct drm_llmaccel_submit sub = { .priority = DRM_LLMACCEL_PRIO_NORMAL };
	struct lla_cmd_sem w;
	struct fbo cb;
	struct ctx c;
	uint8_t tail[2048];
	size_t len;
	uint64_t one = 1;
	int fd = slot_fd(s);

	ctx_init(t, s, &c);
	len = gen_cmdbuf(&c, tail, sizeof(tail), rnd(t, 2));
	if (!pick_mapped(t, s, &cb))
		return;
	if (cb.size < 4096 + sizeof(w) + len ||
	    cb.flags & DRM_LLMACCEL_BO_DEVICE_READ_ONLY) {
		pthread_mutex_unlock(&s->lock);
		return;
	}
	/* Semaphore in the BO's last page, commands at its start. */
	memset(cb.map + cb.size - 8, 0, 8);
	CMD_INIT(w, LLA_OP_SEM_WAIT);
	w.iova = cb.iova + cb.size - 8;
	w.op = LLA_SEM_EQ;
	w.value = 1;
	memcpy(cb.map, &w, sizeof(w));
	memcpy(cb.map + sizeof(w), tail, len);
	pthread_mutex_unlock(&s->lock);
	sub.cmdbuf_handle = cb.handle;
	sub.cmdbuf_size = sizeof(w) + len;
	sub.queue = rnd(t, info.num_queues ? info.num_queues : 1);
	if (fz_ioctl(K_SUBMIT, fd, DRM_IOCTL_LLMACCEL_SUBMIT, &sub))
		return;
	usleep(rnd(t, 3000));
	len = gen_cmdbuf(&c, tail, sizeof(tail), rnd(t, 3));
	pthread_mutex_lock(&s->lock);
	/* Only while the same file still holds the BO mapped. */
	if (slot_fd(s) == fd) {
		int i;

		for (i = 0; i < s->nbo; i++)
			if (s->bo[i].map == cb.map) {
				memcpy(cb.map + sizeof(w), tail,
				       len < cb.size - 4096 - sizeof(w) ?
				       len : cb.size - 4096 - sizeof(w));
				memcpy(cb.map + cb.size - 8, &one, 8);
				break;
			}
	}
	pthread_mutex_unlock(&s->lock);
}

static const struct field wait_f[] = {
	FLD(struct drm_llmaccel_wait, job_id, F_NUM),
	FLD(struct drm_llmaccel_wait, timeout_ns, F_NUM),
	FLD(struct drm_llmaccel_wait, flags, F_FLAGS),
	FLD(struct drm_llmaccel_wait, pad, F_PAD),
};

static uint64_t some_job(struct thr *t, struct slot *s)
{
	uint64_t last, done;

	pthread_mutex_lock(&s->lock);
	last = s->last_job;
	done = s->done_job;
	pthread_mutex_unlock(&s->lock);
	switch (rnd(t, 8)) {
	case 0: return 0;
	case 1: return last + 1;
	case 2: return last > 1024 ? last - 1024 - rnd(t, 8) : UINT64_MAX;
	case 3: return done ? done : last;
	case 4: return rnd64(t);
	default: return last ? last - rnd(t, last < 8 ? last : 8) : 1;
	}
}

static void op_wait(struct thr *t, struct slot *s)
{
	struct drm_llmaccel_wait w = {
		.job_id = some_job(t, s),
		.timeout_ns = chance(t, 30) ? 0 :
			      now_ns() + rnd(t, 500) * 1000000ll,
	};
	int fd = slot_fd(s);

	if (chance(t, 40))
		mutate(t, s, &w, sizeof(w), wait_f, ARRAY_LEN(wait_f));
	/* Mutation can make it wait for ever: the stop signal ends it. */
	if (!fz_ioctl(K_WAIT, fd, DRM_IOCTL_LLMACCEL_WAIT,
		      arg_ptr(t, &w, sizeof(w))))
		job_outcome(t, s, fd, w.job_id);
}

static const struct field status_f[] = {
	FLD(struct drm_llmaccel_job_status, job_id, F_NUM),
	FLD(struct drm_llmaccel_job_status, flags, F_FLAGS),
	FLD(struct drm_llmaccel_job_status, state, F_NUM),
	FLD(struct drm_llmaccel_job_status, pad, F_PAD),
};

static void op_job_status(struct thr *t, struct slot *s)
{
	struct drm_llmaccel_job_status st = { .job_id = some_job(t, s) };

	if (chance(t, 40))
		mutate(t, s, &st, sizeof(st), status_f, ARRAY_LEN(status_f));
	if (!fz_ioctl(K_JOB_STATUS, slot_fd(s), DRM_IOCTL_LLMACCEL_JOB_STATUS,
		      arg_ptr(t, &st, sizeof(st))) &&
	    st.state == DRM_LLMACCEL_JOB_DONE)
		tally_status(st.status);
}

/* Driver numbers (0x40-0x9f) with any size and direction, random bytes. */
static void op_driver_random(struct thr *t, struct slot *s)
{
	uint8_t arg[256];
	unsigned int nr = DRM_COMMAND_BASE + rnd(t, 0x60), i;
	unsigned long req = _IOC(rnd(t, 4), DRM_IOCTL_BASE, nr,
				 chance(t, 50) ? 8 * rnd(t, 32) : rnd(t, 256));

	for (i = 0; i < sizeof(arg); i++)
		arg[i] = chance(t, 50) ? 0 : rng_next(&t->rng);
	fz_ioctl(K_DRV_RANDOM, slot_fd(s), req, arg_ptr(t, arg, sizeof(arg)));
}

/* ------------------------------------------------------------------ */
/* Core ioctls                                                          */
/* ------------------------------------------------------------------ */

static void sync_add(struct slot *s, int fd, uint32_t h)
{
	pthread_mutex_lock(&s->lock);
	if (slot_fd(s) == fd) {
		if (s->nsync < MAXSYNC)
			s->sync[s->nsync++] = h;
		else
			s->sync[h % MAXSYNC] = h;
	}
	pthread_mutex_unlock(&s->lock);
}

static uint32_t some_sync(struct thr *t, struct slot *s)
{
	uint32_t h = 0;

	pthread_mutex_lock(&s->lock);
	if (s->nsync && chance(t, 85))
		h = s->sync[rnd(t, s->nsync)];
	pthread_mutex_unlock(&s->lock);
	return h ? h : some_handle(t, s);
}

/* Core numbers 0x00-0x3f and 0xa0-0xff, any size, random bytes. */
static void op_core_random(struct thr *t, struct slot *s)
{
	uint64_t arg[32];
	unsigned int nr = rnd(t, 0x60), i;
	unsigned long req;

	if (nr >= 0x40)
		nr += 0x60;
	req = _IOC(rnd(t, 4), DRM_IOCTL_BASE, nr,
		   chance(t, 50) ? 8 * rnd(t, 16) : rnd(t, 256));
	for (i = 0; i < ARRAY_LEN(arg); i++)
		switch (rnd(t, 5)) {
		case 0: arg[i] = some_ptr(t); break;
		case 1: arg[i] = some_handle(t, s); break;
		case 2: arg[i] = rnd64(t); break;
		default: arg[i] = rnd(t, 4); break;
		}
	pthread_rwlock_rdlock(&s->fdlock);
	fz_ioctl(K_CORE_RANDOM, slot_fd(s), req, arg_ptr(t, arg, sizeof(arg)));
	pthread_rwlock_unlock(&s->fdlock);
}

static void op_version(struct thr *t, struct slot *s)
{
	char name[32], date[32], desc[64];
	struct drm_version v = {
		.name = name, .name_len = chance(t, 80) ? sizeof(name) : rnd(t, 4),
		.date = date, .date_len = sizeof(date),
		.desc = desc, .desc_len = sizeof(desc),
	};
	struct drm_get_cap cap = { .capability = rnd(t, 0x20) };

	pthread_rwlock_rdlock(&s->fdlock);
	if (chance(t, 50)) {
		if (chance(t, 20))
			v.name = (char *)(uintptr_t)some_ptr(t);
		fz_ioctl(K_VERSION, slot_fd(s), DRM_IOCTL_VERSION, &v);
	} else {
		fz_ioctl(K_VERSION, slot_fd(s), DRM_IOCTL_GET_CAP, &cap);
	}
	pthread_rwlock_unlock(&s->fdlock);
}

/* An array of @n handles of @s (mostly ours), for the syncobj ioctls. */
static uint32_t sync_array(struct thr *t, struct slot *s, uint32_t *h,
			   uint32_t max)
{
	uint32_t n = 1 + rnd(t, max), i;

	for (i = 0; i < n; i++)
		h[i] = some_sync(t, s);
	return n;
}

static void op_syncobj(struct thr *t, struct slot *s)
{
	struct slot *o = &slots[rnd(t, NSLOT)];
	uint32_t h[8];
	uint64_t pts[8];
	int fd, ofd, r, i;

	pthread_rwlock_rdlock(&s->fdlock);
	fd = slot_fd(s);
	for (i = 0; i < 8; i++)
		pts[i] = chance(t, 50) ? 0 : 1 + rnd(t, 8);
	switch (rnd(t, 11)) {
	case 0: case 1: {
		struct drm_syncobj_create c = {
			.flags = chance(t, 50) ? DRM_SYNCOBJ_CREATE_SIGNALED : 0,
		};

		if (chance(t, 10))
			c.flags = 1u << rnd(t, 32);
		if (!fz_ioctl(K_SYNC_CREATE, fd, DRM_IOCTL_SYNCOBJ_CREATE, &c))
			sync_add(s, fd, c.handle);
		break;
	}
	case 2: {
		struct drm_syncobj_destroy d = { .handle = some_sync(t, s) };

		if (chance(t, 10))
			d.pad = 1;
		fz_ioctl(K_SYNC_DESTROY, fd, DRM_IOCTL_SYNCOBJ_DESTROY, &d);
		break;
	}
	case 3: {
		struct drm_syncobj_wait w = {
			.handles = (uintptr_t)h,
			.count_handles = sync_array(t, s, h, 4),
			.timeout_nsec = now_ns() + rnd(t, 50) * 1000000ll,
			.flags = rnd(t, 16),
		};

		if (chance(t, 20))
			mutate(t, s, &w, sizeof(w), NULL, 0);
		if (chance(t, 10))
			w.handles = some_ptr(t);
		fz_ioctl(K_SYNC_WAIT, fd, DRM_IOCTL_SYNCOBJ_WAIT, &w);
		break;
	}
	case 4: case 5: {
		struct drm_syncobj_array a = {
			.handles = (uintptr_t)h,
			.count_handles = sync_array(t, s, h, 4),
		};
		bool sig = chance(t, 60);

		if (chance(t, 15))
			a.count_handles = some_num(t, a.count_handles);
		if (chance(t, 10))
			a.pad = 1;
		fz_ioctl(sig ? K_SYNC_SIGNAL : K_SYNC_RESET, fd,
			 sig ? DRM_IOCTL_SYNCOBJ_SIGNAL : DRM_IOCTL_SYNCOBJ_RESET,
			 &a);
		break;
	}
	case 6: {		/* syncobj fd: import into another file */
		struct drm_syncobj_handle e = { .handle = some_sync(t, s),
						.fd = -1 };

		if (chance(t, 10))
			e.flags = 1u << rnd(t, 32);
		r = fz_ioctl(K_SYNC_EXPORT, fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &e);
		if (r)
			break;
		pthread_rwlock_unlock(&s->fdlock);
		pthread_rwlock_rdlock(&o->fdlock);
		ofd = slot_fd(o);
		e.handle = 0;
		e.flags = 0;
		if (!fz_ioctl(K_SYNC_IMPORT, ofd, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE,
			      &e))
			sync_add(o, ofd, e.handle);
		pthread_rwlock_unlock(&o->fdlock);
		close(e.fd);
		return;
	}
	case 7: {		/* sync_file: into a syncobj of another file */
		struct drm_syncobj_handle e = {
			.handle = some_sync(t, s), .fd = -1,
			.flags = DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE,
		};

		r = fz_ioctl(K_SYNC_EXPORT, fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &e);
		if (r)
			break;
		pthread_rwlock_unlock(&s->fdlock);
		pthread_rwlock_rdlock(&o->fdlock);
		e.handle = some_sync(t, o);
		e.flags = DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE;
		if (chance(t, 10))
			e.pad = 1;
		fz_ioctl(K_SYNC_IMPORT, slot_fd(o), DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE,
			 &e);
		pthread_rwlock_unlock(&o->fdlock);
		close(e.fd);
		return;
	}
	case 8: {
		struct drm_syncobj_timeline_array a = {
			.handles = (uintptr_t)h, .points = (uintptr_t)pts,
			.count_handles = sync_array(t, s, h, 4),
			.flags = chance(t, 20) ? rnd(t, 4) : 0,
		};
		struct drm_syncobj_timeline_wait w = {
			.handles = (uintptr_t)h, .points = (uintptr_t)pts,
			.count_handles = a.count_handles,
			.timeout_nsec = now_ns() + rnd(t, 50) * 1000000ll,
			.flags = rnd(t, 16),
		};

		if (chance(t, 15))
			a.points = some_ptr(t);
		switch (rnd(t, 3)) {
		case 0:
			fz_ioctl(K_SYNC_TIMELINE, fd,
				 DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, &a);
			break;
		case 1:
			fz_ioctl(K_SYNC_TIMELINE, fd, DRM_IOCTL_SYNCOBJ_QUERY, &a);
			break;
		default:
			fz_ioctl(K_SYNC_TIMELINE, fd,
				 DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT, &w);
			break;
		}
		break;
	}
	case 9: {
		struct drm_syncobj_transfer x = {
			.src_handle = some_sync(t, s), .dst_handle = some_sync(t, s),
			.src_point = rnd(t, 4), .dst_point = rnd(t, 4),
			.flags = chance(t, 20) ? rnd(t, 16) : 0,
		};

		fz_ioctl(K_SYNC_TRANSFER, fd, DRM_IOCTL_SYNCOBJ_TRANSFER, &x);
		break;
	}
	default: {
#ifdef DRM_IOCTL_SYNCOBJ_EVENTFD
		int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		struct drm_syncobj_eventfd e = {
			.handle = some_sync(t, s), .fd = efd,
			.point = rnd(t, 4),
			.flags = chance(t, 50) ?
				 DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE : 0,
		};

		if (chance(t, 10))
			e.pad = 1;
		fz_ioctl(K_SYNC_EVENTFD, fd, DRM_IOCTL_SYNCOBJ_EVENTFD, &e);
		if (efd >= 0)
			close(efd);
#endif
		break;
	}
	}
	pthread_rwlock_unlock(&s->fdlock);
}

/* PRIME: export a BO, import it in another (or the same) file, maybe map
 * the dma-buf, maybe keep the fd so the BO outlives handle and file. */
static void op_prime(struct thr *t, struct slot *s)
{
	struct slot *o = &slots[rnd(t, NSLOT)];
	struct drm_prime_handle p = { .flags = DRM_CLOEXEC, .fd = -1 };
	uint64_t size = 4096;
	int r, i;

	/* Not under s->lock: some_handle() takes the table locks itself. */
	p.handle = some_handle(t, s);
	pthread_rwlock_rdlock(&s->fdlock);
	pthread_mutex_lock(&s->lock);
	if (s->nbo && chance(t, 85)) {
		i = rnd(t, s->nbo);
		p.handle = s->bo[i].handle;
		size = s->bo[i].size;
	}
	pthread_mutex_unlock(&s->lock);
	if (chance(t, 20))
		p.flags |= DRM_RDWR;
	if (chance(t, 10))
		p.flags = 1u << rnd(t, 32);
	r = fz_ioctl(K_PRIME_EXPORT, slot_fd(s), DRM_IOCTL_PRIME_HANDLE_TO_FD, &p);
	pthread_rwlock_unlock(&s->fdlock);
	if (r)
		return;
	pthread_rwlock_rdlock(&o->fdlock);
	{
		struct drm_prime_handle q = { .fd = p.fd };
		int ofd = slot_fd(o);

		if (chance(t, 10))
			q.flags = 1u << rnd(t, 32);
		if (!fz_ioctl(K_PRIME_IMPORT, ofd, DRM_IOCTL_PRIME_FD_TO_HANDLE,
			      &q) && o != s) {
			/* A foreign BO: its handle must be refused by SUBMIT. */
			pthread_mutex_lock(&o->lock);
			if (slot_fd(o) == ofd)
				dead_add(o, q.handle);
			pthread_mutex_unlock(&o->lock);
		}
	}
	pthread_rwlock_unlock(&o->fdlock);
	if (chance(t, 30)) {
		void *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			       p.fd, 0);

		tally(K_MMAP, m == MAP_FAILED ? -errno : 0);
		if (m != MAP_FAILED) {
			((volatile uint8_t *)m)[rnd(t, size)] ^= 1;
			munmap(m, size);
		}
	}
	if (chance(t, 30)) {
		pthread_mutex_lock(&dmabuf_lock);
		i = rnd(t, NDMABUF);
		if (dmabufs[i] > 0)
			close(dmabufs[i]);
		dmabufs[i] = p.fd;
		pthread_mutex_unlock(&dmabuf_lock);
	} else {
		close(p.fd);
	}
}

/* ------------------------------------------------------------------ */
/* mmap                                                                 */
/* ------------------------------------------------------------------ */

static void op_mmap(struct thr *t, struct slot *s)
{
	struct drm_llmaccel_bo_info bi = { 0 };
	uint32_t handle = 0;
	uint64_t size = 4096, len;
	int fd = slot_fd(s), prot = PROT_READ | PROT_WRITE, flags = MAP_SHARED;
	void *m;
	int i;

	pthread_mutex_lock(&s->lock);
	if (s->nbo) {
		i = rnd(t, s->nbo);
		handle = s->bo[i].handle;
		size = s->bo[i].size;
	}
	pthread_mutex_unlock(&s->lock);
	if (!handle)
		return;
	bi.handle = handle;
	if (fz_ioctl(K_BO_INFO, fd, DRM_IOCTL_LLMACCEL_BO_INFO, &bi))
		return;
	len = size;
	if (chance(t, 15)) {		/* a near-valid mapping */
		switch (rnd(t, 5)) {
		case 0: len = size + 4096; break;
		case 1: bi.mmap_offset += 4096; break;
		case 2: bi.mmap_offset ^= 1ull << rnd(t, 40); break;
		case 3: flags = MAP_PRIVATE; break;
		default: prot |= PROT_EXEC; break;
		}
	}
	m = mmap(NULL, len, prot, flags, fd, bi.mmap_offset);
	tally(K_MMAP, m == MAP_FAILED ? -errno : 0);
	if (m == MAP_FAILED)
		return;
	if (len != size || flags != MAP_SHARED || prot & PROT_EXEC) {
		/* Odd mappings are touched once (within the BO) and dropped. */
		if (len == size)
			((volatile uint8_t *)m)[rnd(t, size)] = 1;
		munmap(m, len);
		return;
	}
	pthread_mutex_lock(&s->lock);
	for (i = 0; i < s->nbo; i++)
		if (slot_fd(s) == fd && s->bo[i].handle == handle &&
		    s->bo[i].size == size && !s->bo[i].map) {
			s->bo[i].map = m;
			s->bo[i].off = bi.mmap_offset;
			m = NULL;
			break;
		}
	pthread_mutex_unlock(&s->lock);
	if (m)
		munmap(m, len);
}

static void op_munmap(struct thr *t, struct slot *s)
{
	int i;

	pthread_mutex_lock(&s->lock);
	if (s->nbo) {
		i = rnd(t, s->nbo);
		if (s->bo[i].map) {
			tally(K_MUNMAP, munmap(s->bo[i].map, s->bo[i].size) ?
				       -errno : 0);
			s->bo[i].map = NULL;
		}
	}
	pthread_mutex_unlock(&s->lock);
	if (chance(t, 30)) {
		pthread_mutex_lock(&orphan_lock);
		i = rnd(t, NORPHAN);
		if (orphans[i].p) {
			tally(K_MUNMAP, munmap(orphans[i].p, orphans[i].len) ?
				       -errno : 0);
			orphans[i].p = NULL;
		}
		pthread_mutex_unlock(&orphan_lock);
	}
}

/* CPU reads and writes of mapped BOs, also of ones whose handle or file
 * is gone (the mapping keeps the pages): a SIGBUS here is a driver bug. */
static void op_touch(struct thr *t, struct slot *s)
{
	struct fbo b;
	size_t off, n, i;
	volatile uint8_t *p;
	uint8_t sum = 0;

	if (chance(t, 25)) {
		pthread_mutex_lock(&orphan_lock);
		i = rnd(t, NORPHAN);
		if (orphans[i].p) {
			p = orphans[i].p;
			off = rnd(t, orphans[i].len);
			sum += p[off];
			p[off] = sum + 1;
			tally(K_TOUCH, 0);
		}
		pthread_mutex_unlock(&orphan_lock);
		return;
	}
	if (!pick_mapped(t, s, &b))
		return;
	off = rnd(t, b.size);
	n = 1 + rnd(t, b.size - off < 4096 ? b.size - off : 4096);
	p = b.map + off;
	for (i = 0; i < n; i++) {
		sum += p[i];
		if (chance(t, 50))
			p[i] = rng_next(&t->rng);
	}
	tally(K_TOUCH, 0);
	pthread_mutex_unlock(&s->lock);
	(void)sum;
}

/* ------------------------------------------------------------------ */
/* vgem gates, resets, killed children                                  */
/* ------------------------------------------------------------------ */

/* Jobs held by an unsignalled foreign fence; then the file may be closed
 * under them, or the gate released, or left for vgem's own timeout. */
static void op_gate(struct thr *t, struct slot *s)
{
	struct drm_llmaccel_sync in = { 0 };
	struct gate g;
	int fd, r, n, i, end = rnd(t, 3);

	pthread_rwlock_rdlock(&s->fdlock);
	fd = slot_fd(s);
	r = gate_open(fd, &g);
	pthread_rwlock_unlock(&s->fdlock);
	tally(K_GATE, r);
	if (r) {
		if (g.vfd > 0)
			close(g.vfd);
		return;
	}
	in.handle = g.syncobj;
	n = 1 + rnd(t, 4);
	for (i = 0; i < n; i++)
		do_fuzz_submit(t, s, rnd(t, 2), false, false, &in);
	if (end == 0)
		gate_release(&g);
	else if (end == 1 && chance(t, 50))
		slot_reopen(t, s);
	/* The syncobj belongs to @fd: destroy only if it is still open. */
	pthread_rwlock_rdlock(&s->fdlock);
	if (slot_fd(s) == fd)
		syncobj_destroy(fd, g.syncobj);
	pthread_rwlock_unlock(&s->fdlock);
	close(g.vfd);
}

static void op_reset(struct thr *t)
{
	int64_t last = atomic_load(&sh->last_reset_ns), now = now_ns();

	if (!is_root || !reset_path[0] || !opt.reset_ms ||
	    now - last < opt.reset_ms * 1000000ll ||
	    !atomic_compare_exchange_strong(&sh->last_reset_ns, &last, now))
		return;
	set_cur(t, K_RESET);
	tally(K_RESET, write_file(reset_path, "1"));
}

/*
 * The child: its own file (or the parent's, shared), a few BOs, jobs
 * submitted in a loop with long ones among them, until it is killed.
 * Only system calls: it is forked from a multi-threaded process.
 */
static void __attribute__((noreturn)) child_main(uint64_t seed, int inherit)
{
	struct thr t = { .rng = seed };
	struct drm_llmaccel_submit sub;
	struct drm_llmaccel_bo_create c;
	struct drm_llmaccel_bo_info bi;
	struct lla_cmd_copy cp;
	struct lla_cmd_sem sw;
	struct drm_llmaccel_bo_ref refs[2] = { { 0 } };
	uint32_t h[2];
	uint64_t iova[2];
	uint8_t *map;
	int fd, i, j;

	if (is_root && chance(&t, 50) &&
	    (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY)))
		_exit(3);
	fd = inherit >= 0 ? inherit : open(lla_dev_path(), O_RDWR | O_CLOEXEC);
	if (fd < 0)
		_exit(2);
	for (i = 0; i < 2; i++) {
		c = (struct drm_llmaccel_bo_create){ .size = 65536 << rnd(&t, 3) };
		if (ioctl(fd, DRM_IOCTL_LLMACCEL_BO_CREATE, &c))
			_exit(2);
		h[i] = c.handle;
		iova[i] = c.iova;
	}
	bi = (struct drm_llmaccel_bo_info){ .handle = h[0] };
	if (ioctl(fd, DRM_IOCTL_LLMACCEL_BO_INFO, &bi))
		_exit(2);
	map = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		   bi.mmap_offset);
	if (map == MAP_FAILED)
		_exit(2);
	/* Long jobs: many 64 KiB copies, or a SEM_WAIT nobody satisfies. */
	for (j = 0; j < 200; j++) {
		CMD_INIT(cp, LLA_OP_COPY);
		/* Valid (no overlap), so the job runs to its end. */
		cp.src_iova = iova[1];
		cp.dst_iova = iova[1] + 32768;
		cp.len = 32768;
		memcpy(map + j * sizeof(cp), &cp, sizeof(cp));
	}
	CMD_INIT(sw, LLA_OP_SEM_WAIT);
	sw.iova = iova[1];
	sw.op = LLA_SEM_EQ;
	sw.value = 0xfeed;
	memcpy(map + 200 * sizeof(cp), &sw, sizeof(sw));
	refs[0].handle = h[0];
	refs[1].handle = h[1];
	for (j = 0;; j++) {
		/* Both BOs listed: they must outlive the killed child until
		 * its jobs are done, so these jobs never fault. */
		sub = (struct drm_llmaccel_submit){
			.bos = (uintptr_t)refs, .bo_count = 2,
			.bo_elem_size = sizeof(refs[0]),
			.cmdbuf_handle = h[0],
			.cmdbuf_size = 8 * (1 + rnd(&t, 200 * sizeof(cp) / 8)),
			.queue = rnd(&t, info.num_queues ? info.num_queues : 1),
			.priority = DRM_LLMACCEL_PRIO_NORMAL,
		};
		sub.cmdbuf_size -= sub.cmdbuf_size % sizeof(cp);
		if (!sub.cmdbuf_size || chance(&t, 5)) {
			sub.cmdbuf_offset = 200 * sizeof(cp);
			sub.cmdbuf_size = sizeof(sw);
		}
		if (ioctl(fd, DRM_IOCTL_LLMACCEL_SUBMIT, &sub) && j > 64)
			pause();
		if (j > 256)
			pause();
	}
}

static void op_child(struct thr *t, struct slot *s)
{
	int expect = 0, status;
	pid_t pid;
	int64_t deadline;

	if (atomic_exchange(&child_busy, 1))
		return;
	set_cur(t, K_CHILD);
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		child_main(rnd64(t), chance(t, 30) ? slot_fd(s) : -1);
	}
	if (pid < 0) {
		tally(K_CHILD, -errno);
		atomic_store(&child_busy, 0);
		return;
	}
	usleep(rnd(t, 200) * 1000);
	kill(pid, SIGKILL);
	/* A generous bound: exit closes the file with its jobs in flight. */
	deadline = now_ns() + 60 * SEC_NS;
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (now_ns() > deadline) {
			atomic_fetch_add(&sh->children_unreaped, 1);
			fprintf(stderr, "fuzz: child %d not reaped 60 s after SIGKILL\n",
				pid);
			expect = -ETIMEDOUT;
			break;
		}
		usleep(10000);
	}
	tally(K_CHILD, expect);
	atomic_store(&child_busy, 0);
}

/* ------------------------------------------------------------------ */
/* Worker threads and processes                                        */
/* ------------------------------------------------------------------ */

struct op {
	void (*fn)(struct thr *t, struct slot *s);
	int kind, weight;
};

static void op_reset_wrap(struct thr *t, struct slot *s)
{
	(void)s;
	op_reset(t);
}

static void op_reopen_wrap(struct thr *t, struct slot *s)
{
	slot_reopen(t, s);
}

static void op_submit_more(struct thr *t, struct slot *s)
{
	/* Keep several files' jobs on the rings at once. */
	int i, n = 2 + rnd(t, 6);

	for (i = 0; i < n; i++)
		do_fuzz_submit(t, s, 0, false, false, NULL);
}

static const struct op ops[] = {
	{ op_query, K_QUERY, 5 },
	{ op_bo_create, K_BO_CREATE, 9 },
	{ op_bo_info, K_BO_INFO, 4 },
	{ op_gem_close, K_GEM_CLOSE, 3 },
	{ op_mmap, K_MMAP, 7 },
	{ op_munmap, K_MUNMAP, 1 },
	{ op_touch, K_TOUCH, 4 },
	{ op_submit, K_SUBMIT, 22 },
	{ op_submit_more, K_SUBMIT, 4 },
	{ op_rewrite_running, K_SUBMIT, 2 },
	{ op_wait, K_WAIT, 6 },
	{ op_job_status, K_JOB_STATUS, 5 },
	{ op_driver_random, K_DRV_RANDOM, 3 },
	{ op_syncobj, K_SYNC_WAIT, 9 },
	{ op_prime, K_PRIME_EXPORT, 3 },
	{ op_core_random, K_CORE_RANDOM, 4 },
	{ op_version, K_VERSION, 1 },
	{ op_gate, K_GATE, 1 },
	{ op_reopen_wrap, K_REOPEN, 1 },
	{ op_child, K_CHILD, 1 },
	{ op_reset_wrap, K_RESET, 1 },
};

static void on_usr1(int sig)
{
	(void)sig;
}

static void *thread_main(void *arg)
{
	struct thr *t = arg;
	int total = 0, pick;
	size_t k;

	for (k = 0; k < ARRAY_LEN(ops); k++)
		total += ops[k].weight;
	if (t->idx < MAXT)
		atomic_store(&sh->tid[wid][t->idx], gettid());
	while (!stopping && now_ns() < stop_at) {
		struct slot *s = &slots[rnd(t, NSLOT)];

		pick = rnd(t, total);
		for (k = 0; pick >= ops[k].weight; k++)
			pick -= ops[k].weight;
		set_cur(t, ops[k].kind);
		ops[k].fn(t, s);
	}
	set_cur(t, -1);
	return NULL;
}

static int worker(int idx, bool nobody)
{
	struct sigaction sa = { .sa_handler = on_usr1 };	/* no SA_RESTART */
	struct thr *th;
	long pg = sysconf(_SC_PAGESIZE);
	int i, n = opt.threads;

	wid = idx;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (nobody && (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY)))
		return 3;
	is_root = geteuid() == 0;
	for (i = 0; i < NSLOT; i++) {
		pthread_rwlockattr_t a;

		pthread_rwlockattr_init(&a);
		pthread_rwlockattr_setkind_np(&a,
			PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
		pthread_rwlock_init(&slots[i].fdlock, &a);
		pthread_mutex_init(&slots[i].lock, NULL);
		atomic_store(&slots[i].fd, lla_open());
	}
	th = calloc(n, sizeof(*th));
	if (!th)
		return 2;
	for (i = 0; i < n; i++) {
		th[i].idx = i;
		th[i].rng = opt.seed * 0x9e3779b97f4a7c15ull ^
			    ((uint64_t)idx << 32) ^ (uint64_t)i << 16 ^ 0x5eed;
		th[i].pe_base = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		th[i].ro = mmap(NULL, pg, PROT_READ,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (th[i].pe_base == MAP_FAILED || th[i].ro == MAP_FAILED)
			return 2;
		mprotect(th[i].pe_base + pg, pg, PROT_NONE);
		if (pthread_create(&th[i].pt, NULL, thread_main, &th[i]))
			return 2;
	}
	atomic_store(&sh->started[idx], 1);
	while (now_ns() < stop_at)
		usleep(100000);
	stopping = 1;
	/* Interrupt blocking calls (waits with mutated deadlines) until
	 * every thread has left; the parent's watchdog bounds this. */
	for (i = 0; i < n; i++) {
		struct timespec ts;

		for (;;) {
			pthread_kill(th[i].pt, SIGUSR1);
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 100000000;
			if (ts.tv_nsec >= SEC_NS) {
				ts.tv_sec++;
				ts.tv_nsec -= SEC_NS;
			}
			if (!pthread_timedjoin_np(th[i].pt, NULL, &ts))
				break;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* The kernel log, watched while the fuzzers run                        */
/* ------------------------------------------------------------------ */

/*
 * Reports only: a debug kernel's boot lines ("RCU lockdep checking is
 * enabled", "kmemleak: Kernel memory leak detector initialized") are not.
 */
static const char *const bad_kmsg[] = {
	"WARNING:", "BUG:", "BUG ", "Oops", "Call Trace", "general protection",
	"UBSAN", "KASAN", "KFENCE", "suspected memory leak",
	"unreferenced object",
	"list_add corruption", "list_del corruption", "refcount_t",
	"kernel NULL pointer", "hung_task", "blocked for more than",
	"possible circular locking", "possible recursive locking",
	"inconsistent lock state", "DEBUG_LOCKS_WARN_ON",
	"turning off the locking correctness validator",
	"suspicious RCU usage", "soft lockup", "hard LOCKUP",
	"rcu_preempt detected stall", "rcu_sched detected stall",
	"self-detected stall", "ODEBUG", "page allocation failure",
	"Tainted: G      D", "not clean",
};

static struct {
	pthread_t pt;
	atomic_int stop;
	int bad, lost, records;
	char first[24][240];
} km;

static void *kmsg_main(void *arg)
{
	char rec[8192];
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	size_t i;

	(void)arg;
	if (fd < 0) {
		km.lost = -1;
		return NULL;
	}
	while (!atomic_load(&km.stop)) {
		ssize_t n = read(fd, rec, sizeof(rec) - 1);
		const char *msg;

		if (n < 0) {
			if (errno == EPIPE) {	/* overwritten before read */
				km.lost++;
				continue;
			}
			if (errno == EAGAIN)
				usleep(100000);
			continue;
		}
		rec[n] = 0;
		km.records++;
		msg = strchr(rec, ';');
		msg = msg ? msg + 1 : rec;
		for (i = 0; i < ARRAY_LEN(bad_kmsg); i++)
			if (strstr(msg, bad_kmsg[i])) {
				if (km.bad < (int)ARRAY_LEN(km.first))
					snprintf(km.first[km.bad], sizeof(km.first[0]),
						 "%.*s", (int)strcspn(msg, "\n"), msg);
				km.bad++;
				break;
			}
	}
	close(fd);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Checks afterwards                                                    */
/* ------------------------------------------------------------------ */

static int tap_n, tap_failed;

static void tap(bool ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void tap(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", ok ? "" : "not ", ++tap_n);
	tap_failed += !ok;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static void print_task(pid_t pid)
{
	char path[128], buf[4096];
	DIR *d;
	struct dirent *e;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.32s/wchan", pid,
			 e->d_name);
		if (read_file(path, buf, sizeof(buf)) > 0)
			printf("#   task %s wchan %s\n", e->d_name, buf);
		snprintf(path, sizeof(path), "/proc/%d/task/%.32s/stack", pid,
			 e->d_name);
		if (read_file(path, buf, sizeof(buf)) > 0) {
			char *l, *sv = NULL;

			for (l = strtok_r(buf, "\n", &sv); l;
			     l = strtok_r(NULL, "\n", &sv))
				printf("#     %s\n", l);
		}
	}
	closedir(d);
}

static const char *errname(int e)
{
	static char b[16];

	switch (e) {
	case EINVAL: return "EINVAL";
	case ENOENT: return "ENOENT";
	case EFAULT: return "EFAULT";
	case ENOTTY: return "ENOTTY";
	case EBUSY: return "EBUSY";
	case ENOSPC: return "ENOSPC";
	case ENOMEM: return "ENOMEM";
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case EBADF: return "EBADF";
	case ETIME: return "ETIME";
	case ETIMEDOUT: return "ETIMEDOUT";
	case EINTR: return "EINTR";
	case ECANCELED: return "ECANCELED";
	case ENODEV: return "ENODEV";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EAGAIN: return "EAGAIN";
	case EMFILE: return "EMFILE";
	case E2BIG: return "E2BIG";
	case ERANGE: return "ERANGE";
	case EOVERFLOW: return "EOVERFLOW";
	default: snprintf(b, sizeof(b), "errno %d", e); return b;
	}
}

static void print_counts(double secs)
{
	unsigned long long total = 0;
	int k, e;

	for (k = 0; k < K_COUNT; k++) {
		unsigned long long n = atomic_load(&sh->n[k]);
		char line[1024];
		int len;

		if (k < K_MMAP)
			total += n;
		len = snprintf(line, sizeof(line), "# %-22s %9llu  ok %llu",
			       kind_name[k], n, (unsigned long long)atomic_load(&sh->ok[k]));
		for (e = 1; e < NERR; e++) {
			unsigned long long c = atomic_load(&sh->err[k][e]);

			if (c && len < (int)sizeof(line) - 40)
				len += snprintf(line + len, sizeof(line) - len,
						", %s %llu", errname(e), c);
		}
		printf("%s\n", line);
	}
	printf("# ioctls: %llu in %.0f s (%.0f/s)\n", total, secs,
	       secs > 0 ? total / secs : 0.0);
	printf("# job outcomes:");
	for (k = 0; k < NSTATUS; k++) {
		unsigned long long c = atomic_load(&sh->status[k]);

		if (c)
			printf(" %s%d=%llu", k >= STATUS_DRV ? "0x10" : "",
			       k >= STATUS_DRV ? k - STATUS_DRV : k, c);
	}
	printf("\n");
	fflush(stdout);
}

static int64_t job_on_fresh_file(int fd, uint32_t queue, bool fill,
				 char *why, size_t whylen)
{
	struct bo cmd, dst;
	struct cmds c;
	uint64_t id;
	uint32_t pattern = 0x5a000000u | queue << 8 | 0x42, i;
	int64_t st;
	int r;

	r = bo_new(fd, 4096, 0, &cmd);
	if (r) {
		snprintf(why, whylen, "command BO: %s", strerror(-r));
		return r;
	}
	r = bo_new(fd, 16384, 0, &dst);
	if (r) {
		bo_free(fd, &cmd);
		snprintf(why, whylen, "destination BO: %s", strerror(-r));
		return r;
	}
	c = (struct cmds){ .buf = cmd.map };
	if (fill)
		cmd_fill(&c, dst.iova, dst.size, pattern);
	else
		cmd_nop(&c);
	r = submit_simple(fd, &cmd, c.len, queue, &id);
	if (!r)
		/* Behind whatever the dead workers left on the ring. */
		r = wait_job_abs(fd, id, now_ns() + 180 * SEC_NS);
	if (r) {
		snprintf(why, whylen, "submit/wait: %s", strerror(-r));
		st = r;
	} else {
		struct drm_llmaccel_job_status js;

		r = job_status(fd, id, &js);
		st = r ? r : js.state == DRM_LLMACCEL_JOB_DONE ? js.status : -EBUSY;
		snprintf(why, whylen, "status %lld, cmd_index %u", (long long)st,
			 js.cmd_index);
		for (i = 0; fill && !st && i < dst.size / 4; i++)
			if (((uint32_t *)dst.map)[i] != pattern) {
				snprintf(why, whylen, "word %u is 0x%08x, not 0x%08x",
					 i, ((uint32_t *)dst.map)[i], pattern);
				st = -EIO;
				break;
			}
	}
	bo_free(fd, &dst);
	bo_free(fd, &cmd);
	return st;
}

static void usage(const char *me)
{
	fprintf(stderr,
		"usage: %s [-d SECONDS] [-p PROCESSES] [-t THREADS] [-s SEED]\n"
		"       [-u NOBODY_PROCESSES] [-r RESET_INTERVAL_MS (0: none)]\n"
		"       [-g GRACE_SECONDS] [-H HUNG_TASK_TIMEOUT_SECONDS]\n", me);
	exit(2);
}

int main(int argc, char **argv)
{
	struct lla_counters before, after;
	struct stat st0, vgem_st0;
	char vgem_path[64];
	int vgem_fd = -1;
	pid_t pids[MAXP];
	int status[MAXP];
	bool ended[MAXP], killed[MAXP], stuck = false, died = false;
	int c, fd, i, q, r, left;
	int64_t t0, deadline;
	char buf[256];

	while ((c = getopt(argc, argv, "d:p:t:s:u:r:g:H:h")) != -1) {
		switch (c) {
		case 'd': opt.seconds = atoi(optarg); break;
		case 'p': opt.procs = atoi(optarg); break;
		case 't': opt.threads = atoi(optarg); break;
		case 's': opt.seed = strtoull(optarg, NULL, 0); break;
		case 'u': opt.nobody = atoi(optarg); break;
		case 'r': opt.reset_ms = atoi(optarg); break;
		case 'g': opt.grace_s = atoi(optarg); break;
		case 'H': opt.hung_s = atoi(optarg); break;
		default: usage(argv[0]);
		}
	}
	if (opt.procs < 1 || opt.procs > MAXP || opt.threads < 1 ||
	    opt.threads > MAXT || opt.seconds < 1)
		usage(argv[0]);
	if (opt.nobody < 0)
		opt.nobody = opt.procs / 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n");
	printf("# llmaccel_fuzz: %d s, %d processes (%d as uid %d) x %d threads, seed %llu, reset every >= %d ms\n",
	       opt.seconds, opt.procs, opt.nobody, NOBODY, opt.threads,
	       (unsigned long long)opt.seed, opt.reset_ms);

	/* A task stuck in the driver is then reported within the run (the
	 * sysctl, not the boot option, whose name would be in the log). */
	if (opt.hung_s > 0) {
		snprintf(buf, sizeof(buf), "%d", opt.hung_s);
		r = write_file("/proc/sys/kernel/hung_task_timeout_secs", buf);
		printf("# hung task timeout %d s: %s\n", opt.hung_s,
		       r ? strerror(-r) : "set");
	}
	fd = lla_open();
	if (fd < 0 || lla_info(fd, &info) || lla_counters(fd, &before)) {
		printf("Bail out! %s: %s\n", lla_dev_path(),
		       strerror(fd < 0 ? -fd : errno));
		return 1;
	}
	if (!lla_pci_name(fd, buf, sizeof(buf)))
		snprintf(reset_path, sizeof(reset_path),
			 "/sys/kernel/debug/accel/%s/reset", buf);
	if (access(reset_path, W_OK))
		reset_path[0] = 0;
	{
		char path[PATH_MAX], v[128];
		unsigned long long dev_lim, file_lim;

		if (!lla_sysfs_path(fd, "pinned_limit", path, sizeof(path)) &&
		    read_file(path, v, sizeof(v)) > 0 &&
		    sscanf(v, "%llu %llu", &dev_lim, &file_lim) == 2)
			file_limit = file_lim;
	}
	printf("# device: %u queues, %u address spaces, max_bo_size %llu, per-file pin limit %llu, reset %s\n",
	       info.num_queues, info.num_as,
	       (unsigned long long)info.max_bo_size,
	       (unsigned long long)file_limit,
	       reset_path[0] ? reset_path : "unavailable");
	close(fd);
	printf("1..%u\n", 6 + info.num_queues);

	/* The node as the udev rule leaves it, with group 65534. */
	if (stat(lla_dev_path(), &st0) || chown(lla_dev_path(), 0, NOBODY) ||
	    chmod(lla_dev_path(), 0660))
		printf("# cannot hand the node to group %d: %s\n", NOBODY,
		       strerror(errno));

	/* vgem too, so the unprivileged workers can hold jobs back. */
	r = vgem_open();
	if (r >= 0) {
		snprintf(vgem_path, sizeof(vgem_path), "/proc/self/fd/%d", r);
		if (!stat(vgem_path, &vgem_st0))
			vgem_fd = r;
		else
			close(r);
	}
	if (vgem_fd >= 0 && fchmod(vgem_fd, 0666))
		printf("# cannot open vgem to uid %d: %s\n", NOBODY,
		       strerror(errno));

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		printf("Bail out! mmap: %s\n", strerror(errno));
		return 1;
	}
	t0 = now_ns();
	stop_at = t0 + opt.seconds * SEC_NS;
	for (i = 0; i < opt.procs; i++) {
		ended[i] = killed[i] = false;
		pids[i] = fork();
		if (pids[i] == 0)
			_exit(worker(i, i < opt.nobody));
		if (pids[i] < 0) {
			printf("Bail out! fork: %s\n", strerror(errno));
			return 1;
		}
	}
	pthread_create(&km.pt, NULL, kmsg_main, NULL);

	/* Watchdog: every worker must be gone by the deadline. */
	deadline = stop_at + opt.grace_s * SEC_NS;
	for (left = opt.procs; left && now_ns() < deadline;) {
		for (i = 0; i < opt.procs; i++)
			if (!ended[i] && waitpid(pids[i], &status[i], WNOHANG) ==
					 pids[i]) {
				ended[i] = true;
				left--;
			}
		if (left)
			usleep(100000);
	}
	for (i = 0; i < opt.procs; i++) {
		int k;

		if (ended[i])
			continue;
		stuck = true;
		printf("# worker %d (pid %d) still running %d s after the end:\n",
		       i, pids[i], opt.grace_s);
		for (k = 0; k < opt.threads && k < MAXT; k++) {
			int kind = atomic_load(&sh->cur[i][k]);

			if (kind >= 0)
				printf("#   thread %d (tid %d) in %s for %.1f s\n", k,
				       atomic_load(&sh->tid[i][k]),
				       kind < K_COUNT ? kind_name[kind] : "?",
				       (now_ns() - atomic_load(&sh->cur_since[i][k])) / 1e9);
		}
		print_task(pids[i]);
		kill(pids[i], SIGKILL);
		killed[i] = true;
	}
	if (stuck) {
		/* A task that even SIGKILL does not end is stuck in the kernel. */
		int64_t kdl = now_ns() + 30 * SEC_NS;

		for (i = 0; i < opt.procs; i++)
			while (!ended[i] && now_ns() < kdl) {
				if (waitpid(pids[i], &status[i], WNOHANG) == pids[i])
					ended[i] = true;
				else
					usleep(100000);
			}
		for (i = 0; i < opt.procs; i++)
			if (!ended[i])
				printf("# worker %d (pid %d) survives SIGKILL (D state)\n",
				       i, pids[i]);
	}
	print_counts((now_ns() - t0) / 1e9);
	tap(!stuck, "every worker ended within %d s of the end", opt.grace_s);

	for (i = 0; i < opt.procs; i++)
		if (ended[i] && !killed[i] &&
		    (!WIFEXITED(status[i]) || WEXITSTATUS(status[i]))) {
			died = true;
			if (WIFSIGNALED(status[i]))
				printf("# worker %d died of signal %d (%s)\n", i,
				       WTERMSIG(status[i]), strsignal(WTERMSIG(status[i])));
			else if (WIFEXITED(status[i]))
				printf("# worker %d exit status %d\n", i,
				       WEXITSTATUS(status[i]));
		}
	/* Killed workers (stuck) are reported above, not here. */
	tap(!died, "no worker crashed (a SIGBUS/SIGSEGV on a BO mapping is a driver bug)");
	tap(!atomic_load(&sh->children_unreaped) && atomic_load(&sh->n[K_CHILD]),
	    "every SIGKILLed child (%llu) was reaped",
	    (unsigned long long)atomic_load(&sh->n[K_CHILD]));
	{
		static const int drv[] = { K_QUERY, K_BO_CREATE, K_BO_INFO,
					   K_SUBMIT, K_WAIT, K_JOB_STATUS };
		unsigned long long okjobs = atomic_load(&sh->status[LLA_OK]);
		bool reached = okjobs > 0;
		size_t k;

		for (k = 0; k < ARRAY_LEN(drv); k++)
			if (!atomic_load(&sh->ok[drv[k]])) {
				printf("# %s never succeeded\n", kind_name[drv[k]]);
				reached = false;
			}
		tap(reached, "the fuzzer reached the device: every driver ioctl succeeded at times, %llu jobs completed OK",
		    okjobs);
	}

	/* A fresh file: every queue must still run jobs correctly. */
	fd = -EBUSY;
	for (i = 0; i < 600 && fd == -EBUSY; i++) {
		fd = lla_open();
		if (fd == -EBUSY)	/* address spaces are freed lazily */
			usleep(100000);
	}
	for (q = 0; q < (int)info.num_queues; q++) {
		char why[2][160] = { "no file", "no file" };
		int64_t a = fd < 0 ? fd : job_on_fresh_file(fd, q, false, why[0],
							    sizeof(why[0]));
		int64_t b = fd < 0 ? fd : job_on_fresh_file(fd, q, true, why[1],
							    sizeof(why[1]));

		if (a || b)
			printf("# queue %d: NOP %s; FILL %s\n", q, why[0], why[1]);
		tap(!a && !b, "queue %d runs a NOP and a FILL job correctly", q);
	}

	r = fd < 0 ? fd : lla_counters(fd, &after);
	if (!r) {
		bool back = after.c.reset_count < before.c.reset_count ||
			    after.c.hangs < before.c.hangs ||
			    after.c.faults < before.c.faults;

		printf("# reset_count %llu (+%llu), hangs %llu (+%llu), faults %llu (+%llu), hw_reset_count %llu\n",
		       (unsigned long long)after.c.reset_count,
		       (unsigned long long)(after.c.reset_count - before.c.reset_count),
		       (unsigned long long)after.c.hangs,
		       (unsigned long long)(after.c.hangs - before.c.hangs),
		       (unsigned long long)after.c.faults,
		       (unsigned long long)(after.c.faults - before.c.faults),
		       (unsigned long long)after.c.hw_reset_count);
		for (q = 0; q < (int)info.num_queues && q < LLA_MAX_QUEUES; q++) {
			printf("# queue %d: submitted %llu, jobs %llu, errors %llu, commands %llu\n",
			       q, (unsigned long long)after.q[q].submitted,
			       (unsigned long long)after.q[q].jobs,
			       (unsigned long long)after.q[q].errors,
			       (unsigned long long)after.q[q].commands);
			back |= after.q[q].jobs < before.q[q].jobs ||
				after.q[q].submitted < before.q[q].submitted;
		}
		tap(!back, "counters readable and never went backwards");
	} else {
		tap(false, "counters readable: %s", strerror(-r));
	}
	if (fd >= 0)
		close(fd);

	atomic_store(&km.stop, 1);
	pthread_join(km.pt, NULL);
	for (i = 0; i < km.bad && i < (int)ARRAY_LEN(km.first); i++)
		printf("# kmsg BAD: %s\n", km.first[i]);
	if (km.lost)
		printf("# kmsg: %d records %s while watching (%d read)\n",
		       km.lost < 0 ? 0 : km.lost,
		       km.lost < 0 ? "unreadable: /dev/kmsg" : "overwritten",
		       km.records);
	r = dmesg_scan();
	tap(r == 0 && km.bad == 0 && km.lost >= 0,
	    "kernel log: no WARN/BUG/oops/hung task/KASAN/lockdep report (%d at the end, %d seen live)",
	    r, km.bad);

	chown(lla_dev_path(), st0.st_uid, st0.st_gid);
	chmod(lla_dev_path(), st0.st_mode & 07777);
	if (vgem_fd >= 0) {
		fchmod(vgem_fd, vgem_st0.st_mode & 07777);
		close(vgem_fd);
	}
	return tap_failed ? 1 : 0;
}
