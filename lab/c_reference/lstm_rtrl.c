/* A plain-C online learner of the Exp 4 size: the bench's speed floor (not part of the lab's engine).
 *
 * The 1997 LSTM with C blocks of S cells, input and output gates, fully recurrent ("F"), biases on every
 * unit, g in [-2,2], h in [-1,1], logistic output units, trained by the paper's truncated RTRL
 * (partials dS_in, dS_c; App. A.1) with the weights changed once per sequence, on adding-problem
 * sequences of length T..T+T/10 that it draws itself (xorshift). The same work per step as the lab's
 * kernel, written the way a C programmer would: fixed-size arrays, no allocation in the loop.
 *
 * usage: lstm_rtrl N_SEQUENCES T   -> prints "sequences seconds steps"
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define NIN 2
#define C 2
#define S 2
#define O 1
#define CS (C * S)
#define G (2 * C)
#define U (G + CS)
#define I (NIN + U + 1)
#define J (CS + 1)

static unsigned long long rng_state = 88172645463325252ULL;
static double uniform(void) {                 /* xorshift64, in [0, 1) */
    rng_state ^= rng_state << 13; rng_state ^= rng_state >> 7; rng_state ^= rng_state << 17;
    return (rng_state >> 11) * (1.0 / 9007199254740992.0);
}
static double f(double x) { return 0.5 + 0.5 * tanh(0.5 * x); }

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 10000;
    int T0 = argc > 2 ? atoi(argv[2]) : 100;
    static double W[I][U], Wk[J][O], dW[I][U], dWk[J][O], dS_in[CS][I], dS_c[CS][I];
    static double x[2000][NIN];
    double net[U], a[U], a_prev[U], s[CS], z[I], y, target, lr = 0.5;
    for (int m = 0; m < I; m++) for (int u = 0; u < U; u++) W[m][u] = 0.2 * uniform() - 0.1;
    for (int j = 0; j < J; j++) Wk[j][0] = 0.2 * uniform() - 0.1;
    W[I - 1][0] = -3.0; W[I - 1][1] = -6.0;   /* the Exp 4 input-gate biases */
    long steps = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long seq = 0; seq < n; seq++) {
        int T = T0 + (int)(uniform() * (T0 / 10 + 1));          /* the adding problem's sequence */
        for (int t = 0; t < T; t++) { x[t][0] = 2.0 * uniform() - 1.0; x[t][1] = 0.0; }
        int p1 = (int)(uniform() * 10), p2 = (int)(uniform() * (T / 2 - 1));
        if (p2 == p1) p2 = p1 + 1;
        x[p1][1] = 1.0; x[p2][1] = 1.0; x[0][1] = x[0][1] ? 1.0 : -1.0; x[T - 1][1] = -1.0;
        target = 0.5 + (x[p1][0] + x[p2][0]) / 4.0;
        for (int u = 0; u < U; u++) a_prev[u] = 0.0;
        for (int c = 0; c < CS; c++) { s[c] = 0.0; for (int m = 0; m < I; m++) dS_in[c][m] = dS_c[c][m] = 0.0; }
        for (int t = 0; t < T; t++, steps++) {
            z[0] = x[t][0]; z[1] = x[t][1];
            for (int u = 0; u < U; u++) z[NIN + u] = a_prev[u];
            z[I - 1] = 1.0;
            for (int u = 0; u < U; u++) { double acc = 0; for (int m = 0; m < I; m++) acc += W[m][u] * z[m]; net[u] = acc; }
            for (int u = 0; u < G; u++) a[u] = f(net[u]);
            for (int j = 0; j < C; j++) for (int v = 0; v < S; v++) {
                int c = j * S + v;
                double g = 2.0 * tanh(0.5 * net[G + c]), y_in = a[j];
                double d_in = g * y_in * (1.0 - y_in), d_c = (1.0 - 0.25 * g * g) * y_in;
                for (int m = 0; m < I; m++) { dS_in[c][m] += d_in * z[m]; dS_c[c][m] += d_c * z[m]; }
                s[c] += y_in * g;
                a[G + c] = a[C + j] * tanh(0.5 * s[c]);
            }
            for (int u = 0; u < U; u++) a_prev[u] = a[u];
        }
        /* the target at the sequence end: eqs 19-28, summed into dW and applied */
        double acc = Wk[J - 1][0];
        for (int c = 0; c < CS; c++) acc += Wk[c][0] * a[G + c];
        y = f(acc);
        double e_k = y * (1.0 - y) * (target - y);
        for (int m = 0; m < I; m++) for (int u = 0; u < U; u++) dW[m][u] = 0.0;
        for (int j = 0; j < C; j++) {
            double e_out = 0.0;
            for (int v = 0; v < S; v++) {
                int c = j * S + v;
                double h = tanh(0.5 * s[c]), back = Wk[c][0] * e_k, e_s = a[C + j] * 0.5 * (1.0 - h * h) * back;
                e_out += h * back;
                for (int m = 0; m < I; m++) { dW[m][j] += e_s * dS_in[c][m]; dW[m][G + c] += e_s * dS_c[c][m]; }
            }
            e_out *= a[C + j] * (1.0 - a[C + j]);
            for (int m = 0; m < I; m++) dW[m][C + j] += e_out * z[m];
        }
        for (int c = 0; c < CS; c++) dWk[c][0] = e_k * a[G + c];
        dWk[J - 1][0] = e_k;
        for (int m = 0; m < I; m++) for (int u = 0; u < U; u++) W[m][u] += lr * dW[m][u];
        for (int j = 0; j < J; j++) Wk[j][0] += lr * dWk[j][0];
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec);
    printf("%ld %.6f %ld %.6f\n", n, secs, steps, Wk[0][0]);
    return 0;
}
