// The notification centre's data: the platform's `notifications` GraphQL subscription over the
// graphql-transport-ws protocol (no extra client library), and the pure list logic the bell shows.

import type { SocketLike } from "./client";

export interface UserNotification {
  id: string;
  eventType: string;
  title: string;
  body: string;
  createdAt: string;
  readAt: string | null;
}

export const NOTIFICATIONS_SUBSCRIPTION =
  "subscription { notifications { id eventType title body createdAt readAt } }";

/** New entries first, each id once (a re-delivered entry replaces the old copy), at most `max`. */
export function mergeNotifications(list: UserNotification[], incoming: UserNotification[], max = 50): UserNotification[] {
  const byId = new Map<string, UserNotification>();
  for (const n of [...incoming, ...list]) {
    if (!byId.has(n.id)) byId.set(n.id, n);
  }
  return [...byId.values()].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0)).slice(0, max);
}

export function unreadCount(list: UserNotification[]): number {
  return list.filter((n) => n.readAt === null).length;
}

/** Marks the given ids read locally (what the server answers to POST /api/v1/notifications/read). */
export function markRead(list: UserNotification[], ids: string[] | null, at: string): UserNotification[] {
  return list.map((n) => (n.readAt === null && (ids === null || ids.includes(n.id)) ? { ...n, readAt: at } : n));
}

/** Subscribe to the centre: connection_init with the bearer token, then one `subscribe`; calls `onEntry`
 *  for every `next`, `onError` for an error or a closed connection. Returns a function that stops it. */
export function subscribeNotifications(
  socket: SocketLike,
  token: string,
  onEntry: (n: UserNotification) => void,
  onError: (text: string) => void,
): () => void {
  socket.onopen = () => {
    socket.send(JSON.stringify({ type: "connection_init", payload: { Authorization: `Bearer ${token}` } }));
  };
  socket.onmessage = (ev) => {
    const msg = JSON.parse(String(ev.data)) as { type: string; payload?: unknown };
    if (msg.type === "connection_ack") {
      socket.send(JSON.stringify({ id: "notifications", type: "subscribe", payload: { query: NOTIFICATIONS_SUBSCRIPTION } }));
    } else if (msg.type === "next") {
      const data = (msg.payload as { data?: { notifications?: UserNotification }; errors?: { message: string }[] }) ?? {};
      if (data.errors?.length) onError(data.errors[0].message);
      else if (data.data?.notifications) onEntry(data.data.notifications);
    } else if (msg.type === "error") {
      onError(JSON.stringify(msg.payload));
    } else if (msg.type === "ping") {
      socket.send(JSON.stringify({ type: "pong" }));
    }
  };
  socket.onclose = () => onError("disconnected");
  return () => {
    socket.onclose = null;
    if (socket.readyState === 1) socket.send(JSON.stringify({ id: "notifications", type: "complete" }));
    socket.close(1000, "done");
  };
}

/** Bars of a chart: x, y, width and height of each value in a width x height box (0 at the bottom). */
export function barLayout(values: number[], width: number, height: number, gap = 2): { x: number; y: number; w: number; h: number }[] {
  const top = Math.max(1e-9, ...values);
  const w = values.length ? Math.max(1, (width - gap * (values.length - 1)) / values.length) : 0;
  return values.map((v, i) => {
    const h = (height * Math.max(0, v)) / top;
    return { x: i * (w + gap), y: height - h, w, h };
  });
}

/** One day of the usage report (GET /api/v1/analytics/usage), summed over projects. */
export interface UsageDay {
  day: string;
  streamHours: number;
  renderMinutes: number;
}

/** The usage report's daily rows (one per day and project) as one entry per day, in day order. */
export function usageByDay(daily: { day: string; stream_hours?: number; render_minutes?: number }[]): UsageDay[] {
  const days = new Map<string, UsageDay>();
  for (const row of daily) {
    const entry = days.get(row.day) ?? { day: row.day, streamHours: 0, renderMinutes: 0 };
    entry.streamHours += row.stream_hours ?? 0;
    entry.renderMinutes += row.render_minutes ?? 0;
    days.set(row.day, entry);
  }
  return [...days.values()].sort((a, b) => a.day.localeCompare(b.day));
}
