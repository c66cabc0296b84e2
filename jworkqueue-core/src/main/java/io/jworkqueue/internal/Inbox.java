package io.jworkqueue.internal;

import io.jworkqueue.Work;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The head of a pool's lock-free inbox (see {@link PoolInbox#pushBehind}), on a
 * cache line of its own: producers CAS it for every item they queue, and sharing a line with
 * the pool's fields, which the worker reads and writes for every item it runs, would make both
 * sides miss the cache on each access. The padding is inherited, as in JCTools, because the JVM
 * lays out a class's fields after its superclass's.
 */
final class Inbox extends InboxHead {
    @SuppressWarnings("unused")
    private long q0, q1, q2, q3, q4, q5, q6, q7;

    private static final VarHandle HEAD;

    static {
        try {
            HEAD = MethodHandles.lookup().findVarHandle(InboxHead.class, "head", Work.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Pushes {@code w} (newest first), linking it through its {@code inboxNext}. */
    void push(Work w) {
        Work h;
        do {
            h = head;
            Node.setInboxNext(w, h);
        } while (!HEAD.weakCompareAndSet(this, h, w));
    }

    boolean isEmpty() {
        return head == null;
    }

    /**
     * @return everything pushed so far, newest first, or null; the inbox is empty afterwards.
     *     An empty inbox is only read: the swap, a write to the contended line, is for one
     *     that holds something.
     */
    Work takeAll() {
        Work h = head;
        if (h != null) {
            h = (Work) HEAD.getAndSet(this, (Work) null);
        }
        return h;
    }
}

class InboxPad {
    @SuppressWarnings("unused")
    private long p0, p1, p2, p3, p4, p5, p6, p7;
}

class InboxHead extends InboxPad {
    volatile Work head;
}
