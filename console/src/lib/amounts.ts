// Chip amounts on screen: grouping, the predictive bet buttons and the numeric keypad.

import type { Predict, TableState } from "./protocol";

/** 1234567 -> "1,234,567" (chips are integers). */
export function formatChips(amount: number | null | undefined): string {
  if (amount === null || amount === undefined || !Number.isFinite(amount)) return "–";
  const sign = amount < 0 ? "-" : "";
  return sign + Math.abs(Math.trunc(amount)).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

export type PresetKey = "min_raise" | "half_pot" | "pot" | "all_in";

export interface Preset {
  key: PresetKey;
  label: string;
  amount: number | null;
  enabled: boolean;
}

const PRESET_LABELS: Record<PresetKey, string> = {
  min_raise: "Min",
  half_pot: "½ Pot",
  pot: "Pot",
  all_in: "All-in",
};

/** The predictive bet buttons for the player to act, in screen order. */
export function presets(predict: Predict | null | undefined): Preset[] {
  const amounts: Record<PresetKey, number | null> = {
    min_raise: predict?.min_raise_to ?? null,
    half_pot: predict?.half_pot ?? null,
    pot: predict?.pot ?? null,
    all_in: predict?.all_in ?? null,
  };
  const allIn = amounts.all_in;
  return (Object.keys(PRESET_LABELS) as PresetKey[]).map((key) => {
    const amount = amounts[key];
    // A sizing above the stack is the all-in; show it once, on the all-in button.
    const capped = key !== "all_in" && amount !== null && allIn !== null && amount >= allIn;
    const enabled =
      predict != null &&
      predict.seat != null &&
      amount !== null &&
      !capped &&
      (key === "all_in" ? amount > 0 : predict.can_raise);
    return { key, label: PRESET_LABELS[key], amount: capped ? null : amount, enabled };
  });
}

/** "Check", or "Call 1,200" when there is a bet to call. */
export function checkCallLabel(predict: Predict | null | undefined): string {
  if (!predict || predict.can_check || predict.call <= 0) return "Check";
  return `Call ${formatChips(predict.call)}`;
}

/** "Bet" when nobody has bet this street, otherwise "Raise to". */
export function betLabel(state: TableState | null | undefined): string {
  if (!state) return "Bet";
  return state.seats.some((s) => s.bet > 0) ? "Raise to" : "Bet";
}

/** The numeric keypad: digits typed into a chip amount (max 12 digits, no leading zeros). */
export function keypadPress(current: string, key: string): string {
  if (key === "clear") return "";
  if (key === "back") return current.slice(0, -1);
  if (!/^\d+$/.test(key)) return current;
  const next = (current + key).replace(/^0+(?=\d)/, "");
  if (next === "0" || next === "00" || next === "000") return "";
  return next.length > 12 ? current : next;
}

/** The keypad's amount as a number, or null when empty. */
export function keypadAmount(entry: string): number | null {
  return entry === "" ? null : Number.parseInt(entry, 10);
}

/** Why the amount cannot be sent as a bet, checked before sending (the server checks again); null if fine. */
export function betProblem(amount: number | null, predict: Predict | null | undefined): string | null {
  if (amount === null) return "Type an amount on the keypad or pick a preset first";
  if (!predict || predict.seat == null) return "Nobody is to act";
  if (!predict.can_raise) return `Seat ${predict.seat} cannot bet or raise now`;
  return null;
}
