package io.jworkqueue.internal;

import io.jworkqueue.Work;

/**
 * An intrusive doubly linked list of work items, the kernel's {@code list_head}: the links are
 * fields of the items, so linking allocates nothing. A private sentinel item closes the ring.
 * Not thread-safe: every list is guarded by the lock of the pool it belongs to (L).
 */
final class WorkList {
    private final Work head = new Work(self -> {});

    WorkList() {
        Node.setNext(head, head);
        Node.setPrev(head, head);
    }

    boolean isEmpty() {
        return Node.next(head) == head;
    }

    /** @return the first item, or null */
    Work first() {
        Work n = Node.next(head);
        return n == head ? null : n;
    }

    /** @return the item after {@code w} in this list, or null at the end */
    Work after(Work w) {
        Work n = Node.next(w);
        return n == head ? null : n;
    }

    void addLast(Work w) {
        insertBefore(head, w);
    }

    void addFirst(Work w) {
        insertAfter(head, w);
    }

    /** Links {@code w} right after {@code pos}, which is on this list. */
    static void insertAfter(Work pos, Work w) {
        Work n = Node.next(pos);
        Node.setPrev(w, pos);
        Node.setNext(w, n);
        Node.setPrev(n, w);
        Node.setNext(pos, w);
    }

    private static void insertBefore(Work pos, Work w) {
        insertAfter(Node.prev(pos), w);
    }

    /** Unlinks {@code w} from whichever list holds it. */
    static void remove(Work w) {
        Work p = Node.prev(w), n = Node.next(w);
        Node.setNext(p, n);
        Node.setPrev(n, p);
        Node.setNext(w, null);
        Node.setPrev(w, null);
    }

    /** @return true if {@code w} is linked on some list */
    static boolean isLinked(Work w) {
        return Node.next(w) != null;
    }

    int size() {
        int n = 0;
        for (Work w = first(); w != null; w = after(w)) {
            n++;
        }
        return n;
    }
}
