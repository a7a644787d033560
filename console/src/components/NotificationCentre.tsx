// The notification centre (bell) and a usage chart, for a console served by `ggp serve`: new entries
// arrive over the `notifications` GraphQL subscription; "mark all read" posts to the REST API; the chart
// shows stream hours (and studio render minutes) per day from /api/v1/analytics/usage (an admin's view). Both stay hidden until a
// platform user is signed in (the stream panel stores the token).

import { useEffect, useState } from "react";
import type { SocketLike } from "../lib/client";
import { barLayout, markRead, mergeNotifications, subscribeNotifications, unreadCount, usageByDay, type UsageDay, type UserNotification } from "../lib/notifications";
import { PLATFORM_TOKEN_KEY } from "./StreamPanel";

export function BarChart({ values, labels, title, width = 260, height = 80 }: { values: number[]; labels: string[]; title: string; width?: number; height?: number }) {
  const bars = barLayout(values, width, height);
  return (
    <svg width={width} height={height + 14} role="img" aria-label={title} data-testid="bar-chart">
      {bars.map((b, i) => (
        <rect key={labels[i] ?? i} x={b.x} y={b.y} width={b.w} height={b.h} fill="#2f6fbf">
          <title>{`${labels[i]}: ${values[i].toFixed(2)}`}</title>
        </rect>
      ))}
      <line x1={0} y1={height} x2={width} y2={height} stroke="#888" />
    </svg>
  );
}

/** The signed-in platform user's token (the stream panel stores it), re-read every second. */
export function useToken(): string | null {
  const [token, setToken] = useState<string | null>(() => window.sessionStorage.getItem(PLATFORM_TOKEN_KEY));
  useEffect(() => {
    const timer = window.setInterval(() => setToken(window.sessionStorage.getItem(PLATFORM_TOKEN_KEY)), 1000);
    return () => window.clearInterval(timer);
  }, []);
  return token;
}

export function NotificationCentre() {
  const token = useToken();
  const origin = window.location.origin;
  const [list, setList] = useState<UserNotification[]>([]);
  const [open, setOpen] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [usage, setUsage] = useState<UsageDay[] | null>(null);

  useEffect(() => {
    if (!token) return;
    const ws = origin.replace(/^http/, "ws") + "/graphql";
    const socket = new WebSocket(ws, "graphql-transport-ws") as unknown as SocketLike;
    return subscribeNotifications(socket, token, (n) => setList((l) => mergeNotifications(l, [n])), setProblem);
  }, [token, origin]);

  useEffect(() => {
    if (!token || !open) return;
    fetch(`${origin}/api/v1/analytics/usage?days=14`, { headers: { Authorization: `Bearer ${token}` } })
      .then(async (r) => (r.ok ? ((await r.json()) as { daily: { day: string; stream_hours?: number; render_minutes?: number }[] }) : null))
      .then((body) => {
        if (body) setUsage(usageByDay(body.daily));
      })
      .catch(() => setUsage(null));
  }, [token, open, origin]);

  if (!token) return null;
  const readAll = async () => {
    const response = await fetch(`${origin}/api/v1/notifications/read`, {
      method: "POST", headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" }, body: "{}",
    });
    if (response.ok) setList((l) => markRead(l, null, new Date().toISOString()));
  };
  const unread = unreadCount(list);
  return (
    <section className="panel notifications" data-testid="notification-centre">
      <button type="button" onClick={() => setOpen((o) => !o)} aria-label="notifications" data-testid="bell">
        🔔 {unread > 0 && <span className="badge" data-testid="unread">{unread}</span>}
      </button>
      {open && (
        <div className="dropdown">
          {problem && <div className="problem">{problem}</div>}
          {list.length === 0 ? <p>No notifications.</p> : (
            <ul>
              {list.map((n) => (
                <li key={n.id} className={n.readAt ? "read" : "unread"} title={n.body}>
                  <b>{n.title}</b> <small>{new Date(n.createdAt).toLocaleString()}</small>
                </li>
              ))}
            </ul>
          )}
          {unread > 0 && <button type="button" onClick={readAll}>Mark all read</button>}
          {usage && usage.length > 0 && (
            <BarChart title="Stream hours per day" values={usage.map((u) => u.streamHours)} labels={usage.map((u) => u.day)} />
          )}
          {usage && usage.some((u) => u.renderMinutes > 0) && (
            <BarChart title="Studio render minutes per day" values={usage.map((u) => u.renderMinutes)} labels={usage.map((u) => u.day)} />
          )}
        </div>
      )}
    </section>
  );
}
