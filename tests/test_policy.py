"""The run policy on its own: paths, symlinks, addresses (every resolved one), node types, `ggp run --policy`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ggpgfx.graph.fields import FilePath, OutputPath, Resource
from ggpgfx.graph.load import parse_yaml
from ggpgfx.graph.validate import resolve_data, resolve_text
from ggpgfx.policy import PolicyError, RunPolicy, address_problem, check_connect, check_graph, load_policy

REPO = Path(__file__).resolve().parents[1]


def fake_dns(table: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    """A resolver answering from a table (what a rebinding DNS server would answer)."""
    def resolve(host: str, port: int | None) -> list[str]:
        if host[:1].isdigit() or ":" in host:  # literals resolve to themselves, as with the real resolver
            return [host]
        if host in table:
            return table[host]
        raise OSError("no such host")
    return resolve


@pytest.fixture
def policy(tmp_path: Path) -> RunPolicy:
    root = tmp_path / "org"
    (root / "media").mkdir(parents=True)
    return RunPolicy(read_roots=(root,), write_roots=(root,), base=root, deny_paths=(tmp_path / "jwt.key",),
                     resolver=fake_dns({"cdn.example": ["93.184.216.7"], "mixed.example": ["93.184.216.8", "10.0.0.3"],
                                        "inside.example": ["192.168.4.4"]}))


def test_paths_resolve_inside_the_roots(policy: RunPolicy, tmp_path: Path) -> None:
    root = tmp_path / "org"
    assert policy.check_path("media/a.mp4", "read") == str(root / "media" / "a.mp4")
    with pytest.raises(PolicyError, match="outside the folders files may be written"):
        policy.check_path("../escape.mp4", "write")
    (root / "up").symlink_to(tmp_path)
    with pytest.raises(PolicyError, match="resolves to"):
        policy.check_path("up/other.txt", "read")
    (tmp_path / "jwt.key").write_text("k")
    (root / "key").symlink_to(tmp_path / "jwt.key")
    with pytest.raises(PolicyError, match="server file"):
        policy.check_path("key", "read")


@pytest.mark.parametrize(("address", "why"), [
    ("127.0.0.1", "loopback"), ("::1", "loopback"), ("169.254.169.254", "metadata"), ("fe80::1", "link-local"),
    ("10.1.1.1", "private"), ("172.16.0.1", "private"), ("100.64.0.1", "private"), ("::ffff:10.0.0.1", "private"),
    ("0.0.0.0", "unicast"), ("224.0.0.1", "unicast"), ("fd00:ec2::254", "metadata"),
])
def test_non_public_addresses(address: str, why: str) -> None:
    assert why in (address_problem(address) or "")


def test_public_address_passes() -> None:
    assert address_problem("93.184.216.7") is None and address_problem("2606:4700::1111") is None
    assert address_problem("203.0.113.7") == "a private address"  # documentation range: not global


def test_every_resolved_address_is_checked(policy: RunPolicy) -> None:
    policy = RunPolicy(resolver=policy.resolver)
    with pytest.raises(PolicyError, match="10.0.0.3"):
        policy.check_url("rtmp://mixed.example/live")
    with pytest.raises(PolicyError, match="cannot resolve"):
        policy.check_url("rtmp://nowhere.example/live")
    with pytest.raises(PolicyError, match="scheme 'gopher'"):
        policy.check_url("gopher://cdn.example/")


def test_allow_list_by_name_and_network(policy: RunPolicy) -> None:
    by_name = RunPolicy(allow_hosts=("inside.example",), resolver=policy.resolver)
    by_net = RunPolicy(allow_hosts=("192.168.4.0/24",), resolver=policy.resolver)
    for allowed in (by_name, by_net):
        allowed.check_url("rtsp://inside.example/cam1")
    with pytest.raises(PolicyError):
        by_net.check_url("rtsp://mixed.example/cam1")


def test_reconnect_sees_the_new_address() -> None:
    table = {"cam.example": ["93.184.216.20"]}
    policy = RunPolicy(resolver=fake_dns(table))
    check_connect("rtsp://cam.example/1", policy)
    table["cam.example"] = ["127.0.0.1"]  # DNS rebinding after the graph started
    with pytest.raises(PolicyError, match="loopback"):
        check_connect("rtsp://cam.example/1", policy)
    check_connect("rtsp://127.0.0.1/1", None)  # no policy: unrestricted


def test_check_value_by_marker(policy: RunPolicy) -> None:
    assert policy.check_value("broadcast", Resource("read", names=True)) == "broadcast"
    assert policy.check_value("models:/card-detector/3", Resource("read", schemes=("models",))) == "models:/card-detector/3"
    with pytest.raises(PolicyError, match="where a file path is expected"):
        policy.check_value("file:///etc/passwd", Resource("read"))
    with pytest.raises(PolicyError, match="private"):
        policy.check_value("inside.example:9092", Resource("address"))


def test_graph_problems_point_at_the_yaml(policy: RunPolicy, tmp_path: Path) -> None:
    text = ("name: g\nnodes:\n  src: {type: ingest.video, params: {source: /etc/hosts}}\n"
            "  out: {type: sink.null}\nedges:\n  - src.video -> out.inp\n")
    data, smap, _ = parse_yaml(text, "g.yaml")
    resolved, diags = resolve_data(data, smap)
    assert resolved is not None and not diags
    checked, problems = check_graph(resolved, policy, smap)
    assert checked is None and problems[0].format().startswith("g.yaml:3:")
    ok_text = text.replace("/etc/hosts", "media/in.mp4")
    resolved, _ = resolve_text(ok_text, "g.yaml")
    checked, problems = check_graph(resolved, policy)
    assert problems == [] and checked.policy is policy
    assert checked.nodes["src"].params.source == str(tmp_path / "org" / "media" / "in.mp4")


def test_node_type_patterns() -> None:
    policy = RunPolicy(node_types=("ingest.test_pattern", "sink.*"))
    data, smap, _ = parse_yaml("name: g\nnodes:\n  src: {type: ingest.test_pattern}\n  rec: {type: ingest.table_sim}\n"
                               "  out: {type: sink.null}\nedges:\n  - src.video -> out.inp\n", "g.yaml")
    resolved, _ = resolve_data(data, smap)
    _, problems = check_graph(resolved, policy, smap)
    assert [p.message for p in problems] == ["node 'rec': node type 'ingest.table_sim' is not allowed by the policy"]
    assert problems[0].line == 4


def test_policy_file_errors(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="policy file not found"):
        load_policy(str(tmp_path / "missing.yaml"))
    bad = tmp_path / "bad.yaml"
    bad.write_text("read: [.]\nwrtie: [out]\n")
    with pytest.raises(PolicyError, match="unknown policy key 'wrtie'"):
        load_policy(str(bad))


def test_markers_are_annotations() -> None:
    from typing import get_args

    assert isinstance(get_args(FilePath)[1], Resource) and get_args(OutputPath)[1].access == "write"


def ggp(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ggpgfx.cli", *args], capture_output=True, text=True, timeout=300,
                          cwd=cwd)


def test_ggp_run_policy_flag(tmp_path: Path) -> None:
    graph = tmp_path / "rec.yaml"
    graph.write_text("name: rec\nnodes:\n  src: {type: ingest.test_pattern, params: {width: 64, height: 48, frames: 3}}\n"
                     "  enc: {type: encode.h264, params: {preset: ultrafast}}\n"
                     "  out: {type: publish.file, params: {path: /tmp/../tmp/ggp-policy-cli.mp4}}\n"
                     "edges:\n  - src.video -> enc.video\n  - enc.packets -> out.packets\n")
    refused = ggp("run", str(graph), "--policy", "strict", "--no-realtime", cwd=tmp_path)
    assert refused.returncode == 2, refused.stderr
    assert f"{graph}:5:" in refused.stderr and "outside the folders files may be written" in refused.stderr
    assert "Traceback" not in refused.stderr
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text("write: [out]\nnode_types: ['ingest.*', 'encode.*', 'publish.file']\n")
    graph.write_text(graph.read_text().replace("/tmp/../tmp/ggp-policy-cli.mp4", "out/take.mp4"))
    allowed = ggp("run", str(graph), "--policy", str(policy_file), "--no-realtime", cwd=tmp_path)
    assert allowed.returncode == 0, allowed.stderr
    assert (tmp_path / "out" / "take.mp4").stat().st_size > 0


def test_ffmpeg_options_and_containers(policy: RunPolicy) -> None:
    from ggpgfx.graph.fields import FfmpegOptions  # noqa: F401 - the marker these values carry

    policy.check_option("movflags", "+faststart")
    for name, value in (("hls_segment_filename", "seg%d.ts"), ("protocol_whitelist", "file,http"),
                        ("passlogfile", "/tmp/x"), ("headers", "X: 1"), ("method", "http://10.0.0.1/")):
        if name in ("headers",):
            policy.check_option(name, value)
            continue
        with pytest.raises(PolicyError):
            policy.check_option(name, value)
    policy.check_container("mp4")
    with pytest.raises(PolicyError, match="container 'tee'"):
        policy.check_container("tee")


def test_nested_destinations_are_checked_and_rewritten(policy: RunPolicy, tmp_path: Path) -> None:
    text = ("name: g\nnodes:\n  src: {type: ingest.test_pattern, params: {frames: 2}}\n"
            "  enc: {type: encode.h264}\n"
            "  out: {type: publish.tee, params: {destinations: [{target: rec/a.mp4}, {target: /tmp/b.mp4}, "
            "{target: 'rtmp://10.0.0.9/live', format: flv}, {target: c.mp4, format: tee}]}}\n"
            "edges:\n  - src.video -> enc.video\n  - enc.packets -> out.packets\n")
    data, smap, _ = parse_yaml(text, "g.yaml")
    resolved, diags = resolve_data(data, smap)
    assert resolved is not None and not diags
    _, problems = check_graph(resolved, policy, smap)
    messages = [p.message for p in problems]
    assert len(messages) == 3 and all(m.startswith("node 'out': param 'destinations.") for m in messages)
    assert "destinations.1.target" in messages[0] and "private" in messages[1] and "container 'tee'" in messages[2]
    ok = text.replace("{target: /tmp/b.mp4}, {target: 'rtmp://10.0.0.9/live', format: flv}, "
                      "{target: c.mp4, format: tee}", "{target: b.mkv, options: {live: '1'}}")
    data, smap, _ = parse_yaml(ok, "g.yaml")
    resolved, _ = resolve_data(data, smap)
    checked, problems = check_graph(resolved, policy, smap)
    assert problems == []
    targets = [d.target for d in checked.nodes["out"].params.destinations]
    assert targets == [str(tmp_path / "org" / "rec" / "a.mp4"), str(tmp_path / "org" / "b.mkv")]


def test_ggp_run_policy_keeps_ffmpeg_to_the_file(tmp_path: Path) -> None:
    """A playlist inside the allowed folder naming a file outside it plays unrestricted, not under a policy."""
    outside, inside = tmp_path / "outside", tmp_path / "inside"
    outside.mkdir()
    inside.mkdir()
    record = outside / "rec.yaml"
    record.write_text("name: rec\nnodes:\n  src: {type: ingest.test_pattern, params: {width: 64, height: 48, "
                      "frames: 10}}\n  enc: {type: encode.h264, params: {preset: ultrafast}}\n"
                      "  out: {type: publish.file, params: {path: take.ts}}\n"
                      "edges:\n  - src.video -> enc.video\n  - enc.packets -> out.packets\n")
    made = ggp("run", str(record), "--policy", "strict", "--no-realtime", cwd=outside)
    assert made.returncode == 0, made.stderr
    (inside / "list.m3u8").write_text(f"#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:0.3,\n{outside / 'take.ts'}\n"
                                      "#EXT-X-ENDLIST\n")
    graph = inside / "read.yaml"
    graph.write_text("name: read\nnodes:\n  src: {type: ingest.video, params: {source: list.m3u8}}\n"
                     "  out: {type: sink.null}\nedges:\n  - src.video -> out.inp\n")
    unrestricted = ggp("run", str(graph), "--no-realtime", cwd=inside)
    assert unrestricted.returncode == 0, unrestricted.stderr
    confined = ggp("run", str(graph), "--policy", "strict", "--no-realtime", cwd=inside)
    assert confined.returncode != 0 and "list.m3u8" in confined.stderr and "Traceback" not in confined.stderr
    (inside / "take.ts").write_bytes((outside / "take.ts").read_bytes())
    graph.write_text(graph.read_text().replace("list.m3u8", "take.ts"))
    plain = ggp("run", str(graph), "--policy", "strict", "--no-realtime", cwd=inside)
    assert plain.returncode == 0, plain.stderr


def test_shipped_card_model_names_pass_and_paths_are_still_checked(policy: RunPolicy) -> None:
    """`detect.cards` `model: real-decks` names a shipped model, not a file; a path is still confined."""
    from ggpgfx.cards.infer import load_model_bytes
    from ggpgfx.errors import ConfigError

    base = ("name: g\nnodes:\n  src: {type: ingest.test_pattern}\n"
            "  cards: {type: detect.cards, params: {model: MODEL}}\nedges:\n  - src.video -> cards.video\n")
    for name in ("real-decks", "default", "models:/card-detector/2"):
        resolved, diags = resolve_text(base.replace("MODEL", name), "g.yaml")
        assert resolved is not None and not diags
        checked, problems = check_graph(resolved, policy)
        assert problems == [] and checked.nodes["cards"].params.model == name
    resolved, _ = resolve_text(base.replace("MODEL", "/etc/ssl/model.onnx"), "g.yaml")
    _, problems = check_graph(resolved, policy)
    assert problems and "outside" in problems[0].message
    # A bare name that is not a shipped model is refused by name, never read as a file in the working folder.
    with pytest.raises(ConfigError, match="unknown shipped card model 'secrets'"):
        load_model_bytes("secrets")
