// Control protocol v1: the messages the console exchanges with the control server (docs/console.md).

export type Verb =
  | "new_hand"
  | "deal"
  | "board"
  | "fold"
  | "check_call"
  | "bet"
  | "all_in"
  | "show"
  | "muck"
  | "undo"
  | "misdeal"
  | "next_hand"
  | "adjust_stack"
  | "chop"
  | "tag"
  | "graphics"
  | "ticker"
  | "lower_third"
  | "leaderboard";

export type ErrorCode =
  | "bad_request"
  | "unknown_verb"
  | "unknown_table"
  | "unknown_seat"
  | "illegal_action"
  | "out_of_turn"
  | "not_enough_chips"
  | "no_hand"
  | "unauthorized"
  | "forbidden"
  | "conflict"
  | string;

export interface ProtocolError {
  code: ErrorCode;
  message: string;
}

export interface ControlRequest {
  id: string;
  verb: Verb;
  table: string;
  args: Record<string, unknown>;
  expect_version?: number;
}

export type SeatStatus = "active" | "folded" | "all_in" | "sitting_out" | "empty";
export type Street = "idle" | "preflop" | "flop" | "turn" | "river" | "showdown" | "complete";

export interface SeatState {
  seat: number;
  name: string;
  stack: number;
  bet: number;
  status: SeatStatus;
  hole_cards: string[];
  last_action?: string | null;
  is_to_act?: boolean;
  is_button?: boolean;
  hand_label?: string | null;
  equity_win?: number | null;
  equity_share?: number | null;
}

export interface PotState {
  amount: number;
  eligible_seats: number[];
}

export interface Predict {
  seat: number | null;
  call: number;
  min_raise_to: number | null;
  half_pot: number | null;
  pot: number | null;
  all_in: number | null;
  can_check: boolean;
  can_raise: boolean;
}

export interface TableState {
  table: string;
  version: number;
  hand_number: number;
  street: Street;
  board: string[];
  pots: PotState[];
  total_pot: number;
  button: number | null;
  to_act: number | null;
  small_blind: number;
  big_blind: number;
  ante?: number;
  seats: SeatState[];
  graphics_hidden: boolean;
  last_action?: string | null;
  predict?: Predict | null;
  ticker?: string;
  tags?: string[];
  history_length?: number;
  leaderboard_shown?: boolean;
  lower_third?: string | null;
  [extra: string]: unknown;
}

export interface NodeHealth {
  fps: number;
  drops: number;
  errors: number;
  kind: string;
}

export interface Health {
  nodes: Record<string, NodeHealth>;
  rfid: "ok" | "silent" | "absent";
  vision: "ok" | "absent";
  encoder_fps: number | null;
  recording: boolean;
  delay_seconds: number | null;
  errors: string[];
  preview: { program: string | null; delayed: string | null };
}

export type ServerMessage =
  | { type: "ack"; id: string; version: number }
  | { type: "reject"; id: string; error: ProtocolError }
  | { type: "state"; table: string; version: number; state: TableState }
  | { type: "health"; health: Health }
  | { type: "error"; error: ProtocolError };

/** Parse one WebSocket frame; null when it is not a message of the protocol. */
export function parseServerMessage(text: string): ServerMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const m = value as Record<string, unknown>;
  switch (m.type) {
    case "ack":
      return typeof m.id === "string" && typeof m.version === "number" ? (m as ServerMessage) : null;
    case "reject":
      return typeof m.id === "string" && isError(m.error) ? (m as ServerMessage) : null;
    case "state":
      return typeof m.table === "string" && typeof m.version === "number" && typeof m.state === "object" && m.state
        ? (m as ServerMessage)
        : null;
    case "health":
      return typeof m.health === "object" && m.health ? (m as ServerMessage) : null;
    case "error":
      return isError(m.error) ? (m as ServerMessage) : null;
    default:
      return null;
  }
}

function isError(e: unknown): e is ProtocolError {
  return typeof e === "object" && e !== null && typeof (e as ProtocolError).message === "string";
}
