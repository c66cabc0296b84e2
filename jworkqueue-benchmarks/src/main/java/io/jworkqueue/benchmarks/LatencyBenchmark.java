package io.jworkqueue.benchmarks;

import io.jworkqueue.Work;
import io.jworkqueue.Workqueue;
import io.jworkqueue.WorkqueueRuntime;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
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
 * Queue-to-start latency on an idle pool: before every sample the producer pauses
 * {@value #IDLE_MICROS} us (outside the measurement) so that every worker has gone back to
 * sleep; the sample is the time from the queue call until the item has started (the item's first
 * action sets a flag the producer spins on). Sampled, so JMH reports p50 / p90 / p99 / p99.9.
 *
 * <table>
 *   <caption>competitors ({@code impl})</caption>
 *   <tr><td>{@code wq-bound}</td><td>{@code system().queue(item)}</td></tr>
 *   <tr><td>{@code fjp}</td><td>{@code ForkJoinPool(cpus).execute(runnable)}</td></tr>
 *   <tr><td>{@code tpe}</td><td>fixed {@code ThreadPoolExecutor(cpus)}, {@code execute(runnable)}</td></tr>
 * </table>
 * Target: {@code wq-bound} p50 and p99 at most those of {@code fjp}.
 *
 * <p>The warm-up is long (24 s) because at about 1,000 samples a second the JIT compiles the
 * queue and start paths only after some 20 s; measuring earlier would time the interpreter and a
 * compiler thread competing with the spinning producer for one of the two CPUs.
 *
 * <p>Run: {@code java -jar jworkqueue-benchmarks/target/benchmarks.jar LatencyBenchmark -f 1 -wi 12 -i 5}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 12, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Threads(1)
public class LatencyBenchmark {
    static final long IDLE_MICROS = 1000;

    @Param({"wq-bound", "fjp", "tpe"})
    public String impl;

    WorkqueueRuntime runtime;
    Workqueue wq;
    ExecutorService executor;
    Work item;
    Runnable task;
    volatile boolean started;

    @Setup(Level.Trial)
    public void setUp() {
        int cpus = Executors2.cpus();
        task = () -> started = true;
        item = new Work(self -> started = true);
        switch (impl) {
            case "wq-bound" -> {
                runtime = WorkqueueRuntime.builder().cpus(cpus).build();
                wq = runtime.system();
            }
            case "fjp" -> executor = Executors2.forkJoinPool(cpus);
            case "tpe" -> executor = Executors2.fixedPool(cpus);
            default -> throw new IllegalArgumentException(impl);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        Executors2.shutdown(executor, runtime);
    }

    /** Not measured: lets the pool go idle and re-arms the flag. */
    @Setup(Level.Invocation)
    public void idle() {
        started = false;
        LockSupport.parkNanos(IDLE_MICROS * 1000);
    }

    @Benchmark
    public void queueToStart() {
        if (wq != null) {
            wq.queue(item);
        } else {
            executor.execute(task);
        }
        while (!started) {
            Thread.onSpinWait();
        }
    }
}
