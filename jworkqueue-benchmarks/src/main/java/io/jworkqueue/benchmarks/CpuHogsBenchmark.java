package io.jworkqueue.benchmarks;

import org.openjdk.jmh.infra.Blackhole;

/**
 * CPU hogs: {@value #HOGS} items that each burn {@value #HOG_MILLIS} ms of CPU (twice the
 * runtime's default CPU-intensive threshold of 10 ms, so it can tell them for hogs), each
 * followed by {@value #SPACING} short items; the score is the time until every short item
 * finished (the frame and the competitors are in {@link StallingItemsBenchmark}). A virtual
 * thread is never preempted, so on {@code n} carriers plain virtual threads run the hogs
 * {@code n} at a time and the short items behind them wait about {@code HOGS x 20 ms / n}
 * (160 ms on 2 CPUs); platform threads are time-sliced by the OS.
 *
 * <p>Run: {@code java -jar jworkqueue-benchmarks/target/benchmarks.jar CpuHogsBenchmark -f 1 -wi 5 -i 15}
 */
public class CpuHogsBenchmark extends StallingItemsBenchmark {
    static final int HOGS = 16;
    static final int HOG_MILLIS = 20;
    static final int SPACING = 25;

    @Override
    int stallers() {
        return HOGS;
    }

    @Override
    int spacing() {
        return SPACING;
    }

    @Override
    Runnable staller(int i) {
        long tokens = Burn.tokensFor(HOG_MILLIS * 1_000_000L);
        return () -> Blackhole.consumeCPU(tokens);
    }
}
