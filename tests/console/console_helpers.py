"""Helpers shared by the console's browser tests (a plain module: tests/console is on sys.path)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from ggpgfx.api import Graph

REPO = Path(__file__).resolve().parents[2]
CONSOLE_BUILT = (REPO / "ggpgfx" / "console_dist" / "index.html").exists()
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
IMAGES = REPO / "docs" / "images"


def operator_graph(name: str) -> Graph:
    """ingest.operator -> rules.poker -> sink.collect: the smallest graph a console can drive."""
    g = Graph(name, realtime=True)
    g.add("ingest.operator", id="op")
    g.add("rules.poker", id="rules", equity=False, drain_s=0)
    g.add("sink.collect", id="states")
    g.connect("op.actions", "rules.actions")
    g.connect("rules.state", "states.inp", capacity=4096)
    return g


class Rest:
    """The REST mirror with a session of its own (sets tables up; the browser does what is under test)."""

    def __init__(self, base: str, token: str) -> None:
        reply = httpx.post(f"{base}/control/v1/session", json={"token": token}, timeout=10)
        assert reply.status_code == 200, reply.text
        self.session = str(reply.json()["session"])
        self.http = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {self.session}"}, timeout=10)
        self.count = 0

    def ok(self, verb: str, args: dict[str, Any] | None = None) -> int:
        """Send one request that must be acked; the new version."""
        self.count += 1
        reply = self.http.post("/control/v1/tables/table-1/actions",
                               json={"id": f"rest-{self.count}", "verb": verb, "args": args or {}})
        assert reply.status_code == 200 and reply.json()["type"] == "ack", reply.text
        return int(reply.json()["version"])

    def state(self) -> dict[str, Any]:
        """The table's state object."""
        reply = self.http.get("/control/v1/tables/table-1/state")
        assert reply.status_code == 200, reply.text
        return dict(reply.json()["state"])


class FlakyLink:
    """A TCP relay in front of the control server whose 'network' can be cut: while down it forwards
    nothing (open connections go silent, as when Wi-Fi drops) and resets new ones."""

    def __init__(self, target_port: int) -> None:
        import socket
        import threading

        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = int(self.listener.getsockname()[1])
        self.down = threading.Event()
        self.closed = threading.Event()
        self.connections: list[tuple[Any, Any]] = []
        self.threads = [threading.Thread(target=self._accept, daemon=True)]
        self.threads[0].start()

    def _accept(self) -> None:
        import socket
        import threading

        while not self.closed.is_set():
            try:
                client, _ = self.listener.accept()
            except (TimeoutError, OSError):
                continue
            if self.down.is_set():
                client.close()
                continue
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            pair = (client, upstream)
            self.connections.append(pair)
            thread = threading.Thread(target=self._pump, args=pair, daemon=True)
            thread.start()
            self.threads.append(thread)

    def _pump(self, client: Any, upstream: Any) -> None:
        import select

        peers = {client: upstream, upstream: client}
        try:
            while not self.closed.is_set():
                readable, _, _ = select.select(list(peers), [], [], 0.05)
                if self.down.is_set():
                    continue  # the data waits in the kernel: nothing gets through
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    peers[sock].sendall(data)
        except OSError:
            return
        finally:
            client.close()
            upstream.close()

    def cut(self) -> None:
        """The network goes away: silence on open connections, new ones fail."""
        self.down.set()

    def restore(self) -> None:
        """The network is back (connections that went silent stay dead: the console dials again)."""
        for client, upstream in self.connections:
            for sock in (client, upstream):
                try:
                    sock.shutdown(2)
                except OSError:
                    pass
        self.connections.clear()
        self.down.clear()

    def close(self) -> None:
        """Stop relaying."""
        self.closed.set()
        self.restore()
        self.listener.close()
        for thread in self.threads:
            thread.join(2)


# -- a console page, driven the way an operator would --------------------------------------------------------

SCRATCH = Path(tempfile.gettempdir()) / "ggp-console-screenshots"
_RECORD = "wsop-2019-42-3-00-01-07.phh"
_SHARED = Path(os.environ.get("GGP_PHH_DATA") or Path(__file__).resolve().parents[3] / "shared" / "data" / "phh")
#: The recorded hand: from the shared PHH data beside the repository when it is there, else the copy in tests/.
PHH = next((p for p in (_SHARED / _RECORD, Path("/work/shared/data/phh") / _RECORD) if p.exists()),
           Path(__file__).resolve().parents[1] / "poker" / "data" / _RECORD)
