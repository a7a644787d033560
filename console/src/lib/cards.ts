// Cards as the protocol writes them: rank (23456789TJQKA) then suit (cdhs), e.g. "Ah", "Td".

export const RANKS = ["A", "K", "Q", "J", "T", "9", "8", "7", "6", "5", "4", "3", "2"] as const;
export const SUITS = ["s", "h", "d", "c"] as const;

const SUIT_SYMBOLS: Record<string, string> = { s: "♠", h: "♥", d: "♦", c: "♣" };

/** Parse what an operator types ("Ah Kd", "ahkd", "10h,9S") into cards; throws with a one-line reason. */
export function parseCards(text: string): string[] {
  const compact = text.replace(/[\s,;]+/g, "").replace(/10/g, "T");
  if (compact === "") return [];
  const cards: string[] = [];
  for (let i = 0; i < compact.length; i += 2) {
    const rank = compact[i].toUpperCase();
    const suit = (compact[i + 1] ?? "").toLowerCase();
    if (!(RANKS as readonly string[]).includes(rank) || !(SUITS as readonly string[]).includes(suit)) {
      throw new Error(`"${compact.slice(i, i + 2)}" is not a card: write rank then suit, e.g. Ah Td 7c`);
    }
    const card = rank + suit;
    if (cards.includes(card)) throw new Error(`${card} is entered twice`);
    cards.push(card);
  }
  return cards;
}

/** "Ah" -> "A♥" for display. */
export function cardLabel(card: string): string {
  if (card.length !== 2) return card;
  const rank = card[0] === "T" ? "10" : card[0];
  return rank + (SUIT_SYMBOLS[card[1]] ?? card[1]);
}

/** True for hearts and diamonds (drawn red). */
export function isRed(card: string): boolean {
  return card.endsWith("h") || card.endsWith("d");
}

/** How many board cards the next `board` entry takes: 3 for the flop, then 1 and 1. */
export function nextBoardCount(board: string[]): number {
  if (board.length === 0) return 3;
  return board.length < 5 ? 1 : 0;
}
