import { formatChips } from "../lib/amounts";
import { cardLabel, isRed } from "../lib/cards";
import type { SeatState, TableState } from "../lib/protocol";

/** Where seat `index` of `count` sits on the oval, in percent of the seat layer (seat 1 bottom-left, clockwise). */
export function seatPosition(index: number, count: number): { left: number; top: number } {
  const angle = Math.PI / 2 + ((index + 0.5) / count) * 2 * Math.PI;
  return { left: 50 + 50 * Math.cos(angle), top: 50 + 50 * Math.sin(angle) };
}

export function Card({ card, small }: { card: string; small?: boolean }) {
  return (
    <span className={`card${isRed(card) ? " red" : ""}${small ? " small" : ""}`} data-card={card}>
      {cardLabel(card)}
    </span>
  );
}

function Seat({ seat, selected, onSelect, style }: { seat: SeatState; selected: boolean; onSelect: () => void; style: object }) {
  const classes = ["seat", seat.status];
  if (seat.is_to_act) classes.push("to-act");
  if (selected) classes.push("selected");
  return (
    <button
      type="button"
      className={classes.join(" ")}
      style={style}
      onClick={onSelect}
      data-testid={`seat-${seat.seat}`}
      aria-pressed={selected}
      aria-label={`seat ${seat.seat} ${seat.name}${seat.is_to_act ? ", to act" : ""}`}
    >
      <span className="seat-head">
        <span className="seat-number">{seat.seat}</span>
        <span className="seat-name">{seat.name}</span>
        {seat.is_button && <span className="dealer" title="button">D</span>}
      </span>
      <span className="seat-stack" data-testid={`seat-${seat.seat}-stack`}>
        {formatChips(seat.stack)}
      </span>
      <span className="seat-cards">
        {seat.hole_cards.map((c) => (
          <Card key={c} card={c} small />
        ))}
      </span>
      <span className="seat-action">
        {seat.status === "folded" ? "folded" : seat.status === "all_in" ? "all-in" : (seat.last_action ?? "")}
      </span>
      {seat.bet > 0 && (
        <span className="seat-bet" data-testid={`seat-${seat.seat}-bet`}>
          {formatChips(seat.bet)}
        </span>
      )}
    </button>
  );
}

export function SeatRing({
  state,
  selectedSeat,
  onSelect,
}: {
  state: TableState | null;
  selectedSeat: number | null;
  onSelect: (seat: number) => void;
}) {
  const seats = state?.seats.filter((s) => s.status !== "empty") ?? [];
  const count = Math.max(seats.length, 6);
  return (
    <div className="ring" data-testid="seat-ring">
      <div className="felt">
        <div className="board" data-testid="board">
          {(state?.board ?? []).map((c) => (
            <Card key={c} card={c} />
          ))}
        </div>
        <div className="pot" data-testid="pot">
          Pot {formatChips(state?.total_pot ?? 0)}
          {state && state.pots.length > 1 && (
            <span className="side-pots"> ({state.pots.map((p) => formatChips(p.amount)).join(" / ")})</span>
          )}
        </div>
        <div className="street" data-testid="street">
          {state ? `Hand ${state.hand_number} · ${state.street}` : "waiting for the table…"}
        </div>
      </div>
      <div className="seat-layer">
        {seats.map((seat, i) => {
          const p = seatPosition(i, count);
          return (
            <Seat
              key={seat.seat}
              seat={seat}
              selected={seat.seat === selectedSeat}
              onSelect={() => onSelect(seat.seat)}
              style={{ left: `${p.left}%`, top: `${p.top}%` }}
            />
          );
        })}
      </div>
    </div>
  );
}
