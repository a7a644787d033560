"""The built-in node pack, one node type per module, by stage (installed as `ggpgfx.nodes`)."""
