package io.jworkqueue.benchmarks;

import com.google.common.util.concurrent.MoreExecutors;
import io.jworkqueue.Work;
import io.jworkqueue.Workqueue;
import io.jworkqueue.WorkqueueRuntime;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ForkJoinPool;
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
 * An ordered stream from one producer: batches of {@value #BATCH} tiny items, each checking
 * that it runs in submission order; the producer waits for the batch. Score: items per second.
 *
 * <table>
 *   <caption>competitors ({@code impl})</caption>
 *   <tr><td>{@code wq-ordered}</td><td>{@code runtime.allocOrdered(..).queue(item)}</td></tr>
 *   <tr><td>{@code single-thread}</td><td>{@code Executors.newSingleThreadExecutor()}</td></tr>
 *   <tr><td>{@code guava-sequential}</td><td>Guava
 *       {@code MoreExecutors.newSequentialExecutor(ForkJoinPool.commonPool())}</td></tr>
 * </table>
 * Targets: {@code wq-ordered} at least 2x {@code guava-sequential} and 1x {@code single-thread}.
 *
 * <p>Run: {@code java -jar jworkqueue-benchmarks/target/benchmarks.jar OrderedStreamBenchmark -f 1 -wi 5 -i 10 -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(1)
@Threads(1)
public class OrderedStreamBenchmark {
    static final int BATCH = 1000;

    @Param({"wq-ordered", "single-thread", "guava-sequential"})
    public String impl;

    WorkqueueRuntime runtime;
    Workqueue wq;
    ExecutorService service;
    Executor executor;

    final Completion completion = new Completion();
    final Work[] items = new Work[BATCH];
    final Runnable[] tasks = new Runnable[BATCH];
    /** Touched only by the items, one at a time; ordering violations are counted, never expected. */
    int next;
    int outOfOrder;

    @Setup(Level.Trial)
    public void setUp() {
        switch (impl) {
            case "wq-ordered" -> {
                runtime = WorkqueueRuntime.builder().cpus(Executors2.cpus()).build();
                wq = runtime.allocOrdered("bench-ordered", Set.of());
            }
            case "single-thread" -> executor = service = java.util.concurrent.Executors.newSingleThreadExecutor();
            case "guava-sequential" -> executor = MoreExecutors.newSequentialExecutor(ForkJoinPool.commonPool());
            default -> throw new IllegalArgumentException(impl);
        }
        for (int i = 0; i < BATCH; i++) {
            int k = i;
            Runnable r = () -> {
                if (next++ != k) {
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
        Executors2.shutdown(service, runtime);
        if (outOfOrder != 0) {
            throw new AssertionError(impl + ": " + outOfOrder + " items ran out of order");
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void stream() {
        Completion c = completion;
        c.reset(BATCH);
        next = 0;
        if (wq != null) {
            for (Work w : items) {
                wq.queue(w);
            }
        } else {
            Executor e = executor;
            for (Runnable r : tasks) {
                e.execute(r);
            }
        }
        c.await();
    }
}