LAPTOP = {"width": 1366, "height": 900}
TABLET = {"width": 1024, "height": 768}
SEATS = [{"seat": 1, "name": "Ann", "stack": 10_000}, {"seat": 2, "name": "Bob", "stack": 10_000},
         {"seat": 3, "name": "Cy", "stack": 10_000}]
NEW_HAND = {"button": 3, "small_blind": 50, "big_blind": 100, "seats": SEATS}
STEP_MS = 15_000  # the longest wait for one action's state on a busy 2-core machine


class Console:
    """One console page: helpers that click, type and read exactly what an operator would."""

    def __init__(self, browser: Any, url: str, viewport: dict[str, int] = LAPTOP,
                 sign_in: Callable[[Any], None] | None = None) -> None:
        """Open the console at `url`; `sign_in(page)` first signs in to the platform (`?stream=ID`)."""
        self.context = browser.new_context(viewport=viewport, has_touch=viewport is TABLET)
        self.page = self.context.new_page()
        self.page.set_default_timeout(STEP_MS)
        self.page.goto(url)
        if sign_in is not None:
            sign_in(self.page)
        self.wait_connected()

    def wait_connected(self) -> None:
        """Until the WebSocket is open and the table's first state is on screen."""
        self.page.wait_for_selector("[data-testid=connection][data-status=open]")
        self.page.wait_for_function("() => !document.querySelector('[data-testid=version]').textContent.includes('–')")

    def version(self) -> int:
        """The state version on screen."""
        return int(self.page.inner_text("[data-testid=version]").strip().lstrip("v"))

    def wait_version(self, above: int) -> int:
        """Until the screen shows a version above `above`, and the console is not busy any more."""
        self.page.wait_for_function(
            "(v) => parseInt(document.querySelector('[data-testid=version]').textContent.slice(1)) > v "
            "&& !document.querySelector('.busy')", arg=above)
        return self.version()

    def act(self, do: Any) -> int:
        """Run one operator step and wait for the table's new version."""
        before = self.version()
        do()
        return self.wait_version(before)

    def click(self, testid: str) -> None:
        """Click (or tap) an element by its test id."""
        self.page.click(f"[data-testid={testid}]")

    def stacks(self) -> dict[int, int]:
        """Seat -> stack as shown on the seat ring."""
        out = {}
        for element in self.page.query_selector_all("[data-testid$=-stack][data-testid^=seat-]"):
            seat = int(str(element.get_attribute("data-testid")).split("-")[1])
            out[seat] = int(element.inner_text().replace(",", ""))
        return out

    def to_act(self) -> str:
        """The 'To act' line of the action panel."""
        return str(self.page.inner_text("[data-testid=to-act]"))

    def notices(self, kind: str) -> list[str]:
        """Texts of the notices of one kind (reject, conflict, error)."""
        return [str(e.inner_text()) for e in self.page.query_selector_all(f"[data-testid=notice-{kind}] .notice-text")]

    def close(self) -> None:
        """Close the page's browser context."""
        self.context.close()


def shot(console: Console, name: str, full_page: bool = False) -> None:
    """A screenshot for docs/console.md: written there with GGP_UPDATE_SCREENSHOTS=1, else to a temp folder
    (so a test run leaves the checkout clean)."""
    folder = IMAGES if os.environ.get("GGP_UPDATE_SCREENSHOTS") == "1" else SCRATCH
    folder.mkdir(parents=True, exist_ok=True)
    console.page.evaluate("() => window.scrollTo(0, 0)")
    console.page.screenshot(path=str(folder / f"console-{name}.png"), full_page=full_page)


# -- clicking ---------------------------------------------------------------------------------------------


