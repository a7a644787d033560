// Tournament screens' logic (no React): the platform's /api/v1/events and /api/v1/players calls, chip
// amounts as crews type them ("25k", "1.2m", "25,000"), the clock between server reads, and the
// chip grid's keyboard moves. The screens are in components/TournamentPanel.tsx.

import type { SeatState, TableState } from "./protocol";

export interface Level {
  position: number;
  small_blind: number;
  big_blind: number;
  ante: number;
  big_blind_ante: number;
  duration_s: number;
  is_break: boolean;
  name: string | null;
}

export interface Clock {
  started: boolean;
  running: boolean;
  finished: boolean;
  level_index: number;
  level_number: number;
  level: Level | null;
  next_level: Level | null;
  remaining_s: number;
  level_started_at: number | null;
  as_of: number;
}

export interface EventSummary {
  id: string;
  name: string;
  variant: string;
  buy_in: number;
  currency: string;
  starting_stack: number;
  status: string;
  version: number;
}

export interface Table {
  id: string;
  name: string;
  seats: number;
  broken: boolean;
  players: number;
}

export interface Entry {
  id: string;
  player_id: string;
  player_name: string;
  entry_number: number;
  table_id: string | null;
  table_name: string | null;
  seat: number | null;
  chips: number;
  chips_version: number;
  chips_updated_at: string;
  chips_updated_by: string;
  status: string;
  place: number | null;
  prize: number | null;
}

export interface Player {
  id: string;
  name: string;
  nickname: string;
  country: string | null;
  hometown: string;
  notes: string;
  photo_asset_id: string | null;
  photo_url: string | null;
}

export interface Elimination {
  entry_id: string;
  player_id: string;
  player_name: string;
  place: number;
  prize: number;
  winner?: Entry | null;
}

/** The `graphics` cues of the tournament-state message (docs/tournament.md). */
export interface GraphicsCues {
  leaderboard: boolean;
  chip_strip: boolean;
  clock: boolean;
  field: boolean;
  payouts: boolean;
  elimination: string | null;
  profile: string | null;
  stacks_in_bb: boolean;
  leaderboard_rows: number;
  leaderboard_page: number;
}

export const NO_CUES: GraphicsCues = {
  leaderboard: false,
  chip_strip: false,
  clock: false,
  field: false,
  payouts: false,
  elimination: null,
  profile: null,
  stacks_in_bb: false,
  leaderboard_rows: 10,
  leaderboard_page: 0,
};

/** Chips as typed: "25000", "25,000", "25 000", "25k", "1.2m", "2.5K". null for an empty field; an Error
 * message string for anything else. */
export function parseChips(text: string): number | null | string {
  const cleaned = text.trim().toLowerCase().replace(/[,\s_]/g, "");
  if (cleaned === "") return null;
  const match = /^(\d+(?:\.\d+)?)([km]?)$/.exec(cleaned);
  if (!match) return `"${text.trim()}" is not a chip count (e.g. 25000, 25k, 1.2m)`;
  const scale = match[2] === "k" ? 1_000 : match[2] === "m" ? 1_000_000 : 1;
  const value = Number(match[1]) * scale;
  if (Math.abs(value - Math.round(value)) > 1e-6) {
    return `"${text.trim()}" is not a whole number of chips`;
  }
  return Math.round(value);
}

/** 754 -> "12:34", 3723 -> "1:02:03" (whole seconds, rounded up so 0.2 s left still shows 0:01). */
export function formatClock(seconds: number): string {
  const total = Math.max(0, Math.ceil(seconds - 1e-9));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = h > 0 ? String(m).padStart(2, "0") : String(m);
  return `${h > 0 ? `${h}:` : ""}${mm}:${String(s).padStart(2, "0")}`;
}

/** Time left now (ms since epoch) from the server's reading: a running clock counts down from `as_of`
 * (the server's stored times decide level changes; the screen asks again when it reaches 0). */
export function remainingNow(clock: Clock, nowMs: number): number {
  if (!clock.running) return clock.remaining_s;
  return Math.max(0, clock.remaining_s - (nowMs / 1000 - clock.as_of));
}

