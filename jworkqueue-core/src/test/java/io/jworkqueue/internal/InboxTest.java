package io.jworkqueue.internal;

import static org.junit.jupiter.api.Assertions.*;

import io.jworkqueue.Work;
import io.jworkqueue.Workqueue;
import io.jworkqueue.WorkqueueRuntime;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The lock-free inbox of a bound pool ({@link PoolInbox#pushBehind}): while a worker of
 * the pool is counted running, a queue call leaves the item on the inbox without taking the
 * lock. Every operation must still see such an item as queued: cancel takes it back, a flush of
 * the item or of its workqueue waits for it, and items keep their order.
 *
 * <p>A worker is kept counted running by an item that spins (RUNNABLE, its CPU clock advancing)
 * until released; the CPU-intensive threshold is an hour, so the monitor never takes it out of
 * nr_running, and nothing else moves the inbox until an operation takes the pool lock.
 */
class InboxTest {
    private static final long WAIT_S = 10;

    private WorkqueueRuntime rt;
    private Workqueue wq;
    private volatile boolean release;
    private final CountDownLatch spinning = new CountDownLatch(1);
    private final Work spinner = new Work(self -> {
        spinning.countDown();
        while (!release) {
            Thread.onSpinWait();
        }
    });

    @BeforeEach
    void setUp() throws InterruptedException {
        rt = WorkqueueRuntime.builder().cpus(1).cpuIntensiveThreshold(Duration.ofHours(1)).build();
        wq = rt.alloc("inbox", Set.of(), 0);
        assertTrue(wq.queueOn(0, spinner));
        assertTrue(spinning.await(WAIT_S, TimeUnit.SECONDS), "the spinner did not start");
    }

    @AfterEach
    void tearDown() {
        release = true;
        rt.close();
    }

    /**
     * Queues {@code w} to CPU 0 while the test holds the pool lock, which keeps every other
     * thread (the concurrency monitor samples under it) from moving the inbox meanwhile, and
     * checks that the item went onto the inbox. Operations after this may find the item still
     * there or moved onto the pwq by a sample; both must work.
     */
    private void queueOntoInbox(Work w) {
        WorkerPool pool = ((WorkqueueImpl) wq).pwqFor(0).pool;
        pool.lock.lock();
        try {
            assertTrue(wq.queueOn(0, w));
            assertTrue(onInbox(w), "queued behind a running worker, the item should wait on the inbox");
            assertFalse(wq.queueOn(0, w), "a pending item is not queued twice");
            assertTrue(w.isPending());
        } finally {
            pool.lock.unlock();
        }
    }

    /** The item is owned (PENDING) and names its pwq, but is on no list: it is on the inbox. */
    private static boolean onInbox(Work w) {
        return WorkOps.isPending(w)
                && Node.dataVolatile(w) instanceof PoolWorkqueue && !WorkList.isLinked(w);
    }

    @Test
    void queueBehindARunningWorkerUsesTheInbox() {
        AtomicInteger runs = new AtomicInteger();
        Work item = new Work(self -> runs.incrementAndGet());
        queueOntoInbox(item);
        release = true;
        wq.flush();
        assertEquals(1, runs.get());
    }

    @Test
    void cancelTakesAnItemBackFromTheInbox() {
        AtomicInteger runs = new AtomicInteger();
        Work item = new Work(self -> runs.incrementAndGet());
        queueOntoInbox(item);
        assertTrue(item.cancel(), "cancel of an item on the inbox finds it pending");
        assertFalse(item.isPending());
        release = true;
        wq.flush();
        assertEquals(0, runs.get(), "a cancelled item must not run");
        assertTrue(wq.queueOn(0, item), "after cancel the item can be queued again");
        wq.flush();
        assertEquals(1, runs.get());
    }

    @Test
    void flushOfTheWorkqueueWaitsForInboxItems() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        Work item = new Work(self -> runs.incrementAndGet());
        queueOntoInbox(item);
        CompletableFuture<Void> flushed = new CompletableFuture<>();
        Thread flusher = new Thread(() -> {
            wq.flush();
            flushed.complete(null);
        }, "flusher");
        flusher.start();
        // The flush cannot finish while the spinner holds the only counted worker and the item
        // has not run: it must come to wait.
        awaitTrue(() -> flusher.getState() == Thread.State.WAITING);
        assertFalse(flushed.isDone(), "flush returned before the item queued ahead of it ran");
        assertEquals(0, runs.get());
        release = true;
        flushed.get(WAIT_S, TimeUnit.SECONDS);
        assertEquals(1, runs.get());
    }

    @Test
    void flushOfAnInboxItemWaitsForItsRun() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        Work item = new Work(self -> runs.incrementAndGet());
        queueOntoInbox(item);
        CompletableFuture<Boolean> flushed = CompletableFuture.supplyAsync(item::flush);
        // the flush found the item (moving it off the inbox) and linked its barrier behind it
        awaitTrue(() -> (Node.flags(item) & PoolWorkqueue.LINKED) != 0);
        assertEquals(0, runs.get());
        release = true;
        assertTrue(flushed.get(WAIT_S, TimeUnit.SECONDS), "flush of a pending item reports that it waited");
        assertEquals(1, runs.get(), "flush returned before the item ran");
    }

    @Test
    void inboxItemsRunInQueueOrder() {
        List<Integer> order = new CopyOnWriteArrayList<>();
        Work[] items = new Work[50];
        for (int i = 0; i < items.length; i++) {
            int n = i;
            items[i] = new Work(self -> order.add(n));
            assertTrue(wq.queueOn(0, items[i]));
        }
        release = true;
        wq.flush();
        for (int i = 0; i < items.length; i++) {
            assertEquals(i, order.get(i), "one producer's items run in the order it queued them: " + order);
        }
    }

    private static void awaitTrue(java.util.function.BooleanSupplier c) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("condition not reached within " + WAIT_S + " s");
            }
            Thread.sleep(1);
        }
    }
}
