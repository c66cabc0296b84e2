package io.jworkqueue.benchmarks;

import io.jworkqueue.Work;
import io.jworkqueue.Workqueue;
import io.jworkqueue.WorkqueueRuntime;
import java.util.concurrent.ExecutorService;
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
 * Fan-out of tiny items from 2 producers: each producer thread submits a batch of
 * {@value #BATCH} items (each does nothing but count itself done) and waits until all of them
 * ran; the score is items per second over both producers. The secondary result {@code threads}
 * ({@link AddedThreads}) is the most platform threads the competitor added.
 *
 * <table>
 *   <caption>competitors ({@code impl})</caption>
 *   <tr><td>{@code wq-bound}</td><td>the bound system workqueue, {@code queueOn(i % cpus, item)}:
 *       the items spread over the per-CPU pools</td></tr>
 *   <tr><td>{@code wq-unbound}</td><td>{@code systemUnbound().queue(item)}, platform workers</td></tr>
 *   <tr><td>{@code wq-unbound-virtual}</td><td>the same on a runtime built with
 *       {@code virtualUnboundWorkers(true)}: the unbound workers are virtual threads</td></tr>
 *   <tr><td>{@code fjp}</td><td>{@code new ForkJoinPool(cpus).execute(runnable)}</td></tr>
 *   <tr><td>{@code tpe}</td><td>fixed {@code ThreadPoolExecutor(cpus)}, {@code execute(runnable)}</td></tr>
 *   <tr><td>{@code vthreads}</td><td>{@code Executors.newVirtualThreadPerTaskExecutor()}</td></tr>
 * </table>
 * Targets: {@code wq-bound} at least 1.0x {@code fjp} and 2x {@code tpe}; {@code wq-unbound} at
 * least 1.0x {@code fjp}, adding at most 2 x CPUs + 4 threads. Items are allocated
 * once per producer and reused, so with {@code -prof gc} the {@code wq-*} rows show the
 * allocation of steady-state queue + execute ({@code gc.alloc.rate.norm}, target 0 B/op).
 *
 * <p>Run: {@code java -jar jworkqueue-benchmarks/target/benchmarks.jar FanOutBenchmark -f 1 -wi 5 -i 10 -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(1)
public class FanOutBenchmark {
    static final int BATCH = 1000;

    @Param({"wq-bound", "wq-unbound", "wq-unbound-virtual", "fjp", "tpe", "vthreads"})
    public String impl;

    int cpus;
    WorkqueueRuntime runtime;
    Workqueue wq;
    ExecutorService executor;

    @Setup(Level.Trial)
    public void setUp() {
        AddedThreads.baseline();
        cpus = Executors2.cpus();
        switch (impl) {
            case "wq-bound" -> {
                runtime = Executors2.runtime(cpus, false);
                wq = runtime.system();
            }
            case "wq-unbound", "wq-unbound-virtual" -> {
                runtime = Executors2.runtime(cpus, impl.equals("wq-unbound-virtual"));
                wq = runtime.systemUnbound();
            }
            case "fjp" -> executor = Executors2.forkJoinPool(cpus);
            case "tpe" -> executor = Executors2.fixedPool(cpus);
            case "vthreads" -> executor = Executors2.virtualPerTask();
            default -> throw new IllegalArgumentException(impl);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        Executors2.shutdown(executor, runtime);
    }

    /** One producer's batch: the same items every time, as a work item or as a runnable. */
    @State(Scope.Thread)
    public static class Producer {
        final Completion completion = new Completion();
        final Work[] items = new Work[BATCH];
        final Runnable[] tasks = new Runnable[BATCH];

        @Setup(Level.Trial)
        public void setUp() {
            Completion c = completion;
            for (int i = 0; i < BATCH; i++) {
                items[i] = new Work(self -> c.done());
                tasks[i] = c::done;
            }
        }
    }

    @Benchmark
    @Threads(2)
    @OperationsPerInvocation(BATCH)
    public void fanOut(Producer p, AddedThreads added) {
        Completion c = p.completion;
        c.reset(BATCH);
        if (wq != null) {
            Work[] items = p.items;
            if (impl.equals("wq-bound")) {
                int n = cpus;
                for (int i = 0; i < BATCH; i++) {
                    wq.queueOn(i % n, items[i]);
                }
            } else {
                for (int i = 0; i < BATCH; i++) {
                    wq.queue(items[i]);
                }
            }
        } else {
            Runnable[] tasks = p.tasks;
            ExecutorService e = executor;
            for (int i = 0; i < BATCH; i++) {
                e.execute(tasks[i]);
            }
        }
        c.await();
        added.sample();
    }
}
