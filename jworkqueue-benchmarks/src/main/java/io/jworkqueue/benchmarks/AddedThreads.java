package io.jworkqueue.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * The secondary result {@code threads}: how many platform threads the JVM has above its count
 * just before the competitor was built ({@link #baseline()}, called first thing in the
 * benchmark's trial setup), the most seen in an iteration. A benchmark calls {@link #sample()}
 * after each batch; for a runtime that counts its workers, monitor and timer threads, for a
 * virtual-thread executor the carrier threads of the JDK's scheduler. JMH's own benchmark
 * threads ({@code *-jmh-worker-*}, which may still be starting when the baseline is taken) are
 * left out of both counts. Each JMH fork runs one competitor, so the baseline is per JVM.
 *
 * <p>JMH sums an {@code EVENTS} counter over the benchmark's threads and iterations; only the
 * first benchmark thread samples, so an iteration's raw value is the figure itself, and
 * {@code bench/report.py} takes the largest iteration.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.EVENTS)
public class AddedThreads {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static volatile int before;

    /** The counter: threads added, the most seen in this iteration. */
    public long threads;
    private boolean sampler;
    private int workers;

    /** Records the JVM's thread count before the competitor exists. */
    static void baseline() {
        before = THREADS.getThreadCount() - jmhWorkers();
    }

    /** JMH's benchmark threads alive now (off the measured path: reads every thread's name). */
    private static int jmhWorkers() {
        int n = 0;
        for (ThreadInfo t : THREADS.getThreadInfo(THREADS.getAllThreadIds(), 0)) {
            if (t != null && t.getThreadName().contains("-jmh-worker-")) {
                n++;
            }
        }
        return n;
    }

    @Setup(Level.Trial)
    public void setUp(ThreadParams thread) {
        sampler = thread.getThreadIndex() == 0;
    }

    @Setup(Level.Iteration)
    public void reset() {
        threads = 0;
        if (sampler) {
            workers = jmhWorkers();
        }
    }

    /** Called by the benchmark after a batch. */
    void sample() {
        if (sampler) {
            threads = Math.max(threads, THREADS.getThreadCount() - workers - before);
        }
    }
}
