import { describe, expect, it } from "vitest";
import type { ControlRequest, TableState } from "./protocol";
import { currentTable, describeError, initialState, isBusy, MAX_NOTICES, reduce, type ConsoleState } from "./store";

function table(version: number, extra: Partial<TableState> = {}): TableState {
  return {
    table: "table-1", version, hand_number: 1, street: "preflop", board: [], pots: [], total_pot: 0, button: 1,
    to_act: 3, small_blind: 50, big_blind: 100, seats: [], graphics_hidden: false, ...extra,
  };
}

const bet: ControlRequest = { id: "c-1", verb: "bet", table: "table-1", args: { seat: 3, amount: 300 }, expect_version: 4 };

function withState(version: number): ConsoleState {
  return reduce(initialState, { type: "server", at: 0, message: { type: "state", table: "table-1", version, state: table(version) } });
}

describe("reduce", () => {
  it("keeps the newest state of each table and selects the first table", () => {
    let s = withState(4);
    s = reduce(s, { type: "server", at: 1, message: { type: "state", table: "table-2", version: 1, state: table(1, { table: "table-2" }) } });
    expect(s.tableOrder).toEqual(["table-1", "table-2"]);
    expect(s.selectedTable).toBe("table-1");
    expect(currentTable(s)?.version).toBe(4);
  });

  it("ignores a state older than the one shown (replies crossing a reconnect)", () => {
    let s = withState(7);
    s = reduce(s, { type: "server", at: 2, message: { type: "state", table: "table-1", version: 6, state: table(6, { street: "flop" }) } });
    expect(currentTable(s)?.version).toBe(7);
    expect(currentTable(s)?.state.street).toBe("preflop");
  });

  it("cards read by RFID or vision arrive as a state of the same version and show", () => {
    const seat = { seat: 1, name: "Ann", stack: 9_950, bet: 50, status: "active", hole_cards: [] as string[] };
    let s = reduce(initialState, { type: "server", at: 0, message: { type: "state", table: "table-1", version: 4, state: table(4, { seats: [{ ...seat }] as TableState["seats"] }) } });
    const read = table(4, { seats: [{ ...seat, hole_cards: ["Ah", "Kd"] }] as TableState["seats"], board: ["7c", "8d", "9h"], street: "flop" });
    s = reduce(s, { type: "server", at: 1, message: { type: "state", table: "table-1", version: 4, state: read } });
    expect(currentTable(s)?.version).toBe(4); // reads are not requests: the version stays
    expect(currentTable(s)?.state.seats[0].hole_cards).toEqual(["Ah", "Kd"]);
    expect(currentTable(s)?.state.board).toEqual(["7c", "8d", "9h"]);
  });

  it("an ack clears the request and the table stays busy until the acked version arrives", () => {
    let s = reduce(withState(4), { type: "sent", request: bet });
    expect(isBusy(s, "table-1")).toBe(true);
    s = reduce(s, { type: "server", at: 3, message: { type: "ack", id: "c-1", version: 5 } });
    expect(s.pending).toEqual({});
    expect(isBusy(s, "table-1")).toBe(true);
    s = reduce(s, { type: "server", at: 4, message: { type: "state", table: "table-1", version: 5, state: table(5) } });
    expect(isBusy(s, "table-1")).toBe(false);
  });

  it("graphics commands never block the betting buttons", () => {
    const s = reduce(withState(4), { type: "sent", request: { id: "c-2", verb: "ticker", table: "table-1", args: { text: "hi" } } });
    expect(isBusy(s, "table-1")).toBe(false);
  });

  it("a reject shows the server's reason and clears the request", () => {
    let s = reduce(withState(4), { type: "sent", request: bet });
    const message = "seat 3 cannot raise to 300: the minimum raise is to 400";
    s = reduce(s, { type: "server", at: 5, message: { type: "reject", id: "c-1", error: { code: "illegal_action", message } } });
    expect(s.pending).toEqual({});
    expect(s.notices.map((n) => [n.kind, n.text])).toEqual([["reject", message]]);
    expect(isBusy(s, "table-1")).toBe(false);
  });

  it("a conflict says another console won", () => {
    let s = reduce(withState(4), { type: "sent", request: bet });
    s = reduce(s, { type: "server", at: 5, message: { type: "reject", id: "c-1", error: { code: "conflict", message: "the table is at version 5, not 4" } } });
    expect(s.notices[0].kind).toBe("conflict");
    expect(s.notices[0].text).toBe("Another console acted first: your bet was not applied. The table is at version 5, not 4");
  });

  it("keeps the last notices only and dismisses one by id", () => {
    let s = initialState;
    for (let i = 0; i < MAX_NOTICES + 3; i++) s = reduce(s, { type: "notice", kind: "info", text: `n${i}`, at: i });
    expect(s.notices.map((n) => n.text)).toEqual(["n3", "n4", "n5", "n6", "n7"]);
    s = reduce(s, { type: "dismiss", id: s.notices[0].id });
    expect(s.notices.map((n) => n.text)).toEqual(["n4", "n5", "n6", "n7"]);
  });

  it("an unauthorized error stops the reconnect states from overwriting it", () => {
    let s = reduce(initialState, { type: "server", at: 0, message: { type: "error", error: { code: "unauthorized", message: "session expired" } } });
    expect(s.connection).toBe("unauthorized");
    s = reduce(s, { type: "connection", status: "reconnecting", attempt: 2 });
    expect(s.connection).toBe("unauthorized");
    expect(s.notices[0].text).toBe("Not signed in: session expired");
  });

  it("health replaces the previous health", () => {
    const health = { nodes: {}, rfid: "ok" as const, vision: "absent" as const, encoder_fps: 30, recording: true, delay_seconds: 30, errors: [], preview: { program: null, delayed: null } };
    const s = reduce(initialState, { type: "server", at: 9, message: { type: "health", health } });
    expect(s.health?.encoder_fps).toBe(30);
    expect(s.healthAt).toBe(9);
  });

  it("describes forbidden and plain errors", () => {
    expect(describeError({ code: "forbidden", message: "viewers are read-only" })).toBe("Not allowed: viewers are read-only");
    expect(describeError({ code: "unknown_seat", message: "" })).toBe("unknown_seat");
  });
});
