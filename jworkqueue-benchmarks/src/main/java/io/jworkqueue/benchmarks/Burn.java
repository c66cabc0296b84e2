package io.jworkqueue.benchmarks;

import org.openjdk.jmh.infra.Blackhole;

/**
 * CPU work of a given duration: {@link Blackhole#consumeCPU(long)} with a token count calibrated
 * once per JVM (the fastest of several timed runs, so a noisy neighbour during calibration makes
 * the burn longer, never shorter). Burning by work rather than by wall clock keeps a preempted
 * item from counting its waiting time as work.
 */
final class Burn {
    private static volatile double tokensPerNano;

    private Burn() {}

    static long tokensFor(long nanos) {
        double t = tokensPerNano;
        if (t == 0) {
            t = calibrate();
        }
        return Math.max(1, Math.round(nanos * t));
    }

    private static synchronized double calibrate() {
        if (tokensPerNano != 0) {
            return tokensPerNano;
        }
        final long tokens = 200_000;
        for (int i = 0; i < 20; i++) {
            Blackhole.consumeCPU(tokens); // warm up
        }
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 30; i++) {
            long t0 = System.nanoTime();
            Blackhole.consumeCPU(tokens);
            best = Math.min(best, System.nanoTime() - t0);
        }
        tokensPerNano = (double) tokens / Math.max(1, best);
        return tokensPerNano;
    }
}
