"""A two-hour show at accelerated speed (4 fps stream clock, run flat out) with an injected encoder stall:
a real Prometheus scrapes the run with the shipped alert rules, sends GgpEncoderBelowRealTime to a real
Alertmanager, which posts it to the platform's /api/v1/alerts/webhook (served by uvicorn); the
organisation's members get the email on a real SMTP server (aiosmtpd). A simulated table plays through
the same show into its event log, and the show analytics of that log equal counts made directly from
the logged events and the pots the tracker paid out live."""

from __future__ import annotations

import email
import email.policy
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from svc_helpers import PASSWORD, free_port

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "analytics"))
from log_counts import assert_players_match, direct_counts  # noqa: E402

from ggpgfx.graph.node import Message, Node, Port, register_node
from ggpgfx.media.frames import VideoFrame

PROMETHEUS = shutil.which("prometheus")
ALERTMANAGER = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
CLUSTER = Path(__file__).resolve().parents[2] / "cluster"
SHOW_FPS = 4
SHOW_FRAMES = 2 * 3600 * SHOW_FPS  # two hours of stream clock
TABLE_HANDS = 30  # ~3 min of stream clock each at these intervals: the table plays about 1.5 of the 2 hours


MAIL_WAIT_S = 180
# The test arms it before the show starts: from frame `after` on, each frame waits `seconds` (until cleared).
# A frame count, not a wall-clock moment: on a quiet machine the whole flat-out show takes ~4 s.
STALL = {"seconds": 0.0, "after": 0}


@register_node
class ShowStall(Node):
    """Forward frames, sleeping STALL["seconds"] before each from frame STALL["after"] on (an injected stall)."""

    type_name = "test.show_stall"
    inputs = {"inp": Port(VideoFrame)}
    outputs = {"out": Port(VideoFrame)}

    def process(self, port: str, msg: Message) -> None:
        self.count = getattr(self, "count", 0) + 1
        if STALL["seconds"] and self.count > STALL["after"]:
            time.sleep(STALL["seconds"])
        self.emit("out", msg.payload)


def _diagnose(tmp_path: Path, prom_port: int, am_port: int, handle: Any) -> str:
    """What Prometheus, Alertmanager and the run saw, for a failure message."""
    parts = [p.read_text()[-1500:] for p in (tmp_path / "prometheus.log", tmp_path / "alertmanager.log")]
    for url in (f"http://127.0.0.1:{prom_port}/api/v1/query?query=ggp_encoder_speed_ratio",
                f"http://127.0.0.1:{prom_port}/api/v1/alerts", f"http://127.0.0.1:{am_port}/api/v2/alerts"):
        try:
            parts.append(f"{url}: {httpx.get(url, timeout=5).text[:1500]}")
        except httpx.HTTPError as error:
            parts.append(f"{url}: {error}")
    parts.append(f"run: {handle.status()} enc={handle.stats().get('enc')}")
    return "\n".join(parts)


def _check_show_analytics(folder: Path) -> None:
    """The show's analytics equal the direct counts of its event log and the pots paid out live."""
    from ggpgfx.analytics.hands import hands_by_table, log_events
    from ggpgfx.analytics.show import analytics_of_table

    events = log_events(folder)
    result = analytics_of_table(hands_by_table(events))
    direct = direct_counts(folder)
    assert result["hands"] == direct["hands"] == TABLE_HANDS
    assert result["showdowns"] == direct["showdowns"]
    assert result["total_pot"] == sum(e["amount"] for e in events if e["kind"] == "pot_awarded")
    assert result["played_hours"] > 1.0 and sum(h["hands"] for h in result["by_hour"]) == TABLE_HANDS
    assert_players_match(result, direct)


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook
        self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content,
                                                                                 policy=email.policy.default)))
        return "250 OK"


@pytest.mark.slow
@pytest.mark.skipif(PROMETHEUS is None or ALERTMANAGER is None,
                    reason="prometheus / prometheus-alertmanager not installed (scripts/apt-packages.txt)")