def setup_by_clicking(console: Console, args: dict[str, Any], picture: str | None = None) -> None:
    """Fill the hand set-up form (names and stacks are typed: they are words) and start the hand."""
    console.click("action-hand-setup")
    for seat in args["seats"]:
        console.page.fill(f"[data-testid=setup-name-{seat['seat']}]", seat["name"])
        console.page.fill(f"[data-testid=setup-stack-{seat['seat']}]", str(seat["stack"]))
    console.click(f"setup-button-{args['button']}")
    console.page.fill("[data-testid=setup-sb]", str(args["small_blind"]))
    console.page.fill("[data-testid=setup-bb]", str(args["big_blind"]))
    console.page.fill("[data-testid=setup-ante]", str(args.get("ante") or ""))
    console.page.fill("[data-testid=setup-bb-ante]", str(args.get("big_blind_ante") or ""))
    console.page.fill("[data-testid=setup-hand-number]", str(args.get("hand_number") or 1))
    if picture:
        shot(console, picture)
    console.act(lambda: console.click("setup-start"))


def pick_cards(console: Console, opener: str, cards: list[str]) -> None:
    """Open the card picker and tap the cards."""
    console.click(opener)
    for card in cards:
        console.click(f"card-{card}")
    console.click("cards-send")


def keypad(console: Console, amount: int) -> None:
    """Tap an amount on the numeric keypad."""
    console.click("keypad-clear")
    for digit in str(amount):
        console.click(f"keypad-{digit}")


def play_by_clicking(console: Console, verb: str, args: dict[str, Any]) -> None:
    """One protocol request, entered by tapping the console the way an operator would."""
    if verb == "new_hand":
        setup_by_clicking(console, args, picture="setup")
    elif verb == "deal":
        console.click(f"seat-{args['seat']}")
        console.act(lambda: pick_cards(console, "action-deal", args["cards"]))
    elif verb == "board":
        console.act(lambda: pick_cards(console, "action-board", args["cards"]))
    elif verb in ("fold", "check_call", "bet"):
        assert f"seat {args['seat']}" in console.to_act()  # the console acts for the player to act
        if verb == "bet":
            keypad(console, args["amount"])
            console.act(lambda: console.click("action-bet"))
        else:
            console.act(lambda: console.click(f"action-{verb.replace('_', '-')}"))
    elif verb in ("show", "muck"):
        console.click(f"seat-{args['seat']}")
        console.act(lambda: console.click(f"action-{verb}"))
    elif verb == "next_hand":
        console.act(lambda: console.click("action-next-hand"))
    else:
        raise AssertionError(f"no clicking for {verb}")


class QueuedReads:
    """A card reader the test drives: `put(rows)` and the graph's `test.console_reads` node emits them as
    CardReads, the way ingest.rfid or detect.cards would."""

    queue: Any = None

    @classmethod
    def register(cls) -> None:
        """Register the node type (once per process)."""
        import queue
        import time

        from ggpgfx.graph.node import Node, Port, register_node
        from ggpgfx.graph.registry import get_node_type
        from ggpgfx.poker.messages import card_reads_table
        from ggpgfx.types import CardReads

        if get_node_type("test.console_reads") is not None:
            return
        cls.queue = queue.Queue()
        rows_in = cls.queue

        class ConsoleReads(Node):
            """Emit the rows the test put, as CardReads."""

            type_name = "test.console_reads"
            outputs = {"reads": Port(CardReads)}

            def tick(self) -> bool:
                try:
                    rows = rows_in.get(timeout=0.01)
                except queue.Empty:
                    return True
                pts = int(time.monotonic() * 1e6)
                self.emit("reads", card_reads_table([{**row, "pts": pts} for row in rows]), pts=pts)
                return True

        register_node(ConsoleReads)

    @classmethod
    def put(cls, rows: list[dict[str, Any]]) -> None:
        """Send one batch of reads into the graph."""
        cls.queue.put(rows)


PASSWORD = "correct horse battery staple"


def platform_project(api: httpx.Client, email: str, organization: str, name: str,
                     yaml_text: str) -> tuple[dict[str, str], str]:
    """Sign up `email` as the owner of a new organisation, log in, save a project with one graph version:
    the owner's auth headers and the project id."""
    signup = api.post("/api/v1/auth/signup", json={"email": email, "password": PASSWORD,
                                                   "organization_name": organization})
    assert signup.status_code == 201, signup.text
    token = api.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    project = api.post("/api/v1/projects", json={"name": name}, headers=headers).json()["id"]
    saved = api.post(f"/api/v1/projects/{project}/versions", json={"yaml": yaml_text}, headers=headers)
    assert saved.status_code == 201, saved.text
    return headers, str(project)
