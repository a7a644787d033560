// The console's state: tables and health as the server last sent them, requests in flight, notices.
// A pure reducer, so every transition is unit-tested without a browser or a server.

import type { ControlRequest, Health, ProtocolError, ServerMessage, TableState } from "./protocol";

export type ConnectionStatus = "connecting" | "open" | "reconnecting" | "unauthorized";

export type NoticeKind = "reject" | "conflict" | "error" | "info";

export interface Notice {
  id: number;
  kind: NoticeKind;
  text: string;
  requestId?: string;
  at: number;
}

export interface TableEntry {
  version: number;
  state: TableState;
  receivedAt: number;
}

export interface ConsoleState {
  connection: ConnectionStatus;
  reconnectAttempt: number;
  tables: Record<string, TableEntry>;
  tableOrder: string[];
  selectedTable: string | null;
  health: Health | null;
  healthAt: number | null;
  pending: Record<string, ControlRequest>;
  notices: Notice[];
  nextNoticeId: number;
  lastAck: { id: string; version: number } | null;
  /** Per table, the highest version an ack of ours announced (its state may still be on the way). */
  ackedVersions: Record<string, number>;
}

export type ConsoleEvent =
  | { type: "connection"; status: ConnectionStatus; attempt?: number }
  | { type: "server"; message: ServerMessage; at: number }
  | { type: "sent"; request: ControlRequest }
  | { type: "dismiss"; id: number }
  | { type: "select_table"; table: string }
  | { type: "notice"; kind: NoticeKind; text: string; at: number };

/** How many notices stay on screen; older ones drop off. */
export const MAX_NOTICES = 5;

export const initialState: ConsoleState = {
  connection: "connecting",
  reconnectAttempt: 0,
  tables: {},
  tableOrder: [],
  selectedTable: null,
  health: null,
  healthAt: null,
  pending: {},
  notices: [],
  nextNoticeId: 1,
  lastAck: null,
  ackedVersions: {},
};

const VERB_WORDS: Record<string, string> = {
  check_call: "check/call",
  all_in: "all-in",
  new_hand: "new hand",
  next_hand: "next hand",
  adjust_stack: "stack",
  lower_third: "lower third",
};

/** The sentence a reject or an error becomes on screen. */
export function describeError(error: ProtocolError, request?: ControlRequest): string {
  if (error.code === "conflict") {
    const what = request ? `your ${VERB_WORDS[request.verb] ?? request.verb}` : "your action";
    const reason = error.message ? error.message[0].toUpperCase() + error.message.slice(1) : "";
    return `Another console acted first: ${what} was not applied. ${reason}`.trim();
  }
  if (error.code === "unauthorized") return `Not signed in: ${error.message}`;
  if (error.code === "forbidden") return `Not allowed: ${error.message}`;
  return error.message || error.code;
}

function addNotice(state: ConsoleState, kind: NoticeKind, text: string, at: number, requestId?: string): ConsoleState {
  const notice: Notice = { id: state.nextNoticeId, kind, text, at, requestId };
  return {
    ...state,
    notices: [...state.notices, notice].slice(-MAX_NOTICES),
    nextNoticeId: state.nextNoticeId + 1,
  };
}

function withoutPending(state: ConsoleState, id: string): Record<string, ControlRequest> {
  if (!(id in state.pending)) return state.pending;
  const rest = { ...state.pending };
  delete rest[id];
  return rest;
}

function onServer(state: ConsoleState, message: ServerMessage, at: number): ConsoleState {
  switch (message.type) {
    case "state": {
      const current = state.tables[message.table];
      // Replies can cross a reconnect: never let an older version replace a newer one.
      if (current && message.version < current.version) return state;
      const tableOrder = current ? state.tableOrder : [...state.tableOrder, message.table];
      return {
        ...state,
        tables: { ...state.tables, [message.table]: { version: message.version, state: message.state, receivedAt: at } },
        tableOrder,
        selectedTable: state.selectedTable ?? message.table,
      };
    }
    case "health":
      return { ...state, health: message.health, healthAt: at };
    case "ack": {
      const request = state.pending[message.id];
      const ackedVersions =
        request && message.version > (state.ackedVersions[request.table] ?? -1)
          ? { ...state.ackedVersions, [request.table]: message.version }
          : state.ackedVersions;
      return {
        ...state,
        pending: withoutPending(state, message.id),
        lastAck: { id: message.id, version: message.version },
        ackedVersions,
      };
    }
    case "reject": {
      const request = state.pending[message.id];
      const kind: NoticeKind = message.error.code === "conflict" ? "conflict" : "reject";
      const next = { ...state, pending: withoutPending(state, message.id) };
      return addNotice(next, kind, describeError(message.error, request), at, message.id);
    }
    case "error":
      if (message.error.code === "unauthorized") {
        return addNotice({ ...state, connection: "unauthorized" }, "error", describeError(message.error), at);
      }
      return addNotice(state, "error", describeError(message.error), at);
  }
}

/** Apply one event to the console state. */
export function reduce(state: ConsoleState, event: ConsoleEvent): ConsoleState {
  switch (event.type) {
    case "connection":
      if (state.connection === "unauthorized" && event.status !== "open") return state;
      return { ...state, connection: event.status, reconnectAttempt: event.attempt ?? 0 };
    case "server":
      return onServer(state, event.message, event.at);
    case "sent":
      return { ...state, pending: { ...state.pending, [event.request.id]: event.request } };
    case "dismiss":
      return { ...state, notices: state.notices.filter((n) => n.id !== event.id) };
    case "select_table":
      return { ...state, selectedTable: event.table };
    case "notice":
      return addNotice(state, event.kind, event.text, event.at);
  }
}

/** The table the operator works on, or null before the first state arrives. */
export function currentTable(state: ConsoleState): TableEntry | null {
  const name = state.selectedTable;
  return name ? (state.tables[name] ?? null) : null;
}

/** True while an action of ours on `table` is unanswered or its new state has not arrived yet. */
export function isBusy(state: ConsoleState, table: string): boolean {
  if (Object.values(state.pending).some((r) => r.table === table && GAME_VERBS.has(r.verb))) return true;
  const acked = state.ackedVersions[table];
  const entry = state.tables[table];
  return acked !== undefined && (!entry || entry.version < acked);
}

/** Verbs that change the hand: sent with `expect_version`, one at a time. */
export const GAME_VERBS: ReadonlySet<string> = new Set([
  "new_hand",
  "deal",
  "board",
  "fold",
  "check_call",
  "bet",
  "all_in",
  "show",
  "muck",
  "undo",
  "misdeal",
  "next_hand",
  "adjust_stack",
  "chop",
]);
