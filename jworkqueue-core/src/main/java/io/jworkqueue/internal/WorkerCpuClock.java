package io.jworkqueue.internal;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * Per-worker CPU-time accounting: charges each pwq's {@code cpu_time} for the items a worker ran.
 *
 * <p>Reading a clock per tiny item would cost as much as the rest of its bookkeeping, so a worker
 * charges <em>segments</em>: the consecutive items of one pwq it ran, at most
 * {@value #SEGMENT_ITEMS}, with one wall-clock reading at each segment's end (and before a flush
 * barrier runs or a flushed colour drains, so flushers see their items charged). The thread CPU
 * clock, a system call, is read only for segments of 50 us or more of wall time; shorter ones are
 * charged their wall time, and the next reading is corrected by what was charged meanwhile. The
 * fields it keeps are the worker's ({@code Worker.cpuMark}, {@code clock}, {@code segmentPwq}):
 * confined to its thread, the segment written under the pool lock (L).
 */
final class WorkerCpuClock {
    /** Segments shorter than this (wall time) are charged their wall time, without a CPU clock reading. */
    private static final long SHORT_ITEM_NANOS = 50_000;
    /** At most this many items of one pwq are charged per clock reading (see {@link #chargeSegment}). */
    static final int SEGMENT_ITEMS = 32;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    /** The JVM reads threads' CPU clocks (a virtual thread has none all the same). */
    static final boolean CPU_CLOCK = THREADS.isCurrentThreadCpuTimeSupported();

    /** A run of items starts: no segment is open; the first item opens one. */
    static void startRun(Worker w) {
        w.segmentPwq = null;
        w.segmentItems = 0;
    }

    /** A run of items ends: charges its last segment (L). */
    static void endRun(Worker w) {
        chargeSegment(w);
    }

    /**
     * Charges the worker's open segment, the consecutive items of one pwq it ran since the last
     * clock reading, to that pwq's cpu_time, and starts a new segment now (L). One wall-clock
     * reading serves up to {@link #SEGMENT_ITEMS} items, where a reading per item would cost
     * as much as the rest of a tiny item's bookkeeping on some virtual machines. A segment ends
     * when the pwq changes, after {@link #SEGMENT_ITEMS} items, before a flush barrier runs and
     * before a flushed colour drains (so a flusher sees what it waited for charged), and when
     * the run ends. The sum over pwqs stays exact, like the kernel's tick-based accounting.
     */
    static void chargeSegment(Worker w) {
        long now = w.pool.runtime.nanoTime();
        PoolWorkqueue p = w.segmentPwq;
        if (p != null) {
            p.cpuTime += cpuCharge(w, now - w.clock);
            w.segmentPwq = null;
            w.segmentItems = 0;
        }
        w.clock = now;
    }

    /**
     * Reads the worker's CPU clock as the base of the next run's charges. A pool worker does it
     * before it parks, not when it wakes: the reading is a system call, and on the way from a
     * kick to the first item it would only add latency. A parked thread uses no CPU, so the
     * base stays right.
     */
    static void markCpu(Worker w) {
        if (CPU_CLOCK && !w.virtualThread) {
            w.cpuMark = THREADS.getCurrentThreadCpuTime();
            w.attributedSinceMark = 0;
        }
    }

    private static long cpuCharge(Worker w, long wallNanos) {
        if (!CPU_CLOCK || w.virtualThread) {
            return wallNanos; // a virtual thread has no CPU clock: charged its wall time
        }
        if (wallNanos < SHORT_ITEM_NANOS) {
            w.attributedSinceMark += wallNanos;
            return wallNanos;
        }
        long now = THREADS.getCurrentThreadCpuTime();
        long charge = Math.max(0, now - w.cpuMark - w.attributedSinceMark);
        w.cpuMark = now;
        w.attributedSinceMark = 0;
        return charge;
    }

    /** @return the CPU time of {@code t} in nanoseconds, or -1 without a CPU clock (the monitor's reading of another thread) */
    static long threadCpuTime(Thread t) {
        return CPU_CLOCK ? THREADS.getThreadCpuTime(t.threadId()) : -1;
    }

    private WorkerCpuClock() {}
}
