// The control connection: session exchange, one WebSocket, reconnect with backoff, resend of
// requests not yet answered (the server acks a repeated id again and applies it once).

import { parseServerMessage, type ControlRequest, type ServerMessage, type Verb } from "./protocol";
import type { ConsoleEvent } from "./store";

/** Milliseconds to wait before reconnect attempt `attempt` (0-based): doubling from 250 ms, at most 5 s, plus jitter. */
export function reconnectDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(5000, 250 * 2 ** Math.max(0, Math.min(attempt, 10)));
  return Math.round(base * (1 + 0.2 * random()));
}

/** Where the control API lives: `/control/v1` standalone, or a platform stream's mirror. */
export interface Endpoint {
  /** HTTP base, e.g. "http://127.0.0.1:8710/control/v1". */
  http: string;
  /** WebSocket base, e.g. "ws://127.0.0.1:8710/control/v1". */
  ws: string;
  /** Storage key that keeps this endpoint's session across reloads. */
  storageKey: string;
}

/** The endpoint for a page at `location`: `?stream=ID` selects the platform mirror of that stream. */
export function endpointFor(location: { protocol: string; host: string; search: string }): Endpoint {
  const params = new URLSearchParams(location.search);
  const stream = params.get("stream");
  const path = stream ? `/api/v1/streams/${encodeURIComponent(stream)}/control/v1` : "/control/v1";
  const wsProtocol = location.protocol === "https:" ? "wss:" : "ws:";
  return {
    http: `${location.protocol}//${location.host}${path}`,
    ws: `${wsProtocol}//${location.host}${path}`,
    storageKey: `ggp-console-session:${location.host}${path}`,
  };
}

/** Minimal WebSocket surface the client uses (the browser's, or a test double of the same shape). */
export interface SocketLike {
  readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface ClientOptions {
  endpoint: Endpoint;
  dispatch: (event: ConsoleEvent) => void;
  /** One-time token from the console URL (`?token=`), exchanged for a session. */
  token?: string | null;
  /** A session handed over directly (`?session=`), e.g. for a second console. */
  session?: string | null;
  openSocket?: (url: string) => SocketLike;
  fetch?: typeof fetch;
  storage?: Pick<Storage, "getItem" | "setItem" | "removeItem"> | null;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  random?: () => number;
  /** Reconnect when nothing arrived for this long (the server sends health about once a second). */
  staleAfterMs?: number;
  clientId?: string;
}

const OPEN = 1;

/** One console's connection to one control server. */
export class ControlClient {
  readonly clientId: string;
  private readonly opts: ClientOptions;
  private socket: SocketLike | null = null;
  private session: string | null = null;
  private counter = 0;
  private attempt = 0;
  private stopped = false;
  private unauthorized = false;
  private reconnectTimer: unknown = null;
  private watchdog: unknown = null;
  private lastMessageAt = 0;
  /** Requests sent but not yet acked or rejected, in sending order. */
  private readonly unanswered = new Map<string, ControlRequest>();

  constructor(opts: ClientOptions) {
    this.opts = opts;
    this.clientId = opts.clientId ?? Math.random().toString(16).slice(2, 6);
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  private timer(fn: () => void, ms: number): unknown {
    return (this.opts.setTimer ?? ((f, t) => setTimeout(f, t)))(fn, ms);
  }

  private cancel(handle: unknown): void {
    if (handle !== null) (this.opts.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>)))(handle);
  }

  /** The session in use (null until exchanged; the cookie may still authenticate). */
  get currentSession(): string | null {
    return this.session;
  }

  /** Number of requests not yet answered by the server. */
  get inFlight(): number {
    return this.unanswered.size;
  }

  /** Exchange the token (or reuse the stored session), then connect. */
  async start(): Promise<void> {
    this.session = await this.obtainSession();
    this.connect();
  }

