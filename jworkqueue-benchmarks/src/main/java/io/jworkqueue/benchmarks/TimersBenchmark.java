package io.jworkqueue.benchmarks;

import io.jworkqueue.DelayedWork;
import io.jworkqueue.Workqueue;
import io.jworkqueue.WorkqueueRuntime;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Arm and cancel {@value #TIMERS} timers: one thread arms them all (delays scattered between
 * 10 s and 70 s, so none fires), then cancels them all in arming order. Score: arm + cancel pairs
 * per second.
 *
 * <table>
 *   <caption>competitors ({@code impl})</caption>
 *   <tr><td>{@code wq-delayed}</td><td>{@code system().queueDelayed(delayedWork, d)}, then
 *       {@code delayedWork.cancel()}: the item is its own timer node</td></tr>
 *   <tr><td>{@code stpe}</td><td>{@code ScheduledThreadPoolExecutor(1)} with
 *       {@code setRemoveOnCancelPolicy(true)}: {@code schedule(task, d)}, then
 *       {@code future.cancel(false)}</td></tr>
 * </table>
 * Target: {@code wq-delayed} at least 3x {@code stpe}. With {@code -prof gc} the
 * {@code wq-delayed} row shows the allocation of arm + cancel (target 0 B/op).
 *
 * <p>Run: {@code java -jar jworkqueue-benchmarks/target/benchmarks.jar TimersBenchmark -f 1 -wi 5 -i 10 -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(1)
@Threads(1)
public class TimersBenchmark {
    static final int TIMERS = 200_000;
    /** Distinct delays, scattered so that insertion order is not expiry order. */
    static final int DELAYS = 4096;

    @Param({"wq-delayed", "stpe"})
    public String impl;

    WorkqueueRuntime runtime;
    Workqueue wq;
    ScheduledThreadPoolExecutor stpe;

    final DelayedWork[] items = new DelayedWork[TIMERS];
    final ScheduledFuture<?>[] futures = new ScheduledFuture<?>[TIMERS];
    final Duration[] delays = new Duration[DELAYS];
    final long[] delayNanos = new long[DELAYS];
    final Runnable task = () -> { };

    @Setup(Level.Trial)
    public void setUp() {
        for (int i = 0; i < DELAYS; i++) {
            long ms = 10_000 + (i * 7919L) % 60_000;
            delays[i] = Duration.ofMillis(ms);
            delayNanos[i] = TimeUnit.MILLISECONDS.toNanos(ms);
        }
        if (impl.equals("wq-delayed")) {
            runtime = WorkqueueRuntime.builder().cpus(Executors2.cpus()).build();
            wq = runtime.system();
            for (int i = 0; i < TIMERS; i++) {
                items[i] = new DelayedWork(self -> task.run());
            }
        } else if (impl.equals("stpe")) {
            stpe = new ScheduledThreadPoolExecutor(1);
            stpe.setRemoveOnCancelPolicy(true);
        } else {
            throw new IllegalArgumentException(impl);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        Executors2.shutdown(stpe, runtime);
    }

    @Benchmark
    @OperationsPerInvocation(TIMERS)
    public int armCancel() {
        int cancelled = 0;
        if (wq != null) {
            DelayedWork[] its = items;
            Workqueue q = wq;
            for (int i = 0; i < TIMERS; i++) {
                q.queueDelayed(its[i], delays[i & (DELAYS - 1)]);
            }
            for (int i = 0; i < TIMERS; i++) {
                if (its[i].cancel()) {
                    cancelled++;
                }
            }
        } else {
            ScheduledFuture<?>[] fs = futures;
            ScheduledThreadPoolExecutor s = stpe;
            for (int i = 0; i < TIMERS; i++) {
                fs[i] = s.schedule(task, delayNanos[i & (DELAYS - 1)], TimeUnit.NANOSECONDS);
            }
            for (int i = 0; i < TIMERS; i++) {
                if (fs[i].cancel(false)) {
                    cancelled++;
                }
                fs[i] = null;
            }
        }
        return cancelled;
    }
}
