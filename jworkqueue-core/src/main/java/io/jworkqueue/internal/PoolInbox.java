package io.jworkqueue.internal;

import io.jworkqueue.Work;

/**
 * The pool side of the producers' {@link Inbox}: a queue call whose item would only wait if
 * linked now (behind the pool's {@link WorkerPool#target} of counted running workers, or on a
 * saturated pwq's inactive list) pushes it here instead of taking the pool lock
 * ({@link #pushBehind}); every lock holder moves the inbox onto the pwqs first
 * ({@link WorkerPool#lockPool}), and whoever ends the waiting condition moves it afterwards
 * ({@link #drain}; docs/DESIGN.md, Queueing). On an unbound pool a drain may find an item's pwq
 * released ({@code applyAttrs}, destroy); it sets the item aside for the queue call that pushed
 * it, which takes it back and queues it afresh ({@link #takeBounced}; docs/DESIGN.md, Unbound
 * pools). Static helpers taking the pool: the fields are the pool's ({@code inbox},
 * {@code inDrain}), and the queue path reads nothing more than it did.
 */
final class PoolInbox {
    private PoolInbox() {}

    /**
     * Lock-free queueing: puts an item whose PENDING the caller owns, and whose {@code data}
     * already names its pwq, on the inbox. Only while {@link #mayLeaveOnInbox} holds; if this
     * returns false (it no longer does), the caller must take the lock and drain the inbox
     * itself. The CAS here and the volatile read after it on one side, and on the other a
     * worker's decrement of nrRunning followed by its read of the inbox in
     * {@link WorkerPool#needMoreWorker()} or {@link WorkerPool#keepWorking()}, are sequentially consistent, so either
     * the caller sees the pool without a running worker, or that worker sees the item. For a
     * saturated pwq the hand-shake is the same with nrActive (or the limit) in place of
     * nr_running, see {@link PoolWorkqueue#isSaturated}.
     * Every path that lowers nrRunning re-evaluates a predicate under the lock, and every other
     * lock holder drains first ({@link WorkerPool#lockPool()}), so an item never sits here unseen.
     */
    static boolean pushBehind(WorkerPool p, PoolWorkqueue pwq, Work w) {
        if (p.cpu < 0) {
            Node.setFlags(w, pushToken()); // names this push, should a drain bounce it (see drain)
        }
        p.inbox.push(w);
        return mayLeaveOnInbox(p, pwq);
    }

    /**
     * Whether an item queued to {@code pwq} would only wait if linked now, read without the
     * lock: {@link WorkerPool#target} workers are counted running (one, for a bound pool), so it would
     * wait behind them without a kick, or the pwq's max_active is used up (it would wait on the
     * inactive list). Never for a pwq of an unbound pool that was replaced by {@code applyAttrs}
     * ({@code retired}): after its push, a queue call reads this again, and one that finds the
     * pwq retired moves the inbox itself under the lock and takes its item back if the pwq was
     * released meanwhile ({@link #takeBounced}).
     */
    static boolean mayLeaveOnInbox(WorkerPool p, PoolWorkqueue pwq) {
        if (p.cpu >= 0) {
            return p.nrRunning > 0 || pwq.isSaturated();
        }
        // Retirement is read after the push: the retiring thread sets it and then moves the
        // inbox under the lock (WorkqueueImpl.retirePwq) before the pwq may be released, so an
        // item whose queue call reads false here is linked to the pwq before its release.
        return !pwq.retired && (p.nrRunning >= p.target || pwq.isSaturated());
    }

    /**
     * Stands in an item's {@code inboxNext} after a drain found its pwq released: the item is on
     * no list and its queue call, which is on the locked path, takes it back ({@link #takeBounced}).
     */
    private static final Work BOUNCED = new Work("bounced from an inbox", self -> { });

    /**
     * What a push onto an unbound pool's inbox writes into the item's {@code flags} (free while
     * it is on no list): the pushing thread. A bounced item is taken back only by the queue
     * call that pushed it, never by another one that queued the same item after it ran.
     */
    private static int pushToken() {
        return (int) Thread.currentThread().threadId();
    }

    /**
     * Called by a queue call that pushed {@code w} onto this pool's inbox and then found that it
     * may not leave it there, after it moved the inbox under the lock (L): whether a drain found
     * the item's pwq released ({@code applyAttrs} replaced it and it drained, or the workqueue
     * is being destroyed) and set it aside. Then the caller owns it again, on no list, and
     * queues it afresh as {@code __queue_work} retries on a released pwq.
     */
    static boolean takeBounced(WorkerPool p, Work w) {
        if (Node.inboxNext(w) == BOUNCED && Node.flags(w) == pushToken()) {
            Node.setInboxNext(w, null);
            return true;
        }
        return false;
    }

    /**
     * Moves every item of the inbox, oldest first, onto its pwq as a locked queue call would
     * ({@link PoolWorkqueue#insertNew}), then kicks the pool once if asked to (L).
     *
     * @return true if anything was moved
     */
    static boolean drain(WorkerPool p, boolean kick) {
        if (p.inDrain || p.inbox.isEmpty()) {
            return false;
        }
        p.inDrain = true;
        try {
            Work head;
            boolean moved = false;
            while ((head = p.inbox.takeAll()) != null) {
                moved = true;
                Work fifo = null; // the stack is newest first: reverse it
                while (head != null) {
                    Work n = Node.inboxNext(head);
                    Node.setInboxNext(head, fifo);
                    fifo = head;
                    head = n;
                }
                while (fifo != null) {
                    Work n = Node.inboxNext(fifo);
                    PoolWorkqueue pwq = (PoolWorkqueue) Node.dataVolatile(fifo);
                    if (pwq.released) {
                        // Only an unbound pool's pwq is released, and only a queue call that
                        // read it retired after its push leaves an item for it here (see
                        // mayLeaveOnInbox): that call is on its way to this lock and takes the
                        // item back (takeBounced). Until then the item is on no list and names
                        // this pool as the last it was seen on, as an owner in mid-move.
                        Node.setInboxNext(fifo, BOUNCED);
                        Node.setDataRelease(fifo, p);
                    } else {
                        Node.setInboxNext(fifo, null);
                        pwq.insertNew(fifo, false);
                    }
                    fifo = n;
                }
            }
            if (moved && kick) {
                p.kick();
            }
            return moved;
        } finally {
            p.inDrain = false;
        }
    }

    /**
     * Whether items wait, on the worklist or on the inbox: a racy read without the lock, for the
     * routing of an unbound workqueue's queue calls to an idle neighbour pod.
     */
    static boolean hasWaiting(WorkerPool p) {
        return !p.worklist.isEmpty() || !p.inbox.isEmpty();
    }
}
