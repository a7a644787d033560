// Tournament screens (the platform's /api/v1/events and /api/v1/players): clock control, a chip-count
// grid per table (type a count, Enter saves it and moves down), eliminations, the player editor with
// photo upload, and the graphics cues of the tournament elements. Shown when the console runs under
// `ggp serve` and the user is signed in (the Stream panel's sign-in; the same token).

import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { formatChips } from "../lib/amounts";
import {
  NO_CUES,
  TournamentApi,
  changedCounts,
  formatClock,
  gridMove,
  levelLabel,
  parseChips,
  remainingNow,
  tableRows,
  type Clock,
  type Elimination,
  type Entry,
  type EventSummary,
  type GraphicsCues,
  type HandSetupData,
  type Level,
  type Player,
  type Table,
} from "../lib/tournament";
import { PLATFORM_TOKEN_KEY } from "./StreamPanel";

type Tab = "clock" | "chips" | "eliminations" | "players" | "graphics";
const TABS: [Tab, string][] = [
  ["clock", "Clock"],
  ["chips", "Chip counts"],
  ["eliminations", "Eliminations"],
  ["players", "Players"],
  ["graphics", "Graphics"],
];

function useNow(ms: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), ms);
    return () => window.clearInterval(timer);
  }, [ms]);
  return now;
}

function ClockControl({ api, event, onProblem }: { api: TournamentApi; event: string; onProblem: (t: string | null) => void }) {
  const [clock, setClock] = useState<Clock | null>(null);
  const [levels, setLevels] = useState<Level[]>([]);
  const [jump, setJump] = useState(0);
  const now = useNow(250);
  const load = useCallback(async () => {
    try {
      setClock(await api.clock(event));
      setLevels(await api.structure(event));
    } catch (e) {
      onProblem((e as Error).message);
    }
  }, [api, event, onProblem]);
  useEffect(() => {
    void load();
    const timer = window.setInterval(() => void load(), 5000); // another operator's changes, level changes
    return () => window.clearInterval(timer);
  }, [load]);
  const levelIndex = clock?.level_index;
  useEffect(() => {
    if (levelIndex !== undefined) setJump(levelIndex); // the jump list starts at the level on the clock
  }, [levelIndex]);
  const remaining = clock ? remainingNow(clock, now) : 0;
  useEffect(() => {
    if (clock?.running && remaining <= 0) void load(); // the level ended: the server says what comes next
  }, [clock, remaining, load]);
  const act = async (action: "start" | "pause" | "resume" | "adjust" | "jump", extra: { seconds?: number; level_index?: number } = {}) => {
    onProblem(null);
    try {
      setClock(await api.clockAction(event, action, extra));
    } catch (e) {
      onProblem((e as Error).message);
    }
  };
  if (!clock) return <p className="hint">loading the clock…</p>;
  return (
    <div className="t-clock" data-testid="t-clock">
      <div className="t-clock-face">
        <span className="t-level" data-testid="t-clock-level">
          {levelLabel(clock.level, clock.level_number)}
        </span>
        <span className="t-time" data-testid="t-clock-time">
          {formatClock(remaining)}
        </span>
        <span className="t-next">{clock.next_level ? `next: ${levelLabel(clock.next_level, clock.level_number + (clock.next_level.is_break ? 0 : 1))}` : "last level"}</span>
        <span className="t-state">{!clock.started ? "not started" : clock.running ? "running" : clock.finished ? "finished" : "paused"}</span>
      </div>
      <div className="row">
        {!clock.started ? (
          <button type="button" className="primary" onClick={() => void act("start")} data-testid="t-clock-start">
            Start
          </button>
        ) : clock.running ? (
          <button type="button" onClick={() => void act("pause")} data-testid="t-clock-pause">
            Pause
          </button>
        ) : (
          <button type="button" className="primary" onClick={() => void act("resume")} data-testid="t-clock-resume">
            Resume
          </button>
        )}
        {[-60, -10, 10, 60].map((s) => (
          <button key={s} type="button" disabled={!clock.started} onClick={() => void act("adjust", { seconds: s })} data-testid={`t-clock-adjust${s}`}>
            {s > 0 ? "+" : "−"}
            {Math.abs(s) >= 60 ? `${Math.abs(s) / 60} min` : `${Math.abs(s)} s`}
          </button>
        ))}
        <select value={jump} onChange={(e) => setJump(Number(e.target.value))} aria-label="level" data-testid="t-clock-level-select">
          {levels.map((lv) => (
            <option key={lv.position} value={lv.position}>
              {lv.is_break ? "Break" : `${lv.small_blind}/${lv.big_blind}`} ({Math.round(lv.duration_s / 60)} min)
            </option>
          ))}
        </select>
        <button type="button" disabled={!clock.started} onClick={() => void act("jump", { level_index: jump })} data-testid="t-clock-jump">
          Jump
        </button>
      </div>
    </div>
  );
}

