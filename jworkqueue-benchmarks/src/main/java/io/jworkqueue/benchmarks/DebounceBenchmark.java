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
 * Debounce: {@value #REARMS} re-arms spread round-robin over {@value #KEYS} keys, each re-arm
 * pushing that key's deadline to 1 s from now (so nothing fires while the benchmark runs).
 * Score: re-arms per second.
 *
 * <table>
 *   <caption>competitors ({@code impl})</caption>
 *   <tr><td>{@code wq-mod-delayed}</td><td>{@code system().modDelayed(key, 1 s)}</td></tr>
 *   <tr><td>{@code stpe}</td><td>per key {@code future.cancel(false)} then
 *       {@code schedule(task, 1 s)} on a {@code ScheduledThreadPoolExecutor(1)} with
 *       {@code setRemoveOnCancelPolicy(true)} (without it the queue would grow by every
 *       re-arm)</td></tr>
 * </table>
 * Target: {@code wq-mod-delayed} at least 5x {@code stpe}.
 *
 * <p>Run: {@code java -jar jworkqueue-benchmarks/target/benchmarks.jar DebounceBenchmark -f 1 -wi 5 -i 10 -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(1)
@Threads(1)
public class DebounceBenchmark {
    static final int KEYS = 1000;
    static final int REARMS = 1_000_000;
    static final Duration DELAY = Duration.ofSeconds(1);
    static final long DELAY_NANOS = DELAY.toNanos();

    @Param({"wq-mod-delayed", "stpe"})
    public String impl;

    WorkqueueRuntime runtime;
    Workqueue wq;
    ScheduledThreadPoolExecutor stpe;

    final DelayedWork[] keys = new DelayedWork[KEYS];
    final Runnable[] tasks = new Runnable[KEYS];
    final ScheduledFuture<?>[] futures = new ScheduledFuture<?>[KEYS];
    volatile long fired;

    @Setup(Level.Trial)
    public void setUp() {
        for (int k = 0; k < KEYS; k++) {
            tasks[k] = () -> fired++;
            Runnable r = tasks[k];
            keys[k] = new DelayedWork(self -> r.run());
        }
        if (impl.equals("wq-mod-delayed")) {
            runtime = WorkqueueRuntime.builder().cpus(Executors2.cpus()).build();
            wq = runtime.system();
        } else if (impl.equals("stpe")) {
            stpe = new ScheduledThreadPoolExecutor(1);
            stpe.setRemoveOnCancelPolicy(true);
        } else {
            throw new IllegalArgumentException(impl);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (wq != null) {
            for (DelayedWork k : keys) {
                k.cancelSync();
            }
            runtime.close();
        }
        Executors2.shutdown(stpe);
    }

    @Benchmark
    @OperationsPerInvocation(REARMS)
    public void rearm() {
        if (wq != null) {
            Workqueue q = wq;
            DelayedWork[] ks = keys;
            for (int i = 0; i < REARMS; i++) {
                q.modDelayed(ks[i % KEYS], DELAY);
            }
        } else {
            ScheduledThreadPoolExecutor s = stpe;
            ScheduledFuture<?>[] fs = futures;
            Runnable[] ts = tasks;
            for (int i = 0; i < REARMS; i++) {
                int k = i % KEYS;
                ScheduledFuture<?> f = fs[k];
                if (f != null) {
                    f.cancel(false);
                }
                fs[k] = s.schedule(ts[k], DELAY_NANOS, TimeUnit.NANOSECONDS);
            }
        }
    }
}
