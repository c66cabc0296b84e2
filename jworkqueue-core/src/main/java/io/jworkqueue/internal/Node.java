package io.jworkqueue.internal;

import io.jworkqueue.DelayedWork;
import io.jworkqueue.Work;
import io.jworkqueue.WorkFunction;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Access to the private fields of {@link Work} and {@link DelayedWork} from the internal package.
 *
 * <p>The fields live in the public classes so that an item is its own queue node (nothing is
 * allocated to queue it), yet the API package shows none of them. Both packages are in one
 * module, so a private lookup is allowed; the handles are static finals and the JIT folds each
 * accessor into a plain field access.
 *
 * <p>Accessor names follow the access mode, as in JCTools: {@code x(w)} / {@code setX(w, v)} are
 * plain (the caller holds the guarding lock), {@code xVolatile}, {@code casX}, {@code getAndOrX}.
 */
final class Node {
    private Node() {}

    private static final VarHandle STATE, DATA, NEXT, PREV, FLAGS, INBOX_NEXT;
    private static final VarHandle T_NEXT, T_PREV, T_EXPIRES, T_BUCKET, T_STATE, T_TARGET, T_CPU;
    private static final VarHandle FN, BUSY_KEY, SLEPT_LAST;

    static {
        try {
            MethodHandles.Lookup w = MethodHandles.privateLookupIn(Work.class, MethodHandles.lookup());
            STATE = w.findVarHandle(Work.class, "state", long.class);
            DATA = w.findVarHandle(Work.class, "data", Object.class);
            NEXT = w.findVarHandle(Work.class, "next", Work.class);
            PREV = w.findVarHandle(Work.class, "prev", Work.class);
            FLAGS = w.findVarHandle(Work.class, "flags", int.class);
            INBOX_NEXT = w.findVarHandle(Work.class, "inboxNext", Work.class);
            FN = w.findVarHandle(Work.class, "fn", WorkFunction.class);
            BUSY_KEY = w.findVarHandle(Work.class, "busyKey", int.class);
            SLEPT_LAST = w.findVarHandle(Work.class, "sleptLast", boolean.class);
            MethodHandles.Lookup d = MethodHandles.privateLookupIn(DelayedWork.class, MethodHandles.lookup());
            T_NEXT = d.findVarHandle(DelayedWork.class, "timerNext", DelayedWork.class);
            T_PREV = d.findVarHandle(DelayedWork.class, "timerPrev", DelayedWork.class);
            T_EXPIRES = d.findVarHandle(DelayedWork.class, "expiresTick", long.class);
            T_BUCKET = d.findVarHandle(DelayedWork.class, "timerBucket", int.class);
            T_STATE = d.findVarHandle(DelayedWork.class, "timerState", int.class);
            T_TARGET = d.findVarHandle(DelayedWork.class, "target", Object.class);
            T_CPU = d.findVarHandle(DelayedWork.class, "targetCpu", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    // ---- state word (atomic) ----
    static long stateVolatile(Work w) { return (long) STATE.getVolatile(w); }
    static boolean casState(Work w, long expect, long update) { return STATE.compareAndSet(w, expect, update); }
    /** Full-fence RMW: the write makes the caller's earlier writes visible to a later RMW of the clearer. */
    static long getAndOrState(Work w, long bits) { return (long) STATE.getAndBitwiseOr(w, bits); }
    static long getAndAndState(Work w, long bits) { return (long) STATE.getAndBitwiseAnd(w, bits); }

    // ---- data: pwq while linked, else last pool ----
    static Object dataVolatile(Work w) { return DATA.getVolatile(w); }
    static void setDataVolatile(Work w, Object v) { DATA.setVolatile(w, v); }
    /** The owner records the pwq before publishing the item by a CAS onto a pool's inbox. */
    static void setDataRelease(Work w, Object v) { DATA.setRelease(w, v); }

    // ---- inbox link (O: written by the pushing owner before its CAS, read by the drainer under L)
    static Work inboxNext(Work w) { return (Work) INBOX_NEXT.get(w); }
    static void setInboxNext(Work w, Work v) { INBOX_NEXT.set(w, v); }

    // ---- list links and flags (L: pool lock) ----
    static Work next(Work w) { return (Work) NEXT.get(w); }
    static void setNext(Work w, Work v) { NEXT.set(w, v); }
    static Work prev(Work w) { return (Work) PREV.get(w); }
    static void setPrev(Work w, Work v) { PREV.set(w, v); }
    static int flags(Work w) { return (int) FLAGS.get(w); }
    static void setFlags(Work w, int v) { FLAGS.set(w, v); }
    static WorkFunction fn(Work w) { return (WorkFunction) FN.get(w); }
    /** I: the busy-hash key, final. */
    static int busyKey(Work w) { return (int) BUSY_KEY.get(w); }
    /** W: the worker running the item (plain; the pool locks order the runs). */
    static boolean sleptLast(Work w) { return (boolean) SLEPT_LAST.get(w); }
    static void setSleptLast(Work w, boolean v) { SLEPT_LAST.set(w, v); }

    // ---- timer fields (T: wheel lock) ----
    static DelayedWork timerNext(DelayedWork w) { return (DelayedWork) T_NEXT.get(w); }
    static void setTimerNext(DelayedWork w, DelayedWork v) { T_NEXT.set(w, v); }
    static DelayedWork timerPrev(DelayedWork w) { return (DelayedWork) T_PREV.get(w); }
    static void setTimerPrev(DelayedWork w, DelayedWork v) { T_PREV.set(w, v); }
    static long expires(DelayedWork w) { return (long) T_EXPIRES.get(w); }
    static void setExpires(DelayedWork w, long v) { T_EXPIRES.set(w, v); }
    static long expiresOpaque(DelayedWork w) { return (long) T_EXPIRES.getOpaque(w); }
    static int bucket(DelayedWork w) { return (int) T_BUCKET.get(w); }
    static void setBucket(DelayedWork w, int v) { T_BUCKET.set(w, v); }
    static boolean casTimerState(DelayedWork w, int expect, int update) { return T_STATE.compareAndSet(w, expect, update); }
    static int timerStateVolatile(DelayedWork w) { return (int) T_STATE.getVolatile(w); }
    static void setTimerStateVolatile(DelayedWork w, int v) { T_STATE.setVolatile(w, v); }
    static Object targetVolatile(DelayedWork w) { return T_TARGET.getVolatile(w); }
    static void setTargetVolatile(DelayedWork w, Object v) { T_TARGET.setVolatile(w, v); }
    static int targetCpu(DelayedWork w) { return (int) T_CPU.getVolatile(w); }
    static void setTargetCpu(DelayedWork w, int v) { T_CPU.setVolatile(w, v); }
}
