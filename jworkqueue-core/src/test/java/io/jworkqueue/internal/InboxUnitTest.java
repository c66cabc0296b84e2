package io.jworkqueue.internal;

import static org.junit.jupiter.api.Assertions.*;

import io.jworkqueue.Work;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Inbox} on its own (the pool-level behaviour is in {@link InboxTest}): emptiness, newest
 * first order, and that concurrent pushes lose nothing.
 *
 * <p>No mutant survives here (PIT, DEFAULTS). {@code takeAll} tests the head it read and swaps
 * only if it holds something: written as a {@code ?:} on {@code head == null}, the mutant that
 * always swapped was equivalent (an empty inbox answers null all the same); as an {@code if}
 * around the swap, the mutant that never swaps leaves the items in place, which
 * {@link #pushAndTakeAll_newestFirstThenEmpty} checks; in PIT's run of 2026-12-03 it was
 * detected by a time-out (a pool's drain loop then takes the same items for ever). Of the push
 * mutants, the CAS loop's test forced loops for ever (a time-out) and the link to the next item
 * removed loses items (killed).
 */
@Timeout(30)
class InboxUnitTest {

    @Test
    void pushAndTakeAll_newestFirstThenEmpty() {
        Inbox inbox = new Inbox();
        assertTrue(inbox.isEmpty());
        assertNull(inbox.takeAll());
        Work a = new Work(self -> {}), b = new Work(self -> {}), c = new Work(self -> {});
        inbox.push(a);
        assertFalse(inbox.isEmpty());
        inbox.push(b);
        inbox.push(c);
        Work head = inbox.takeAll();
        assertTrue(inbox.isEmpty(), "takeAll empties the inbox");
        assertNull(inbox.takeAll());
        assertSame(c, head);
        assertSame(b, Node.inboxNext(c));
        assertSame(a, Node.inboxNext(b));
        assertNull(Node.inboxNext(a), "the oldest item ends the chain");
    }

    @Test
    void concurrentPushes_loseNothing() throws Exception {
        int threads = 4, perThread = 50_000;
        Inbox inbox = new Inbox();
        Work[][] items = new Work[threads][perThread];
        CountDownLatch go = new CountDownLatch(1);
        Thread[] ts = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            Work[] mine = items[t];
            for (int i = 0; i < perThread; i++) {
                mine[i] = new Work(self -> {});
            }
            ts[t] = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (Work w : mine) {
                    inbox.push(w);
                }
            }, "inbox-pusher-" + t);
            ts[t].start();
        }
        go.countDown();
        // Take concurrently too, as the draining lock holder does.
        Set<Work> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        boolean alive = true;
        while (alive) {
            alive = false;
            for (Thread t : ts) {
                alive |= t.isAlive();
            }
            for (Work w = inbox.takeAll(); w != null; w = Node.inboxNext(w)) {
                assertTrue(seen.add(w), "an item was taken twice");
            }
        }
        for (Thread t : ts) {
            t.join(TimeUnit.SECONDS.toMillis(20));
        }
        for (Work w = inbox.takeAll(); w != null; w = Node.inboxNext(w)) {
            assertTrue(seen.add(w), "an item was taken twice");
        }
        assertEquals(threads * perThread, seen.size(), "pushes were lost");
        assertTrue(inbox.isEmpty());
    }
}
