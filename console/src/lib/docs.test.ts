// docs/console.md lists every keyboard shortcut: the table there must be SHORTCUTS, row for row.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { SHORTCUTS } from "./keyboard";

/** The markdown row docs/console.md has for one shortcut. */
export function shortcutRow(keys: string[], description: string): string {
  return `| ${keys.map((k) => "`" + k + "`").join(" ")} | ${description} |`;
}

describe("docs/console.md", () => {
  it("lists exactly the console's keyboard shortcuts", () => {
    const page = readFileSync(fileURLToPath(new URL("../../../docs/console.md", import.meta.url)), "utf-8");
    const section = page.split("### Keyboard shortcuts")[1]?.split("\n#")[0] ?? "";
    const rows = section.split("\n").filter((line) => line.startsWith("| `"));
    expect(rows).toEqual(SHORTCUTS.map((s) => shortcutRow(s.keys, s.description)));
  });
});
