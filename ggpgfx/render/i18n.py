"""The overlay's fixed words in other languages: street names, POT, HAND, blinds and pots, action badges
(FOLD, ALL IN, RAISE TO ...), hand labels ("Two Pair, Kings and Sevens"), the leaderboard title, outs,
the ticker's and the delay's default labels, and the tournament elements' words and phrases (the blinds
clock, the field bug, payouts, the elimination lower third, the profile card, places as ordinals).

Texts that come from people (player names, the ticker text, lower thirds) are drawn as given. Every language
here must be drawable with the bundled skins' font (DejaVu Sans Condensed: Latin, Greek, Cyrillic); a
language needing another script (Korean, Japanese, Chinese) needs a skin with a font that has its glyphs,
which the bundled skins do not ship (`tests/render/test_i18n.py` checks every word has its glyphs).
"""

from __future__ import annotations

import re

from ggpgfx.errors import ConfigError

#: language code -> its name, in itself
LANGUAGES = {"en": "English", "es": "Español"}

_ES_WORDS = {
    # streets and the board
    "PRE-FLOP": "PREFLOP", "FLOP": "FLOP", "TURN": "TURN", "RIVER": "RIVER", "SHOWDOWN": "SHOWDOWN",
    "HAND COMPLETE": "MANO TERMINADA", "POT": "BOTE", "HAND": "MANO", "BLINDS": "CIEGAS", "ANTE": "ANTE",
    "MAIN": "BOTE", "SIDE": "SEC.", "OUT": "OUT", "OUTS": "OUTS",  # SEC.: bote secundario (fits the board)
    # panels
    "CHIP COUNTS": "FICHAS", "LIVE": "EN DIRECTO", "SECURE DELAY": "DIFERIDO", "ON AIR IN": "EN ANTENA EN",
    # tournament elements
    "BREAK": "DESCANSO", "PAUSED": "EN PAUSA", "FINAL LEVEL": "ÚLTIMO NIVEL", "BREAK NEXT": "LUEGO DESCANSO",
    "PLAYERS": "JUGADORES", "AVG STACK": "PROMEDIO", "PRIZE POOL": "PREMIOS", "PAYOUTS": "PREMIOS",
    "ELIMINATED": "ELIMINADO", "CHIPS": "FICHAS", "WON": "GANÓ",
}
#: tournament phrases with values in them; the values ({n}, {place} ...) are drawn as formatted
_ES_PHRASES = {
    "LEVEL {n}": "NIVEL {n}", "NEXT {blinds}": "SIGUIENTE {blinds}", "{n} LEFT": "QUEDAN {n}",
    "BB ANTE {amount}": "ANTE CG {amount}", "ANTE {amount}": "ANTE {amount}", "POOL {amount}": "BOLSA {amount}",
    "ELIMINATED IN {place} PLACE": "ELIMINADO EN {place} PUESTO",
    "CHIP RANK {rank} OF {count}": "{rank} EN FICHAS DE {count}", "FINISHED {place}": "TERMINÓ {place}",
}
#: action badge words (the poker core's labels: "Raise to 1,150,000", "Call 50,000", "All-in 8,000" ...)
_ES_ACTIONS = [("raise to", "Sube a"), ("all-in", "All-in"), ("all in", "All in"), ("bet", "Apuesta"),
               ("call", "Iguala"), ("check", "Pasa"), ("fold", "No va"), ("wins", "Gana"), ("post", "Pone")]
_ES_RANKS = {"Two": "dos", "Three": "tres", "Four": "cuatro", "Five": "cinco", "Six": "seis", "Seven": "siete",
             "Eight": "ocho", "Nine": "nueve", "Ten": "diez", "Jack": "jota", "Queen": "reina", "King": "rey",
             "Ace": "as"}
_ES_PLURALS = {"Twos": "doses", "Threes": "treses", "Fours": "cuatros", "Fives": "cincos", "Sixes": "seises",
               "Sevens": "sietes", "Eights": "ochos", "Nines": "nueves", "Tens": "dieces", "Jacks": "jotas",
               "Queens": "reinas", "Kings": "reyes", "Aces": "ases"}
_ES_CATEGORIES = {"High Card": "Carta alta", "Pair": "Pareja", "Two Pair": "Doble pareja",
                  "Three of a Kind": "Trío", "Straight": "Escalera", "Flush": "Color", "Full House": "Full",
                  "Four of a Kind": "Póquer", "Straight Flush": "Escalera de color", "Royal Flush": "Escalera real"}

_CATEGORY = "|".join(sorted(map(re.escape, _ES_CATEGORIES), key=len, reverse=True))
_RANK = "|".join(_ES_RANKS)
_PLURAL = "|".join(_ES_PLURALS)


def check_lang(lang: str) -> str:
    """The language code, or a clear error listing the available ones."""
    if lang not in LANGUAGES:
        raise ConfigError(f"language {lang!r} is not available: use one of "
                          + ", ".join(f"{code} ({name})" for code, name in LANGUAGES.items()))
    return lang


def word(text: str, lang: str) -> str:
    """A fixed word or phrase of the overlay ("POT", "PRE-FLOP", "CHIP COUNTS") in `lang`."""
    if lang == "es":
        return _ES_WORDS.get(text, text)
    return text


