"""Overlay options: which elements show, reveal level, chip format, show texts (the overlay node's params)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ggpgfx.graph.fields import FilePath, NameOrPath

Visibility = Literal["auto", "on", "off"]


class OverlayOptions(BaseModel):
    """Everything that decides what an overlay output shows, besides the TableState itself."""

    model_config = ConfigDict(extra="forbid")
    skin: NameOrPath = Field("broadcast", description="bundled skin name or a skin folder path")
    reveal: Literal["live", "delayed"] = Field(
        "delayed", description="live: only cards tabled for everyone; delayed: also cards for the delayed feed")
    chip_format: Literal["exact", "short", "bb"] | None = Field(None, description="default: the skin's")
    animate: bool = Field(True, description="slide/fade/count-up animations; off for stills and tests")
    players: Visibility = Field("auto", description="auto: during a hand and at its end (winner)")
    board: Visibility = Field("auto", description="auto: during a hand")
    outs: Visibility = Field("auto", description="auto: heads-up all-in on the flop or turn")
    leaderboard: Visibility = Field("auto", description="auto: between hands")
    chip_strip: Visibility = Field("off", description="auto: during a hand")
    show: dict[str, Visibility] = Field(default_factory=dict, description=(
        "visibility of overlay elements without an option of their own, by skin element name"))
    action_clock_s: int = Field(0, ge=0, le=600, description="shot clock for the player to act; 0 = off")
    ticker: str | None = Field(None, description="scrolling ticker text; None = no ticker")
    ticker_label: str = Field("", max_length=40, description=(
        "label box left of the ticker text, as the producer sets it (e.g. LIVE on a feed that airs as it "
        "happens); empty: no label box. A feed that airs through delay.secure may not say LIVE"))
    lower_third_title: str | None = None
    lower_third_subtitle: str = ""
    sponsors: list[FilePath] | None = Field(None, description="logo image paths; None = the skin's logo; [] = none")
    delay_s: float = Field(0.0, ge=0, description="secure delay in seconds: shows a countdown, then the delay")
    delay_label: str = "SECURE DELAY"
    lang: str = Field("en", description="language of the overlay's fixed words (street names, POT, action "
                                        "badges, hand labels ...): en or es")

    @field_validator("lang")
    @classmethod
    def _known_lang(cls, value: str) -> str:
        from ggpgfx.render.i18n import LANGUAGES

        if value not in LANGUAGES:
            raise ValueError(f"language {value!r} is not available: use one of {', '.join(LANGUAGES)}")
        return value


#: A label that claims the picture is live ("LIVE", "Live now", "ON AIR LIVE"...).
_LIVE_WORD = re.compile(r"\blive\b", re.IGNORECASE)


def says_live(label: str) -> bool:
    """True when a label claims the picture is live (what a feed behind a secure delay must never say)."""
    return bool(_LIVE_WORD.search(label))
