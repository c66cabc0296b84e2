package io.jworkqueue.benchmarks;

import com.google.common.util.concurrent.MoreExecutors;
import io.jworkqueue.Work;
import io.jworkqueue.Workqueue;
import io.jworkqueue.WorkqueueRuntime;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import kotlinx.coroutines.Dispatchers;
import kotlinx.coroutines.ExecutorsKt;
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
 * Many per-entity serial queues: {@value #ENTITIES} serial executors, one per entity, and batches
 * of {@value #ITEMS} tiny items spread over them round-robin (so every entity gets
 * {@code ITEMS / ENTITIES} items per batch, in order); one producer waits for each batch. Each
 * item checks its entity's sequence number. Score: items per second; the secondary result
 * {@code threads} ({@link AddedThreads}) is the largest number of platform threads the JVM had
 * above its count before the competitor was built (sampled after every batch), to check
 * "threads &lt;= 2 x CPUs + 4".
 *
 * <table>
 *   <caption>competitors ({@code impl})</caption>
 *   <tr><td>{@code wq-ordered}</td><td>{@code runtime.allocOrdered(..)} x {@value #ENTITIES}, platform workers</td></tr>
 *   <tr><td>{@code wq-ordered-virtual}</td><td>the same on a runtime built with
 *       {@code virtualUnboundWorkers(true)}: the unbound workers are virtual threads</td></tr>
 *   <tr><td>{@code guava-sequential}</td><td>{@code MoreExecutors.newSequentialExecutor(pool)} x
 *       {@value #ENTITIES} over one {@code ForkJoinPool(cpus)}</td></tr>
 *   <tr><td>{@code kotlin-limited}</td><td>{@code Dispatchers.getDefault().limitedParallelism(1)} x
 *       {@value #ENTITIES}, each used through {@code ExecutorsKt.asExecutor}</td></tr>
 *   <tr><td>{@code vthreads-sequential}</td><td>{@code MoreExecutors.newSequentialExecutor(pool)} x
 *       {@value #ENTITIES} over one {@code newVirtualThreadPerTaskExecutor()}</td></tr>
 * </table>
 * Targets: {@code wq-ordered} at least 1x the best baseline and at least 1x
 * {@code guava-sequential}, with at most 2 x CPUs + 4 threads added.
 *
 * <p>Run: {@code java -jar jworkqueue-benchmarks/target/benchmarks.jar PerEntitySerialBenchmark -f 1 -wi 5 -i 10 -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 2)
@Fork(1)
@Threads(1)
public class PerEntitySerialBenchmark {
    static final int ENTITIES = 10_000;
    static final int ITEMS = 20_000;

    @Param({"wq-ordered", "wq-ordered-virtual", "guava-sequential", "kotlin-limited", "vthreads-sequential"})
    public String impl;

    WorkqueueRuntime runtime;
    Workqueue[] workqueues;
    ExecutorService pool;
    Executor[] executors;

    final Completion completion = new Completion();
    final Work[] items = new Work[ITEMS];
    final Runnable[] tasks = new Runnable[ITEMS];
    /** Per entity: the sequence number its next item expects (touched by one item at a time). */
    final int[] next = new int[ENTITIES];
    volatile int outOfOrder;

    @Setup(Level.Trial)
    public void setUp() {
        AddedThreads.baseline();
        switch (impl) {
            case "wq-ordered", "wq-ordered-virtual" -> {
                runtime = Executors2.runtime(Executors2.cpus(), impl.equals("wq-ordered-virtual"));
                workqueues = new Workqueue[ENTITIES];
                for (int e = 0; e < ENTITIES; e++) {
                    workqueues[e] = runtime.allocOrdered("entity-" + e, Set.of());
                }
            }
            case "guava-sequential" -> {
                pool = Executors2.forkJoinPool(Executors2.cpus());
                executors = new Executor[ENTITIES];
                for (int e = 0; e < ENTITIES; e++) {
                    executors[e] = MoreExecutors.newSequentialExecutor(pool);
                }
            }
            case "vthreads-sequential" -> {
                pool = Executors2.virtualPerTask();
                executors = new Executor[ENTITIES];
                for (int e = 0; e < ENTITIES; e++) {
                    executors[e] = MoreExecutors.newSequentialExecutor(pool);
                }
            }
            case "kotlin-limited" -> {
                executors = new Executor[ENTITIES];
                for (int e = 0; e < ENTITIES; e++) {
                    executors[e] = ExecutorsKt.asExecutor(Dispatchers.getDefault().limitedParallelism(1, null));
                }
            }
            default -> throw new IllegalArgumentException(impl);
        }
        for (int i = 0; i < ITEMS; i++) {
            int entity = i % ENTITIES;
            int seq = i / ENTITIES;
            Runnable r = () -> {
                if (next[entity]++ != seq) {
                    outOfOrder++;
                }
                completion.done();
            };
            tasks[i] = r;
            items[i] = new Work(self -> r.run());
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        Executors2.shutdown(pool, runtime);
        if (outOfOrder != 0) {
            throw new AssertionError(impl + ": " + outOfOrder + " items ran out of order");
        }
    }

    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public void spread(AddedThreads added) {
        Completion c = completion;
        c.reset(ITEMS);
        java.util.Arrays.fill(next, 0);
        if (workqueues != null) {
            Workqueue[] wqs = workqueues;
            Work[] its = items;
            for (int i = 0; i < ITEMS; i++) {
                wqs[i % ENTITIES].queue(its[i]);
            }
        } else {
            Executor[] ex = executors;
            Runnable[] ts = tasks;
            for (int i = 0; i < ITEMS; i++) {
                ex[i % ENTITIES].execute(ts[i]);
            }
        }
        c.await();
        added.sample();
    }
}
