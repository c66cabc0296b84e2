package io.jworkqueue.internal;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The proxy the virtual-pool watch uses for "this virtual thread holds its carrier"
 * ({@link PoolSampler#carrierState(Thread)}), against threads in known states; and the pool
 * constructor's refusal of virtual bound pools.
 */
@Timeout(60)
class CarrierStateTest {

    private static void awaitTrue(BooleanSupplier cond, String what) {
        long deadline = System.nanoTime() + SECONDS.toNanos(10);
        while (!cond.getAsBoolean()) {
            assertTrue(System.nanoTime() - deadline < 0, "timed out waiting for: " + what);
            Thread.yield();
        }
    }

    @Test
    void carrierState_parkedVirtualThread_isUnmounted() throws Exception {
        Thread t = Thread.ofVirtual().name("parked").start(LockSupport::park);
        try {
            awaitTrue(() -> t.getState() == Thread.State.WAITING, "the virtual thread to park");
            assertEquals('U', PoolSampler.carrierState(t), t.toString());
        } finally {
            LockSupport.unpark(t);
            t.join();
        }
    }

    @Test
    void carrierState_spinningVirtualThread_isMountedRunnable() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch spinning = new CountDownLatch(1);
        Thread t = Thread.ofVirtual().name("spinner").start(() -> {
            spinning.countDown();
            long deadline = System.nanoTime() + SECONDS.toNanos(10);
            while (!stop.get() && System.nanoTime() - deadline < 0) {
                Thread.onSpinWait();
            }
        });
        try {
            assertTrue(spinning.await(10, SECONDS));
            assertEquals('R', PoolSampler.carrierState(t), t.toString());
        } finally {
            stop.set(true);
            t.join();
        }
    }

    private static final CountDownLatch INIT_RELEASE = new CountDownLatch(1);

    /** Parks inside its initialiser: a native frame (the VM's call of {@code <clinit>}) pins. */
    private static final class PinnedPark {
        static {
            try {
                INIT_RELEASE.await(10, SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        static void touch() {
        }
    }

    @Test
    void carrierState_virtualThreadParkedWhilePinned_isMountedParked() throws Exception {
        Thread t = Thread.ofVirtual().name("pinned").start(PinnedPark::touch);
        try {
            awaitTrue(() -> t.getState() == Thread.State.TIMED_WAITING || t.getState() == Thread.State.WAITING,
                    "the virtual thread to park inside the initialiser");
            assertEquals('P', PoolSampler.carrierState(t), t.toString());
        } finally {
            INIT_RELEASE.countDown();
            t.join();
        }
    }

    @Test
    void carrierState_platformThread_fallsBackOnTheThreadState() throws Exception {
        assertEquals('R', PoolSampler.carrierState(Thread.currentThread()));
        Thread t = Thread.ofPlatform().daemon(true).start(LockSupport::park);
        try {
            awaitTrue(() -> t.getState() == Thread.State.WAITING, "the platform thread to park");
            assertEquals('U', PoolSampler.carrierState(t));
        } finally {
            LockSupport.unpark(t);
            t.join();
        }
    }

    @Test
    void workerPool_virtualBoundPool_isRefused() {
        RuntimeConfig config = new RuntimeConfig(1, r -> Thread.ofPlatform().daemon(true).unstarted(r),
                Duration.ofMillis(10), Duration.ofSeconds(300), Duration.ZERO, Duration.ofSeconds(1),
                (wq, work, t) -> {}, null, false, System::nanoTime);
        RuntimeCore core = new RuntimeCore(null, config);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new WorkerPool(core, 0, 0, false, true));
        assertTrue(e.getMessage().contains("cpu 0"), e.getMessage());
        assertTrue(new WorkerPool(core, 2, -1, false, true).virtual);
    }
}
