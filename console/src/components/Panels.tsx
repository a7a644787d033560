import { useEffect, useRef, useState } from "react";
import type { Health, TableState } from "../lib/protocol";
import type { ConnectionStatus, Notice } from "../lib/store";
import { SHORTCUTS } from "../lib/keyboard";
import { playWhep } from "../lib/whep";

type Light = "ok" | "warn" | "bad" | "off";

/** The colour of each health light, from the health object (null before the first one arrives). */
export function healthLights(health: Health | null, stale: boolean): { name: string; light: Light; text: string }[] {
  if (!health) return [{ name: "graph", light: "off", text: "no health yet" }];
  const nodes = Object.values(health.nodes ?? {});
  const drops = nodes.reduce((sum, n) => sum + (n.drops ?? 0), 0);
  const nodeErrors = nodes.reduce((sum, n) => sum + (n.errors ?? 0), 0);
  const errors = (health.errors ?? []).length + nodeErrors;
  const fps = health.encoder_fps;
  return [
    { name: "link", light: stale ? "bad" : "ok", text: stale ? "no health for 3 s" : "live" },
    { name: "RFID", light: health.rfid === "ok" ? "ok" : health.rfid === "silent" ? "warn" : "off", text: health.rfid },
    { name: "vision", light: health.vision === "ok" ? "ok" : "off", text: health.vision },
    { name: "encoder", light: fps === null ? "off" : fps >= 24 ? "ok" : fps > 0 ? "warn" : "bad", text: fps === null ? "none" : `${fps.toFixed(1)} fps` },
    { name: "drops", light: drops === 0 ? "ok" : "warn", text: String(drops) },
    { name: "recording", light: health.recording ? "ok" : "off", text: health.recording ? "REC" : "off" },
    { name: "delay", light: health.delay_seconds === null ? "off" : "ok", text: health.delay_seconds === null ? "none" : `${health.delay_seconds.toFixed(0)} s` },
    { name: "errors", light: errors === 0 ? "ok" : "bad", text: String(errors) },
  ];
}

/** Seconds until the delayed output shows the table's last change (null without a delay or once it is on air). */
export function delayCountdown(delaySeconds: number | null | undefined, changedAt: number | null, now: number): number | null {
  if (delaySeconds == null || changedAt === null) return null;
  const left = delaySeconds - (now - changedAt) / 1000;
  return left > 0 ? Math.ceil(left) : null;
}

