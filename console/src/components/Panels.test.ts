import { describe, expect, it } from "vitest";
import type { Health } from "../lib/protocol";
import { delayCountdown, healthLights } from "./Panels";

const health: Health = {
  nodes: {
    rfid: { fps: 0, drops: 0, errors: 0, kind: "ingest.rfid" },
    enc: { fps: 29.8, drops: 2, errors: 0, kind: "encode.h264" },
    gfx: { fps: 30, drops: 1, errors: 1, kind: "render.overlay" },
  },
  rfid: "silent",
  vision: "absent",
  encoder_fps: 29.8,
  recording: true,
  delay_seconds: 30,
  errors: ["gfx: font not found"],
  preview: { program: null, delayed: null },
};

describe("health lights", () => {
  it("turns the health message into lights", () => {
    const lights = Object.fromEntries(healthLights(health, false).map((l) => [l.name, [l.light, l.text]]));
    expect(lights).toEqual({
      link: ["ok", "live"],
      RFID: ["warn", "silent"],
      vision: ["off", "absent"],
      encoder: ["ok", "29.8 fps"],
      drops: ["warn", "3"],
      recording: ["ok", "REC"],
      delay: ["ok", "30 s"],
      errors: ["bad", "2"],
    });
  });

  it("a slow encoder is amber, a stopped one red, none grey; a silent link is red", () => {
    const light = (h: Partial<Health>, stale = false) =>
      healthLights({ ...health, ...h }, stale).find((l) => l.name === "encoder")?.light;
    expect(light({ encoder_fps: 12 })).toBe("warn");
    expect(light({ encoder_fps: 0 })).toBe("bad");
    expect(light({ encoder_fps: null })).toBe("off");
    expect(healthLights(health, true)[0]).toEqual({ name: "link", light: "bad", text: "no health for 3 s" });
    expect(healthLights(null, false)).toEqual([{ name: "graph", light: "off", text: "no health yet" }]);
  });
});

describe("delay countdown", () => {
  it("counts down from the last change to the moment the delayed output shows it", () => {
    expect(delayCountdown(30, 1_000, 1_000)).toBe(30);
    expect(delayCountdown(30, 1_000, 13_500)).toBe(18);
    expect(delayCountdown(30, 1_000, 31_000)).toBeNull();
    expect(delayCountdown(null, 1_000, 2_000)).toBeNull();
    expect(delayCountdown(30, null, 2_000)).toBeNull();
  });
});
