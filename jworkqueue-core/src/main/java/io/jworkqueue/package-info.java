/**
 * The jworkqueue API: {@link io.jworkqueue.Work} and {@link io.jworkqueue.DelayedWork} items,
 * {@link io.jworkqueue.Workqueue}s that carry policy but own no threads, and the
 * {@link io.jworkqueue.WorkqueueRuntime} whose shared per-CPU and unbound worker pools run them.
 *
 * <h2>Conventions</h2>
 * <ul>
 *   <li>Queueing returns {@code boolean}: {@code false} means the item was already pending (or is
 *       disabled) and nothing changed.</li>
 *   <li>Methods ending in {@code Sync}, and {@code flush}, {@code drain}, {@code destroy},
 *       {@code close}, may block; all others never block. A blocking call does not throw
 *       {@link java.lang.InterruptedException}: an interrupt does not end the wait and the
 *       thread's interrupt status is preserved.</li>
 *   <li>{@code null} arguments throw {@link java.lang.NullPointerException}; out-of-range values
 *       {@link java.lang.IllegalArgumentException}; use of a destroyed workqueue or closed runtime,
 *       and a wait that would deadlock (flushing a workqueue from its own item, flushing or
 *       sync-cancelling an item from its own function), {@link java.lang.IllegalStateException}.</li>
 * </ul>
 */
package io.jworkqueue;
