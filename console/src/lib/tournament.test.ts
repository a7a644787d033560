import { describe, expect, it } from "vitest";
import type { TableState } from "./protocol";
import { changedCounts, errorText, formatClock, gridMove, levelLabel, parseChips, remainingNow, tableRows, TournamentApi, type Clock, type Entry } from "./tournament";

const entry = (id: string, seat: number, chips: number, table = "t1", status = "active"): Entry => ({
  id,
  player_id: `p-${id}`,
  player_name: `Player ${id}`,
  entry_number: 1,
  table_id: table,
  table_name: table,
  seat,
  chips,
  chips_version: 1,
  chips_updated_at: "2026-12-06T18:00:00Z",
  chips_updated_by: "user:x",
  status,
  place: null,
  prize: null,
});

describe("chip amounts as typed", () => {
  it("reads plain, grouped and k/m amounts", () => {
    expect(parseChips("25000")).toBe(25000);
    expect(parseChips(" 25,000 ")).toBe(25000);
    expect(parseChips("25 000")).toBe(25000);
    expect(parseChips("25k")).toBe(25000);
    expect(parseChips("2.5K")).toBe(2500);
    expect(parseChips("1.2m")).toBe(1200000);
    expect(parseChips("0")).toBe(0);
    expect(parseChips("")).toBeNull();
  });

  it("explains what it cannot read", () => {
    expect(parseChips("12x00")).toBe('"12x00" is not a chip count (e.g. 25000, 25k, 1.2m)');
    expect(parseChips("-5")).toMatch(/not a chip count/);
    expect(parseChips("1.5")).toBe('"1.5" is not a whole number of chips');
    expect(parseChips("1.2345k")).toMatch(/whole number/);
  });
});

describe("clock", () => {
  const clock: Clock = {
    started: true,
    running: true,
    finished: false,
    level_index: 2,
    level_number: 3,
    level: { position: 2, small_blind: 200, big_blind: 400, ante: 0, big_blind_ante: 400, duration_s: 1800, is_break: false, name: null },
    next_level: null,
    remaining_s: 600,
    level_started_at: 0,
    as_of: 1000,
  };

  it("formats minutes and hours", () => {
    expect(formatClock(754)).toBe("12:34");
    expect(formatClock(3723)).toBe("1:02:03");
    expect(formatClock(0.2)).toBe("0:01");
    expect(formatClock(-3)).toBe("0:00");
  });

  it("counts down from the server's reading while running, and holds when paused", () => {
    expect(remainingNow(clock, 1_010_000)).toBe(590);
    expect(remainingNow(clock, 2_000_000)).toBe(0);
    expect(remainingNow({ ...clock, running: false }, 1_010_000)).toBe(600);
  });

  it("labels levels and breaks", () => {
    expect(levelLabel(clock.level, 3)).toBe("Level 3 · 200/400 · BB ante 400");
    expect(levelLabel({ ...clock.level!, is_break: true, name: null }, 3)).toBe("Break");
    expect(levelLabel(null, 0)).toBe("no structure");
  });
});

describe("chip grid", () => {
  it("Enter moves down and wraps, Shift+Enter and arrows move without wrapping", () => {
    expect(gridMove(9, 0, "Enter")).toBe(1);
    expect(gridMove(9, 8, "Enter")).toBe(0);
    expect(gridMove(9, 3, "Enter", true)).toBe(2);
    expect(gridMove(9, 8, "ArrowDown")).toBe(8);
    expect(gridMove(9, 0, "ArrowUp")).toBe(0);
    expect(gridMove(9, 4, "a")).toBeNull();
    expect(gridMove(0, 0, "Enter")).toBeNull();
  });

  it("rows are a table's live players by seat", () => {
    const rows = tableRows([entry("c", 7, 1), entry("a", 2, 1), entry("x", 1, 1, "t2"), entry("z", 3, 0, "t1", "eliminated")], "t1");
    expect(rows.map((r) => r.id)).toEqual(["a", "c"]);
  });

  it("sends only changed, readable counts and names the rows it cannot read", () => {
    const rows = [entry("a", 1, 20000), entry("b", 2, 20000), entry("c", 3, 20000)];
    expect(changedCounts(rows, { a: "25k", b: "20,000", c: "" })).toEqual({ counts: [{ entry_id: "a", chips: 25000 }], problems: [] });
    expect(changedCounts(rows, { a: "25k", b: "2o000" }).problems).toEqual(['seat 2: "2o000" is not a chip count (e.g. 25000, 25k, 1.2m)']);
  });
});