def test_stall_in_a_two_hour_show_mails_the_crew(tmp_path: Path) -> None:
    import uvicorn
    from aiosmtpd.controller import Controller

    from ggpgfx.api import Graph
    from ggpgfx.runtime.run import start_run
    from ggpgfx.services.app import create_local_app
    from ggpgfx.services.config import load_settings
    from ggpgfx.telemetry.prom import GraphSource, serve_graph_metrics

    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    api_port, prom_port, am_port = free_port(), free_port(), free_port()
    settings = load_settings(home=tmp_path / "home", database_url=f"sqlite:///{tmp_path / 'ggp.db'}",
                             stream_executor="local", alerts_token="am-token", smtp_host="127.0.0.1",
                             smtp_port=smtp.port, smtp_from="ggpgfx <ops@ggp.test>")
    server = uvicorn.Server(uvicorn.Config(create_local_app(settings), host="127.0.0.1", port=api_port,
                                           log_level="warning"))
    api = threading.Thread(target=server.run, daemon=True)
    api.start()
    processes: list[subprocess.Popen[bytes]] = []
    handle: Any = None
    metrics: Any = None
    try:
        base = f"http://127.0.0.1:{api_port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "API did not start"
            time.sleep(0.2)
        signup = httpx.post(f"{base}/api/v1/auth/signup", json={
            "email": "crew@show.test", "password": PASSWORD, "organization_name": "show"}, timeout=30)
        assert signup.status_code == 201, signup.text
        org = signup.json()["organization"]["id"]

        g = Graph("show", fps=SHOW_FPS, realtime=False)
        src = g.add("ingest.test_pattern", width=64, height=48, frames=SHOW_FRAMES)
        stall = g.add("test.show_stall", id="stall")
        enc = g.add("encode.h264", id="enc", preset="ultrafast", tune="zerolatency", keyint=SHOW_FPS * 2)
        sink = g.add("sink.null", id="sink")
        src.video >> stall.inp
        stall.out >> enc.video
        enc.packets >> sink.inp
        log_folder = tmp_path / "events"
        table = g.add("ingest.table_sim", id="table", width=320, height=240, fps=1, source="random", seed=5,
                      max_hands=TABLE_HANDS, players=6, action_interval_s=5.0, deal_interval_s=0.5, end_pause_s=2.0)
        rules = g.add("rules.poker", id="rules", table="final", equity=False)
        log = g.add("publish.events", id="log", folder=str(log_folder))
        table_video = g.add("sink.null", id="table_video")
        table.reads >> rules.reads
        table.actions >> rules.actions
        rules.events >> log.events
        table.video >> table_video.inp

        rules = (CLUSTER / "prometheus" / "alerts.yml").read_text().replace("for: 30s", "for: 1s")
        (tmp_path / "alerts.yml").write_text(rules)
        am_config = {
            "route": {"receiver": "ggp", "group_by": ["alertname", "stream"], "group_wait": "0s",
                      "group_interval": "1s", "repeat_interval": "1h"},
            "receivers": [{"name": "ggp", "webhook_configs": [{
                "url": f"{base}/api/v1/alerts/webhook", "send_resolved": True,
                "http_config": {"authorization": {"type": "Bearer", "credentials": "am-token"}}}]}],
        }
        (tmp_path / "alertmanager.yml").write_text(yaml.safe_dump(am_config))
        processes.append(subprocess.Popen(
            [str(ALERTMANAGER), f"--config.file={tmp_path / 'alertmanager.yml'}",
             f"--storage.path={tmp_path / 'am'}", f"--web.listen-address=127.0.0.1:{am_port}",
             "--cluster.listen-address="],
            stdout=subprocess.DEVNULL, stderr=open(tmp_path / "alertmanager.log", "wb")))

        # the first quarter hour of the show runs flat out, then the encoder's input stalls until the mail came:
        # 2 frames per wall second against a 4 fps stream clock, half real time
        STALL.update(seconds=0.5, after=15 * 60 * SHOW_FPS)
        handle = start_run(g.validate())
        labels = {"organisation": org, "project": "p-show", "stream": "s-show"}
        metrics, metrics_port = serve_graph_metrics(0, GraphSource("show", handle.stats, labels))
        config = {"global": {"scrape_interval": "1s", "evaluation_interval": "1s"}, "rule_files": ["alerts.yml"],
                  "alerting": {"alertmanagers": [{"static_configs": [{"targets": [f"127.0.0.1:{am_port}"]}]}]},
                  "scrape_configs": [{"job_name": "ggp-run",
                                      "static_configs": [{"targets": [f"127.0.0.1:{metrics_port}"]}]}]}
        (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
        processes.append(subprocess.Popen(
            [str(PROMETHEUS), f"--config.file={tmp_path / 'prometheus.yml'}", f"--storage.tsdb.path={tmp_path / 'data'}",
             f"--web.listen-address=127.0.0.1:{prom_port}"],
            stdout=subprocess.DEVNULL, stderr=open(tmp_path / "prometheus.log", "wb")))

        # scrape (1 s) + rule `for` (1 s) + Alertmanager + the platform's mail worker take seconds; the bound is
        # generous because a loaded 2-core CI box starts Prometheus and serves scrapes slowly
        deadline = time.monotonic() + MAIL_WAIT_S
        while time.monotonic() < deadline and not inbox.messages:
            time.sleep(0.5)
        assert inbox.messages, f"no mail within {MAIL_WAIT_S} s\n{_diagnose(tmp_path, prom_port, am_port, handle)}"
        rcpts, message = inbox.messages[0]
        assert rcpts == ["crew@show.test"]
        assert message["Subject"] == "[ggpgfx] Alert GgpEncoderBelowRealTime fired"
        assert message["X-GGP-Event"] == "alert.fired"
        text = message.get_body(preferencelist=("plain",)).get_content()
        assert "stream_id: s-show" in text and "node: enc" in text
        # the stall is over: the rest of the two hours runs to the end
        STALL["seconds"] = 0.0
        result = handle.wait(timeout=240)
        assert result is not None and handle.status() == "finished", handle.status()
        assert handle.stats()["enc"]["messages_in"] == SHOW_FRAMES
        log = httpx.post(f"{base}/api/v1/auth/login", json={"email": "crew@show.test", "password": PASSWORD},
                         timeout=30).json()
        centre = httpx.get(f"{base}/api/v1/notifications", timeout=30,
                           headers={"Authorization": f"Bearer {log['access_token']}"}).json()
        assert [n["title"] for n in centre if n["event_type"] == "alert.fired"] == \
            ["Alert GgpEncoderBelowRealTime fired"]  # Alertmanager's repeats were not sent twice
        _check_show_analytics(log_folder)
    finally:
        STALL["seconds"] = 0.0
        if handle is not None:
            handle.stop(timeout=10)
        if metrics is not None:
            metrics.shutdown()
            metrics.server_close()
        for process in processes:
            process.terminate()
            process.wait(10)
        server.should_exit = True
        api.join(10)
        smtp.stop()



@pytest.mark.skipif(shutil.which("amtool") is None, reason="amtool not installed (apt package prometheus-alertmanager)")
def test_shipped_alertmanager_config(tmp_path: Path) -> None:
    """cluster/alertmanager/alertmanager.yml passes `amtool check-config` and posts to the platform's receiver;
    the shipped Prometheus sends its alerts to it."""
    shipped = CLUSTER / "alertmanager" / "alertmanager.yml"
    (tmp_path / "alertmanager.yml").write_text(shipped.read_text())
    (tmp_path / "alerts-token").write_text("t")
    done = subprocess.run([str(shutil.which("amtool")), "check-config", str(tmp_path / "alertmanager.yml")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "SUCCESS" in done.stdout, done.stdout + done.stderr
    config = yaml.safe_load(shipped.read_text())
    (hook,) = config["receivers"][0]["webhook_configs"]
    assert hook["url"].endswith("/api/v1/alerts/webhook") and hook["send_resolved"] is True
    assert "organisation" in config["route"]["group_by"]
    prometheus = yaml.safe_load((CLUSTER / "prometheus" / "prometheus.yml").read_text())
    targets = prometheus["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"]
    assert targets == ["127.0.0.1:9093"]