def phrase(template: str, lang: str, **values: object) -> str:
    """A tournament phrase ("LEVEL {n}", "ELIMINATED IN {place} PLACE") in `lang`, with its values filled in."""
    text = _ES_PHRASES.get(template, template) if lang == "es" else template
    return text.format(**values)


def phrase_pattern(template: str, lang: str) -> re.Pattern[str]:
    """A regular expression reading a phrase drawn in `lang` back: one named group per value."""
    text = _ES_PHRASES.get(template, template) if lang == "es" else template
    parts = re.split(r"\{(\w+)\}", text)
    pattern = "".join(re.escape(part) if index % 2 == 0 else f"(?P<{part}>.+?)" for index, part in enumerate(parts))
    return re.compile(pattern)


def ordinal(place: int, lang: str) -> str:
    """A place as the overlay draws it: 1ST, 2ND, 19TH; in Spanish 1.º, 19.º."""
    if lang == "es":
        return f"{place}.º"
    suffix = "TH" if 10 <= place % 100 <= 20 else {1: "ST", 2: "ND", 3: "RD"}.get(place % 10, "TH")
    return f"{place}{suffix}"


def read_ordinal(text: str, lang: str) -> int | None:
    """The place an ordinal drawn in `lang` says (either case), or None."""
    match = re.fullmatch(r"(\d+)\.º" if lang == "es" else r"(\d+)(?:st|nd|rd|th)", text.strip(), re.IGNORECASE)
    return int(match.group(1)) if match else None


def action(label: str, lang: str) -> str:
    """An action badge ("Raise to 1,150,000", "FOLD", "Wins 8,450,000") in `lang`; amounts stay as they are."""
    if lang != "es" or not label:
        return label
    lower = label.lower()
    for english, spanish in _ES_ACTIONS:
        if lower == english or lower.startswith(english + " "):
            return spanish + label[len(english):]
    return label


def _es_hand(label: str) -> str:
    def one(part: str) -> str:
        if m := re.fullmatch(rf"({_CATEGORY}), ({_RANK}) high", part):  # Straight/Flush, Ace high
            return f"{_ES_CATEGORIES[m[1]]} al {_ES_RANKS[m[2]]}"
        if m := re.fullmatch(rf"High Card, ({_RANK})", part):
            return f"Carta alta, {_ES_RANKS[m[1]]}"
        if m := re.fullmatch(rf"Pair of ({_PLURAL})", part):
            return f"Pareja de {_ES_PLURALS[m[1]]}"
        if m := re.fullmatch(rf"Two Pair, ({_PLURAL}) and ({_PLURAL})", part):
            return f"Doble pareja, {_ES_PLURALS[m[1]]} y {_ES_PLURALS[m[2]]}"
        if m := re.fullmatch(rf"Full House, ({_PLURAL}) full of ({_PLURAL})", part):
            return f"Full de {_ES_PLURALS[m[1]]} y {_ES_PLURALS[m[2]]}"
        if m := re.fullmatch(rf"({_CATEGORY}), ({_PLURAL})", part):  # Three/Four of a Kind, Kings
            return f"{_ES_CATEGORIES[m[1]]} de {_ES_PLURALS[m[2]]}"
        if part in _ES_CATEGORIES:
            return _ES_CATEGORIES[part]
        if m := re.fullmatch(r"([A2-8](?:-[A2-8])*) low", part):
            return f"{m[1]} bajo"
        return part
    return " / ".join(one(part) for part in label.split(" / "))


def hand(label: str, lang: str) -> str:
    """A hand label from the poker core ("Two Pair, Kings and Sevens", "Flush, Ace high / 8-6-4-2-A low")."""
    if lang == "es" and label:
        return _es_hand(label)
    return label


def all_words(lang: str) -> list[str]:
    """Every fixed text of a language (for the glyph check)."""
    if lang != "es":
        return []
    return [*_ES_WORDS.values(), *(s for _, s in _ES_ACTIONS), *_ES_RANKS.values(), *_ES_PLURALS.values(),
            *_ES_CATEGORIES.values(), *_ES_PHRASES.values(), ordinal(1, lang)]


#: accents Greek capitals drop when a word is set in capitals: tonos/oxia, varia, perispomeni, both breathings
_GREEK_CAPS_DROP = frozenset("\u0301\u0300\u0342\u0313\u0314")


def caps(value: str) -> str:
    """A text in capitals as typesetters set it: Greek drops its accents (Ναταλία -> ΝΑΤΑΛΙΑ, not ΝΑΤΑΛΊΑ) but keeps
    the dialytika (Ϊ); every other script keeps its accents (Jérôme -> JÉRÔME)."""
    import unicodedata

    upper = value.upper()
    if not any("\u0370" <= c <= "\u03ff" or "\u1f00" <= c <= "\u1fff" for c in upper):
        return upper
    kept, greek = [], False
    for char in unicodedata.normalize("NFD", upper):
        if not unicodedata.combining(char):
            greek = "\u0370" <= char <= "\u03ff"
        elif greek and char in _GREEK_CAPS_DROP:
            continue
        kept.append(char)
    return unicodedata.normalize("NFC", "".join(kept))
