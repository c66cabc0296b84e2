package io.jworkqueue.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;

/**
 * Pinned blockers: {@value #BLOCKERS} items that each sleep {@value ClassInitSleep#SLEEP_MS} ms
 * while pinning their carrier, each followed by {@value #SPACING} short items; the score is the
 * time until every short item finished (the frame and the competitors are in
 * {@link StallingItemsBenchmark}).
 *
 * <p>How the blocker pins on JDK 25: since JEP 491 (JDK 24) a virtual thread blocking in
 * {@code synchronized} unmounts, but one blocking inside a class initialiser still holds its
 * carrier. Each blocker initialises its own fresh hidden class
 * ({@code Lookup.defineHiddenClass} of {@link ClassInitSleep}'s bytes, defined before the
 * batch, outside the measurement) whose initialiser sleeps. On {@code n} carriers, plain virtual
 * threads run the blockers about {@code n} at a time, so the short items queued behind them wait
 * about {@code BLOCKERS x 5 ms / n} (250 ms on 2 CPUs); a platform worker that sleeps only
 * blocks itself.
 *
 * <p>Run: {@code java -jar jworkqueue-benchmarks/target/benchmarks.jar PinnedBlockersBenchmark -f 1 -wi 5 -i 15}
 */
public class PinnedBlockersBenchmark extends StallingItemsBenchmark {
    static final int BLOCKERS = 100;
    static final int SPACING = 4;

    private static final byte[] CLASS_BYTES = classBytes();

    /** Per blocker of the next batch: the lookup of its fresh hidden class. */
    private final MethodHandles.Lookup[] classes = new MethodHandles.Lookup[BLOCKERS];

    @Override
    int stallers() {
        return BLOCKERS;
    }

    @Override
    int spacing() {
        return SPACING;
    }

    @Override
    Runnable staller(int i) {
        MethodHandles.Lookup[] c = classes;
        return () -> {
            MethodHandles.Lookup l = c[i];
            try {
                l.ensureInitialized(l.lookupClass());
            } catch (IllegalAccessException e) {
                throw new AssertionError(e);
            }
        };
    }

    @Override
    void prepareBatch() {
        MethodHandles.Lookup here = MethodHandles.lookup();
        try {
            for (int i = 0; i < BLOCKERS; i++) {
                classes[i] = here.defineHiddenClass(CLASS_BYTES, false);
            }
        } catch (IllegalAccessException e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] classBytes() {
        try (InputStream in = PinnedBlockersBenchmark.class.getResourceAsStream("ClassInitSleep.class")) {
            if (in == null) {
                throw new IllegalStateException("ClassInitSleep.class not found next to " + PinnedBlockersBenchmark.class);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
