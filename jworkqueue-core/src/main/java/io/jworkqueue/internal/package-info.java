/**
 * The engine behind the public API: worker pools, pool workqueues, workers, the timer wheel, the
 * concurrency monitor and the rescuers. Nothing here is exported from the module.
 *
 * <h2>Who may touch a field</h2>
 * Each mutable field of the engine (and the engine's fields inside {@code Work} and
 * {@code DelayedWork}) carries a letter saying what guards it, in the comment above it or after it,
 * as {@code kernel/workqueue.c} does above {@code struct worker_pool}. One letter, one meaning:
 *
 * <dl>
 *   <dt>I</dt>
 *   <dd>Set while the object is built and read-only afterwards ({@code final} where Java allows;
 *       "I after start": written once by whoever starts the object, before anyone else sees it).</dd>
 *   <dt>A</dt>
 *   <dd>Atomic: changed only by compare-and-set or an atomic read-modify-write, read with at least
 *       volatile semantics; no lock. The work item's state word (PENDING, disable depth) is the
 *       main one.</dd>
 *   <dt>O</dt>
 *   <dd>Written only by the thread that owns the item's PENDING bit; others read it under L, or
 *       after the owner's publishing CAS (the inbox push).</dd>
 *   <dt>L</dt>
 *   <dd>The pool lock ({@code WorkerPool.lock}, the kernel's {@code pool->lock}) of the pool the
 *       object belongs to; for a work item, the pool it is queued on. Read under L as well, unless
 *       the comment says "L for writes": then the field is volatile and lock-free readers read it,
 *       and the comment names them. The pool's fields are declared in {@code WorkerPool} but also
 *       kept by its static helpers ({@code PoolInbox}, {@code PoolWorkers}, {@code PoolMayday},
 *       {@code PoolShutdown}, {@code PoolSleepers}, {@code PoolVirtual}, {@code PoolSampler},
 *       {@code PoolViews}), whose methods take the pool as their first argument: an (L) on one
 *       of them means that pool's lock.</dd>
 *   <dt>W</dt>
 *   <dd>Written by the worker running the item, under that worker's pool lock, and read by the
 *       item's next run under its own pool lock: non-reentrancy orders the runs.</dd>
 *   <dt>C</dt>
 *   <dd>Confined to the worker's own thread, which writes it (and may do so under L); another
 *       thread (a dump) reads it only racily, and the comment says so.</dd>
 *   <dt>M</dt>
 *   <dd>The concurrency monitor's samples of a worker ({@code PoolSampler}): read and written only by the monitor's
 *       thread, under L.</dd>
 *   <dt>MD</dt>
 *   <dd>A rescuer's mayday list, guarded by the rescuer object's own monitor (the kernel's
 *       {@code wq_mayday_lock}).</dd>
 *   <dt>T</dt>
 *   <dd>The timer wheel's lock ({@code TimerWheel.lock}): the wheel's buckets and the timer
 *       fields of every {@code DelayedWork}.</dd>
 *   <dt>F</dt>
 *   <dd>A workqueue's flush mutex ({@code FlushColors.mutex}): the flush colours.</dd>
 * </dl>
 *
 * <p>A lock private to one class has no letter: the comment names the lock field instead
 * ({@code table:} in {@code UnboundPools}, {@code pwqsLock:}, "guarded by this"). A volatile field with no letter is
 * read and written without a lock; its comment says who writes it.
 *
 * <p>On a method, the same letter in parentheses at the end of its comment ({@code (L)}), or as
 * {@code // L} after its signature, means the caller holds that lock; a name ending in
 * {@code Locked} says the same for the lock of its class.
 *
 * <p>Lock order (see {@code WorkerPool}, Locking): F, then L (several pool locks only in
 * {@code destroy}, in pool-id order), then a leaf: a workqueue's flush-wait lock or T. The pool
 * table lock and a workqueue's {@code pwqsLock} are leaves too. T is never held while a pool lock
 * is taken: expiries are fired after it is released.
 *
 * <h2>Access modes in names</h2>
 * A field reached through a {@code VarHandle} is read and written through accessors whose name
 * gives the access mode, as in JCTools (see {@code Node}): {@code x(o)} and {@code setX(o, v)} are
 * plain (the caller holds the field's lock or owns it); {@code xOpaque}; {@code xAcquire} and
 * {@code setXRelease}; {@code xVolatile} and {@code setXVolatile}; {@code casX} (a strong
 * compare-and-set) and {@code weakCasX}; {@code getAndSetX}, {@code getAndOrX}, {@code getAndAndX}
 * (full-fence read-modify-writes). A plain name never hides a stronger mode.
 */
package io.jworkqueue.internal;
