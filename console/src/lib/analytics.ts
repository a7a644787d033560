// Show analytics of a platform stream (GET /api/v1/streams/{id}/analytics): the figures and chart series
// the console's analytics panel draws. Pure functions, so the vitest tests check them without a browser.

export interface PlayerFigures {
  player: string;
  hands: number;
  vpip: number | null;
  pfr: number | null;
  aggression: number | null;
  won: number;
  table_time_s: number;
}

export interface ShowAnalytics {
  stream_id: string;
  status: string;
  hands: number;
  tables: number;
  played_hours: number;
  hands_per_hour: number | null;
  average_pot: number | null;
  total_pot: number;
  showdown_rate: number | null;
  biggest_pots: { table: string; hand_number: number; pot: number }[];
  by_hour: { hour: number; hands: number; pot: number }[];
  players: PlayerFigures[];
}

export interface Series {
  title: string;
  labels: string[];
  values: number[];
}

/** The REST address of a stream's analytics (JSON, or the per-player table as CSV or Parquet). */
export function analyticsUrl(origin: string, streamId: string, format: "json" | "csv" | "parquet" = "json"): string {
  const path = `${origin}/api/v1/streams/${encodeURIComponent(streamId.trim())}/analytics`;
  return format === "json" ? path : `${path}?format=${format}`;
}

const pct = (v: number | null): string => (v === null ? "–" : `${(100 * v).toFixed(1)}%`);
const num = (v: number | null, digits = 1): string =>
  v === null ? "–" : v.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** The headline figures, as label/value text pairs. */
export function headline(a: ShowAnalytics): { label: string; value: string }[] {
  return [
    { label: "Hands", value: a.hands.toLocaleString("en-US") },
    { label: "Hands per hour", value: num(a.hands_per_hour) },
    { label: "Average pot", value: num(a.average_pot, 0) },
    { label: "Showdown rate", value: pct(a.showdown_rate) },
    { label: "Biggest pot", value: a.biggest_pots.length ? a.biggest_pots[0].pot.toLocaleString("en-US") : "–" },
    { label: "Tables", value: String(a.tables) },
  ];
}

/** The chart series: hands in each hour of the show, VPIP and PFR per player (%), table time per player (min). */
export function chartSeries(a: ShowAnalytics): Series[] {
  const players = a.players.map((p) => p.player);
  const share = (key: "vpip" | "pfr") => a.players.map((p) => (p[key] === null ? 0 : Math.round(1000 * (p[key] as number)) / 10));
  return [
    { title: "Hands per hour of the show", labels: a.by_hour.map((h) => `h${h.hour + 1}`), values: a.by_hour.map((h) => h.hands) },
    { title: "VPIP per player (%)", labels: players, values: share("vpip") },
    { title: "PFR per player (%)", labels: players, values: share("pfr") },
    { title: "Table time per player (min)", labels: players, values: a.players.map((p) => Math.round(p.table_time_s / 6) / 10) },
  ];
}

/** A readable line for a failed analytics request (the API's problem text when it sent one). */
export function problemText(status: number, body: unknown): string {
  const b = body as { detail?: unknown; error?: { message?: unknown } } | null;
  const text = typeof b?.error?.message === "string" ? b.error.message : typeof b?.detail === "string" ? b.detail : "";
  if (status === 404) return text || "no such stream, or it has no event log";
  return text ? `${status}: ${text}` : `analytics failed (${status})`;
}

/** A background analytics job (a log over the platform's in-process cap: GET .../analytics answered 202). */
export interface AnalyticsJob {
  job_id: string;
  status: string;
  stage: string;
  progress: number;
  logs_done: number;
  logs_total: number;
  error: string | null;
  status_url: string;
}

/** What the panel says while a background job computes a big log's analytics, or why the job failed. */
export function jobLine(job: AnalyticsJob): string {
  if (job.status === "failed") return `the analytics job failed: ${job.error ?? "no reason given"}`;
  const stage =
    job.stage === "reduce" ? "Ray Data reduction" : job.stage === "replay" ? `replaying logs ${job.logs_done}/${job.logs_total}` : "queued";
  return `big log: computing in the background (${stage}, ${Math.round(100 * job.progress)}%)`;
}
