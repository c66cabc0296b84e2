package io.jworkqueue.internal;

import static org.junit.jupiter.api.Assertions.*;

import io.jworkqueue.Work;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link WorkList} on its own: the intrusive ring's order, emptiness, links and size. Every
 * pool list (worklist, scheduled lists, inactive lists) is one of these, so a wrong link here
 * would otherwise show only as a lost or reordered item somewhere in the engine.
 */
@Timeout(10)
class WorkListTest {

    private static Work item() {
        return new Work(self -> {});
    }

    /** The items of {@code list}, first to last, walked forwards with {@code after}. */
    private static List<Work> contents(WorkList list) {
        List<Work> out = new ArrayList<>();
        for (Work w = list.first(); w != null; w = list.after(w)) {
            out.add(w);
            assertTrue(out.size() <= 1000, "the ring does not close");
        }
        return out;
    }

    @Test
    void newList_isEmptyWithNoFirstAndSizeZero() {
        WorkList list = new WorkList();
        assertTrue(list.isEmpty());
        assertNull(list.first());
        assertEquals(0, list.size());
    }

    @Test
    void addLastAndAddFirst_keepOrderAndLinkBothWays() {
        WorkList list = new WorkList();
        Work a = item(), b = item(), c = item(), d = item();
        assertFalse(WorkList.isLinked(a));
        list.addLast(b);
        assertFalse(list.isEmpty());
        assertSame(b, list.first());
        assertNull(list.after(b), "the only item is also the last");
        list.addLast(c);
        list.addFirst(a);
        list.addLast(d);
        assertEquals(List.of(a, b, c, d), contents(list));
        assertEquals(4, list.size());
        for (Work w : List.of(a, b, c, d)) {
            assertTrue(WorkList.isLinked(w));
            assertSame(w, Node.next(Node.prev(w)), "prev link of " + w);
            assertSame(w, Node.prev(Node.next(w)), "next link of " + w);
        }
    }

    @Test
    void insertAfter_linksRightBehindThePosition() {
        WorkList list = new WorkList();
        Work a = item(), b = item(), c = item(), x = item(), y = item();
        list.addLast(a);
        list.addLast(b);
        list.addLast(c);
        WorkList.insertAfter(a, x);
        WorkList.insertAfter(c, y);
        assertEquals(List.of(a, x, b, c, y), contents(list));
        assertSame(x, Node.prev(b));
        assertSame(y, Node.next(c));
        assertNull(list.after(y));
        assertEquals(5, list.size());
    }

    @Test
    void remove_unlinksFromFrontMiddleAndBackAndClearsLinks() {
        WorkList list = new WorkList();
        Work a = item(), b = item(), c = item(), d = item();
        for (Work w : List.of(a, b, c, d)) {
            list.addLast(w);
        }
        WorkList.remove(b);
        assertEquals(List.of(a, c, d), contents(list));
        assertFalse(WorkList.isLinked(b));
        assertNull(Node.next(b));
        assertNull(Node.prev(b));
        assertSame(a, Node.prev(c), "the neighbours are linked to each other");
        WorkList.remove(a);
        assertSame(c, list.first());
        WorkList.remove(d);
        assertNull(list.after(c));
        assertEquals(List.of(c), contents(list));
        assertEquals(1, list.size());
        WorkList.remove(c);
        assertTrue(list.isEmpty());
        assertNull(list.first());
        assertEquals(0, list.size());
        // an unlinked item can go onto another list
        WorkList other = new WorkList();
        other.addFirst(b);
        assertSame(b, other.first());
        assertTrue(list.isEmpty());
    }
}
