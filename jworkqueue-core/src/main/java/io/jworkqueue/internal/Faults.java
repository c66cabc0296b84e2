package io.jworkqueue.internal;

import java.util.function.BiConsumer;

/**
 * Fault injection for the containment tests: each internal loop, and the expiry of a delayed
 * item, calls {@link #at} once per round, so a test can make that spot throw and check that the
 * runtime survives it. The sites are named {@code "timer"} (each round of the timer thread),
 * {@code "timer start"} (before the timer thread is started), {@code "expiry"} (before an expired delayed item is queued; the subject is the item),
 * {@code "monitor"} (each round of the concurrency monitor), {@code "rescuer"} (before each
 * rescue; the subject is the pwq), {@code "worker"} (each wake-up of a worker thread; the
 * subject is the worker) and {@code "pin"} (before a thread is pinned, JDK 22+ only; the subject is
 * the mask of OS CPUs, a {@code BitSet} the hook may change).
 *
 * <p>Costs nothing worth counting: in production {@link #hook} is null, and a site reads it once
 * per round of a loop or per timer expiry, never per queued item.
 */
final class Faults {
    /** The injected fault: called with the site and its subject; may throw anything. Null: none. */
    static volatile BiConsumer<String, Object> hook;

    private Faults() {}

    /** A fault may be injected here (see the class comment for the sites). */
    static void at(String site, Object subject) {
        BiConsumer<String, Object> h = hook;
        if (h != null) {
            h.accept(site, subject);
        }
    }
}
