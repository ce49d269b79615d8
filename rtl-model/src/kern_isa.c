// SPDX-License-Identifier: MIT
/*
 * The instruction set of the fast kernels, chosen once per process.
 *
 * The CPU is probed (cpuid through the compiler's runtime, which also
 * checks that the OS saves the vector state) on the first call only:
 * cpuid is a VM exit under a hypervisor, so it must not run per
 * command.  The path in use is then the best the CPU has, or the one
 * named by the environment variable LLA_ISA (read once, on that same
 * first call), or the one a test set with lla_kern_set_isa().  These
 * atomics are the rtl-model's only process-wide state besides the
 * worker pool (pool.c); racing first calls compute the same values, so
 * no lock is needed.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "kern.h"

static const char *const isa_names[LLA_ISA_COUNT] = {
	[LLA_ISA_NONE] = "scalar",
	[LLA_ISA_AVX2] = "avx2",
	[LLA_ISA_AVXVNNI] = "avx-vnni",
	[LLA_ISA_AVX512VNNI] = "avx512-vnni",
};

/* -1 until known. */
static atomic_int cpu_isa = -1;
static atomic_int cur_isa = -1;
/*
 * Set by detect() before cpu_isa: the CPU has AVX512-VNNI + VL usable
 * by the OS, has AVX-VNNI; the avx-vnni level's encoding in use.
 */
static atomic_int cpu_evex_ok;
static atomic_int cpu_vex_vnni;
static atomic_int vnni_evex;

#if defined(__x86_64__) && !defined(LLA_NO_SIMD)
#include <cpuid.h>

/*
 * AVX2 through the compiler's runtime (which checks XCR0 for the ymm
 * state); F16C (CPUID.1:ECX bit 29, every AVX2 CPU has it, but a
 * hypervisor may hide it), AVX-VNNI (CPUID.(EAX=7,ECX=1):EAX bit 4) and
 * AVX-512 read directly, since not every compiler's
 * __builtin_cpu_supports knows them.
 */
/* OSXSAVE, and XCR0 enables SSE, AVX, opmask, ZMM_Hi256, Hi16_ZMM. */
static int os_zmm(void)
{
	unsigned int a, b, c, d, lo, hi;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 27)))
		return 0;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	(void)hi;
	return (lo & 0xe6u) == 0xe6u;
}

/* CPUID.(7,0): EBX F (16), BW (30), VL (31); ECX VNNI (11). */
static int has_avx512vnni(void)
{
	unsigned int a, b, c, d;

	return __get_cpuid_count(7, 0, &a, &b, &c, &d) &&
	       (b & (1u << 16)) && (b & (1u << 30)) && (b & (1u << 31)) &&
	       (c & (1u << 11)) && os_zmm();
}

static int detect(void)
{
	unsigned int a, b, c, d;
	int vex_vnni, z;

	__builtin_cpu_init();
	if (!__builtin_cpu_supports("avx2") || !__get_cpuid(1, &a, &b, &c, &d) ||
	    !(c & (1u << 29)))
		return LLA_ISA_NONE;
	vex_vnni = __get_cpuid_count(7, 1, &a, &b, &c, &d) && (a & (1u << 4));
	z = has_avx512vnni();
	atomic_store(&cpu_evex_ok, z);
	atomic_store(&cpu_vex_vnni, vex_vnni);
	atomic_store(&vnni_evex, z && !vex_vnni);
	if (z)
		return LLA_ISA_AVX512VNNI;
	return vex_vnni ? LLA_ISA_AVXVNNI : LLA_ISA_AVX2;
}
#else
static int detect(void)
{
	return LLA_ISA_NONE;
}
#endif

int lla_kern_isa_cpu(void)
{
	int v = atomic_load_explicit(&cpu_isa, memory_order_relaxed);

	if (v < 0) {
		v = detect();
		atomic_store_explicit(&cpu_isa, v, memory_order_relaxed);
	}
	return v;
}

const char *lla_kern_isa_name(int isa)
{
	return isa >= 0 && isa < LLA_ISA_COUNT ? isa_names[isa] : "?";
}

int lla_kern_isa_parse(const char *name)
{
	for (int i = 0; name && i < LLA_ISA_COUNT; i++)
		if (!strcmp(name, isa_names[i]))
			return i;
	return -1;
}

int lla_kern_isa(void)
{
	int v = atomic_load_explicit(&cur_isa, memory_order_relaxed);

	if (v < 0) {
		int cpu = lla_kern_isa_cpu();
		int want = lla_kern_isa_parse(getenv("LLA_ISA"));
		int expect = -1;

		/* Unknown or unset: the best; more than the CPU has: its best. */
		v = want < 0 || want > cpu ? cpu : want;
		if (!atomic_compare_exchange_strong(&cur_isa, &expect, v))
			v = expect;	/* lla_kern_set_isa() came first */
	}
	return v;
}

int lla_kern_set_isa(int isa)
{
	if (isa < 0 || isa >= LLA_ISA_COUNT)
		return LLA_ERR_BAD_PARAM;
	if (isa > lla_kern_isa_cpu())
		return LLA_ERR_UNSUPPORTED;
	atomic_store(&cur_isa, isa);
	return LLA_OK;
}

int lla_kern_vnni_evex(void)
{
	lla_kern_isa_cpu();
	return atomic_load_explicit(&vnni_evex, memory_order_relaxed);
}

int lla_kern_set_vnni_evex(int on)
{
	lla_kern_isa_cpu();
	if (on && !atomic_load(&cpu_evex_ok))
		return LLA_ERR_UNSUPPORTED;
	/* VEX needs AVX-VNNI; without any VNNI the flag is never used */
	if (!on && atomic_load(&cpu_evex_ok) && !atomic_load(&cpu_vex_vnni))
		return LLA_ERR_UNSUPPORTED;
	atomic_store(&vnni_evex, !!on);
	return LLA_OK;
}
