"""Overlay elements, each drawn to a straight-alpha RGBA image."""
