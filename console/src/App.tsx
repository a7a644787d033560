import { useCallback, useEffect, useRef, useState } from "react";
import { ActionPanel, type ActionHandlers } from "./components/ActionPanel";
import { AnalyticsPanel } from "./components/AnalyticsPanel";
import { CardEntry } from "./components/CardEntry";
import { HandSetup, type HandSetupValues } from "./components/HandSetup";
import { Confirm, ConnectionPill, GraphicsPanel, HealthBar, Help, Notices, PreviewPanel } from "./components/Panels";
import { SeatRing } from "./components/SeatRing";
import { NotificationCentre } from "./components/NotificationCentre";
import { StreamPanel } from "./components/StreamPanel";
import { TournamentPanel } from "./components/TournamentPanel";
import { betProblem, keypadAmount, keypadPress, presets, type PresetKey } from "./lib/amounts";
import { nextBoardCount } from "./lib/cards";
import { commandFor, typingInField, type Command } from "./lib/keyboard";
import type { TableState, Verb } from "./lib/protocol";
import { GAME_VERBS, currentTable, isBusy } from "./lib/store";
import { withTournamentSetup, type HandSetupData } from "./lib/tournament";
import { useControl } from "./useControl";

type Dialog = null | "setup" | "deal" | "board" | "help" | "misdeal";

const HOLE_CARDS: Record<string, number> = { plo: 4, plo8: 4, plo5: 5, plo5_8: 5, plo6: 6 };

function holeCardCount(state: TableState | null): number {
  return HOLE_CARDS[String(state?.game ?? "nlhe")] ?? 2;
}

function cardsInPlay(state: TableState | null): string[] {
  if (!state) return [];
  return [...state.board, ...state.seats.flatMap((s) => s.hole_cards)];
}