  private async obtainSession(): Promise<string | null> {
    const { storage, endpoint } = this.opts;
    if (this.opts.session) {
      storage?.setItem(endpoint.storageKey, this.opts.session);
      return this.opts.session;
    }
    const stored = storage?.getItem(endpoint.storageKey) ?? null;
    if (this.opts.token) {
      try {
        const response = await (this.opts.fetch ?? fetch)(`${endpoint.http}/session`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          credentials: "include",
          body: JSON.stringify({ token: this.opts.token }),
        });
        if (response.ok) {
          const body = (await response.json()) as { session?: string };
          if (body.session) {
            storage?.setItem(endpoint.storageKey, body.session);
            return body.session;
          }
        }
      } catch {
        // Network trouble: fall back to the stored session; the reconnect loop takes over.
      }
    }
    return stored;
  }

  private socketUrl(): string {
    const base = `${this.opts.endpoint.ws}/ws`;
    return this.session ? `${base}?session=${encodeURIComponent(this.session)}` : base;
  }

  /** Open the WebSocket (again). */
  connect(): void {
    if (this.stopped || this.unauthorized) return;
    if (this.socket && (this.socket.readyState === 0 || this.socket.readyState === OPEN)) return;
    this.cancel(this.reconnectTimer);
    this.reconnectTimer = null;
    this.opts.dispatch({ type: "connection", status: this.attempt === 0 ? "connecting" : "reconnecting", attempt: this.attempt });
    const open = this.opts.openSocket ?? ((url: string) => new WebSocket(url) as unknown as SocketLike);
    let socket: SocketLike;
    try {
      socket = open(this.socketUrl());
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    let opened = false;
    socket.onopen = () => {
      opened = true;
      this.attempt = 0;
      this.lastMessageAt = this.now();
      this.opts.dispatch({ type: "connection", status: "open" });
      for (const request of this.unanswered.values()) socket.send(JSON.stringify(request));
      this.armWatchdog();
    };
    socket.onmessage = (ev) => {
      this.lastMessageAt = this.now();
      const message = typeof ev.data === "string" ? parseServerMessage(ev.data) : null;
      if (message) this.onMessage(message);
    };
    socket.onerror = () => undefined;
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.cancel(this.watchdog);
      this.watchdog = null;
      if (this.stopped) return;
      if (!opened) void this.checkAuthorized();
      this.scheduleReconnect();
    };
  }

  private onMessage(message: ServerMessage): void {
    if (message.type === "ack" || message.type === "reject") this.unanswered.delete(message.id);
    if (message.type === "error" && message.error.code === "unauthorized") this.markUnauthorized();
    this.opts.dispatch({ type: "server", message, at: this.now() });
  }

  private markUnauthorized(): void {
    this.unauthorized = true;
    this.cancel(this.reconnectTimer);
    this.opts.dispatch({ type: "connection", status: "unauthorized" });
    this.opts.storage?.removeItem(this.opts.endpoint.storageKey);
  }

  /** A socket that never opened may have been refused for its session: ask the REST side why. */
  private async checkAuthorized(): Promise<void> {
    try {
      const headers: Record<string, string> = this.session ? { Authorization: `Bearer ${this.session}` } : {};
      const response = await (this.opts.fetch ?? fetch)(`${this.opts.endpoint.http}/tables`, { headers, credentials: "include" });
      if (response.status === 401) this.markUnauthorized();
    } catch {
      // Unreachable: keep reconnecting.
    }
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.unauthorized || this.reconnectTimer !== null) return;
    const delay = reconnectDelay(this.attempt, this.opts.random);
    this.attempt += 1;
    this.opts.dispatch({ type: "connection", status: "reconnecting", attempt: this.attempt });
    this.reconnectTimer = this.timer(() => {
      this.reconnectTimer = null;
      this.connect();
    }, delay);
  }

  private armWatchdog(): void {
    const stale = this.opts.staleAfterMs ?? 4000;
    this.cancel(this.watchdog);
    this.watchdog = this.timer(() => {
      this.watchdog = null;
      const socket = this.socket;
      if (!socket) return;
      if (this.now() - this.lastMessageAt >= stale) {
        // A silent socket after network loss can stay "open" for minutes: drop it and dial again.
        this.socket = null;
        try {
          socket.close();
        } catch {
          // already closed
        }
        this.scheduleReconnect();
      } else {
        this.armWatchdog();
      }
    }, Math.max(250, Math.floor(stale / 4)));
  }

  /** The next request id: unique per console and page load. */
  nextId(): string {
    this.counter += 1;
    return `c-${this.clientId}-${this.now().toString(36)}-${this.counter}`;
  }

  /** Send one verb; returns the request (kept and resent after a reconnect until answered). */
  send(verb: Verb, table: string, args: Record<string, unknown> = {}, expectVersion?: number): ControlRequest {
    const request: ControlRequest = { id: this.nextId(), verb, table, args };
    if (expectVersion !== undefined) request.expect_version = expectVersion;
    this.unanswered.set(request.id, request);
    this.opts.dispatch({ type: "sent", request });
    const socket = this.socket;
    if (socket && socket.readyState === OPEN) socket.send(JSON.stringify(request));
    return request;
  }

  /** Feed a local event (a notice, a table choice) into the same state as the server's. */
  emit(event: ConsoleEvent): void {
    this.opts.dispatch(event);
  }

  /** Close for good (page unload, tests). */
  stop(): void {
    this.stopped = true;
    this.cancel(this.reconnectTimer);
    this.cancel(this.watchdog);
    this.socket?.close();
    this.socket = null;
  }
}
