package io.jworkqueue.stress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jworkqueue.Work;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Four items for an ordered workqueue that record whether two of them ever ran at once and in
 * which order they ran; items 0, 1 are queued by one thread and 2, 3 by another.
 */
final class OrderedProbe {
    final Work[] items = new Work[4];
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger overlaps = new AtomicInteger();
    private final AtomicInteger ran = new AtomicInteger();
    private final AtomicIntegerArray order = new AtomicIntegerArray(items.length); // item -> position, from 1

    OrderedProbe() {
        for (int i = 0; i < items.length; i++) {
            int id = i;
            items[i] = new Work(self -> {
                if (running.incrementAndGet() != 1) {
                    overlaps.incrementAndGet(); // recorded, not thrown: it runs on a worker
                }
                order.set(id, ran.incrementAndGet());
                running.decrementAndGet();
            });
        }
    }

    /** @return how many items have started */
    int started() {
        return ran.get();
    }

    /** All four ran, one at a time, each queuer's two in its order. */
    void check() {
        assertEquals(0, overlaps.get(), "two items of an ordered workqueue ran at once");
        assertEquals(items.length, ran.get(), "runs: " + order);
        assertTrue(order.get(0) < order.get(1), "FIFO broken: " + order);
        assertTrue(order.get(2) < order.get(3), "FIFO broken: " + order);
    }
}
