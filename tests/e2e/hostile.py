"""Hostile input for the property tests: what people and modified clients can really send.

Text Telegram would deliver (no lone surrogates or control characters, at most 4096 UTF-16
units), names of at most 64 characters, and callback data of every shape: genuine, stale,
forged with real-looking ids, mutated, random.
"""

from __future__ import annotations

from hypothesis import strategies as st

from bot.simulator.html_check import TEXT_LIMIT

# Pieces that have broken bots before: markup of both parse modes, entities, tags this bot
# reads, numbers of every script, bidi and zero-width controls, combining marks, emoji
# sequences, characters outside the Basic Multilingual Plane.
TRICKY = (
    "<b>",
    "</b>",
    "<i>x</i>",
    '<a href="tg://user?id=1">x</a>',
    "<blockquote>",
    "<script>",
    "&",
    "&amp;",
    "&lt;",
    "&#60;",
    "<",
    ">",
    '"',
    "'",
    "*bold*",
    "_it_",
    "`code`",
    "```pre```",
    "[link](http://example.org)",
    "||spoiler||",
    "~strike~",
    "\\",
    "|",
    "#",
    "#oppas",
    "#dringend",
    "#vandaag",
    "!",
    "@",
    "@constellation_test_bot",
    "/",
    "/help",
    ":",
    "req:v1:claim:1",
    "max 3",
    "6-12 jaar",
    "zaterdag 14:00",
    "morgen 19:30",
    "elke dinsdag 19:30",
    "0",
    "1",
    "2",
    "-1",
    "007",
    "99999999999999999999",
    "²",
    "٣",
    "１",
    "𝟙",
    "\u200b",
    "\u200c",
    "\u200d",
    "\u200e",
    "\u200f",
    "\u202e",
    "\u2066",
    "\ufeff",
    "\u00ad",
    "مرحبا بالعالم",
    "שלום עולם",
    "e\u0301",
    "a" + "\u0301" * 12,
    "👨\u200d👩\u200d👧\u200d👦",
    "🏳️\u200d🌈",
    "😀",
    "🇳🇱",
    "\U0001d54f",
    "ﷺ",
    "ß",
    "İ",
    " ",
    "\n",
    "\t",
    "\u00a0",
    "\u3000",
)

# Outside the Basic Multilingual Plane: two UTF-16 units each, Telegram's unit of length.
WIDE = ("😀", "🇳🇱", "𝕏", "👨\u200d👩\u200d👧", "🏳️\u200d🌈")

# Telegram delivers no lone surrogates, and clients send no control characters but these.
_TYPED = st.characters(exclude_categories=("Cs", "Cc"), include_characters="\n\t", codec="utf-8")
_SEPARATORS = st.sampled_from(("", " ", " ", "\n", "  "))


