// Keyboard shortcuts: one table drives the key handler, the on-screen help and docs/console.md.

import type { PresetKey } from "./amounts";

export type Command =
  | { kind: "fold" }
  | { kind: "check_call" }
  | { kind: "bet" }
  | { kind: "all_in" }
  | { kind: "preset"; preset: PresetKey }
  | { kind: "digit"; digit: string }
  | { kind: "keypad_back" }
  | { kind: "keypad_clear" }
  | { kind: "undo" }
  | { kind: "misdeal" }
  | { kind: "next_hand" }
  | { kind: "hand_setup" }
  | { kind: "deal" }
  | { kind: "board" }
  | { kind: "show" }
  | { kind: "muck" }
  | { kind: "chop" }
  | { kind: "adjust_stack" }
  | { kind: "seat_next" }
  | { kind: "seat_previous" }
  | { kind: "graphics" }
  | { kind: "leaderboard" }
  | { kind: "ticker" }
  | { kind: "kiosk" }
  | { kind: "help" };

export interface Shortcut {
  /** Key combinations as shown to people, e.g. "F", "Shift+N", "Ctrl+Z". */
  keys: string[];
  command: Command;
  description: string;
}

/** Every shortcut of the console (docs/console.md lists the same table; a test keeps them equal). */
export const SHORTCUTS: Shortcut[] = [
  { keys: ["F"], command: { kind: "fold" }, description: "fold (player to act)" },
  { keys: ["C"], command: { kind: "check_call" }, description: "check or call" },
  { keys: ["Enter"], command: { kind: "bet" }, description: "bet / raise to the keypad amount" },
  { keys: ["A"], command: { kind: "all_in" }, description: "all-in" },
  { keys: ["M"], command: { kind: "preset", preset: "min_raise" }, description: "keypad = minimum raise" },
  { keys: ["H"], command: { kind: "preset", preset: "half_pot" }, description: "keypad = ½ pot" },
  { keys: ["P"], command: { kind: "preset", preset: "pot" }, description: "keypad = pot" },
  { keys: ["0", "…", "9"], command: { kind: "digit", digit: "0" }, description: "type on the keypad" },
  { keys: ["Backspace"], command: { kind: "keypad_back" }, description: "delete the last keypad digit" },
  { keys: ["Escape"], command: { kind: "keypad_clear" }, description: "clear the keypad, close a dialog" },
  { keys: ["Z", "Ctrl+Z"], command: { kind: "undo" }, description: "undo the last action (repeat for more, across streets)" },
  { keys: ["Shift+X"], command: { kind: "misdeal" }, description: "misdeal: void the hand, restore stacks (asks first)" },
  { keys: ["Shift+N"], command: { kind: "next_hand" }, description: "next hand: award the pots, end the hand" },
  { keys: ["Shift+S"], command: { kind: "hand_setup" }, description: "hand set-up (seats, names, stacks, blinds), start a hand" },
  { keys: ["D"], command: { kind: "deal" }, description: "deal hole cards to the selected seat" },
  { keys: ["B"], command: { kind: "board" }, description: "enter the next board cards" },
  { keys: ["S"], command: { kind: "show" }, description: "show the selected seat's cards" },
  { keys: ["K"], command: { kind: "muck" }, description: "muck the selected seat's cards" },
  { keys: ["Shift+C"], command: { kind: "chop" }, description: "chop the pot(s)" },
  { keys: ["Shift+A"], command: { kind: "adjust_stack" }, description: "set the selected seat's stack to the keypad amount" },
  { keys: ["ArrowRight", "]"], command: { kind: "seat_next" }, description: "select the next seat" },
  { keys: ["ArrowLeft", "["], command: { kind: "seat_previous" }, description: "select the previous seat" },
  { keys: ["G"], command: { kind: "graphics" }, description: "hide / show all graphics" },
  { keys: ["L"], command: { kind: "leaderboard" }, description: "show / hide the leaderboard" },
  { keys: ["T"], command: { kind: "ticker" }, description: "edit the ticker text" },
  { keys: ["Shift+K"], command: { kind: "kiosk" }, description: "kiosk mode on / off" },
  { keys: ["?"], command: { kind: "help" }, description: "show these shortcuts" },
];

export interface KeyLike {
  key: string;
  shiftKey?: boolean;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
}

/** A key event as the combination string used in SHORTCUTS ("Shift+N", "Ctrl+Z", "f" -> "F"). */
export function comboOf(event: KeyLike): string {
  let key = event.key;
  if (key === " ") key = "Space";
  if (key.length === 1) key = key.toUpperCase();
  const parts: string[] = [];
  if (event.ctrlKey || event.metaKey) parts.push("Ctrl");
  if (event.altKey) parts.push("Alt");
  // Shift is part of the character for symbols ("?", "]"); name it only for letters and named keys.
  if (event.shiftKey && (/^[A-Z]$/.test(key) || key.length > 1)) parts.push("Shift");
  parts.push(key);
  return parts.join("+");
}

const BY_COMBO: Map<string, Command> = (() => {
  const map = new Map<string, Command>();
  for (const shortcut of SHORTCUTS) {
    if (shortcut.command.kind === "digit") continue;
    for (const keys of shortcut.keys) map.set(keys, shortcut.command);
  }
  return map;
})();

/** The command for a key event, or null. Digits (main row or numpad) go to the keypad. */
export function commandFor(event: KeyLike): Command | null {
  if (/^[0-9]$/.test(event.key) && !event.ctrlKey && !event.metaKey && !event.altKey) {
    return { kind: "digit", digit: event.key };
  }
  return BY_COMBO.get(comboOf(event)) ?? null;
}

/** True when the key goes to a text field rather than to the shortcuts (Escape always reaches both). */
export function typingInField(target: { tagName?: string; isContentEditable?: boolean; type?: string } | null): boolean {
  if (!target || !target.tagName) return false;
  const tag = target.tagName.toUpperCase();
  if (tag === "TEXTAREA" || target.isContentEditable) return true;
  if (tag !== "INPUT") return false;
  const type = (target.type ?? "text").toLowerCase();
  return !["button", "checkbox", "radio", "submit", "reset", "range"].includes(type);
}
