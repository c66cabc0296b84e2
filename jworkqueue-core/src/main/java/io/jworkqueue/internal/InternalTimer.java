package io.jworkqueue.internal;

import io.jworkqueue.DelayedWork;

/**
 * A timer of the runtime itself (idle-worker culling, mayday, watchdog), riding the same
 * {@link TimerWheel} as delayed work: the kernel's plain {@code timer_list}s of a pool. Its
 * action runs on the timer thread and must be short and never block.
 */
final class InternalTimer extends DelayedWork {
    private final Runnable action;

    InternalTimer(Runnable action) {
        super(self -> {});
        this.action = action;
    }

    void expired() {
        action.run();
    }

    @Override
    public String toString() {
        return "InternalTimer[" + action + "]";
    }
}