/** "Level 5 · 400/800 ante 800 (BB)" or "Break". */
export function levelLabel(level: Level | null, number: number): string {
  if (!level) return "no structure";
  if (level.is_break) return level.name ?? "Break";
  const ante = level.big_blind_ante ? ` · BB ante ${level.big_blind_ante.toLocaleString("en-US")}` : level.ante ? ` · ante ${level.ante.toLocaleString("en-US")}` : "";
  return `${level.name ?? `Level ${number}`} · ${level.small_blind.toLocaleString("en-US")}/${level.big_blind.toLocaleString("en-US")}${ante}`;
}

/** Which grid row a key moves to: Enter and ↓ go down (Enter wraps to the first row), Shift+Enter and ↑ up. */
export function gridMove(rows: number, index: number, key: string, shift = false): number | null {
  if (rows <= 0) return null;
  if (key === "Enter") return shift ? Math.max(0, index - 1) : (index + 1) % rows;
  if (key === "ArrowDown") return Math.min(rows - 1, index + 1);
  if (key === "ArrowUp") return Math.max(0, index - 1);
  return null;
}

export interface ChipEdit {
  entry_id: string;
  chips: number;
}

/** The counts to send for a table: only rows whose typed value parses and differs from the stored one;
 * `problems` lists rows that do not parse (by seat), so nothing is sent half-typed. */
export function changedCounts(entries: Entry[], typed: Record<string, string>): { counts: ChipEdit[]; problems: string[] } {
  const counts: ChipEdit[] = [];
  const problems: string[] = [];
  for (const entry of entries) {
    const text = typed[entry.id];
    if (text === undefined) continue;
    const value = parseChips(text);
    if (typeof value === "string") problems.push(`seat ${entry.seat ?? "?"}: ${value}`);
    else if (value !== null && value !== entry.chips) counts.push({ entry_id: entry.id, chips: value });
  }
  return { counts, problems };
}

/** Seated live entries of one table, by seat. */
export function tableRows(entries: Entry[], tableId: string): Entry[] {
  return entries.filter((e) => e.table_id === tableId && e.status === "active").sort((a, b) => (a.seat ?? 0) - (b.seat ?? 0));
}

/** A readable line from an API error body: FastAPI's `detail` string, or its list of {loc, msg}. */
export function errorText(status: number, body: unknown): string {
  const detail = (body as { detail?: unknown } | null)?.detail;
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    return detail
      .map((d: { msg?: string; loc?: unknown[] }) => {
        const loc = (d.loc ?? []).filter((x) => x !== "body");
        const msg = d.msg ?? "";
        return msg.startsWith("line ") || loc.length === 0 ? msg : `${loc.join(".")}: ${msg}`;
      })
      .join("; ");
  }
  return `request failed (${status})`;
}

/** GET /events/{id}/tables/{table}/hand-setup: the `new_hand` arguments but the button and hand number. */
export interface HandSetupData {
  table: string;
  level_index: number | null;
  small_blind: number;
  big_blind: number;
  ante: number;
  big_blind_ante: number;
  seats: { seat: number; name: string; stack: number }[];
}

/** The live table's state with the tournament's seats, stacks and blinds in place: what the hand set-up
 * dialog starts from (it moves the button on from the live table's, as for any next hand). */
export function withTournamentSetup(state: TableState | null, setup: HandSetupData): TableState {
  const seats: SeatState[] = setup.seats.map((s) => ({ seat: s.seat, name: s.name, stack: s.stack, bet: 0, status: "active", hole_cards: [] }));
  const base: TableState = state ?? { table: setup.table, version: 0, hand_number: 0, street: "idle", board: [], pots: [], total_pot: 0, button: null, to_act: null, small_blind: 0, big_blind: 0, seats: [], graphics_hidden: false };
  return { ...base, seats, small_blind: setup.small_blind, big_blind: setup.big_blind, ante: setup.ante, big_blind_ante: setup.big_blind_ante };
}

