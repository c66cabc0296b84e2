package io.jworkqueue.benchmarks;

/**
 * A class whose initialiser sleeps {@value #SLEEP_MS} ms. Never initialised under its own name:
 * {@link PinnedBlockersBenchmark} defines a fresh hidden copy of it for every pinned blocker, and
 * the item initialises that copy. A virtual thread that blocks inside a class initialiser stays
 * pinned to its carrier on every JDK up to 25 (JEP 491 unpinned {@code synchronized}, not class
 * initialisation), so the sleep holds the carrier.
 */
final class ClassInitSleep {
    static final long SLEEP_MS = 5;

    static {
        try {
            Thread.sleep(SLEEP_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private ClassInitSleep() {}
}
