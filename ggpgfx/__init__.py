"""ggpgfx: a dataflow-graph runtime for live game-broadcast graphics, poker first."""

__version__ = "0.1.0"
