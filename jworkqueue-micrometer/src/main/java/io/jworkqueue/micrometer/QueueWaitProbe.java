package io.jworkqueue.micrometer;

import io.jworkqueue.DelayedWork;
import io.jworkqueue.Work;
import io.jworkqueue.Workqueue;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Opt-in, sampled queue-wait time of one workqueue: the {@code executor.idle} timer of
 * Micrometer's {@code ExecutorServiceMetrics} (time from queueing to start), with the same tags
 * as {@link JworkqueueMetrics}' per-workqueue meters ({@code name}, {@code runtime}, plus extra
 * tags).
 *
 * <pre>{@code
 * QueueWaitProbe probe = QueueWaitProbe.start(wq, Duration.ofSeconds(1), Tags.of("app", "indexer"));
 * probe.bindTo(registry);
 * ...
 * probe.close();
 * }</pre>
 *
 * <p><b>What it measures.</b> Once per {@code period} a timer item on the runtime's system
 * workqueue queues one probe item on {@code wq} and notes the time; when the probe starts, the
 * wait is recorded. Each sample is the wait an item queued at that moment saw: behind the
 * worklist, {@code max_active}, ordering, a frozen workqueue. The items themselves are not timed:
 * timing every item (or one in N) would need a timestamp written when queueing and read when
 * starting, on the engine's hot path, which stays allocation-free and untouched. One sample per
 * period means the timer's percentiles describe the probes, not the workload's items.
 *
 * <p><b>Cost.</b> Two small items per period (the trigger on the system workqueue, the probe on
 * {@code wq}): the probes count in {@code wq}'s {@code started}/{@code completed} like any item.
 * While a probe is still waiting, no new one is queued (a stuck workqueue gives one long sample,
 * not a pile of probes). Nothing is allocated per sample. Once {@code wq} is destroyed or draining
 * the probe stops by itself; {@link #close()} stops it and waits for a running probe or trigger.
 */
public final class QueueWaitProbe implements MeterBinder, AutoCloseable {

    /** Shortest sampling period. */
    public static final Duration MIN_PERIOD = Duration.ofMillis(10);
    /** Longest sampling period. */
    public static final Duration MAX_PERIOD = Duration.ofHours(1);

    private final Workqueue wq;
    private final Duration period;
    private final Tags tags;
    private final List<Timer> timers = new CopyOnWriteArrayList<>();
    private final AtomicBoolean inFlight = new AtomicBoolean();
    private final DelayedWork trigger;
    private final Work probe;
    private volatile long queuedAt;
    private volatile boolean stopped;
    private final AtomicBoolean closed = new AtomicBoolean();

    private QueueWaitProbe(Workqueue wq, Duration period, Iterable<Tag> tags) {
        this.wq = wq;
        this.period = period;
        this.tags = Tags.concat(tags, "runtime", wq.runtime().name()).and(JworkqueueMetrics.NAME, wq.name());
        this.probe = new Work(self -> {
            long waited = System.nanoTime() - queuedAt;
            for (Timer t : timers) {
                t.record(waited, TimeUnit.NANOSECONDS);
            }
            inFlight.set(false);
        });
        this.trigger = new DelayedWork(self -> {
            if (stopped) {
                return;
            }
            if (inFlight.compareAndSet(false, true)) {
                queuedAt = System.nanoTime();
                try {
                    if (!wq.queue(probe)) {
                        inFlight.set(false); // disabled by close()
                    }
                } catch (IllegalStateException destroyedOrDraining) {
                    stopped = true;
                    inFlight.set(false);
                    return;
                } catch (RuntimeException | Error e) {
                    stopped = true; // isRunning() tells; the runtime reports e as any item's failure
                    inFlight.set(false);
                    throw e;
                }
            }
            rearm();
        });
    }

    /**
     * Starts sampling the queue wait of {@code wq} once per {@code period}; bind the probe to
     * registries to see the samples.
     *
     * @param wq the workqueue
     * @param period time between samples, {@link #MIN_PERIOD} to {@link #MAX_PERIOD}
     * @param tags extra tags for the timer
     * @return the running probe
     * @throws IllegalArgumentException if {@code period} is out of range
     * @throws IllegalStateException if the workqueue's runtime is closed
     */
    public static QueueWaitProbe start(Workqueue wq, Duration period, Iterable<Tag> tags) {
        Objects.requireNonNull(wq, "wq");
        Objects.requireNonNull(period, "period");
        Objects.requireNonNull(tags, "tags");
        if (period.compareTo(MIN_PERIOD) < 0 || period.compareTo(MAX_PERIOD) > 0) {
            throw new IllegalArgumentException("workqueue '" + wq.name() + "': queue-wait sampling period " + period
                    + " is out of range " + MIN_PERIOD + ".." + MAX_PERIOD);
        }
        QueueWaitProbe p = new QueueWaitProbe(wq, period, tags);
        p.rearm();
        return p;
    }

    private void rearm() {
        try {
            wq.runtime().scheduleDelayed(trigger, period);
        } catch (IllegalStateException runtimeClosed) {
            stopped = true;
        }
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        // No description: ExecutorServiceMetrics' executor.idle has none, and a family keeps one HELP text.
        timers.add(Timer.builder("executor.idle").tags(tags).register(registry));
    }

    /** @return whether the probe still samples (not closed, and the workqueue still takes items) */
    public boolean isRunning() {
        return !stopped;
    }

    /** Stops sampling and waits for a running trigger or probe to finish. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        stopped = true;
        trigger.disableSync();
        probe.disableSync();
    }

    @Override
    public String toString() {
        return "QueueWaitProbe[" + wq.name() + " every " + period + (stopped ? ", stopped" : "") + "]";
    }
}
