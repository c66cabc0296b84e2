package io.jworkqueue;

import java.time.Duration;
import java.util.Objects;

/**
 * One report of the watchdog: a worker pool held items that waited longer than
 * {@link WorkqueueRuntime.Builder#watchdogThreshold(Duration)} without one of them starting (the
 * kernel's "BUG: workqueue lockup"). Given to the {@link WorkqueueRuntime.Builder#lockupHandler
 * lockup handler}, the kernel's {@code panic_on_stall}, so that a service can fail its health
 * check; the same text is logged at {@code ERROR}.
 *
 * @param runtime the runtime's name ({@link WorkqueueRuntime#name()})
 * @param pool the stalled pool's id (as in {@link PoolInfo} and the dump)
 * @param poolAttributes the pool's cpus, flags and nice, as in the kernel's report
 * @param stuck how long the pool had not started an item
 * @param text the whole report: the headline, a dump of the busy workqueues and pools and the
 *     stacks of the pool's busy workers
 */
public record LockupReport(String runtime, int pool, String poolAttributes, Duration stuck, String text) {
    /**
     * @throws NullPointerException if a reference component is null
     */
    public LockupReport {
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(poolAttributes, "poolAttributes");
        Objects.requireNonNull(stuck, "stuck");
        Objects.requireNonNull(text, "text");
    }
}
