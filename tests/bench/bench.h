/* tests/bench/bench.h -- what every benchmark here measures with: the
 * monotonic clock, and nearest-rank percentiles of sorted samples. */
#ifndef TESTS_BENCH_BENCH_H
#define TESTS_BENCH_BENCH_H

#include <stddef.h>
#include <time.h>

/* The monotonic clock in microseconds. */
static inline double
bench_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* The monotonic clock in seconds. */
static inline double
bench_now_s(void)
{
	return bench_now_us() / 1e6;
}

/* For qsort() of doubles, ascending. */
static inline int
bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile (p in 0..1) of the sorted array 'v' of 'n'
 * values; 0 when empty. */
static inline double
bench_percentile(const double *v, size_t n, double p)
{
	size_t k;

	if (n == 0)
		return 0;
	k = (size_t)(p * (double)n);		/* ceil without libm */
	if ((double)k < p * (double)n)
		k++;
	return v[k > 0 ? k - 1 : 0];
}

#endif
