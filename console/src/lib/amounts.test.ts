import { describe, expect, it } from "vitest";
import { betLabel, betProblem, checkCallLabel, formatChips, keypadAmount, keypadPress, presets } from "./amounts";
import type { Predict, TableState } from "./protocol";

const predict: Predict = { seat: 3, call: 400, min_raise_to: 800, half_pot: 700, pot: 1400, all_in: 5000, can_check: false, can_raise: true };

describe("formatChips", () => {
  it("groups thousands and shows a dash for nothing", () => {
    expect(formatChips(0)).toBe("0");
    expect(formatChips(1200)).toBe("1,200");
    expect(formatChips(13050000)).toBe("13,050,000");
    expect(formatChips(-2500)).toBe("-2,500");
    expect(formatChips(null)).toBe("–");
  });
});

describe("presets", () => {
  it("shows min raise, half pot, pot and all-in with their amounts", () => {
    expect(presets(predict).map((p) => [p.key, p.amount, p.enabled])).toEqual([
      ["min_raise", 800, true],
      ["half_pot", 700, true],
      ["pot", 1400, true],
      ["all_in", 5000, true],
    ]);
  });

  it("a sizing at or above the stack collapses into the all-in button", () => {
    const short = { ...predict, pot: 5000, half_pot: 2600, all_in: 2600 };
    expect(presets(short).map((p) => [p.key, p.amount, p.enabled])).toEqual([
      ["min_raise", 800, true],
      ["half_pot", null, false],
      ["pot", null, false],
      ["all_in", 2600, true],
    ]);
  });

  it("only all-in stays when the player cannot raise (the bet is bigger than the stack)", () => {
    const cannot = { ...predict, can_raise: false, min_raise_to: null, half_pot: null, pot: null, all_in: 300 };
    expect(presets(cannot).filter((p) => p.enabled).map((p) => p.key)).toEqual(["all_in"]);
  });

  it("everything is off when nobody is to act", () => {
    expect(presets({ ...predict, seat: null }).some((p) => p.enabled)).toBe(false);
    expect(presets(null).some((p) => p.enabled)).toBe(false);
  });
});

describe("labels", () => {
  it("check or call with the amount", () => {
    expect(checkCallLabel(predict)).toBe("Call 400");
    expect(checkCallLabel({ ...predict, can_check: true, call: 0 })).toBe("Check");
    expect(checkCallLabel(null)).toBe("Check");
  });

  it("bet when nothing is in front of anybody, else raise to", () => {
    const base = { seats: [{ seat: 1, name: "a", stack: 10, bet: 0, status: "active", hole_cards: [] }] } as unknown as TableState;
    expect(betLabel(base)).toBe("Bet");
    expect(betLabel({ ...base, seats: [{ ...base.seats[0], bet: 100 }] })).toBe("Raise to");
  });
});

describe("keypad", () => {
  it("types digits, drops leading zeros, deletes and clears", () => {
    let entry = "";
    for (const k of ["0", "1", "2", "00"]) entry = keypadPress(entry, k);
    expect(entry).toBe("1200");
    expect(keypadPress(entry, "back")).toBe("120");
    expect(keypadPress(entry, "clear")).toBe("");
    expect(keypadPress("", "000")).toBe("");
    expect(keypadPress("5", "x")).toBe("5");
    expect(keypadPress("999999999999", "9")).toBe("999999999999");
    expect(keypadAmount("1200")).toBe(1200);
    expect(keypadAmount("")).toBeNull();
  });

  it("says why a bet cannot be sent before sending it", () => {
    expect(betProblem(null, predict)).toMatch(/amount/);
    expect(betProblem(800, { ...predict, seat: null })).toBe("Nobody is to act");
    expect(betProblem(800, { ...predict, can_raise: false })).toBe("Seat 3 cannot bet or raise now");
    // Below the minimum is the server's call: it answers with the rule that was broken.
    expect(betProblem(500, predict)).toBeNull();
  });
});