function ChipGrid({ api, event, tables, entries, reload, onProblem, onHandSetup }: { api: TournamentApi; event: string; tables: Table[]; entries: Entry[]; reload: () => Promise<void>; onProblem: (t: string | null) => void; onHandSetup?: (setup: HandSetupData) => void }) {
  const open = tables.filter((t) => !t.broken);
  const [tableId, setTableId] = useState<string>(open[0]?.id ?? "");
  const [typed, setTyped] = useState<Record<string, string>>({});
  const inputs = useRef<(HTMLInputElement | null)[]>([]);
  useEffect(() => {
    if (!open.some((t) => t.id === tableId) && open[0]) setTableId(open[0].id);
  }, [open, tableId]);
  const rows = tableRows(entries, tableId);

  const saveRow = async (entry: Entry): Promise<boolean> => {
    const text = typed[entry.id];
    if (text === undefined) return true;
    const value = parseChips(text);
    if (typeof value === "string") {
      onProblem(`seat ${entry.seat}: ${value}`);
      return false;
    }
    if (value === null || value === entry.chips) {
      setTyped(({ [entry.id]: _, ...rest }) => rest);
      return true;
    }
    try {
      await api.setChips(event, entry.id, value);
      setTyped(({ [entry.id]: _, ...rest }) => rest);
      onProblem(null);
      await reload();
      return true;
    } catch (e) {
      onProblem((e as Error).message);
      return false;
    }
  };

  const onKey = (event: React.KeyboardEvent<HTMLInputElement>, index: number) => {
    const target = gridMove(rows.length, index, event.key, event.shiftKey);
    if (target === null) return;
    event.preventDefault();
    if (event.key === "Enter") {
      const text = typed[rows[index].id];
      const value = text === undefined ? null : parseChips(text);
      if (typeof value === "string") return onProblem(`seat ${rows[index].seat}: ${value}`); // stay on the row
      void saveRow(rows[index]); // in the background: the next keystrokes already belong to the next row
    }
    inputs.current[target]?.focus();
    inputs.current[target]?.select();
  };

  const saveTable = async () => {
    const { counts, problems } = changedCounts(rows, typed);
    if (problems.length) return onProblem(problems.join("; "));
    if (!counts.length) return onProblem("nothing changed at this table");
    try {
      await api.bulkChips(event, counts);
      setTyped({});
      onProblem(null);
      await reload();
    } catch (e) {
      onProblem((e as Error).message);
    }
  };

  return (
    <div className="t-chips" data-testid="t-chips">
      <div className="row">
        <select value={tableId} onChange={(e) => setTableId(e.target.value)} aria-label="table" data-testid="t-chips-table">
          {open.map((t) => (
            <option key={t.id} value={t.id}>
              Table {t.name} ({t.players})
            </option>
          ))}
        </select>
        <button type="button" className="primary" onClick={() => void saveTable()} data-testid="t-chips-save-table">
          Save table
        </button>
        {onHandSetup && (
          <button
            type="button"
            onClick={() => api.handSetup(event, tableId).then(onHandSetup, (e: Error) => onProblem(e.message))}
            title="open the live table's hand set-up with these seats, stacks and the clock's blinds"
            data-testid="t-chips-hand-setup"
          >
            Hand set-up from this table
          </button>
        )}
        <span className="hint">type a count (25k, 1.2m), Enter saves it and moves down</span>
      </div>
      <table className="t-grid">
        <thead>
          <tr>
            <th>Seat</th>
            <th>Player</th>
            <th>Chips</th>
            <th>New count</th>
            <th>Last count</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((entry, index) => {
            const text = typed[entry.id];
            const parsed = text === undefined ? null : parseChips(text);
            return (
              <tr key={entry.id} className={typeof parsed === "string" ? "bad" : ""}>
                <td>{entry.seat}</td>
                <td>{entry.player_name}</td>
                <td data-testid={`t-chips-value-${entry.seat}`}>{formatChips(entry.chips)}</td>
                <td>
                  <input
                    ref={(el) => {
                      inputs.current[index] = el;
                    }}
                    inputMode="numeric"
                    value={text ?? ""}
                    placeholder={String(entry.chips)}
                    onChange={(e) => setTyped((t) => ({ ...t, [entry.id]: e.target.value }))}
                    onKeyDown={(e) => onKey(e, index)}
                    aria-label={`chips seat ${entry.seat}`}
                    data-testid={`t-chips-input-${entry.seat}`}
                  />
                </td>
                <td className="muted" title={entry.chips_updated_by}>
                  v{entry.chips_version} · {new Date(entry.chips_updated_at).toLocaleTimeString()}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function Eliminations({ api, event, entries, reload, onProblem }: { api: TournamentApi; event: string; entries: Entry[]; reload: () => Promise<void>; onProblem: (t: string | null) => void }) {
  const live = entries.filter((e) => e.status === "active").sort((a, b) => a.player_name.localeCompare(b.player_name));
  const [player, setPlayer] = useState("");
  const [by, setBy] = useState("");
  const [done, setDone] = useState<Elimination[]>([]);
  const load = useCallback(async () => setDone(await api.eliminations(event)), [api, event]);
  useEffect(() => {
    void load().catch((e: Error) => onProblem(e.message));
  }, [load, onProblem, entries]);
  const bust = async () => {
    if (!player) return onProblem("pick the player who is out");
    try {
      const out = await api.eliminate(event, player, by || null);
      onProblem(null);
      setPlayer("");
      setBy("");
      await reload();
      if (out.winner) onProblem(`${out.winner.player_name} wins the event`);
    } catch (e) {
      onProblem((e as Error).message);
    }
  };
  const showLowerThird = async (playerId: string) => {
    try {
      const cues = await api.graphics(event);
      await api.setGraphics(event, { ...cues, elimination: playerId });
    } catch (e) {
      onProblem((e as Error).message);
    }
  };
  return (
    <div className="t-elims" data-testid="t-eliminations">
      <div className="row">
        <select value={player} onChange={(e) => setPlayer(e.target.value)} aria-label="player out" data-testid="t-elim-player">
          <option value="">player out…</option>
          {live.map((e) => (
            <option key={e.id} value={e.player_id}>
              {e.player_name} (T{e.table_name} S{e.seat})
            </option>
          ))}
        </select>
        <select value={by} onChange={(e) => setBy(e.target.value)} aria-label="eliminated by" data-testid="t-elim-by">
          <option value="">eliminated by (optional)</option>
          {live
            .filter((e) => e.player_id !== player)
            .map((e) => (
              <option key={e.id} value={e.player_id}>
                {e.player_name}
              </option>
            ))}
        </select>
        <button type="button" className="danger" onClick={() => void bust()} data-testid="t-elim-bust">
          Bust out
        </button>
      </div>
      <ol className="t-list">
        {done.map((e) => (
          <li key={e.entry_id}>
            {e.place}. {e.player_name} {e.prize ? `· ${formatChips(e.prize)}` : ""}
            <button type="button" onClick={() => void showLowerThird(e.player_id)}>
              Lower third
            </button>
          </li>
        ))}
      </ol>
    </div>
  );
}

const EMPTY_PLAYER = { name: "", nickname: "", country: "", hometown: "", notes: "" };

function PlayerEditor({ api, onProblem }: { api: TournamentApi; onProblem: (t: string | null) => void }) {
  const [query, setQuery] = useState("");
  const [found, setFound] = useState<Player[]>([]);
  const [editing, setEditing] = useState<string | null>(null);
  const [form, setForm] = useState(EMPTY_PLAYER);
  const [photo, setPhoto] = useState<string | null>(null);
  const [shape, setShape] = useState<"square" | "circle">("circle");
  const search = useCallback(async () => setFound(await api.players(query)), [api, query]);
  useEffect(() => {
    const timer = window.setTimeout(() => void search().catch((e: Error) => onProblem(e.message)), 200);
    return () => window.clearTimeout(timer);
  }, [search, onProblem]);
  const pick = async (p: Player) => {
    setEditing(p.id);
    setForm({ name: p.name, nickname: p.nickname, country: p.country ?? "", hometown: p.hometown, notes: p.notes });
    setPhoto(await api.photoUrl(p));
  };
  const save = async () => {
    try {
      const saved = await api.savePlayer(form, editing);
      setEditing(saved.id);
      onProblem(null);
      await search();
    } catch (e) {
      onProblem((e as Error).message);
    }
  };
  const upload = async (file: File | undefined) => {
    if (!file || !editing) return;
    try {
      const saved = await api.uploadPhoto(editing, file, shape);
      setPhoto(await api.photoUrl(saved));
      onProblem(null);
    } catch (e) {
      onProblem((e as Error).message);
    }
  };
  const field = (name: keyof typeof EMPTY_PLAYER, label: string, size?: number) => (
    <input value={form[name]} size={size} onChange={(e) => setForm((f) => ({ ...f, [name]: e.target.value }))} placeholder={label} aria-label={label} data-testid={`t-player-${name}`} />
  );
  return (
    <div className="t-players" data-testid="t-players">
      <div className="row">
        <input value={query} onChange={(e) => setQuery(e.target.value)} placeholder="search players" aria-label="search players" data-testid="t-player-search" />
        <button
          type="button"
          onClick={() => {
            setEditing(null);
            setForm(EMPTY_PLAYER);
            setPhoto(null);
          }}
        >
          New player
        </button>
      </div>
      <ul className="t-list">
        {found.slice(0, 20).map((p) => (
          <li key={p.id}>
            <button type="button" className={p.id === editing ? "selected" : ""} onClick={() => void pick(p)}>
              {p.name} {p.nickname ? `“${p.nickname}”` : ""} {p.country ?? ""}
            </button>
          </li>
        ))}
      </ul>
      <div className="row">
        {field("name", "name")}
        {field("nickname", "nickname")}
        {field("country", "country (ISO, e.g. DE)", 4)}
        {field("hometown", "hometown")}
      </div>
      <div className="row">
        <textarea value={form.notes} onChange={(e) => setForm((f) => ({ ...f, notes: e.target.value }))} placeholder="notes" aria-label="notes" rows={2} />
        <button type="button" className="primary" disabled={!form.name} onClick={() => void save()} data-testid="t-player-save">
          {editing ? "Save" : "Add player"}
        </button>
      </div>
      <div className="row">
        {photo && <img src={photo} alt="player" className={`t-photo ${shape}`} width={64} height={64} />}
        <select value={shape} onChange={(e) => setShape(e.target.value as "square" | "circle")} aria-label="photo shape">
          <option value="circle">circle</option>
          <option value="square">square</option>
        </select>
        <input type="file" accept="image/*" disabled={!editing} onChange={(e) => void upload(e.target.files?.[0])} aria-label="photo" data-testid="t-player-photo" />
      </div>
    </div>
  );
}

const CUE_SWITCHES: [keyof GraphicsCues, string][] = [
  ["leaderboard", "Leaderboard"],
  ["chip_strip", "Chip-count strip"],
  ["clock", "Blinds & clock"],
  ["field", "Players left / average"],
  ["payouts", "Payouts"],
  ["stacks_in_bb", "Stacks in BB"],
];

function GraphicsCuesPanel({ api, event, entries, onProblem }: { api: TournamentApi; event: string; entries: Entry[]; onProblem: (t: string | null) => void }) {
  const [cues, setCues] = useState<GraphicsCues>(NO_CUES);
  useEffect(() => {
    api.graphics(event).then(setCues, (e: Error) => onProblem(e.message));
  }, [api, event, onProblem]);
  const players = useMemo(() => [...new Map(entries.map((e) => [e.player_id, e.player_name])).entries()].sort((a, b) => a[1].localeCompare(b[1])), [entries]);
  const send = async (next: GraphicsCues) => {
    try {
      setCues(await api.setGraphics(event, next));
      onProblem(null);
    } catch (e) {
      onProblem((e as Error).message);
    }
  };
  const pickPlayer = (name: "profile" | "elimination", label: string) => (
    <label>
      {label}
      <select value={cues[name] ?? ""} onChange={(e) => void send({ ...cues, [name]: e.target.value || null })} data-testid={`t-cue-${name}`}>
        <option value="">off</option>
        {players.map(([id, n]) => (
          <option key={id} value={id}>
            {n}
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <div className="t-cues" data-testid="t-graphics">
      <div className="row">
        {CUE_SWITCHES.map(([key, label]) => (
          <label key={key}>
            <input type="checkbox" checked={Boolean(cues[key])} onChange={(e) => void send({ ...cues, [key]: e.target.checked })} data-testid={`t-cue-${key}`} />
            {label}
          </label>
        ))}
      </div>
      <div className="row">
        {pickPlayer("profile", "Profile card ")}
        {pickPlayer("elimination", "Elimination lower third ")}
        <label>
          Leaderboard page{" "}
          <input type="number" min={0} value={cues.leaderboard_page} onChange={(e) => void send({ ...cues, leaderboard_page: Math.max(0, Number(e.target.value) || 0) })} style={{ width: "4em" }} />
        </label>
      </div>
    </div>
  );
}

/** The tournament screens; `onHandSetup` (from the Action Tracker) opens its hand set-up with a table's seats. */
export function TournamentPanel({ onHandSetup }: { onHandSetup?: (setup: HandSetupData) => void } = {}) {
  const origin = window.location.origin;
  const params = new URLSearchParams(window.location.search);
  const [token, setToken] = useState<string | null>(() => window.sessionStorage.getItem(PLATFORM_TOKEN_KEY));
  useEffect(() => {
    // The Stream panel signs in: pick its token up when it appears.
    const timer = window.setInterval(() => setToken(window.sessionStorage.getItem(PLATFORM_TOKEN_KEY)), 1000);
    return () => window.clearInterval(timer);
  }, []);
  const api = useMemo(() => new TournamentApi(origin, () => window.sessionStorage.getItem(PLATFORM_TOKEN_KEY)), [origin]);
  const [events, setEvents] = useState<EventSummary[]>([]);
  const [event, setEvent] = useState(params.get("event") ?? "");
  const [tab, setTab] = useState<Tab>("chips");
  const [tables, setTables] = useState<Table[]>([]);
  const [entries, setEntries] = useState<Entry[]>([]);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    if (!token) return;
    api.events().then(
      (list) => {
        setEvents(list);
        if (!event && list[0]) setEvent(list[0].id);
      },
      (e: Error) => setProblem(e.message),
    );
  }, [api, token, event]);

  const reload = useCallback(async () => {
    if (!event) return;
    const [t, e] = await Promise.all([api.tables(event), api.entries(event)]);
    setTables(t);
    setEntries(e);
  }, [api, event]);

  useEffect(() => {
    void reload().catch((e: Error) => setProblem(e.message));
    const timer = window.setInterval(() => void reload().catch(() => undefined), 3000); // other operators' counts
    return () => window.clearInterval(timer);
  }, [reload]);

  if (!token) {
    return (
      <section className="panel tournament" data-testid="tournament-panel">
        <h3>Tournament</h3>
        <p className="hint">Sign in to the platform (Stream panel) to enter chip counts, run the clock and manage players.</p>
      </section>
    );
  }
  return (
    <section className="panel tournament" data-testid="tournament-panel">
      <h3>Tournament</h3>
      <div className="row">
        <select value={event} onChange={(e) => setEvent(e.target.value)} aria-label="event" data-testid="t-event">
          {events.map((e) => (
            <option key={e.id} value={e.id}>
              {e.name}
            </option>
          ))}
        </select>
        <nav className="tabs">
          {TABS.map(([key, label]) => (
            <button key={key} type="button" className={tab === key ? "selected" : ""} onClick={() => setTab(key)} data-testid={`t-tab-${key}`}>
              {label}
            </button>
          ))}
        </nav>
      </div>
      {problem && (
        <p className="problem" data-testid="t-problem">
          {problem}
        </p>
      )}
      {event && tab === "clock" && <ClockControl api={api} event={event} onProblem={setProblem} />}
      {event && tab === "chips" && <ChipGrid api={api} event={event} tables={tables} entries={entries} reload={reload} onProblem={setProblem} onHandSetup={onHandSetup} />}
      {event && tab === "eliminations" && <Eliminations api={api} event={event} entries={entries} reload={reload} onProblem={setProblem} />}
      {tab === "players" && <PlayerEditor api={api} onProblem={setProblem} />}
      {event && tab === "graphics" && <GraphicsCuesPanel api={api} event={event} entries={entries} onProblem={setProblem} />}
    </section>
  );
}
