package io.jworkqueue.internal;

import io.jworkqueue.Work;
import io.jworkqueue.internal.jfr.Jfr;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Worker threads plus one shared worklist, the kernel's {@code worker_pool}.
 *
 * <h2>Implementation overview</h2>
 * Follows {@code kernel/workqueue.c} and {@code Documentation/core-api/workqueue.rst}.
 *
 * <p><b>Pools.</b> Each CPU of a runtime has two bound pools (normal and highpri) shared by all
 * bound workqueues; unbound workqueues share the unbound pools of equal resolved attributes
 * ({@link PoolAttrs}), one per pod. A pool owns no policy: the
 * workqueues' {@link PoolWorkqueue}s decide which items are active, and only active items are
 * on {@link #worklist}.
 *
 * <p><b>nr_running and the predicates.</b> {@link #nrRunning} counts workers that are running
 * items and are not marked NOT_RUNNING (preparing, CPU-intensive, unbound) nor inside a blocking
 * hint. The policy is four small predicates: {@link #needMoreWorker()},
 * {@link #mayStartWorking()}, {@link #keepWorking()}, {@link #needToCreateWorker()}. A bound
 * pool therefore runs one non-blocked item at a time per CPU; when a worker blocks (it calls
 * {@code WorkqueueRuntime.blocking}, or waits inside a flush or cancelSync) nrRunning drops and
 * the most recently idled worker is woken ({@link #kick()}), counted as a cm_wakeup. An unbound
 * pool (one per pod and attributes) is managed the same way with a larger {@link #target}, its
 * pod's CPU count: up to that many counted workers run at once (a departure from the kernel,
 * docs/DESIGN.md, Unbound pools).
 *
 * <p><b>Idle list and manager.</b> Idle workers sit on a LIFO list. A worker starts processing
 * only while another idle worker exists, so there is always someone to wake; otherwise it first
 * becomes the pool's single manager and creates one, with the lock dropped
 * ({@link PoolWorkers#createWorkerUnlocked}). The first worker of a pool is created by the first
 * kick, so an unused pool has no threads.
 *
 * <p><b>Non-reentrancy.</b> {@link #findWorkerExecutingWork} looks an item up in the busy hash
 * (keyed by identity, chained through the workers); a newly assigned item already running on
 * another worker moves to that worker's scheduled list ({@link #assignWork}).
 *
 * <p><b>CPU time.</b> Each pwq's {@code cpu_time} is charged per segment of items, not per item
 * ({@link WorkerCpuClock}). The watchdog needs no clock per item either: it measures progress by
 * {@link #nrStarted}.
 *
 * <p><b>Locking.</b> One lock per pool (L) guards the worklist, the idle list, the busy hash,
 * every worker's flags and scheduled list, and the pool's pwqs. Lock order: a workqueue's flush
 * mutex, then a pool lock, then the workqueue's flush-wait lock or the timer wheel's lock. Only
 * {@code destroy} holds several pool locks at once, taken in pool-id order. The work item's
 * state word is atomic and may be changed without any lock.
 *
 * <p><b>Virtual pools.</b> In the virtual-thread mode the unbound pools' workers are virtual
 * threads, never counted in nr_running; a kick that finds no idle worker creates one itself, and
 * carrier stalls are relieved by platform workers ({@link PoolVirtual}).
 *
 * <p><b>Presumed sleepers.</b> An item the monitor saw blocked in its last run starts outside
 * nr_running, and a running worker hands one at the head of the worklist to an idle worker
 * ({@link PoolSleepers}).
 *
 * <p><b>Inbox.</b> A queue call whose item would only wait if linked now pushes it onto the
 * lock-free {@link Inbox} instead of taking the lock; every lock holder moves the inbox first
 * ({@link #lockPool}). The pool's side of it is {@link PoolInbox}.
 *
 * <p><b>Parts elsewhere.</b> Worker creation, retirement, idle culling and the manager are in
 * {@link PoolWorkers}; the mayday timer in {@link PoolMayday}; shutdown in {@link PoolShutdown};
 * the nr_running transitions of sleeping workers in {@link PoolSleepers}; the virtual pools'
 * relief in {@link PoolVirtual}; the monitor's sampling in {@link PoolSampler}; CPU-time
 * accounting in {@link WorkerCpuClock}; observers' snapshots in {@link PoolViews}. They are
 * static helpers taking the pool: the fields they keep are the pool's, under its lock L.
 */
final class WorkerPool extends PoolRunningPadAfter {
    /** How often {@link #lockSpin()} retries before parking on the lock. */
    private static final int SPIN_TRIES = 128;
    /** {@code MAX_IDLE_WORKERS_RATIO}. */
    static final int MAX_IDLE_WORKERS_RATIO = 4;
    // runtime, cpu and the inbox (I) are inherited from PoolFixed: lock-free queue calls read
    // them for every item, away from the fields the worker writes.
    final int id; // I
    final boolean highpri; // I
    /** I: the resolved attributes of an unbound pool (null for a bound one). */
    final PoolAttrs attrs;
    /**
     * I: how many counted running workers the pool keeps: 1 for a bound pool (its CPU), the
     * pod's CPU count for an unbound one (docs/DESIGN.md, Unbound pools).
     */
    final int target;
    /** I: the nice value of the workers (-20 highpri, else the attributes' or 0). */
    final int nice;
    /** RuntimeCore's pool table lock: how many pwqs use this unbound pool. */
    int refs;
    /** I: the workers are virtual threads (an unbound pool in the virtual-thread mode); see the overview. */
    final boolean virtual;

    final ReentrantLock lock = new ReentrantLock();

    // L: everything below
    final WorkList worklist = new WorkList();
    // nrRunning (L for writes, read by lock-free queue calls) is inherited from PoolRunning: it
    // sits on a cache line of its own, so that producers reading it do not miss the cache each
    // time the worker writes the pool's other fields (once or more per item).
    int nrWorkers, nrIdle;
    /** L: {@link PoolInbox#drain} is on the stack (its kick must not drain again). */
    boolean inDrain;
    Worker idleHead;
    Worker idleTail;
    /** L: items (and barriers) this pool has started: the watchdog's measure of progress. */
    long nrStarted;
    /**
     * L: what the last observer of progress (watchdog, dump, snapshot) saw: {@link #nrStarted},
     * and since when the worklist has been seen waiting without a start (0: not seen waiting).
     */
    long observedStarted, stallSeenSince;
    /** Culls surplus idle workers ({@code idle_timer}); armed only while there are too many. */
    final InternalTimer idleTimer = new InternalTimer(() -> PoolWorkers.cullIdle(this));
    /** Sends maydays while a worker cannot be created ({@code mayday_timer}). */
    final InternalTimer maydayTimer = new InternalTimer(() -> PoolMayday.timerFired(this));
    /** L: {@link #maydayTimer} is armed. */
    boolean maydayArmed;
    /** L: the workers running an item, by item ({@link #findWorkerExecutingWork}). */
    private final BusyHash busy = new BusyHash();
    Worker manager;
    // L: set by a queueing thread while it holds the lock; kick() then leaves the chosen idle
    // worker in wakeAfterUnlock and unlockAndWake() unparks it once the lock is free. Woken under
    // the lock, the worker would find the lock held, park again on it (a second context switch)
    // and allocate an AQS node for the wait: 32 B per queued item (AllocationTest).
    boolean deferWake;
    private Thread wakeAfterUnlock;
    final List<Worker> workers = new ArrayList<>();
    /**
     * A (written under L): {@link #workers} as an array, replaced whenever a worker joins or
     * leaves, for the monitor's lock-free look ({@link PoolSampler#quickLook}).
     */
    volatile Worker[] workerArray = new Worker[0];
    /** L: the worker ids in use (the {@code N} of {@code kworker/C:N}). */
    final BitSet workerIds = new BitSet();
    boolean closing;
    /** L: worker creation is failing (logged once per episode). */
    boolean creationFailing;
    // L: the virtual pool's watch ({@link PoolSampler#sampleVirtual}). watched: the monitor has been asked
    // to sample this pool and has not yet let go of it; stallObserved/stallSince: nrStarted as
    // last seen with items waiting, and since when no item has started (0: not waiting);
    // emptySince: since when the worklist has been seen empty while watched (0: not seen).
    boolean watched;
    long stallObserved, stallSince, emptySince;
    /** L: platform relief workers of this virtual pool now alive. */
    int nrRelief;

    /** A bound pool of {@code cpu}. */
    WorkerPool(RuntimeCore runtime, int id, int cpu, boolean highpri) {
        this(runtime, id, cpu, highpri, null, false);
    }

    /**
     * A pool without attributes (tests).
     *
     * @param virtual whether the workers are virtual threads (only for an unbound pool, in the
     *     virtual-thread mode)
     */
    WorkerPool(RuntimeCore runtime, int id, int cpu, boolean highpri, boolean virtual) {
        this(runtime, id, cpu, highpri, null, virtual);
    }

    private WorkerPool(RuntimeCore runtime, int id, int cpu, boolean highpri, PoolAttrs attrs, boolean virtual) {
        super(runtime, checkVirtual(cpu, virtual));
        this.id = id;
        this.highpri = highpri;
        this.attrs = attrs;
        this.target = attrs == null ? 1 : Math.max(1, attrs.podCpus().cardinality());
        this.nice = attrs != null ? attrs.nice() : highpri ? io.jworkqueue.WorkqueueAttrs.MIN_NICE : 0;
        this.virtual = virtual;
    }

    private static int checkVirtual(int cpu, boolean virtual) {
        if (virtual && cpu >= 0) {
            throw new IllegalArgumentException("a bound pool (cpu " + cpu + ") cannot have virtual workers");
        }
        return cpu;
    }

    /**
     * The one place unbound pools are made ({@code get_unbound_pool}): everything a pool of a
     * pod needs comes in {@code attrs}; its workers are virtual threads in the virtual-thread mode.
     */
    static WorkerPool unbound(RuntimeCore runtime, int id, PoolAttrs attrs) {
        return new WorkerPool(runtime, id, -1, attrs.highpri(), attrs, runtime.config().virtualUnbound());
    }

    boolean isUnbound() {
        return cpu < 0;
    }

    // ------------------------------------------------------------------ policy (L)

    /**
     * {@code need_more_worker}: work is waiting and fewer than {@link #target} workers run (none,
     * for a bound pool).
     */
    boolean needMoreWorker() {
        // nrRunning first: while a worker counts as running the answer is no whatever the
        // worklist holds, and the inbox need not be looked at (a kick at every item start would
        // otherwise move the producers' inbox each time).
        return nrRunning < target && !worklistEmpty();
    }

    /** {@code may_start_working}: another idle worker exists to be woken later. */
    boolean mayStartWorking() {
        return nrIdle > 0;
    }

    /** {@code keep_working}: work is waiting and at most {@link #target} workers (this one included) run. */
    boolean keepWorking() {
        return !worklistEmpty() && nrRunning <= target;
    }

    /** {@code need_to_create_worker}: a worker is needed and none is idle. */
    boolean needToCreateWorker() {
        return needMoreWorker() && !mayStartWorking();
    }

    /**
     * {@code too_many_workers}: more than two idle workers, and the idle ones beyond two are at
     * least a quarter of the busy ones. The manager counts as idle.
     */
    boolean tooManyWorkers() {
        int idle = nrIdle + (manager != null ? 1 : 0);
        int busy = nrWorkers - idle;
        return idle > 2 && (idle - 2) * MAX_IDLE_WORKERS_RATIO >= busy;
    }

    /**
     * Whether the worklist is empty once the inbox has been moved onto it (L). The inbox is
     * looked at only when the worklist is empty: everything on the worklist was queued before
     * anything on the inbox (a locked queue call drains the inbox before it links), so order is
     * kept, and a busy worker does not touch the inbox's contended cache line for every item.
     */
    boolean worklistEmpty() {
        if (!worklist.isEmpty()) {
            return false;
        }
        PoolInbox.drain(this, false);
        return worklist.isEmpty();
    }

    /** Moves the inbox onto the pwqs, then kicks once if asked to (L): {@link PoolInbox#drain}. */
    boolean drainInbox(boolean kick) {
        return PoolInbox.drain(this, kick);
    }


    /** Takes the pool lock and moves the inbox onto the pwqs, so the holder sees every queued item. */
    void lockPool() {
        lock.lock();
        PoolInbox.drain(this, true);
    }

    /** Releases the pool lock taken by {@link #lockPool()}. */
    void unlockPool() {
        lock.unlock();
    }

    /** The monitor should watch this pool: items wait behind a running worker (any thread). */
    void requestWatch() {
        runtime.monitor().request();
    }

    // ------------------------------------------------------------------ flags (L)

    void setFlags(Worker w, int f) {
        if ((f & Worker.NOT_RUNNING) != 0 && (w.flags & Worker.NOT_RUNNING) == 0 && !w.sleeping) {
            nrRunning--;
        }
        w.flags |= f;
    }

    void clearFlags(Worker w, int f) {
        int old = w.flags;
        w.flags &= ~f;
        if ((f & Worker.NOT_RUNNING) != 0 && (old & Worker.NOT_RUNNING) != 0
                && (w.flags & Worker.NOT_RUNNING) == 0 && !w.sleeping) {
            nrRunning++;
        }
    }

    // ------------------------------------------------------------------ idle list (L)

    void enterIdle(Worker w) {
        w.flags |= Worker.IDLE;
        nrIdle++;
        w.lastActive = runtime.nanoTime();
        w.idlePrev = null;
        w.idleNext = idleHead;
        if (idleHead != null) {
            idleHead.idlePrev = w;
        } else {
            idleTail = w;
        }
        idleHead = w;
        if (tooManyWorkers() && !idleTimer.isTimerArmed() && !closing) {
            runtime.timers().rearm(idleTimer, runtime.idleTimeoutNanos());
        }
    }

    void leaveIdle(Worker w) {
        w.kicked = false;
        if ((w.flags & Worker.IDLE) == 0) {
            return;
        }
        w.flags &= ~Worker.IDLE;
        nrIdle--;
        if (w.idlePrev == null) {
            idleHead = w.idleNext;
        } else {
            w.idlePrev.idleNext = w.idleNext;
        }
        if (w.idleNext == null) {
            idleTail = w.idlePrev;
        } else {
            w.idleNext.idlePrev = w.idlePrev;
        }
        w.idleNext = w.idlePrev = null;
    }


    /**
     * {@code kick_pool}: wakes the most recently idled worker if work needs one. Creates the
     * pool's first worker when it has none.
     *
     * @return true if a worker was woken
     */
    boolean kick() {
        if (!needMoreWorker()) {
            if (nrRunning > 0 && !worklist.isEmpty()) {
                // Items wait behind a running worker: have the monitor check whether it blocks.
                runtime.monitor().request();
            }
            return false;
        }
        Worker w = idleHead;
        if (virtual) {
            PoolVirtual.watch(this);
            if (w == null) {
                // No manager round-trip: a virtual worker is created here, already woken.
                if (closing || !PoolWorkers.createWorker(this, false)) {
                    if (!closing) {
                        PoolMayday.arm(this, PoolMayday.INITIAL_NANOS);
                    }
                    return false;
                }
                idleHead.kicked = true; // it starts on its own; later kicks need not unpark it
                return true;
            }
        }
        if (w == null) {
            if (nrWorkers == 0 && manager == null && !closing && !PoolWorkers.createWorker(this)) {
                PoolMayday.arm(this, PoolMayday.INITIAL_NANOS);
            }
            return false;
        }
        if (w.kicked) {
            return true; // woken already and not yet running: another unpark would be a wasted system call
        }
        w.kicked = true;
        if (deferWake) {
            wakeAfterUnlock = w.thread;
        } else {
            LockSupport.unpark(w.thread);
        }
        return true;
    }

    /**
     * Releases the lock taken by a queueing thread (which set {@link #deferWake}) and then wakes
     * the worker {@link #kick()} chose, if any. A worker woken late still finds the item: it was
     * linked before the lock was released, and an unpark before the park is not lost.
     */
    void unlockAndWake() {
        Thread t = wakeAfterUnlock;
        wakeAfterUnlock = null;
        deferWake = false;
        unlockPool();
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /**
     * Takes the pool lock, spinning briefly first. The critical sections are a few dozen
     * instructions, so a short spin usually wins the lock without parking; parking would also
     * allocate a queue node inside the lock (AllocationTest keeps queue + execute at 0 B/item).
     */
    void lockSpin() {
        if (lock.tryLock()) {
            return;
        }
        for (int i = 0; i < SPIN_TRIES; i++) {
            Thread.onSpinWait();
            if (lock.tryLock()) {
                return;
            }
        }
        lock.lock();
    }

    /**
     * The worklist is about to become non-empty: make sure the watchdog looks (L). No clock is
     * read here: the watchdog measures progress by {@link #nrStarted} (see {@link PoolViews#stalledLocked}).
     */
    void worklistFilling() {
        runtime.watchdogNeeded();
    }


    /** {@code find_worker_executing_work} (L). */
    Worker findWorkerExecutingWork(Work work) {
        return busy.find(work);
    }

    // ------------------------------------------------------------------ list moves (L)

    /** {@code move_linked_works}: moves {@code work} and the barriers linked behind it. */
    void moveLinkedWorks(Work work, WorkList to) {
        Work w = work;
        while (true) {
            Work n = Node.next(w);
            int f = Node.flags(w);
            WorkList.remove(w);
            to.addLast(w);
            if ((f & PoolWorkqueue.LINKED) == 0) {
                break;
            }
            w = n;
        }
    }

    /** {@code assign_work}: hands {@code work} to the worker already running it, or to {@code w}. */
    boolean assignWork(Work work, Worker w) {
        Worker collision = findWorkerExecutingWork(work);
        if (collision != null) {
            moveLinkedWorks(work, collision.scheduled);
            return false;
        }
        moveLinkedWorks(work, w.scheduled);
        return true;
    }


    /**
     * An exception escaped {@link #workerThread} (never one of a work function, which
     * {@link #processOneWork} contains): the worker leaves nr_running as if it went idle, runs
     * what was already handed to it, reports the failure and, unless it was retired, starts
     * over. Its own thread.
     *
     * @return false if the worker must exit
     */
    boolean workerFailed(Worker w, Throwable t) {
        runtime.internalError("worker thread", t);
        lockSpin();
        try {
            if ((w.flags & Worker.DIE) != 0) {
                return false;
            }
            if ((w.flags & Worker.IDLE) == 0) {
                setFlags(w, Worker.PREP);
            }
            // Items already handed to this worker would wait on its list forever: run them now
            // (out of nr_running, as a rescuer does), the one handed over by a retiring item first.
            Work handed = w.handOff;
            if (handed != null) {
                w.handOff = null;
                processOneWork(w, handed);
            }
            processScheduledWorks(w);
        } finally {
            lock.unlock();
        }
        LockSupport.parkNanos(this, 1_000_000L); // a failure that repeats must not spin
        return true;
    }

    /** The body of every worker thread ({@code worker_thread}). */
    void workerThread(Worker w) {
        lockPool();
        try {
            if ((w.flags & Worker.RELIEF) != 0) {
                PoolVirtual.relieve(this, w);
                return;
            }
            while (workerRound(w)) {
                // one round per wake-up: see workerRound
            }
        } finally {
            if (lock.isHeldByCurrentThread()) { // not if the failure came while it was unlocked
                unlockPool();
            }
        }
    }

    /**
     * One round of {@link #workerThread}: runs what the pool needs, goes idle and parks, and
     * retakes the lock once woken (called and returns with L held). A method of its own so that
     * the JIT compiles it after a few hundred wake-ups: a loop that iterates once per wake-up
     * would stay interpreted for minutes at a low item rate (its back-edge count grows by one
     * per wake-up), and the path from a wake-up to the next item runs in it.
     *
     * @return false if the worker must exit
     */
    private boolean workerRound(Worker w) {
        if (!w.scheduled.isEmpty()) {
            runHandedOff(w); // even if retired meanwhile: nobody else would run it
        }
        if ((w.flags & Worker.DIE) != 0) {
            return false; // destroyWorker did the bookkeeping
        }
        leaveIdle(w);
        Faults.at("worker", w);
        while (needMoreWorker()) {
            // A virtual pool needs no idle worker in reserve: kick() creates one.
            if (!virtual && !mayStartWorking() && PoolWorkers.manageWorkers(this, w)) {
                continue;
            }
            if (!runWorklist(w)) {
                break;
            }
        }
        if ((w.flags & Worker.DIE) != 0) {
            return false; // destroyWorker did the bookkeeping; the wake-up that came with DIE
            // may have been used up by lock.lock(), so never park again
        }
        enterIdle(w);
        unlockPool();
        try {
            WorkerCpuClock.markCpu(w);
            LockSupport.park(this);
            Thread.interrupted();
        } finally {
            lockSpin();
        }
        return true;
    }

    /**
     * The worker leaves PREP and runs items while {@code keep_working} holds, then re-enters
     * PREP (L).
     *
     * @return true if the inbox held items afterwards (the caller looks at the worklist again)
     */
    boolean runWorklist(Worker w) {
        clearFlags(w, Worker.PREP);
        WorkerCpuClock.startRun(w); // the CPU clock was read before the worker parked; the wall clock at the first item
        do {
            Work work = worklist.first();
            if (Node.sleptLast(work) && PoolSleepers.handOff(this, w, work)) {
                continue;
            }
            if ((Node.flags(work) & PoolWorkqueue.LINKED) == 0 && findWorkerExecutingWork(work) == null) {
                // assign_work's common case, without the detour over the scheduled list: no
                // barrier moves with it and it runs nowhere else. What its run hands this
                // worker (a barrier of a flush, its own next instance) follows below.
                processOneWork(w, work);
                processScheduledWorks(w);
            } else if (assignWork(work, w)) {
                processScheduledWorks(w);
            }
        } while (keepWorking());
        WorkerCpuClock.endRun(w);
        setFlags(w, Worker.PREP);
        // Left nr_running: an item pushed onto the inbox meanwhile may have seen this worker
        // still counted; look once more (the other half of push's handshake).
        return PoolInbox.drain(this, false);
    }

    /**
     * Runs what another worker handed this one ({@link PoolSleepers#handOff}) on its wake-up, as a
     * run of its own: counted in nr_running except while the item is presumed asleep (L).
     */
    private void runHandedOff(Worker w) {
        clearFlags(w, Worker.PREP);
        WorkerCpuClock.startRun(w);
        processScheduledWorks(w);
        WorkerCpuClock.endRun(w);
        setFlags(w, Worker.PREP); // nr_running may drop: the caller's predicates drain the inbox
    }

    void processScheduledWorks(Worker w) {
        Work work;
        while ((work = w.scheduled.first()) != null) {
            processOneWork(w, work);
        }
    }

    /**
     * {@code process_one_work}: runs one item, then each item its retirement handed straight to
     * this worker ({@link #handOff}); called and returns with L held.
     */
    private void processOneWork(Worker w, Work work) {
        do {
            runOne(w, work);
            work = w.handOff;
            w.handOff = null;
        } while (work != null);
    }

    /** Runs one item (the body of {@code process_one_work}); called and returns with L held. */
    private void runOne(Worker w, Work work) {
        PoolWorkqueue pwq = (PoolWorkqueue) Node.dataVolatile(work);
        int wflags = Node.flags(work);
        w.currentWork = work;
        w.currentPwq = pwq;
        w.currentFlags = wflags;
        w.sampledWork = null; // the monitor re-bases its CPU clock for every run, even of the same item
        busy.add(w, work);
        WorkList.remove(work);
        if (pwq.wq.cpuIntensive) {
            setFlags(w, Worker.CPU_INTENSIVE);
        }
        w.sawBlock = false;
        boolean presumed = Node.sleptLast(work) && PoolSleepers.presume(this, w);
        // Wakes another worker if needed; if not, and items wait behind this one, asks the
        // monitor to watch whether this one blocks.
        if (kick() && presumed) {
            pwq.cmWakeup++; // woken for a presumed sleeper, as the monitor would have
        }
        // Off the queue: record the pool for non-reentrancy and flush, then drop PENDING. The
        // RMW pairs with the queuer's getAndOr (see WorkOps): a queue that saw PENDING set
        // happened before this, so its writes are visible to the run below.
        Node.setDataRelease(work, this); // published by the full-fence RMW right after
        WorkOps.clearPending(work);
        boolean barrier = work instanceof Barrier;
        nrStarted++;
        if (!barrier) {
            pwq.started++;
            if ((w.flags & Worker.RESCUER) != 0) {
                pwq.rescued++;
            }
            if (pwq != w.segmentPwq || w.segmentItems >= WorkerCpuClock.SEGMENT_ITEMS) {
                WorkerCpuClock.chargeSegment(w); // at a run's first item: only reads the clock
                w.segmentPwq = pwq;
            }
            w.segmentItems++;
        } else if (w.segmentPwq != null) {
            WorkerCpuClock.chargeSegment(w); // its flusher wakes when it runs: charge what ran before it
        }
        unlockPool();
        try {
            Object event = Jfr.on() && !barrier ? Jfr.executeStart() : null; // workqueue_execute_start
            Thread.interrupted();
            try {
                Node.fn(work).run(work);
            } catch (Throwable t) {
                runtime.reportFailure(pwq.wq, work, t);
            }
            if (event != null) {
                Jfr.executeEnd(event, pwq.wq.name(), work, w.toString()); // workqueue_execute_end
            }
            Thread.interrupted();
        } catch (Throwable t) {
            // Not the work function's (contained above): the bookkeeping below must still run,
            // or the item would stay in flight and its flushers wait forever.
            runtime.internalError("worker thread", t);
        } finally {
            lockSpin();
        }
        if (w.sleepingDetected) {
            // The monitor took this worker out of nr_running while it blocked; it runs again.
            PoolSleepers.runningAgain(this, w);
        }
        if ((w.flags & Worker.CPU_INTENSIVE) != 0) {
            clearFlags(w, Worker.CPU_INTENSIVE); // set by the flag, or by hog detection
        }
        if (!barrier) {
            pwq.completed++;
            if (w.segmentPwq != null && pwq.wq.hasFlushers()) {
                WorkerCpuClock.chargeSegment(w); // a flusher may be waiting for this item's colour to drain
            }
        }
        Node.setSleptLast(work, w.sawBlock);
        busy.remove(w, work);
        w.currentWork = null;
        w.currentPwq = null;
        if (w.desc != null) {
            w.desc = null; // set_worker_desc's text belongs to the item that set it
        }
        if ((w.flags & Worker.RESCUER) == 0) {
            pwq.decNrInFlight(wflags, w);
        } else {
            pwq.decNrInFlight(wflags, false);
        }
    }

    /**
     * The item that just finished hands its active slot to {@code next}, the oldest inactive
     * item of its pwq (L, from {@link PoolWorkqueue#decNrInFlight}): may the finishing worker
     * run {@code next} right away, from the inactive list, instead of moving it to the worklist
     * and taking it off again? Only where the worklist route would end the same way, with this
     * worker starting {@code next} before anything else: the worklist and the worker's scheduled
     * list are empty (so nothing was due before it), {@code keep_working} holds, no flush
     * barrier is linked behind it (such an item goes through the worklist and
     * {@link #assignWork}, which moves both), and it runs on no other worker (non-reentrancy).
     * The lock is held from here until {@link #processOneWork} takes the item off the inactive
     * list, so nobody sees the item on that list with its INACTIVE flag cleared, and the
     * grabbers need to know nothing of this path. An ordered workqueue's stream takes it for
     * every item after the first of a batch.
     *
     * @return true if {@code w} will run {@code next} next; the caller clears its INACTIVE flag
     */
    boolean handOff(Worker w, Work next, int nextFlags) {
        if ((nextFlags & PoolWorkqueue.LINKED) != 0 || w.handOff != null || !worklist.isEmpty()
                || !w.scheduled.isEmpty() || nrRunning > target || findWorkerExecutingWork(next) != null) {
            return false;
        }
        w.handOff = next;
        return true;
    }

    /**
     * Whether a list of this pool still holds an item or flush barrier of {@code pwq}: a barrier
     * is not counted in flight, and must run before its pwq may be released (L; only asked of
     * replaced pwqs that went idle).
     */
    boolean holdsItemsOf(PoolWorkqueue pwq) {
        for (Work x = worklist.first(); x != null; x = worklist.after(x)) {
            if (Node.dataVolatile(x) == pwq) {
                return true;
            }
        }
        for (Worker w : workers) {
            for (Work x = w.scheduled.first(); x != null; x = w.scheduled.after(x)) {
                if (Node.dataVolatile(x) == pwq) {
                    return true;
                }
            }
        }
        return false;
    }

    /** @return the pool's CPUs as a Linux CPU list: its CPU if bound, its pod if unbound */
    String cpuList() {
        return !isUnbound() ? String.valueOf(cpu) : attrs == null ? "" : Names.cpuList(attrs.podCpus());
    }


    @Override
    public String toString() {
        return "pool " + id + (isUnbound() ? " unbound cpus=" + cpuList() : " cpu=" + cpu) + (highpri ? " highpri" : "");
    }
}
