"""The built-in node pack, one node type per module, by stage (installed as `ggpgfx.nodes`).

`NODE_TYPES` is the pack's table of contents: the registry imports a module only when its type is used, and
`tests/graph/test_registry.py` checks that every module here is in the table and registers the type it names.
"""

#: Built-in node type -> the module that defines it (one row per module under nodes/).
NODE_TYPES: dict[str, str] = {
    "delay.secure": "ggpgfx.nodes.delay.secure",
    "detect.cards": "ggpgfx.nodes.detect.cards",
    "detect.fuse": "ggpgfx.nodes.detect.fuse",
    "encode.aac": "ggpgfx.nodes.encode.aac",
    "encode.h264": "ggpgfx.nodes.encode.h264",
    "encode.prores": "ggpgfx.nodes.encode.prores",
    "encode.vp9": "ggpgfx.nodes.encode.vp9",
    "ingest.rfid": "ggpgfx.nodes.ingest.rfid",
    "ingest.operator": "ggpgfx.nodes.ingest.operator",
    "ingest.table_sim": "ggpgfx.nodes.ingest.table_sim",
    "ingest.test_pattern": "ggpgfx.nodes.ingest.test_pattern",
    "ingest.tournament": "ggpgfx.nodes.ingest.tournament",
    "ingest.video": "ggpgfx.nodes.ingest.video",
    "publish.events": "ggpgfx.nodes.publish.events",
    "publish.file": "ggpgfx.nodes.publish.file",
    "publish.hls": "ggpgfx.nodes.publish.hls",
    "publish.png_sequence": "ggpgfx.nodes.publish.png_sequence",
    "publish.rtmp": "ggpgfx.nodes.publish.rtmp",
    "publish.studio": "ggpgfx.nodes.publish.studio",
    "publish.tee": "ggpgfx.nodes.publish.tee",
    "publish.webrtc": "ggpgfx.nodes.publish.webrtc",
    "render.overlay": "ggpgfx.nodes.render.overlay",
    "render.switcher": "ggpgfx.nodes.render.switcher",
    "render.text": "ggpgfx.nodes.render.text",
    "rules.poker": "ggpgfx.nodes.rules.poker",
    "sink.collect": "ggpgfx.nodes.sink.collect",
    "sink.null": "ggpgfx.nodes.sink.null",
    "sink.stats": "ggpgfx.nodes.sink.stats",
    "util.convert": "ggpgfx.nodes.util.convert",
    "util.passthrough": "ggpgfx.nodes.util.passthrough",
    "util.resize": "ggpgfx.nodes.util.resize",
    "util.reframe": "ggpgfx.nodes.util.reframe",
}