describe("API", () => {
  it("turns error bodies into one line", () => {
    expect(errorText(409, { detail: "seat 5 at table '2' is taken" })).toBe("seat 5 at table '2' is taken");
    expect(
      errorText(422, {
        detail: [
          { loc: ["body", "csv", 8, 0], msg: "line 8: big_blind 'abc' is not a whole number" },
          { loc: ["body", "chips"], msg: "Input should be greater than or equal to 0" },
        ],
      }),
    ).toBe("line 8: big_blind 'abc' is not a whole number; chips: Input should be greater than or equal to 0");
    expect(errorText(500, null)).toBe("request failed (500)");
  });

  it("sends the bearer token and JSON, and throws the server's words", async () => {
    const calls: { url: string; init?: RequestInit }[] = [];
    const api = new TournamentApi("http://127.0.0.1:8000", () => "tok", async (url, init) => {
      calls.push({ url, init });
      if (url.endsWith("/events/ev/chips")) return new Response(JSON.stringify({ detail: "entry 'e1' is out of the event; its chips cannot change" }), { status: 409 });
      return new Response(JSON.stringify({ id: "e1", chips: 25000 }), { status: 200 });
    });
    await api.setChips("ev", "e1", 25000);
    expect(calls[0].url).toBe("http://127.0.0.1:8000/api/v1/events/ev/entries/e1/chips");
    expect(calls[0].init?.method).toBe("PUT");
    expect(calls[0].init?.headers).toEqual({ "Content-Type": "application/json", Authorization: "Bearer tok" });
    expect(calls[0].init?.body).toBe('{"chips":25000}');
    await expect(api.bulkChips("ev", [{ entry_id: "e1", chips: 1 }])).rejects.toThrow("is out of the event");
  });
});

describe("hand set-up from the tournament", () => {
  it("puts the table's seats, stacks and blinds into the live table's state, keeping its button", async () => {
    const { withTournamentSetup } = await import("./tournament");
    const { setupDefaults } = await import("../components/HandSetup");
    const live: TableState = { table: "t", version: 3, hand_number: 41, street: "complete", board: [], pots: [], total_pot: 0, button: 2, to_act: null, small_blind: 100, big_blind: 200, seats: [], graphics_hidden: false };
    const state = withTournamentSetup(live, {
      table: "TV",
      level_index: 5,
      small_blind: 400,
      big_blind: 800,
      ante: 0,
      big_blind_ante: 800,
      seats: [
        { seat: 2, name: "Ann", stack: 41000 },
        { seat: 5, name: "Bo", stack: 9000 },
      ],
    });
    expect(state.big_blind_ante).toBe(800);
    const form = setupDefaults(state);
    expect(form.rows.filter((r) => r.name).map((r) => [r.seat, r.name, r.stack])).toEqual([
      [2, "Ann", "41000"],
      [5, "Bo", "9000"],
    ]);
    expect([form.button, form.sb, form.bb, form.hand]).toEqual(["5", "400", "800", "42"]);
    expect(withTournamentSetup(null, { table: "TV", level_index: null, small_blind: 0, big_blind: 0, ante: 0, big_blind_ante: 0, seats: [] }).seats).toEqual([]);
  });
});
