package io.jworkqueue.internal;

import static org.junit.jupiter.api.Assertions.*;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The timed waits of {@link Waits} with extreme timeouts: an expired or overflowing negative
 * timeout returns at once instead of wrapping into a deadline centuries away. Bounded by
 * {@link Timeout}: before the fix these blocked.
 */
@Timeout(60)
class WaitsTest {

    @Test
    void await_negativeOrZeroTimeout_returnsAtOnceWithTheCondition() {
        ReentrantLock lock = new ReentrantLock();
        Condition cond = lock.newCondition();
        lock.lock();
        try {
            for (long t : new long[] {Long.MIN_VALUE, -1, 0}) {
                assertFalse(Waits.await(cond, () -> false, t), "not done, timeout " + t);
                assertTrue(Waits.await(cond, () -> true, t), "done, timeout " + t);
            }
        } finally {
            lock.unlock();
        }
    }

    @Test
    void joinUninterruptibly_negativeTimeout_returnsAtOnce() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Thread t = Thread.ofPlatform().daemon(true).start(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            for (TimeUnit unit : TimeUnit.values()) {
                assertFalse(Waits.joinUninterruptibly(t, Long.MIN_VALUE, unit), "still alive, " + unit);
                assertFalse(Waits.joinUninterruptibly(t, 0, unit), "still alive, 0 " + unit);
            }
        } finally {
            release.countDown();
        }
        assertTrue(Waits.joinUninterruptibly(t, Long.MAX_VALUE, TimeUnit.DAYS), "a huge timeout waits for the end");
    }
}
