import { describe, expect, it } from "vitest";
import type { TableState } from "../lib/protocol";
import { buildNewHand, setupDefaults, type SeatRow } from "./HandSetup";

function rows(filled: Record<number, [string, string]>): SeatRow[] {
  return Array.from({ length: 10 }, (_, i) => ({ seat: i + 1, name: filled[i + 1]?.[0] ?? "", stack: filled[i + 1]?.[1] ?? "" }));
}

const blank = { button: "", sb: "", bb: "", ante: "", bbAnte: "", straddles: "", hand: "" };

describe("hand set-up", () => {
  it("builds new_hand from the form", () => {
    const form = { ...blank, rows: rows({ 1: ["Ann", "10,000"], 4: [" Bo ", "8000"] }), button: "4", sb: "50", bb: "100", straddles: "200", hand: "7" };
    expect(buildNewHand(form)).toEqual({
      hand_number: 7, button: 4, small_blind: 50, big_blind: 100, ante: 0, big_blind_ante: 0, straddles: [200],
      seats: [{ seat: 1, name: "Ann", stack: 10000 }, { seat: 4, name: "Bo", stack: 8000 }],
    });
  });

  it("refuses what cannot be a hand, with one line that says why", () => {
    const two = rows({ 1: ["Ann", "100"], 2: ["Bo", "100"] });
    expect(() => buildNewHand({ ...blank, rows: rows({ 1: ["Ann", "100"] }), button: "1", bb: "2" })).toThrow("Seat at least two players");
    expect(() => buildNewHand({ ...blank, rows: two, button: "5", bb: "2" })).toThrow("The button (seat 5) must be an occupied seat");
    expect(() => buildNewHand({ ...blank, rows: two, button: "1", bb: "" })).toThrow("Enter the big blind");
    expect(() => buildNewHand({ ...blank, rows: two, button: "1", bb: "1.5" })).toThrow('Big blind: "1.5" is not a whole number of chips');
    expect(() => buildNewHand({ ...blank, rows: rows({ 1: ["Ann", "100"], 2: ["", "100"] }), button: "1", bb: "2" })).toThrow("Seat 2: a stack without a name");
    expect(() => buildNewHand({ ...blank, rows: rows({ 1: ["Ann", "100"], 2: ["Bo", ""] }), button: "1", bb: "2" })).toThrow("Seat 2: enter a stack");
  });

  it("starts from the last hand: same players and stacks, button on the next occupied seat", () => {
    const state = {
      hand_number: 3, button: 4, small_blind: 50, big_blind: 100,
      seats: [1, 4, 6].map((seat) => ({ seat, name: `P${seat}`, stack: seat * 1000, bet: 0, status: "active", hole_cards: [] })),
    } as unknown as TableState;
    const d = setupDefaults(state);
    expect(d.rows.filter((r) => r.name).map((r) => [r.seat, r.name, r.stack])).toEqual([[1, "P1", "1000"], [4, "P4", "4000"], [6, "P6", "6000"]]);
    expect([d.button, d.sb, d.bb, d.hand]).toEqual(["6", "50", "100", "4"]);
    expect(setupDefaults({ ...state, button: 6 }).button).toBe("1");
    expect(setupDefaults(null).button).toBe("");
  });
});
