/* A plain-C online learner of the Exp 2a competitor: the bench's speed floor for the RTRL rows (not part
 * of the lab's engine).
 *
 * The net of rnn.exp2a_config(p): p+1 one-hot inputs given by symbol index, one self-recurrent logistic
 * hidden unit, p+1 logistic output units that read the hidden unit and the inputs, no biases (10,404
 * weights at p = 100), trained by real-time RTRL (Williams & Zipser 1989): the weights change at every
 * step, a target (the next symbol, one-hot) at every step. Its sequences: x or y (xorshift, each with
 * probability 1/2), a1 .. a(p-1), then the first symbol again; p steps, inputs the first p symbols,
 * targets the last p. It scores each sequence by the row's stopping rule ABS(0.25) (max |target - y|
 * over all steps and outputs) and counts the correct ones.
 *
 * The same arithmetic, in the same order, as the lab's kernel (kernels_rnn_train.rtrl_sequence), so the
 * weights after N sequences agree to rounding (tests/test_lab_bench.py):
 *   net_h = w_xh[s] + w_hh h(t-1),  h = f(net_h),  f(x) = 0.5 + 0.5 tanh(x/2)
 *   p_i   = f'(net_h) (w_hh p_i + z_i),  z = [x(t), h(t-1)],  p = dh/dw_h carried over the sequence
 *   net_o = h w_ho + w_xo[s],  y = f(net_o),  e_o = y (1 - y)(target - y)   (E = sum (target - y)^2, no 1/2)
 *   dh = sum_o w_ho e_o (this step's weights), then  w_h[i] += lr dh p_i,  w_o[j] += lr e_o q_j (q_j != 0)
 * written the way a C programmer would: fixed-size arrays, no allocation in the loop.
 *
 * usage: rnn_rtrl_2a N_SEQUENCES [P [LR]]    -> prints "sequences seconds steps correct"
 *        rnn_rtrl_2a N_SEQUENCES P LR check  -> then three lines: the first symbol of every sequence, and
 *                                              the weights W_h (I) then W_o (J x O, row by row) before and
 *                                              after training (%.17g)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PMAX 100
#define NMAX (PMAX + 1)                       /* inputs = outputs = p + 1 */

static unsigned long long rng_state = 88172645463325252ULL;
static double uniform(void) {                 /* xorshift64, in [0, 1) */
    rng_state ^= rng_state << 13; rng_state ^= rng_state >> 7; rng_state ^= rng_state << 17;
    return (rng_state >> 11) * (1.0 / 9007199254740992.0);
}
static double f(double x) { return 0.5 + 0.5 * tanh(0.5 * x); }

static void print_weights(const double *W_h, double W_o[][NMAX], int I, int J, int O) {
    for (int i = 0; i < I; i++) printf("%.17g ", W_h[i]);
    for (int j = 0; j < J; j++) for (int o = 0; o < O; o++) printf("%.17g ", W_o[j][o]);
    printf("\n");
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 10000;
    int p = argc > 2 ? atoi(argv[2]) : 100;
    double lr = argc > 3 ? atof(argv[3]) : 1.0;
    int check = argc > 4 && strcmp(argv[4], "check") == 0;
    if (p < 2 || p > PMAX || n < 1) { fprintf(stderr, "need N >= 1 and 2 <= P <= %d\n", PMAX); return 2; }
    int NIN = p + 1, O = p + 1, I = NIN + 1, J = 1 + NIN;    /* sources: z = [x, h(t-1)], q = [h, x] */
    static double W_h[NMAX + 1], P[NMAX + 1], z[NMAX + 1], W_o[NMAX + 1][NMAX], y[NMAX], e_o[NMAX];
    static int sym[PMAX], target[PMAX];
    for (int i = 0; i < I; i++) W_h[i] = 0.4 * uniform() - 0.2;                 /* uniform in [-0.2, 0.2) */
    for (int j = 0; j < J; j++) for (int o = 0; o < O; o++) W_o[j][o] = 0.4 * uniform() - 0.2;
    int *first = check ? malloc(n * sizeof(int)) : NULL;
    if (check) { for (long s = 0; s < n; s++) first[s] = p - 1 + (uniform() < 0.5); }
    double *W0 = check ? malloc((I + J * O) * sizeof(double)) : NULL;
    if (check) { memcpy(W0, W_h, I * sizeof(double)); for (int j = 0; j < J; j++) memcpy(W0 + I + j * O, W_o[j], O * sizeof(double)); }
    long steps = 0, correct = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long seq = 0; seq < n; seq++) {
        int x0 = check ? first[seq] : p - 1 + (uniform() < 0.5);         /* x (p-1) or y (p) */
        for (int t = 0; t < p; t++) { sym[t] = t ? t - 1 : x0; target[t] = t < p - 1 ? t : x0; }
        double h_prev = 0.0, worst = 0.0;
        for (int i = 0; i < I; i++) { P[i] = 0.0; z[i] = 0.0; }
        for (int t = 0; t < p; t++, steps++) {
            int s = sym[t];
            double w_hh = W_h[NIN];
            double h = f(W_h[s] + h_prev * w_hh);                          /* the hidden unit */
            double fp = h * (1.0 - h);
            z[s] = 1.0; z[NIN] = h_prev;
            for (int i = 0; i < I; i++) P[i] = fp * (w_hh * P[i] + z[i]);  /* RTRL sensitivities */
            z[s] = 0.0;
            double dh = 0.0;
            for (int o = 0; o < O; o++) {                                   /* outputs, their errors, dh */
                y[o] = f(h * W_o[0][o] + W_o[1 + s][o]);
                double d = (o == target[t] ? 1.0 : 0.0) - y[o];
                worst = fabs(d) > worst ? fabs(d) : worst;
                e_o[o] = y[o] * (1.0 - y[o]) * d;
                dh += W_o[0][o] * e_o[o];
            }
            for (int i = 0; i < I; i++) W_h[i] += lr * (dh * P[i]);        /* real-time changes */
            for (int o = 0; o < O; o++) W_o[0][o] += lr * (e_o[o] * h);
            for (int o = 0; o < O; o++) W_o[1 + s][o] += lr * e_o[o];
            h_prev = h;
        }
        correct += worst < 0.25;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec);
    printf("%ld %.6f %ld %ld\n", n, secs, steps, correct);
    if (check) {
        for (long s = 0; s < n; s++) printf("%d ", first[s]);
        printf("\n");
        for (int i = 0; i < I + J * O; i++) printf("%.17g ", W0[i]);
        printf("\n");
        print_weights(W_h, W_o, I, J, O);
    }
    return 0;
}
