import { useState } from "react";
import type { TableState } from "../lib/protocol";

export interface SeatRow {
  seat: number;
  name: string;
  stack: string;
}

export interface HandSetupValues {
  hand_number: number;
  button: number;
  small_blind: number;
  big_blind: number;
  ante: number;
  big_blind_ante: number;
  straddles: number[];
  seats: { seat: number; name: string; stack: number }[];
}

const SEAT_COUNT = 10;

/** The form's starting values: the last hand's seats, names and stacks, the button moved on one seat. */
export function setupDefaults(state: TableState | null): { rows: SeatRow[]; button: string; sb: string; bb: string; hand: string } {
  const rows: SeatRow[] = [];
  for (let n = 1; n <= SEAT_COUNT; n++) {
    const s = state?.seats.find((x) => x.seat === n && x.status !== "empty");
    rows.push({ seat: n, name: s?.name ?? "", stack: s ? String(s.stack) : "" });
  }
  const occupied = rows.filter((r) => r.name !== "").map((r) => r.seat);
  let button = "";
  if (occupied.length) {
    const current = state?.button ?? null;
    button = String(current === null ? occupied[0] : (occupied.find((s) => s > current) ?? occupied[0]));
  }
  return {
    rows,
    button,
    sb: state?.small_blind ? String(state.small_blind) : "",
    bb: state?.big_blind ? String(state.big_blind) : "",
    hand: String((state?.hand_number ?? 0) + 1),
  };
}

function int(text: string, what: string, min = 0): number {
  const trimmed = text.replace(/[,\s_]/g, "");
  if (trimmed === "") return 0;
  if (!/^\d+$/.test(trimmed)) throw new Error(`${what}: "${text}" is not a whole number of chips`);
  const value = Number.parseInt(trimmed, 10);
  if (value < min) throw new Error(`${what} must be at least ${min}`);
  return value;
}

/** Check the form and build the `new_hand` arguments; throws a one-line reason. */
export function buildNewHand(form: {
  rows: SeatRow[];
  button: string;
  sb: string;
  bb: string;
  ante: string;
  bbAnte: string;
  straddles: string;
  hand: string;
}): HandSetupValues {
  const seats = form.rows
    .filter((r) => r.name.trim() !== "" || r.stack.trim() !== "")
    .map((r) => {
      if (r.name.trim() === "") throw new Error(`Seat ${r.seat}: a stack without a name`);
      const stack = int(r.stack, `Seat ${r.seat} stack`, 1);
      if (stack === 0) throw new Error(`Seat ${r.seat}: enter a stack`);
      return { seat: r.seat, name: r.name.trim(), stack };
    });
  if (seats.length < 2) throw new Error("Seat at least two players");
  const button = int(form.button, "Button");
  if (!seats.some((s) => s.seat === button)) throw new Error(`The button (seat ${form.button || "?"}) must be an occupied seat`);
  const big_blind = int(form.bb, "Big blind");
  const small_blind = int(form.sb, "Small blind");
  if (big_blind === 0) throw new Error("Enter the big blind");
  const straddles = form.straddles
    .split(/[\s,]+/)
    .filter((x) => x !== "")
    .map((x) => int(x, "Straddle", 1));
  return {
    hand_number: int(form.hand, "Hand number", 1) || 1,
    button,
    small_blind,
    big_blind,
    ante: int(form.ante, "Ante"),
    big_blind_ante: int(form.bbAnte, "Big blind ante"),
    straddles,
    seats,
  };
}

export function HandSetup({
  state,
  onStart,
  onClose,
}: {
  state: TableState | null;
  onStart: (values: HandSetupValues) => void;
  onClose: () => void;
}) {
  const [defaults] = useState(() => setupDefaults(state));
  const [rows, setRows] = useState<SeatRow[]>(defaults.rows);
  const [button, setButton] = useState(defaults.button);
  const [sb, setSb] = useState(defaults.sb);
  const [bb, setBb] = useState(defaults.bb);
  const [ante, setAnte] = useState(state?.ante ? String(state.ante) : "");
  const [bbAnte, setBbAnte] = useState(state?.big_blind_ante ? String(state.big_blind_ante) : "");
  const [straddles, setStraddles] = useState("");
  const [hand, setHand] = useState(defaults.hand);
  const [problem, setProblem] = useState<string | null>(null);

  const update = (seat: number, field: "name" | "stack", value: string) =>
    setRows((rs) => rs.map((r) => (r.seat === seat ? { ...r, [field]: value } : r)));

  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    try {
      onStart(buildNewHand({ rows, button, sb, bb, ante, bbAnte, straddles, hand }));
    } catch (e) {
      setProblem((e as Error).message);
    }
  };

  return (
    <div className="modal" role="dialog" aria-label="Hand set-up" data-testid="hand-setup">
      <form onSubmit={submit} className="setup">
        <h2>Hand set-up</h2>
        <div className="setup-grid">
          <span className="head">Seat</span>
          <span className="head">Name</span>
          <span className="head">Stack</span>
          <span className="head">Button</span>
          {rows.map((r) => (
            <div className="setup-row" key={r.seat}>
              <span>{r.seat}</span>
              <input
                value={r.name}
                onChange={(e) => update(r.seat, "name", e.target.value)}
                placeholder="empty"
                data-testid={`setup-name-${r.seat}`}
                aria-label={`seat ${r.seat} name`}
              />
              <input
                value={r.stack}
                inputMode="numeric"
                onChange={(e) => update(r.seat, "stack", e.target.value)}
                data-testid={`setup-stack-${r.seat}`}
                aria-label={`seat ${r.seat} stack`}
              />
              <input
                type="radio"
                name="button"
                checked={button === String(r.seat)}
                onChange={() => setButton(String(r.seat))}
                data-testid={`setup-button-${r.seat}`}
                aria-label={`button on seat ${r.seat}`}
              />
            </div>
          ))}
        </div>
        <div className="setup-blinds">
          <label>
            Small blind <input value={sb} inputMode="numeric" onChange={(e) => setSb(e.target.value)} data-testid="setup-sb" />
          </label>
          <label>
            Big blind <input value={bb} inputMode="numeric" onChange={(e) => setBb(e.target.value)} data-testid="setup-bb" />
          </label>
          <label>
            Ante <input value={ante} inputMode="numeric" onChange={(e) => setAnte(e.target.value)} data-testid="setup-ante" />
          </label>
          <label>
            BB ante <input value={bbAnte} inputMode="numeric" onChange={(e) => setBbAnte(e.target.value)} data-testid="setup-bb-ante" />
          </label>
          <label>
            Straddles <input value={straddles} onChange={(e) => setStraddles(e.target.value)} placeholder="e.g. 400 800" data-testid="setup-straddles" />
          </label>
          <label>
            Hand # <input value={hand} inputMode="numeric" onChange={(e) => setHand(e.target.value)} data-testid="setup-hand-number" />
          </label>
        </div>
        {problem && (
          <p className="problem" role="alert" data-testid="setup-problem">
            {problem}
          </p>
        )}
        <div className="row">
          <button type="button" onClick={onClose} data-testid="setup-cancel">
            Cancel
          </button>
          <button type="submit" className="primary" autoFocus={defaults.button !== ""} data-testid="setup-start">
            Start hand
          </button>
        </div>
      </form>
    </div>
  );
}
