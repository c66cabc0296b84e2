package io.jworkqueue.benchmarks;

import io.jworkqueue.Work;
import io.jworkqueue.Workqueue;
import io.jworkqueue.WorkqueueFlag;
import io.jworkqueue.WorkqueueRuntime;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Queueing an item that is already pending: the call must see PENDING and return false,
 * changing nothing. The item is kept pending by queueing it once on a {@code FREEZABLE}
 * workqueue of a frozen runtime, so it never starts. Score: nanoseconds per call.
 *
 * <table>
 *   <caption>competitors ({@code impl})</caption>
 *   <tr><td>{@code wq-queue}</td><td>{@code wq.queue(pendingItem)} (returns false)</td></tr>
 *   <tr><td>{@code cas-floor}</td><td>a failing {@code AtomicBoolean.compareAndSet(false, true)}:
 *       the least any "already queued?" check with the required ordering can cost</td></tr>
 * </table>
 * Target: {@code wq-queue} within 3x of {@code cas-floor}.
 *
 * <p>Run: {@code java -jar jworkqueue-benchmarks/target/benchmarks.jar QueuePendingBenchmark -f 1 -wi 5 -i 10 -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(1)
@Threads(1)
public class QueuePendingBenchmark {
    @Param({"wq-queue", "cas-floor"})
    public String impl;

    WorkqueueRuntime runtime;
    Workqueue wq;
    Work item;
    boolean ours;
    final AtomicBoolean flag = new AtomicBoolean(true);

    @Setup(Level.Trial)
    public void setUp() {
        ours = impl.equals("wq-queue");
        if (!ours && !impl.equals("cas-floor")) {
            throw new IllegalArgumentException(impl);
        }
        runtime = WorkqueueRuntime.builder().cpus(Executors2.cpus()).build();
        wq = runtime.alloc("bench-frozen", Set.of(WorkqueueFlag.FREEZABLE), 0);
        item = new Work(self -> { });
        runtime.freeze();
        if (!wq.queue(item) || wq.queue(item)) {
            throw new IllegalStateException("the item should be pending");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        item.cancel();
        runtime.thaw();
        runtime.close();
    }

    @Benchmark
    public boolean queuePending() {
        return ours ? wq.queue(item) : flag.compareAndSet(false, true);
    }
}
