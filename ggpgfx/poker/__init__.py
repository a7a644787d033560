"""The poker core: cards, evaluation, equity, event-sourced game state, hand histories, stats.

A plain library: it never imports the graph runtime; nodes under `nodes/rules` adapt it.
"""
