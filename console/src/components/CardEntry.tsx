import { useState } from "react";
import { RANKS, SUITS, cardLabel, isRed, parseCards } from "../lib/cards";

/** Pick cards by tapping (a 52-card grid) or by typing ("Ah Kd"); cards already in play are greyed out. */
export function CardEntry({
  title,
  count,
  used,
  onSend,
  onClose,
}: {
  title: string;
  count: number;
  used: string[];
  onSend: (cards: string[]) => void;
  onClose: () => void;
}) {
  const [picked, setPicked] = useState<string[]>([]);
  const [typed, setTyped] = useState("");
  const [problem, setProblem] = useState<string | null>(null);

  const toggle = (card: string) => {
    setProblem(null);
    setPicked((p) => (p.includes(card) ? p.filter((c) => c !== card) : p.length < count ? [...p, card] : p));
  };

  const send = () => {
    try {
      const cards = typed.trim() ? parseCards(typed) : picked;
      if (cards.length !== count) throw new Error(`${title} takes ${count} card${count === 1 ? "" : "s"}, got ${cards.length}`);
      const clash = cards.find((c) => used.includes(c));
      if (clash) throw new Error(`${clash} is already in play`);
      onSend(cards);
    } catch (e) {
      setProblem((e as Error).message);
    }
  };

  return (
    <div className="modal" role="dialog" aria-label={title} data-testid="card-entry">
      <div className="cards-dialog">
        <h2>{title}</h2>
        <div className="card-grid">
          {SUITS.map((suit) =>
            RANKS.map((rank) => {
              const card = rank + suit;
              const taken = used.includes(card);
              return (
                <button
                  key={card}
                  type="button"
                  className={`pick${isRed(card) ? " red" : ""}${picked.includes(card) ? " picked" : ""}`}
                  disabled={taken}
                  onClick={() => toggle(card)}
                  data-testid={`card-${card}`}
                >
                  {cardLabel(card)}
                </button>
              );
            }),
          )}
        </div>
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            send();
          }}
        >
          <input
            autoFocus
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
            placeholder={count === 3 ? "or type: 7c 8d 9h" : count === 1 ? "or type: Qs" : "or type: Ah Kd"}
            data-testid="card-text"
            aria-label="cards"
          />
          <span className="picked-list" data-testid="cards-picked">
            {picked.map(cardLabel).join(" ")}
          </span>
          <button type="button" onClick={onClose} data-testid="cards-cancel">
            Cancel
          </button>
          <button type="submit" className="primary" data-testid="cards-send">
            Send
          </button>
        </form>
        {problem && (
          <p className="problem" role="alert">
            {problem}
          </p>
        )}
      </div>
    </div>
  );
}
