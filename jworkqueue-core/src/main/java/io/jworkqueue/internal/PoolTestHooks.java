package io.jworkqueue.internal;

/**
 * Test hooks into a pool that the runtime itself never calls: the model checks (Lincheck, the
 * jcstress tests) drive a pool's workers from their own threads through them.
 */
final class PoolTestHooks {
    private PoolTestHooks() {}

    /**
     * Test hook for model checking with a deterministic executor: in a runtime whose thread
     * factory never starts its threads, the calling thread acts as the pool's most recently idled
     * worker for one round of {@link WorkerPool#workerThread}, from its wake-up until it would go idle
     * again, running what that worker would run. The pool keeps at most two such workers, so
     * two test threads can run items at once. Not used by the runtime itself.
     *
     * @return whether an item was run
     */
    static boolean runAsIdleWorker(WorkerPool p) {
        p.lockPool();
        try {
            Worker w = p.idleHead;
            if (w == null || p.closing) {
                return false;
            }
            p.leaveIdle(w);
            if (!p.mayStartWorking() && p.nrWorkers < 2) {
                // As a manager would: another idle worker, for a second test thread to play.
                // Two at most, so that no idle worker is ever surplus and no cull timer is armed.
                PoolWorkers.createWorker(p);
            }
            Worker previous = Worker.current();
            Worker.setCurrent(w);
            boolean ran = false;
            try {
                while (p.needMoreWorker()) {
                    ran = true;
                    if (!p.runWorklist(w)) {
                        break;
                    }
                }
            } finally {
                Worker.setCurrent(previous);
                p.enterIdle(w);
            }
            return ran;
        } finally {
            p.unlockPool();
        }
    }
}
