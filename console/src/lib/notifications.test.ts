import { describe, expect, it } from "vitest";
import type { SocketLike } from "./client";
import { barLayout, markRead, mergeNotifications, subscribeNotifications, unreadCount, usageByDay, type UserNotification } from "./notifications";

const n = (id: string, createdAt: string, readAt: string | null = null): UserNotification => ({
  id, eventType: "alert.fired", title: `t${id}`, body: "", createdAt, readAt,
});

class FakeSocket implements SocketLike {
  readyState = 1;
  sent: Record<string, unknown>[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  closed = false;
  send(data: string) { this.sent.push(JSON.parse(data)); }
  close() { this.closed = true; }
  receive(msg: unknown) { this.onmessage?.({ data: JSON.stringify(msg) }); }
}

describe("notification list", () => {
  it("merges newest first, each id once, capped", () => {
    const list = mergeNotifications([n("a", "2026-01-01T10:00"), n("b", "2026-01-01T11:00")], [n("c", "2026-01-01T12:00"), n("a", "2026-01-01T10:00", "x")]);
    expect(list.map((x) => x.id)).toEqual(["c", "b", "a"]);
    expect(list[2].readAt).toBe("x"); // the re-delivered copy wins
    expect(mergeNotifications(list, [], 2).map((x) => x.id)).toEqual(["c", "b"]);
  });
  it("counts and marks unread", () => {
    const list = [n("a", "1"), n("b", "2", "r"), n("c", "3")];
    expect(unreadCount(list)).toBe(2);
    expect(unreadCount(markRead(list, ["a"], "now"))).toBe(1);
    expect(unreadCount(markRead(list, null, "now"))).toBe(0);
  });
});

describe("notifications subscription", () => {
  it("speaks graphql-transport-ws: init with the token, subscribe on ack, entries on next", () => {
    const socket = new FakeSocket();
    const got: UserNotification[] = [];
    const errors: string[] = [];
    const stop = subscribeNotifications(socket, "tok", (x) => got.push(x), (e) => errors.push(e));
    socket.onopen?.({});
    expect(socket.sent[0]).toEqual({ type: "connection_init", payload: { Authorization: "Bearer tok" } });
    socket.receive({ type: "connection_ack" });
    expect(socket.sent[1]).toMatchObject({ id: "notifications", type: "subscribe" });
    socket.receive({ id: "notifications", type: "next", payload: { data: { notifications: n("a", "1") } } });
    socket.receive({ type: "ping" });
    expect(socket.sent[2]).toEqual({ type: "pong" });
    socket.receive({ id: "notifications", type: "next", payload: { errors: [{ message: "not authenticated" }] } });
    expect(got.map((x) => x.id)).toEqual(["a"]);
    expect(errors).toEqual(["not authenticated"]);
    stop();
    expect(socket.sent[3]).toEqual({ id: "notifications", type: "complete" });
    expect(socket.closed).toBe(true);
  });
});

describe("bar layout", () => {
  it("scales bars to the tallest and stands them on the bottom", () => {
    const bars = barLayout([1, 4, 2], 104, 40, 2);
    expect(bars.map((b) => b.h)).toEqual([10, 40, 20]);
    expect(bars.map((b) => b.y)).toEqual([30, 0, 20]);
    expect(bars[1].x).toBeCloseTo(bars[0].w + 2);
    expect(barLayout([], 100, 40)).toEqual([]);
  });
});

describe("usage per day", () => {
  it("sums the projects of a day, in day order, render minutes beside stream hours", () => {
    const days = usageByDay([
      { day: "2026-12-06", stream_hours: 1.5 },
      { day: "2026-12-05", stream_hours: 2, render_minutes: 3 },
      { day: "2026-12-06", render_minutes: 4.5, stream_hours: 0.5 },
    ]);
    expect(days).toEqual([
      { day: "2026-12-05", streamHours: 2, renderMinutes: 3 },
      { day: "2026-12-06", streamHours: 2, renderMinutes: 4.5 },
    ]);
    expect(usageByDay([])).toEqual([]);
  });
});
