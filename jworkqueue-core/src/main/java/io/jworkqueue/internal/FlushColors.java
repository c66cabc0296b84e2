package io.jworkqueue.internal;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A workqueue's flush colours: the kernel's {@code flush_workqueue} colour machinery under
 * {@code wq->mutex} ({@code work_color}, {@code flush_color}, the flusher count), one per
 * {@link WorkqueueImpl}.
 *
 * <p>Every queued item is tagged with its pwq's current <em>work colour</em> (16 colours) and
 * counted in {@code pwq.nrInFlight[colour]} until it finishes or is cancelled. A flusher, under
 * {@link #mutex} (F), takes the current colour as its own and moves every pwq to the next
 * colour, so nothing queued afterwards carries its colour. It then waits until the oldest
 * colour still in flight ({@link #flushColor}) has moved past its own; the flush colour only
 * advances over colours whose count is zero on every pwq. Items queued after a flush started
 * never hold it, so a busy workqueue cannot livelock a flusher, and any number of flushers
 * share the colours. With all 15 spare colours in use a new flusher waits for one to free up
 * (the kernel's overflow list).
 *
 * <p>Completion is signalled cheaply: when a count drops to zero while flushers exist, the pwq
 * bumps {@link #events} and signals {@link #progress} ({@link #colorDrained}), under
 * {@link #waitLock}, a leaf lock never held while taking another.
 */
final class FlushColors {
    private final WorkqueueImpl wq; // I
    /** F: the flush mutex; {@code applyAttrs} holds it too, so new pwqs take the current colour. */
    private final ReentrantLock mutex = new ReentrantLock();
    private int workColor; // F, and copied into each pwq under its pool lock
    private int flushColor; // F
    /** F for writes; the worker reads it per item ({@link #hasFlushers}). */
    private volatile int nrFlushers;
    private final AtomicLong events = new AtomicLong();
    private final ReentrantLock waitLock = new ReentrantLock();
    private final Condition progress = waitLock.newCondition();

    FlushColors(WorkqueueImpl wq) {
        this.wq = wq;
    }

    /** Takes F. */
    void lock() {
        mutex.lock();
    }

    void unlock() {
        mutex.unlock();
    }

    /** F held: the colour new items are tagged with (for pwqs about to be linked). */
    int workColorLocked() {
        return workColor;
    }

    /** Whether a flush is waiting (a volatile read; the worker asks per item). */
    boolean hasFlushers() {
        return nrFlushers > 0;
    }

    private static int nextColor(int c) {
        return (c + 1) % PoolWorkqueue.NR_COLORS;
    }

    /** Whether colour {@code c} lies in the cyclic range [from, to). */
    private static boolean inRange(int c, int from, int to) {
        int n = PoolWorkqueue.NR_COLORS;
        return Math.floorMod(c - from, n) < Math.floorMod(to - from, n);
    }

    /**
     * Takes a flush colour and waits until it has drained, at most {@code timeoutNanos} from
     * {@code start} (negative: no limit).
     *
     * <p>A flusher counts in {@link #nrFlushers} while it waits, for a colour to free up as well
     * as for its own colour to drain, so every drop of a count to zero wakes it and it moves
     * {@link #flushColor} itself ({@link #advanceFlushColor}). It never depends on another
     * flusher to do that: a timed flusher that gives up simply leaves, and the colour it took
     * stays in the range between flushColor and workColor until any later flusher passes it
     * once it has drained. So timed-out flushers leave nothing behind, even when all colours
     * were taken.
     *
     * @return true once the colour drained, false on timeout
     */
    boolean flush(long start, long timeoutNanos) {
        mutex.lock();
        try {
            nrFlushers++;
        } finally {
            mutex.unlock();
        }
        try {
            int myColor = -1;
            while (true) {
                long seen = events.get(); // read before looking, so no drop goes unnoticed
                mutex.lock();
                try {
                    if (myColor < 0) {
                        advanceFlushColor(-1); // frees colours drained since the last flusher left
                        if (nextColor(workColor) != flushColor) {
                            myColor = takeColor();
                        }
                    }
                    if (myColor >= 0 && advanceFlushColor(myColor)) {
                        return true;
                    }
                } finally {
                    mutex.unlock();
                }
                if (!awaitEvent(seen, start, timeoutNanos)) {
                    return false;
                }
            }
        } finally {
            mutex.lock();
            try {
                nrFlushers--;
            } finally {
                mutex.unlock();
            }
        }
    }

    /** F held: takes the current work colour and moves every pwq to the next one. */
    private int takeColor() {
        int myColor = workColor;
        workColor = nextColor(workColor);
        for (PoolWorkqueue pwq : wq.pwqs) {
            pwq.pool.lockPool();
            try {
                pwq.workColor = workColor;
            } finally {
                pwq.pool.unlockPool();
            }
        }
        return myColor;
    }

    /** Waits until {@link #events} moves past {@code seen}; false if the deadline passed first. */
    private boolean awaitEvent(long seen, long start, long timeoutNanos) {
        waitLock.lock();
        try {
            if (timeoutNanos < 0) {
                Waits.await(progress, () -> events.get() != seen);
                return true;
            }
            long left = timeoutNanos - (System.nanoTime() - start);
            return left > 0 && Waits.await(progress, () -> events.get() != seen, left);
        } finally {
            waitLock.unlock();
        }
    }

    /**
     * F held: moves flushColor past drained colours; true once {@code myColor} is passed. A
     * flusher waiting for a free colour is woken by the count drop that let this move (see
     * {@link #flush}).
     */
    private boolean advanceFlushColor(int myColor) {
        while (flushColor != workColor && colorIsDrained(flushColor)) {
            flushColor = nextColor(flushColor);
        }
        return !inRange(myColor, flushColor, workColor);
    }

    private boolean colorIsDrained(int color) {
        for (PoolWorkqueue pwq : wq.pwqs) {
            pwq.pool.lockPool();
            try {
                if (pwq.nrInFlight[color] != 0) {
                    return false;
                }
            } finally {
                pwq.pool.unlockPool();
            }
        }
        return true;
    }

    /** Called by a pwq (its pool lock held) when one of its colour counts drops to zero. */
    void colorDrained() {
        if (nrFlushers == 0) {
            return;
        }
        events.incrementAndGet();
        waitLock.lock();
        try {
            progress.signalAll();
        } finally {
            waitLock.unlock();
        }
    }
}
