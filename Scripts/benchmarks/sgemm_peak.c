/* The machine's single-precision matrix-product peak as oneDNN reaches it (dnnl_sgemm, the
 * library vizrun's convolutions come from), for the benchmark's "share of peak" column.
 *
 *   cc -O2 sgemm_peak.c -o sgemm_peak -ldnnl && ./sgemm_peak [N]     prints gflops=<best of 5>
 */
#include <oneapi/dnnl/dnnl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 2048;
    float *a = malloc(sizeof(float) * n * n), *b = malloc(sizeof(float) * n * n), *c = malloc(sizeof(float) * n * n);
    for (long i = 0; i < n * n; i++) { a[i] = (float)(i % 13) * 0.01f; b[i] = (float)(i % 7) * 0.02f; c[i] = 0; }
    double best = 0;
    for (int round = 0; round < 6; round++) {
        double start = seconds();
        if (dnnl_sgemm('N', 'N', n, n, n, 1.0f, a, n, b, n, 0.0f, c, n) != dnnl_success) return 1;
        double gflops = 2.0 * n * n * n / (seconds() - start) / 1e9;
        if (round > 0 && gflops > best) best = gflops;  /* round 0 warms up the JIT kernels */
    }
    printf("gflops=%.1f\n", best);
    return 0;
}
