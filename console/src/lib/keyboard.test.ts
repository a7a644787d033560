import { describe, expect, it } from "vitest";
import { SHORTCUTS, commandFor, comboOf, typingInField } from "./keyboard";

describe("keyboard", () => {
  it("maps the betting keys", () => {
    expect(commandFor({ key: "f" })).toEqual({ kind: "fold" });
    expect(commandFor({ key: "c" })).toEqual({ kind: "check_call" });
    expect(commandFor({ key: "Enter" })).toEqual({ kind: "bet" });
    expect(commandFor({ key: "a" })).toEqual({ kind: "all_in" });
    expect(commandFor({ key: "m" })).toEqual({ kind: "preset", preset: "min_raise" });
    expect(commandFor({ key: "h" })).toEqual({ kind: "preset", preset: "half_pot" });
    expect(commandFor({ key: "p" })).toEqual({ kind: "preset", preset: "pot" });
  });

  it("digits from the main row and the numpad go to the keypad", () => {
    expect(commandFor({ key: "7" })).toEqual({ kind: "digit", digit: "7" });
    expect(commandFor({ key: "0" })).toEqual({ kind: "digit", digit: "0" });
    expect(commandFor({ key: "Backspace" })).toEqual({ kind: "keypad_back" });
    expect(commandFor({ key: "1", ctrlKey: true })).toBeNull();
  });

  it("shift makes the hand-level commands, so a slip of one key cannot end a hand", () => {
    expect(commandFor({ key: "N", shiftKey: true })).toEqual({ kind: "next_hand" });
    expect(commandFor({ key: "n" })).toBeNull();
    expect(commandFor({ key: "X", shiftKey: true })).toEqual({ kind: "misdeal" });
    expect(commandFor({ key: "x" })).toBeNull();
    expect(commandFor({ key: "C", shiftKey: true })).toEqual({ kind: "chop" });
    expect(commandFor({ key: "S", shiftKey: true })).toEqual({ kind: "hand_setup" });
  });

  it("undo on Z and Ctrl+Z (Cmd+Z on a Mac)", () => {
    expect(commandFor({ key: "z" })).toEqual({ kind: "undo" });
    expect(commandFor({ key: "z", ctrlKey: true })).toEqual({ kind: "undo" });
    expect(commandFor({ key: "z", metaKey: true })).toEqual({ kind: "undo" });
  });

  it("symbols carry their own shift", () => {
    expect(comboOf({ key: "?", shiftKey: true })).toBe("?");
    expect(commandFor({ key: "?", shiftKey: true })).toEqual({ kind: "help" });
    expect(commandFor({ key: "]" })).toEqual({ kind: "seat_next" });
    expect(commandFor({ key: "ArrowLeft" })).toEqual({ kind: "seat_previous" });
  });

  it("every action of the protocol has a key, and no key does two things", () => {
    const kinds = new Set(SHORTCUTS.map((s) => s.command.kind));
    for (const needed of ["fold", "check_call", "bet", "all_in", "undo", "misdeal", "next_hand", "hand_setup", "deal", "board", "show", "muck", "chop", "adjust_stack", "graphics", "leaderboard", "ticker"]) {
      expect(kinds.has(needed as never), needed).toBe(true);
    }
    const keys = SHORTCUTS.flatMap((s) => s.keys).filter((k) => k !== "…");
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("keys typed into text fields are not shortcuts", () => {
    expect(typingInField({ tagName: "INPUT", type: "text" })).toBe(true);
    expect(typingInField({ tagName: "input" })).toBe(true);
    expect(typingInField({ tagName: "TEXTAREA" })).toBe(true);
    expect(typingInField({ tagName: "INPUT", type: "radio" })).toBe(false);
    expect(typingInField({ tagName: "BUTTON" })).toBe(false);
    expect(typingInField(null)).toBe(false);
  });
});