export function HealthBar({ health, healthAt, changedAt }: { health: Health | null; healthAt: number | null; changedAt: number | null }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  const stale = healthAt !== null && now - healthAt > 3000;
  const errors = health?.errors ?? [];
  const countdown = delayCountdown(health?.delay_seconds, changedAt, now);
  return (
    <div className="health" data-testid="health">
      {healthLights(health, stale).map((l) => (
        <span key={l.name} className={`light ${l.light}`} data-testid={`health-${l.name}`} title={l.name}>
          <span className="dot" /> {l.name} <strong>{l.text}</strong>
        </span>
      ))}
      {countdown !== null && (
        <span className="light warn" data-testid="delay-countdown" title="the delayed output shows the last change in">
          <span className="dot" /> on air in <strong>{countdown} s</strong>
        </span>
      )}
      {errors.length > 0 && (
        <details className="graph-errors">
          <summary>{errors.length} graph error(s)</summary>
          <ul>
            {errors.map((e, i) => (
              <li key={i}>{e}</li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

export function ConnectionPill({ status, attempt }: { status: ConnectionStatus; attempt: number }) {
  const text =
    status === "open"
      ? "connected"
      : status === "unauthorized"
        ? "not signed in: open the console URL that ggp run printed"
        : status === "reconnecting"
          ? `reconnecting (attempt ${attempt})…`
          : "connecting…";
  return (
    <span className={`pill ${status}`} data-testid="connection" data-status={status}>
      {text}
    </span>
  );
}

function PreviewVideo({ label, url }: { label: string; url: string | null }) {
  const video = useRef<HTMLVideoElement>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    if (!url) return;
    let pc: RTCPeerConnection | null = null;
    let cancelled = false;
    setProblem(null);
    playWhep(url, (stream) => {
      if (video.current) video.current.srcObject = stream;
    })
      .then((p) => {
        if (cancelled) p.close();
        else pc = p;
      })
      .catch((e: Error) => !cancelled && setProblem(e.message));
    return () => {
      cancelled = true;
      pc?.close();
    };
  }, [url]);
  return (
    <figure className="preview" data-testid={`preview-${label}`}>
      {url ? <video ref={video} autoPlay muted playsInline /> : <div className="no-preview">no {label} preview in this graph</div>}
      <figcaption>
        {label}
        {problem && <span className="problem"> · {problem}</span>}
      </figcaption>
    </figure>
  );
}

export function PreviewPanel({ health }: { health: Health | null }) {
  const delay = health?.delay_seconds ?? null;
  return (
    <section className="panel previews">
      <h3>Preview</h3>
      <div className="preview-pair">
        <PreviewVideo label="program" url={health?.preview?.program ?? null} />
        <PreviewVideo label={delay !== null ? `delayed ${delay.toFixed(0)} s` : "delayed"} url={health?.preview?.delayed ?? null} />
      </div>
    </section>
  );
}

export function GraphicsPanel({
  state,
  onGraphics,
  onLeaderboard,
  onTicker,
  onLowerThird,
  onTag,
  tickerRef,
}: {
  state: TableState | null;
  onGraphics: (hidden: boolean) => void;
  onLeaderboard: (shown: boolean) => void;
  onTicker: (text: string) => void;
  onLowerThird: (text: string | null) => void;
  onTag: (note: string) => void;
  tickerRef: React.RefObject<HTMLInputElement | null>;
}) {
  const [ticker, setTicker] = useState("");
  const [lower, setLower] = useState("");
  const [note, setNote] = useState("");
  const hidden = state?.graphics_hidden ?? false;
  const leaderboard = Boolean(state?.leaderboard_shown);
  return (
    <section className="panel graphics" data-testid="graphics-panel">
      <h3>Graphics</h3>
      <div className="row">
        <button type="button" className={hidden ? "danger" : ""} onClick={() => onGraphics(!hidden)} data-testid="graphics-toggle">
          {hidden ? "Show graphics" : "Hide graphics"} <kbd>G</kbd>
        </button>
        <button type="button" onClick={() => onLeaderboard(!leaderboard)} data-testid="leaderboard-toggle">
          {leaderboard ? "Hide leaderboard" : "Show leaderboard"} <kbd>L</kbd>
        </button>
      </div>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          onTicker(ticker);
        }}
      >
        <input ref={tickerRef} value={ticker} onChange={(e) => setTicker(e.target.value)} placeholder={state?.ticker || "ticker text"} data-testid="ticker-text" aria-label="ticker text" />
        <button type="submit" data-testid="ticker-send">
          Ticker
        </button>
      </form>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          onLowerThird(lower.trim() === "" ? null : lower);
        }}
      >
        <input value={lower} onChange={(e) => setLower(e.target.value)} placeholder={state?.lower_third || "lower third"} data-testid="lower-third-text" aria-label="lower third text" />
        <button type="submit" data-testid="lower-third-send">
          Lower third
        </button>
        <button type="button" onClick={() => onLowerThird(null)} data-testid="lower-third-clear">
          Clear
        </button>
      </form>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          if (note.trim()) onTag(note.trim());
          setNote("");
        }}
      >
        <input value={note} onChange={(e) => setNote(e.target.value)} placeholder="tag this hand" data-testid="tag-text" aria-label="tag note" />
        <button type="submit" data-testid="tag-send">
          Tag
        </button>
      </form>
      {(state?.tags ?? []).length > 0 && <p className="tags">Tags: {(state?.tags ?? []).join(" · ")}</p>}
    </section>
  );
}

export function Notices({ notices, onDismiss }: { notices: Notice[]; onDismiss: (id: number) => void }) {
  return (
    <div className="notices" aria-live="assertive" data-testid="notices">
      {notices.map((n) => (
        <div key={n.id} className={`notice ${n.kind}`} role="alert" data-testid={`notice-${n.kind}`}>
          <span className="notice-text">{n.text}</span>
          <button type="button" onClick={() => onDismiss(n.id)} aria-label="dismiss">
            ×
          </button>
        </div>
      ))}
    </div>
  );
}

export function Help({ onClose }: { onClose: () => void }) {
  return (
    <div className="modal" role="dialog" aria-label="Keyboard shortcuts" data-testid="help" onClick={onClose}>
      <div className="help">
        <h2>Keyboard shortcuts</h2>
        <table>
          <tbody>
            {SHORTCUTS.map((s) => (
              <tr key={s.description}>
                <td>
                  {s.keys.map((k) => (
                    <kbd key={k}>{k}</kbd>
                  ))}
                </td>
                <td>{s.description}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

export function Confirm({ text, onYes, onNo }: { text: string; onYes: () => void; onNo: () => void }) {
  return (
    <div className="modal" role="dialog" aria-label="Confirm" data-testid="confirm">
      <div className="confirm">
        <p>{text}</p>
        <div className="row">
          <button type="button" onClick={onNo} data-testid="confirm-no">
            No
          </button>
          <button type="button" className="danger" autoFocus onClick={onYes} data-testid="confirm-yes">
            Yes
          </button>
        </div>
      </div>
    </div>
  );
}
