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
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * A blocking mix, all submitted at once: {@value #SLEEPERS} items sleeping 5 ms
 * ({@code Thread.sleep}, no hint) and {@value #BURNERS} items burning 0.5 ms of CPU, interleaved
 * (sleeper, burner, burner, ...). Score: time until the last one finished (single shot, one
 * batch per measurement). The ideal on {@code n} CPUs is {@code BURNERS x 0.5 ms / n}: about
 * 100 ms on 2 CPUs, with every sleep overlapped. The secondary result {@code threads}
 * ({@link AddedThreads}) is the most platform threads the competitor added.
 *
 * <table>
 *   <caption>competitors ({@code impl})</caption>
 *   <tr><td>{@code wq-system}</td><td>the bound system workqueue, spread over the CPUs with
 *       {@code queueOn(i % cpus, item)}; concurrency management starts another item whenever
 *       one sleeps</td></tr>
 *   <tr><td>{@code wq-system-queue}</td><td>the same with plain {@code queue(item)} from the
 *       producer thread (not a worker: every item lands on the one CPU pool the producer thread
 *       maps to)</td></tr>
 *   <tr><td>{@code wq-system-hinted}</td><td>as {@code wq-system}, but the sleep is wrapped in
 *       {@code WorkqueueRuntime.blocking(...)}: the pool learns of it at once instead of from
 *       the concurrency monitor's next sample</td></tr>
 *   <tr><td>{@code wq-unbound}</td><td>{@code systemUnbound().queue(item)} from the producer,
 *       platform workers, no hints</td></tr>
 *   <tr><td>{@code wq-unbound-virtual}</td><td>the same on a runtime built with
 *       {@code virtualUnboundWorkers(true)}: the unbound workers are virtual threads</td></tr>
 *   <tr><td>{@code fixed}</td><td>fixed {@code ThreadPoolExecutor(cpus)}</td></tr>
 *   <tr><td>{@code fjp}</td><td>{@code ForkJoinPool(cpus)}</td></tr>
 *   <tr><td>{@code vthreads}</td><td>{@code Executors.newVirtualThreadPerTaskExecutor()}: every
 *       sleep unmounts its virtual thread, so the scheduler sees blocking exactly</td></tr>
 * </table>
 * Targets: {@code wq-system} within 1.5x of the ideal, and at least 5x faster than {@code fixed};
 * {@code wq-unbound} and {@code wq-unbound-virtual} each at least as fast as {@code vthreads}.
 *
 * <p>Run: {@code java -jar jworkqueue-benchmarks/target/benchmarks.jar BlockingMixBenchmark -f 1 -wi 10 -i 30}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 10, batchSize = 1)
@Measurement(iterations = 30, batchSize = 1)
@Fork(1)
@Threads(1)
public class BlockingMixBenchmark {
    static final int SLEEPERS = 200;
    static final int BURNERS = 400;
    static final long SLEEP_MS = 5;
    static final long BURN_NANOS = 500_000;

    @Param({"wq-system", "wq-system-queue", "wq-system-hinted", "wq-unbound", "wq-unbound-virtual", "fixed", "fjp",
        "vthreads"})
    public String impl;

    int cpus;
    WorkqueueRuntime runtime;
    Workqueue wq;
    ExecutorService executor;

    final Completion completion = new Completion();
    final Work[] items = new Work[SLEEPERS + BURNERS];
    final Runnable[] tasks = new Runnable[SLEEPERS + BURNERS];

    @Setup(Level.Trial)
    public void setUp() {
        AddedThreads.baseline();
        cpus = Executors2.cpus();
        long tokens = Burn.tokensFor(BURN_NANOS);
        Completion c = completion;
        Runnable sleeper = () -> {
            try {
                Thread.sleep(SLEEP_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            c.done();
        };
        Runnable burner = () -> {
            Blackhole.consumeCPU(tokens);
            c.done();
        };
        Runnable hintedSleeper = () -> {
            try {
                WorkqueueRuntime.blocking(() -> {
                    Thread.sleep(SLEEP_MS);
                    return null;
                });
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            c.done();
        };
        for (int i = 0; i < items.length; i++) {
            Runnable r = i % 3 == 0 ? (impl.equals("wq-system-hinted") ? hintedSleeper : sleeper) : burner;
            tasks[i] = r;
            items[i] = new Work(self -> r.run());
        }
        switch (impl) {
            case "wq-system", "wq-system-queue", "wq-system-hinted" -> {
                runtime = Executors2.runtime(cpus, false);
                wq = runtime.system();
            }
            case "wq-unbound", "wq-unbound-virtual" -> {
                runtime = Executors2.runtime(cpus, impl.equals("wq-unbound-virtual"));
                wq = runtime.systemUnbound();
            }
            case "fixed" -> executor = Executors2.fixedPool(cpus);
            case "fjp" -> executor = Executors2.forkJoinPool(cpus);
            case "vthreads" -> executor = Executors2.virtualPerTask();
            default -> throw new IllegalArgumentException(impl);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        Executors2.shutdown(executor, runtime);
    }

    @Benchmark
    public void mix(AddedThreads added) {
        Completion c = completion;
        c.reset(items.length);
        if (impl.equals("wq-system") || impl.equals("wq-system-hinted")) {
            for (int i = 0; i < items.length; i++) {
                wq.queueOn(i % cpus, items[i]);
            }
        } else {
            Executors2.submitAll(wq, items, executor, tasks);
        }
        c.await();
        added.sample();
    }
}
