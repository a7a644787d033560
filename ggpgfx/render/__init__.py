"""Broadcast overlay rendering: skins, layout, elements, YUVA layers and compositing."""