def fit(text: str, limit: int) -> str:
    """Cut ``text`` to at most ``limit`` UTF-16 units (Telegram's unit), whole characters."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return text[:index]
    return text


@st.composite
def _joined(draw: st.DrawFn, pieces: st.SearchStrategy[str], max_pieces: int) -> str:
    parts = draw(st.lists(pieces, max_size=max_pieces))
    return "".join(part + draw(_SEPARATORS) for part in parts)


def _long(pieces: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """One piece repeated up to (and beyond) what fits in a message."""
    return st.builds(lambda piece, n: piece * n, pieces, st.integers(100, 4200))


def typed_text(limit: int = TEXT_LIMIT) -> st.SearchStrategy[str]:
    """Anything a person can type: tricky pieces, random characters, sometimes very long."""
    pieces = st.one_of(st.sampled_from(TRICKY), st.text(_TYPED, max_size=12))
    short = _joined(pieces, 12)
    long = _long(st.sampled_from((*TRICKY, *WIDE, *WIDE, "x", "ab ", "&<>")))
    return st.one_of(short, short, short, long).map(lambda text: fit(text, limit))


def _is_word(piece: str) -> bool:
    return bool(piece) and not any(char.isspace() or char in "#|!" for char in piece)


def words(min_size: int, max_size: int, *, max_units: int) -> st.SearchStrategy[str]:
    """Words separated by single spaces: text the bot keeps exactly as typed.

    No whitespace runs (the bot tidies those), no ``#`` tags, ``!`` or ``|`` (the bot reads
    those as instructions).
    """
    word = st.one_of(
        st.sampled_from([piece for piece in TRICKY if _is_word(piece)]),
        st.text(_TYPED, min_size=1, max_size=8).filter(_is_word),
    )
    phrase = st.lists(word, min_size=min_size, max_size=max_size).map(" ".join)
    return phrase.map(lambda text: fit(text, max_units).rstrip()).filter(bool)


def names() -> st.SearchStrategy[str]:
    """A Telegram first or last name: 1 to 64 characters, not only blanks."""
    pieces = st.one_of(st.sampled_from(TRICKY), st.text(_TYPED, min_size=1, max_size=6))
    joined = st.lists(pieces, min_size=1, max_size=8).map("".join)
    return joined.map(lambda name: name.replace("\n", " ")[:64]).filter(lambda n: n.strip() != "")


# -- callback data -------------------------------------------------------------------------

# Argument values a forger would try: real ids, neighbours, and what int() reads too kindly.
ID_LIKE = ["0", "1", "2", "3", "4", "5", "6", "-1", "01", "+1", " 1", "1_0", "²", "٣", "１"]
ID_LIKE += ["9" * 19, "9" * 30, "", "x"]
# Every feature and action the bot's buttons use (and one it does not).
ACTIONS = {
    "req": ["claim", "rel", "done", "out", "wd", "back"],
    "mt": ["yes", "maybe", "no", "more", "fewer", "ics", "cx"],
    "set": ["claim"],
    "cfg": ["lang"],
    "forget": ["yes", "no"],
    "line": ["pick", "use", "liaison"],
    "new": ["con", "cat", "when", "day", "urg", "vis", "send", "redo", "cancel"],
    "nm": ["con", "loc", "ages", "cap", "rhy", "plan", "redo", "cancel"],
    "zz": ["claim"],
}
ARGUMENTS = ["h", "p", "n", "x", "one", "date", "all", "keep", "hub", "nl", "en", "0", "once"]


def pick(options: list[str]) -> st.SearchStrategy[str]:
    """One of ``options``, drawn as a position: the lists grow as the test goes on, and
    Hypothesis replays an example's draws, so what is drawn may not depend on them."""
    return st.integers(0, 10_000).map(lambda n: options[n % len(options)])


@st.composite
def forged(draw: st.DrawFn, user_ids: list[str]) -> str:
    """Well-formed data for a real action, with arguments a forger chose."""
    feature = draw(st.sampled_from(sorted(ACTIONS)))
    action = draw(st.sampled_from(ACTIONS[feature]))
    version = draw(st.sampled_from(["v1", "v1", "v1", "v0", "v2", "V1"]))
    values = st.sampled_from([*ID_LIKE, *ARGUMENTS, *user_ids])
    args = draw(st.lists(values, max_size=3))
    return ":".join([feature, version, action, *args])


@st.composite
def mutated(draw: st.DrawFn, real: list[str], user_ids: list[str]) -> str:
    """Real callback data with one part replaced, dropped or added, or cut short."""
    parts = draw(pick(real)).split(":")
    token = st.sampled_from([*ID_LIKE, *ARGUMENTS, *user_ids]) | st.text(max_size=6)
    how = draw(st.sampled_from(["replace", "replace", "drop", "add", "cut"]))
    index = draw(st.integers(0, 9)) % len(parts)
    if how == "replace":
        parts[index] = draw(token)
    elif how == "drop":
        del parts[index]
    elif how == "add":
        parts.insert(index + 1, draw(token))
    data = ":".join(parts)
    if how == "cut":
        data = data[: draw(st.integers(0, 64))]
    return data