type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

/** The tournament REST API with the signed-in user's bearer token. Errors throw with the server's words. */
export class TournamentApi {
  constructor(
    readonly origin: string,
    readonly token: () => string | null,
    readonly fetcher: Fetch = (input, init) => fetch(input, init),
  ) {}

  private headers(json: boolean): Record<string, string> {
    const token = this.token();
    return { ...(json ? { "Content-Type": "application/json" } : {}), ...(token ? { Authorization: `Bearer ${token}` } : {}) };
  }

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.fetcher(`${this.origin}/api/v1${path}`, {
      method,
      headers: this.headers(body !== undefined),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = response.status === 204 ? null : await response.json().catch(() => null);
    if (!response.ok) throw new Error(errorText(response.status, data));
    return data as T;
  }

  events = () => this.call<EventSummary[]>("GET", "/events");
  clock = (event: string) => this.call<Clock>("GET", `/events/${event}/clock`);
  clockAction = (event: string, action: "start" | "pause" | "resume" | "adjust" | "jump", extra: { seconds?: number; level_index?: number } = {}) =>
    this.call<Clock>("POST", `/events/${event}/clock`, { action, ...extra });
  structure = (event: string) => this.call<Level[]>("GET", `/events/${event}/structure`);
  tables = (event: string) => this.call<Table[]>("GET", `/events/${event}/tables`);
  handSetup = (event: string, table: string) => this.call<HandSetupData>("GET", `/events/${event}/tables/${table}/hand-setup`);
  entries = (event: string) => this.call<Entry[]>("GET", `/events/${event}/entries`);
  setChips = (event: string, entry: string, chips: number) => this.call<Entry>("PUT", `/events/${event}/entries/${entry}/chips`, { chips });
  bulkChips = (event: string, counts: ChipEdit[]) => this.call<Entry[]>("POST", `/events/${event}/chips`, { counts });
  eliminate = (event: string, playerId: string, byPlayerId: string | null) =>
    this.call<Elimination>("POST", `/events/${event}/eliminations`, { player_id: playerId, eliminated_by_player_id: byPlayerId });
  eliminations = (event: string) => this.call<Elimination[]>("GET", `/events/${event}/eliminations`);
  graphics = async (event: string) => ((await this.call<{ graphics: GraphicsCues }>("GET", `/events/${event}/state`)).graphics ?? NO_CUES);
  setGraphics = async (event: string, cues: GraphicsCues) => (await this.call<{ graphics: GraphicsCues }>("PUT", `/events/${event}/graphics`, cues)).graphics;
  players = (q: string) => this.call<Player[]>("GET", `/players${q ? `?q=${encodeURIComponent(q)}` : ""}`);
  savePlayer = (player: Partial<Player> & { name: string }, id: string | null) =>
    id
      ? this.call<Player>("PUT", `/players/${id}`, { name: player.name, nickname: player.nickname ?? "", country: player.country ?? "", hometown: player.hometown ?? "", notes: player.notes ?? "" })
      : this.call<Player>("POST", "/players", { name: player.name, nickname: player.nickname ?? "", country: player.country || null, hometown: player.hometown ?? "", notes: player.notes ?? "" });

  async uploadPhoto(playerId: string, file: Blob, shape: "square" | "circle"): Promise<Player> {
    const form = new FormData();
    form.append("file", file, "photo");
    form.append("shape", shape);
    const response = await this.fetcher(`${this.origin}/api/v1/players/${playerId}/photo`, { method: "POST", headers: this.headers(false), body: form });
    const data = await response.json().catch(() => null);
    if (!response.ok) throw new Error(errorText(response.status, data));
    return data as Player;
  }

  /** The photo as an object URL (an <img> cannot send the bearer token itself). */
  async photoUrl(player: Player): Promise<string | null> {
    if (!player.photo_url) return null;
    const response = await this.fetcher(`${this.origin}${player.photo_url}`, { headers: this.headers(false) });
    return response.ok ? URL.createObjectURL(await response.blob()) : null;
  }
}
