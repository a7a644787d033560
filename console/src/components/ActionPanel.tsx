import { betLabel, checkCallLabel, formatChips, presets, type PresetKey } from "../lib/amounts";
import type { TableState } from "../lib/protocol";

const KEYPAD = ["7", "8", "9", "4", "5", "6", "1", "2", "3", "0", "00", "000"];

export interface ActionHandlers {
  fold: () => void;
  checkCall: () => void;
  bet: () => void;
  allIn: () => void;
  preset: (key: PresetKey) => void;
  keypad: (key: string) => void;
  undo: () => void;
  misdeal: () => void;
  nextHand: () => void;
  handSetup: () => void;
  deal: () => void;
  board: () => void;
  show: () => void;
  muck: () => void;
  chop: () => void;
  adjustStack: () => void;
}

export function ActionPanel({
  state,
  entry,
  busy,
  selectedSeat,
  on,
}: {
  state: TableState | null;
  entry: string;
  busy: boolean;
  selectedSeat: number | null;
  on: ActionHandlers;
}) {
  const predict = state?.predict ?? null;
  const toAct = predict?.seat ?? state?.to_act ?? null;
  const inHand = !!state && state.street !== "idle" && state.street !== "complete";
  const canAct = !busy && toAct !== null && inHand;
  const selected = selectedSeat !== null ? state?.seats.find((s) => s.seat === selectedSeat) : undefined;
  return (
    <div className="actions" data-testid="action-panel">
      <div className="to-act-line" data-testid="to-act">
        {toAct !== null && inHand ? (
          <>
            To act: <strong>seat {toAct}</strong> {state?.seats.find((s) => s.seat === toAct)?.name}
          </>
        ) : inHand ? (
          "No one to act: deal the board or go to the next hand"
        ) : (
          "No hand running: hand set-up starts one"
        )}
        {busy && <span className="busy"> · sending…</span>}
      </div>
      <div className="row main-actions">
        <button type="button" className="act fold" disabled={!canAct} onClick={on.fold} data-testid="action-fold">
          Fold <kbd>F</kbd>
        </button>
        <button type="button" className="act call" disabled={!canAct} onClick={on.checkCall} data-testid="action-check-call">
          {checkCallLabel(predict)} <kbd>C</kbd>
        </button>
      </div>
      <div className="row presets">
        {presets(predict).map((p) => (
          <button
            key={p.key}
            type="button"
            className={`preset ${p.key}`}
            disabled={!canAct || !p.enabled}
            onClick={() => (p.key === "all_in" ? on.allIn() : on.preset(p.key))}
            data-testid={`preset-${p.key}`}
          >
            <span>{p.label}</span>
            <span className="preset-amount">{p.amount !== null ? formatChips(p.amount) : "–"}</span>
          </button>
        ))}
      </div>
      <div className="keypad-display" data-testid="keypad-amount" aria-live="polite">
        {entry === "" ? <span className="placeholder">amount</span> : formatChips(Number.parseInt(entry, 10))}
      </div>
      <div className="keypad">
        {KEYPAD.map((k) => (
          <button key={k} type="button" className="key" onClick={() => on.keypad(k)} data-testid={`keypad-${k}`}>
            {k}
          </button>
        ))}
        <button type="button" className="key" onClick={() => on.keypad("back")} data-testid="keypad-back" aria-label="delete digit">
          ⌫
        </button>
        <button type="button" className="key" onClick={() => on.keypad("clear")} data-testid="keypad-clear">
          Clear
        </button>
        <button type="button" className="key bet" disabled={!canAct || entry === ""} onClick={on.bet} data-testid="action-bet">
          {betLabel(state)} {entry === "" ? "" : formatChips(Number.parseInt(entry, 10))} <kbd>⏎</kbd>
        </button>
      </div>
      <div className="row seat-actions">
        <span className="selected-seat" data-testid="selected-seat">
          {selected ? `Seat ${selected.seat} ${selected.name}` : "Tap a seat"}
        </span>
        <button type="button" disabled={!selected || busy} onClick={on.deal} data-testid="action-deal">
          Deal <kbd>D</kbd>
        </button>
        <button type="button" disabled={!selected || busy} onClick={on.show} data-testid="action-show">
          Show <kbd>S</kbd>
        </button>
        <button type="button" disabled={!selected || busy} onClick={on.muck} data-testid="action-muck">
          Muck <kbd>K</kbd>
        </button>
        <button type="button" disabled={!selected || busy || entry === ""} onClick={on.adjustStack} data-testid="action-adjust-stack">
          Set stack <kbd>⇧A</kbd>
        </button>
      </div>
      <div className="row hand-actions">
        <button type="button" disabled={busy || !inHand} onClick={on.board} data-testid="action-board">
          Board <kbd>B</kbd>
        </button>
        <button type="button" disabled={busy || !state} onClick={on.undo} data-testid="action-undo">
          Undo{state?.history_length ? ` (${state.history_length})` : ""} <kbd>Z</kbd>
        </button>
        <button type="button" disabled={busy || !inHand} onClick={on.chop} data-testid="action-chop">
          Chop <kbd>⇧C</kbd>
        </button>
        <button type="button" className="danger" disabled={busy || !inHand} onClick={on.misdeal} data-testid="action-misdeal">
          Misdeal <kbd>⇧X</kbd>
        </button>
        <button type="button" disabled={busy || !state || state.street === "idle"} onClick={on.nextHand} data-testid="action-next-hand">
          Next hand <kbd>⇧N</kbd>
        </button>
        <button type="button" className="primary" disabled={busy} onClick={on.handSetup} data-testid="action-hand-setup">
          Hand set-up <kbd>⇧S</kbd>
        </button>
      </div>
    </div>
  );
}
