import { describe, expect, it } from "vitest";
import { cardLabel, isRed, nextBoardCount, parseCards } from "./cards";

describe("cards", () => {
  it("parses what operators type", () => {
    expect(parseCards("Ah Kd")).toEqual(["Ah", "Kd"]);
    expect(parseCards("ahkd")).toEqual(["Ah", "Kd"]);
    expect(parseCards("10h, 9S ,2c")).toEqual(["Th", "9s", "2c"]);
    expect(parseCards("  ")).toEqual([]);
  });

  it("names the bad card", () => {
    expect(() => parseCards("Ah Kx")).toThrow('"Kx" is not a card');
    expect(() => parseCards("Ah ah")).toThrow("Ah is entered twice");
    expect(() => parseCards("A")).toThrow('"A" is not a card');
  });

  it("labels and colours", () => {
    expect(cardLabel("Td")).toBe("10♦");
    expect(cardLabel("As")).toBe("A♠");
    expect(isRed("Td")).toBe(true);
    expect(isRed("Tc")).toBe(false);
  });

  it("flop, turn, river, then nothing", () => {
    expect([[], ["a", "b", "c"], ["a", "b", "c", "d"], ["a", "b", "c", "d", "e"]].map(nextBoardCount)).toEqual([3, 1, 1, 0]);
  });
});
