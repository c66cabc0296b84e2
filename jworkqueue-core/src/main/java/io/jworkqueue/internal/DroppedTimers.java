package io.jworkqueue.internal;

import io.jworkqueue.DelayedWork;
import java.util.List;

/**
 * The armed timers a workqueue's destroy cancels: each is released and logged when it is
 * cancelled, and its owner is told that it will not fire only once the workqueue is destroyed
 * (so that an owner told sees {@code isDestroyed()}).
 */
final class DroppedTimers {
    private static final System.Logger LOG = System.getLogger("io.jworkqueue");

    private final WorkqueueImpl wq; // I
    /** Guarded by this: the timers cancelled when the destroy began, not yet told. */
    private List<DelayedWork> untold = List.of();

    DroppedTimers(WorkqueueImpl wq) {
        this.wq = wq;
    }

    /** Cancels the armed timers that target the workqueue, releasing and reporting each. */
    List<DelayedWork> cancelArmed() {
        List<DelayedWork> armed = wq.runtime.timers().cancelAll(dw -> Node.targetVolatile(dw) == wq);
        for (DelayedWork dw : armed) {
            WorkOps.releasePending(dw);
            LOG.log(System.Logger.Level.WARNING, "workqueue ''{0}'' destroyed with armed delayed work {1}; its timer was cancelled",
                    wq.name(), dw);
        }
        return armed;
    }

    /** The first step of a destroy: cancels the armed timers and keeps them to be told later. */
    void cancelAtBegin() {
        List<DelayedWork> armed = cancelArmed();
        synchronized (this) {
            untold = armed;
        }
    }

    /**
     * Tells the owners of the timers cancelled by this destroy (the first step's and {@code more})
     * that they will not fire; called once the workqueue is destroyed.
     */
    void tell(List<DelayedWork> more) {
        List<DelayedWork> first;
        synchronized (this) {
            first = untold;
            untold = List.of();
        }
        for (DelayedWork dw : first) {
            WorkOps.timerDropped(dw);
        }
        for (DelayedWork dw : more) {
            WorkOps.timerDropped(dw);
        }
    }
}