export function App() {
  const [store, client] = useControl();
  const entry = currentTable(store);
  const table = entry?.state ?? null;
  const tableName = store.selectedTable;
  const busy = tableName ? isBusy(store, tableName) : true;
  const [keypad, setKeypad] = useState("");
  const [selectedSeat, setSelectedSeat] = useState<number | null>(null);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [kiosk, setKiosk] = useState(() => new URLSearchParams(window.location.search).get("kiosk") === "1");
  const tickerRef = useRef<HTMLInputElement>(null);
  const [tournamentSetup, setTournamentSetup] = useState<HandSetupData | null>(null);
  useEffect(() => {
    if (dialog === null) setTournamentSetup(null); // Escape closes the dialog too: the next set-up is the table's own
  }, [dialog]);

  // Keep the selection on a seat that exists.
  useEffect(() => {
    if (selectedSeat !== null && table && !table.seats.some((s) => s.seat === selectedSeat)) setSelectedSeat(null);
  }, [table, selectedSeat]);

  useEffect(() => {
    document.body.classList.toggle("kiosk", kiosk);
    if (kiosk && document.fullscreenElement === null && document.documentElement.requestFullscreen) {
      document.documentElement.requestFullscreen().catch(() => undefined);
    }
  }, [kiosk]);

  const notice = useCallback(
    (text: string) => client?.emit({ type: "notice", kind: "reject", text, at: Date.now() }),
    [client],
  );

  const send = useCallback(
    (verb: Verb, args: Record<string, unknown> = {}) => {
      if (!client || !tableName) return;
      const expect = GAME_VERBS.has(verb) && entry ? entry.version : undefined;
      client.send(verb, tableName, args, expect);
    },
    [client, tableName, entry],
  );

  const toAct = table?.predict?.seat ?? table?.to_act ?? null;
  const actingSeat = (): number | null => {
    if (toAct === null) {
      notice("Nobody is to act");
      return null;
    }
    return toAct;
  };
  const seatForCards = (): number | null => {
    const seat = selectedSeat ?? null;
    if (seat === null) notice("Select a seat first (tap it, or ← →)");
    return seat;
  };

  const handlers: ActionHandlers = {
    fold: () => {
      const seat = actingSeat();
      if (seat !== null) send("fold", { seat });
    },
    checkCall: () => {
      const seat = actingSeat();
      if (seat !== null) send("check_call", { seat });
    },
    bet: () => {
      const amount = keypadAmount(keypad);
      const problem = betProblem(amount, table?.predict);
      if (problem) return notice(problem);
      send("bet", { seat: table?.predict?.seat, amount });
      setKeypad("");
    },
    allIn: () => {
      const seat = actingSeat();
      if (seat !== null) send("all_in", { seat });
      setKeypad("");
    },
    preset: (key: PresetKey) => {
      const p = presets(table?.predict).find((x) => x.key === key);
      if (!p || p.amount === null || !p.enabled) return notice(`No ${p?.label ?? key} amount now`);
      setKeypad(String(p.amount));
    },
    keypad: (key: string) => setKeypad((k) => keypadPress(k, key)),
    undo: () => send("undo", { steps: 1 }),
    misdeal: () => setDialog("misdeal"),
    nextHand: () => send("next_hand"),
    handSetup: () => setDialog("setup"),
    deal: () => {
      if (seatForCards() !== null) setDialog("deal");
    },
    board: () => {
      if (table && nextBoardCount(table.board) === 0) return notice("The board is complete");
      setDialog("board");
    },
    show: () => {
      const seat = seatForCards();
      if (seat !== null) send("show", { seat });
    },
    muck: () => {
      const seat = seatForCards();
      if (seat !== null) send("muck", { seat });
    },
    chop: () => send("chop"),
    adjustStack: () => {
      const seat = seatForCards();
      const amount = keypadAmount(keypad);
      if (seat === null) return;
      if (amount === null) return notice("Type the new stack on the keypad first");
      send("adjust_stack", { seat, amount });
      setKeypad("");
    },
  };

  const moveSelection = (step: number) => {
    const seats = (table?.seats ?? []).filter((s) => s.status !== "empty").map((s) => s.seat);
    if (!seats.length) return;
    const at = selectedSeat === null ? (step > 0 ? -1 : 0) : seats.indexOf(selectedSeat);
    setSelectedSeat(seats[(at + step + seats.length) % seats.length]);
  };

  const run = (command: Command) => {
    switch (command.kind) {
      case "fold":
        return handlers.fold();
      case "check_call":
        return handlers.checkCall();
      case "bet":
        return handlers.bet();
      case "all_in":
        return handlers.allIn();
      case "preset":
        return handlers.preset(command.preset);
      case "digit":
        return handlers.keypad(command.digit);
      case "keypad_back":
        return handlers.keypad("back");
      case "keypad_clear":
        return handlers.keypad("clear");
      case "undo":
        return handlers.undo();
      case "misdeal":
        return handlers.misdeal();
      case "next_hand":
        return handlers.nextHand();
      case "hand_setup":
        return handlers.handSetup();
      case "deal":
        return handlers.deal();
      case "board":
        return handlers.board();
      case "show":
        return handlers.show();
      case "muck":
        return handlers.muck();
      case "chop":
        return handlers.chop();
      case "adjust_stack":
        return handlers.adjustStack();
      case "seat_next":
        return moveSelection(1);
      case "seat_previous":
        return moveSelection(-1);
      case "graphics":
        return send("graphics", { hidden: !(table?.graphics_hidden ?? false) });
      case "leaderboard":
        return send("leaderboard", { shown: !table?.leaderboard_shown });
      case "ticker":
        return tickerRef.current?.focus();
      case "kiosk":
        return setKiosk((k) => !k);
      case "help":
        return setDialog("help");
    }
  };

  // Latest `run` for the one key listener.
  const runRef = useRef(run);
  runRef.current = run;
  const dialogRef = useRef(dialog);
  dialogRef.current = dialog;

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") {
        if (dialogRef.current) setDialog(null);
        else runRef.current({ kind: "keypad_clear" });
        return;
      }
      if (dialogRef.current || event.repeat) return;
      if (typingInField(event.target as HTMLElement | null)) return;
      const command = commandFor(event);
      if (!command) return;
      event.preventDefault();
      runRef.current(command);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const startHand = (values: HandSetupValues) => {
    send("new_hand", { ...values });
    setDialog(null);
    setSelectedSeat(null);
  };

  return (
    <div className={`app${kiosk ? " kiosk" : ""}`} onContextMenu={kiosk ? (e) => e.preventDefault() : undefined}>
      <header className="top">
        <span className="brand">ggpgfx</span>
        <ConnectionPill status={store.connection} attempt={store.reconnectAttempt} />
        {store.tableOrder.length > 1 ? (
          <select value={tableName ?? ""} onChange={(e) => client?.emit({ type: "select_table", table: e.target.value })} aria-label="table" data-testid="table-select">
            {store.tableOrder.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        ) : (
          <span className="table-name">{tableName ?? ""}</span>
        )}
        <span className="version" data-testid="version">
          v{entry?.version ?? "–"}
        </span>
        <HealthBar health={store.health} healthAt={store.healthAt} changedAt={entry?.receivedAt ?? null} />
        <span className="spacer" />
        <button type="button" onClick={() => setDialog("help")} aria-label="keyboard shortcuts" data-testid="help-button">
          ?
        </button>
        <button type="button" onClick={() => setKiosk((k) => !k)} data-testid="kiosk-toggle">
          {kiosk ? "Exit kiosk" : "Kiosk"}
        </button>
      </header>
      <main className="tracker">
        <SeatRing state={table} selectedSeat={selectedSeat} onSelect={setSelectedSeat} />
        <ActionPanel state={table} entry={keypad} busy={busy} selectedSeat={selectedSeat} on={handlers} />
      </main>
      <div className="lower">
        <PreviewPanel health={store.health} />
        <GraphicsPanel
          state={table}
          tickerRef={tickerRef}
          onGraphics={(hidden) => send("graphics", { hidden })}
          onLeaderboard={(shown) => send("leaderboard", { shown })}
          onTicker={(text) => send("ticker", { text })}
          onLowerThird={(text) => send("lower_third", { text })}
          onTag={(note) => send("tag", { note })}
        />
        <StreamPanel />
        <NotificationCentre />
        <AnalyticsPanel />
        <TournamentPanel
          onHandSetup={(setup) => {
            setTournamentSetup(setup);
            setDialog("setup");
          }}
        />
      </div>
      <Notices notices={store.notices} onDismiss={(id) => client?.emit({ type: "dismiss", id })} />
      {dialog === "setup" && (
        <HandSetup
          state={tournamentSetup ? withTournamentSetup(table, tournamentSetup) : table}
          onStart={(values) => {
            setTournamentSetup(null);
            startHand(values);
          }}
          onClose={() => {
            setTournamentSetup(null);
            setDialog(null);
          }}
        />
      )}
      {dialog === "deal" && selectedSeat !== null && (
        <CardEntry
          title={`Hole cards for seat ${selectedSeat}`}
          count={holeCardCount(table)}
          used={cardsInPlay(table)}
          onSend={(cards) => {
            send("deal", { seat: selectedSeat, cards });
            setDialog(null);
          }}
          onClose={() => setDialog(null)}
        />
      )}
      {dialog === "board" && (
        <CardEntry
          title={table && table.board.length === 0 ? "Flop" : table && table.board.length === 3 ? "Turn" : "River"}
          count={nextBoardCount(table?.board ?? [])}
          used={cardsInPlay(table)}
          onSend={(cards) => {
            send("board", { cards });
            setDialog(null);
          }}
          onClose={() => setDialog(null)}
        />
      )}
      {dialog === "help" && <Help onClose={() => setDialog(null)} />}
      {dialog === "misdeal" && (
        <Confirm
          text="Misdeal: void every action of this hand and deal it again from the starting stacks?"
          onYes={() => {
            send("misdeal");
            setDialog(null);
          }}
          onNo={() => setDialog(null)}
        />
      )}
    </div>
  );
}
