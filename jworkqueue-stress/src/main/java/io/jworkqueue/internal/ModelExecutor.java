package io.jworkqueue.internal;

import io.jworkqueue.Workqueue;
import io.jworkqueue.WorkqueueFlag;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

/**
 * A deterministic executor for Lincheck's model checker. The model checker controls only the
 * threads of the test, and counts threads that park forever in the background (idle workers,
 * the timer wheel) as hung; so the engine built here never runs a thread of its own: its thread
 * factory hands out threads that end at once without running the worker, and the test's threads
 * play the workers by calling {@link #runOnce}, which runs one round of the real worker loop
 * ({@code PoolTestHooks.runAsIdleWorker}) with the real queue, activation, non-reentrancy, cancel
 * and flush code around it.
 *
 * <p>The engine is a bare {@link RuntimeCore} (as in the engine's own unit tests): no system
 * workqueues, no JMX registration, nothing to close. Only unbound workqueues (ordered ones are
 * unbound): a bound pool with waiting items would start the concurrency monitor's thread (and so
 * would an unbound pool whose pod had no more CPUs than the playing workers, see newCore).
 */
public final class ModelExecutor {
    private ModelExecutor() {}

    /**
     * One configuration for every engine, built once: the model checker explores each scenario
     * thousands of times, and everything built inside a scenario (the topology, say) is explored
     * with it, so what does not change between runs is made outside. Three CPUs: the unbound
     * pool (one pod of all CPUs) keeps up to three counted running workers, more than the two a
     * model can play, so it never asks for the concurrency monitor's thread (items never wait
     * behind a full pool), as before unbound pools were concurrency-managed.
     */
    private static final RuntimeConfig CONFIG = new RuntimeConfig(3,
            // A thread that the model checker sees start and end; a never-started one it would wait for.
            r -> new Thread(() -> { }, "model-worker"),
            Duration.ofMillis(10), Duration.ofDays(1), Duration.ZERO, Duration.ofSeconds(1),
            (wq, work, t) -> { }, // the scenarios record what their items see and check it afterwards
            null, false, System::nanoTime);

    private static RuntimeCore newCore() {
        return new RuntimeCore(null, CONFIG);
    }

    /**
     * @param name the workqueue's name
     * @return an unbound workqueue of a fresh engine that runs no threads
     */
    public static Workqueue unbound(String name) {
        return newCore().alloc(name, EnumSet.of(WorkqueueFlag.UNBOUND), 0, false, false);
    }

    /**
     * @param name the workqueue's name
     * @return an ordered workqueue of a fresh engine that runs no threads
     */
    public static Workqueue ordered(String name) {
        return newCore().alloc(name, Set.of(), 1, true, false);
    }

    /**
     * Plays the idle worker of {@code wq}'s pool for one round: runs items until the pool
     * would put its worker back to sleep.
     *
     * @param wq a workqueue made here
     * @return whether an item ran; false also while other threads play all of the pool's workers
     */
    public static boolean runOnce(Workqueue wq) {
        return PoolTestHooks.runAsIdleWorker(((WorkqueueImpl) wq).pwqFor(0).pool);
    }
}
