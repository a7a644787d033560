import { beforeEach, describe, expect, it } from "vitest";
import { ControlClient, endpointFor, reconnectDelay, type SocketLike } from "./client";
import type { ConsoleEvent } from "./store";

class FakeSocket implements SocketLike {
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  sent: string[] = [];
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    this.readyState = 3;
    this.onclose?.({});
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(message: object) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
}

const endpoint = endpointFor({ protocol: "http:", host: "127.0.0.1:8710", search: "" });

function memoryStorage() {
  const data = new Map<string, string>();
  return { getItem: (k: string) => data.get(k) ?? null, setItem: (k: string, v: string) => void data.set(k, v), removeItem: (k: string) => void data.delete(k) };
}

let sockets: FakeSocket[];
let timers: { fn: () => void; ms: number }[];
let events: ConsoleEvent[];
let now: number;

function client(extra: Partial<ConstructorParameters<typeof ControlClient>[0]> = {}) {
  return new ControlClient({
    endpoint,
    dispatch: (e) => events.push(e),
    openSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    setTimer: (fn, ms) => {
      const t = { fn, ms };
      timers.push(t);
      return t;
    },
    clearTimer: (h) => {
      timers = timers.filter((t) => t !== h);
    },
    now: () => now,
    random: () => 0,
    clientId: "t",
    fetch: (async () => new Response("{}", { status: 500 })) as typeof fetch,
    ...extra,
  });
}

function runTimers() {
  const due = timers;
  timers = [];
  for (const t of due) t.fn();
}

beforeEach(() => {
  sockets = [];
  timers = [];
  events = [];
  now = 1000;
});

describe("reconnectDelay", () => {
  it("doubles from 250 ms up to 5 s", () => {
    expect([0, 1, 2, 3, 4, 5, 9].map((a) => reconnectDelay(a, () => 0))).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000]);
    expect(reconnectDelay(0, () => 1)).toBe(300);
  });
});

describe("endpointFor", () => {
  it("standalone and through the platform", () => {
    expect(endpoint.ws).toBe("ws://127.0.0.1:8710/control/v1");
    const platform = endpointFor({ protocol: "https:", host: "ggp.example", search: "?stream=s-1" });
    expect(platform.http).toBe("https://ggp.example/api/v1/streams/s-1/control/v1");
    expect(platform.ws).toBe("wss://ggp.example/api/v1/streams/s-1/control/v1");
  });
});

describe("ControlClient", () => {
  it("exchanges the one-time token for a session, keeps it for reloads and puts it on the socket", async () => {
    const storage = memoryStorage();
    const calls: string[] = [];
    const fetchSession = (async (url: string, init: RequestInit) => {
      calls.push(`${url} ${init.body}`);
      return new Response(JSON.stringify({ session: "S1" }), { status: 200 });
    }) as unknown as typeof fetch;
    await client({ token: "T1", storage, fetch: fetchSession }).start();
    expect(calls).toEqual(['http://127.0.0.1:8710/control/v1/session {"token":"T1"}']);
    expect(sockets[0].url).toBe("ws://127.0.0.1:8710/control/v1/ws?session=S1");
    // A reload has no token any more: the stored session is used.
    await client({ storage }).start();
    expect(sockets[1].url).toBe("ws://127.0.0.1:8710/control/v1/ws?session=S1");
  });

  it("sends a request with a fresh id and expect_version when the socket is open", async () => {
    const c = client({ session: "S" });
    await c.start();
    sockets[0].open();
    const r1 = c.send("bet", "table-1", { seat: 3, amount: 1200 }, 41);
    const r2 = c.send("ticker", "table-1", { text: "hi" });
    expect(r1.id).not.toBe(r2.id);
    expect(JSON.parse(sockets[0].sent[0])).toEqual({ id: r1.id, verb: "bet", table: "table-1", args: { seat: 3, amount: 1200 }, expect_version: 41 });
    expect(JSON.parse(sockets[0].sent[1])).not.toHaveProperty("expect_version");
  });

  it("after losing the connection it reconnects with backoff and resends what was not answered, same ids", async () => {
    const c = client({ session: "S" });
    await c.start();
    sockets[0].open();
    const answered = c.send("fold", "table-1", { seat: 2 }, 5);
    sockets[0].receive({ type: "ack", id: answered.id, version: 6 });
    sockets[0].readyState = 3;
    const lost = c.send("check_call", "table-1", { seat: 3 }, 6); // sent into a dead socket
    sockets[0].close();
    expect(events.filter((e) => e.type === "connection").map((e) => (e as { status: string }).status)).toEqual(["connecting", "open", "reconnecting"]);
    expect(timers.map((t) => t.ms)).toEqual([250]);
    runTimers();
    expect(sockets).toHaveLength(2);
    sockets[1].close(); // the server is still down
    expect(timers.map((t) => t.ms)).toEqual([500]);
    runTimers();
    sockets[2].open();
    expect(sockets[2].sent.map((m) => JSON.parse(m).id)).toEqual([lost.id]);
    expect(c.inFlight).toBe(1);
    sockets[2].receive({ type: "ack", id: lost.id, version: 7 });
    expect(c.inFlight).toBe(0);
    // The backoff starts again from the bottom after a good connection.
    sockets[2].close();
    expect(timers.map((t) => t.ms)).toEqual([250]);
  });

  it("drops a socket that went silent (network loss) and dials again", async () => {
    const c = client({ session: "S", staleAfterMs: 4000 });
    await c.start();
    sockets[0].open();
    now += 1000;
    sockets[0].receive({ type: "health", health: { nodes: {} } });
    runTimers(); // the watchdog re-arms: the socket spoke 0 s ago
    expect(sockets).toHaveLength(1);
    now += 5000;
    runTimers(); // silent for 5 s: closed, reconnect scheduled
    expect(timers.map((t) => t.ms)).toEqual([250]);
    runTimers();
    expect(sockets).toHaveLength(2);
  });

  it("stops reconnecting when the server says the session is not valid", async () => {
    const storage = memoryStorage();
    storage.setItem(endpoint.storageKey, "OLD");
    const fetch401 = (async () => new Response('{"error":{"code":"unauthorized","message":"expired"}}', { status: 401 })) as unknown as typeof fetch;
    const c = client({ storage, fetch: fetch401 });
    await c.start();
    sockets[0].close(); // refused before opening
    await new Promise((r) => setTimeout(r, 0));
    expect(events.at(-1)).toEqual({ type: "connection", status: "unauthorized" });
    expect(storage.getItem(endpoint.storageKey)).toBeNull();
    runTimers();
    c.connect();
    expect(sockets).toHaveLength(1);
  });

  it("passes server messages on and ignores frames that are not protocol messages", async () => {
    const c = client({ session: "S" });
    await c.start();
    sockets[0].open();
    sockets[0].onmessage?.({ data: "not json" });
    sockets[0].onmessage?.({ data: '{"type":"nope"}' });
    sockets[0].receive({ type: "error", error: { code: "bad_request", message: "malformed JSON" } });
    const server = events.filter((e) => e.type === "server");
    expect(server).toHaveLength(1);
  });
});
