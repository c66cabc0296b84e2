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
 * The frame of the two cases where an item holds the thread that runs it (a virtual thread's
 * carrier) for a long time: {@link PinnedBlockersBenchmark} and {@link CpuHogsBenchmark}. One
 * batch, submitted at once from one producer: {@link #stallers()} stalling items, each followed by
 * {@link #spacing()} short items burning {@value #SHORT_NANOS} ns of CPU. Score: the time until
 * every <em>short</em> item has finished (single shot, one batch per measurement), the victims'
 * view; the stalling items are waited for after the measurement, before the next batch. The
 * secondary result {@code threads} ({@link AddedThreads}) is the most platform threads the
 * competitor added.
 *
 * <table>
 *   <caption>competitors ({@code impl})</caption>
 *   <tr><td>{@code wq-unbound}</td><td>{@code systemUnbound().queue(item)}, platform
 *       workers</td></tr>
 *   <tr><td>{@code wq-unbound-virtual}</td><td>the same on a runtime built with
 *       {@code virtualUnboundWorkers(true)}: the unbound workers are virtual threads, which the
 *       runtime watches for holding their carrier</td></tr>
 *   <tr><td>{@code vthreads}</td><td>{@code Executors.newVirtualThreadPerTaskExecutor()}</td></tr>
 * </table>
 * Target: {@code wq-unbound-virtual} at least as fast as {@code vthreads}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, batchSize = 1)
@Measurement(iterations = 15, batchSize = 1)
@Fork(1)
@Threads(1)
public abstract class StallingItemsBenchmark {
    static final long SHORT_NANOS = 20_000;

    @Param({"wq-unbound", "wq-unbound-virtual", "vthreads"})
    public String impl;

    WorkqueueRuntime runtime;
    Workqueue wq;
    ExecutorService executor;

    /** Counts the short items down; the measurement ends when it reaches zero. */
    final Completion shortDone = new Completion();
    /** Counts the stalling items down; waited for after the measurement. */
    final Completion stallersDone = new Completion();
    Work[] items;
    Runnable[] tasks;

    /** @return how many stalling items a batch has */
    abstract int stallers();

    /** @return how many short items follow each stalling item */
    abstract int spacing();

    /** @return the {@code i}-th stalling item's action (the frame counts it done afterwards) */
    abstract Runnable staller(int i);

    /** Prepares the stalling items of the next batch (before the measurement); nothing by default. */
    void prepareBatch() {}

    @Setup(Level.Trial)
    public void setUp() {
        AddedThreads.baseline();
        int cpus = Executors2.cpus();
        long tokens = Burn.tokensFor(SHORT_NANOS);
        Completion shorts = shortDone;
        Completion stalls = stallersDone;
        Runnable shortItem = () -> {
            Blackhole.consumeCPU(tokens);
            shorts.done();
        };
        int n = stallers() * (spacing() + 1);
        items = new Work[n];
        tasks = new Runnable[n];
        for (int i = 0; i < n; i++) {
            Runnable r = shortItem;
            if (i % (spacing() + 1) == 0) {
                Runnable stall = staller(i / (spacing() + 1));
                r = () -> {
                    try {
                        stall.run();
                    } finally {
                        stalls.done();
                    }
                };
            }
            tasks[i] = r;
            Runnable task = r;
            items[i] = new Work(self -> task.run());
        }
        switch (impl) {
            case "wq-unbound", "wq-unbound-virtual" -> {
                runtime = Executors2.runtime(cpus, impl.equals("wq-unbound-virtual"));
                wq = runtime.systemUnbound();
            }
            case "vthreads" -> executor = Executors2.virtualPerTask();
            default -> throw new IllegalArgumentException(impl);
        }
    }

    @Setup(Level.Invocation)
    public void prepare() {
        prepareBatch();
    }

    @Benchmark
    public void shortItems(AddedThreads added) {
        shortDone.reset(stallers() * spacing());
        stallersDone.reset(stallers());
        Executors2.submitAll(wq, items, executor, tasks);
        shortDone.await();
        added.sample();
    }

    /** The stalling items of the batch finish outside the measurement. */
    @TearDown(Level.Invocation)
    public void drain() {
        stallersDone.await();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        Executors2.shutdown(executor, runtime);
    }
}
