"""Telegram's HTML parse mode: validation, plain text and message entities.

Telegram rejects a message whose HTML it cannot parse ("can't parse entities: ..."), so the
simulator parses outgoing text the same way and answers with the same kind of error. Offsets
in error texts are UTF-8 byte offsets into the original text (as Telegram reports them);
entity offsets and lengths are in UTF-16 code units (as the Bot API counts them).

The simulator is deliberately a little stricter than Telegram about ``&``: Telegram keeps a
stray ``&`` as text, but the documentation asks for ``&amp;``, and a stray ``&`` in a bot's
output nearly always means user input was not escaped, which would break on the next ``<``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "CAPTION_LIMIT",
    "TEXT_LIMIT",
    "ParsedText",
    "check_html",
    "parse_html",
    "parse_message_text",
    "utf16_len",
]

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024

_PREFIX = "Bad Request: can't parse entities: "
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
_MAX_ENTITY_NAME = 10


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit Telegram uses for limits and offsets."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class ParsedText:
    """Result of parsing a message text: what the user sees, its entities, or an error."""

    plain: str
    entities: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None


class _HtmlError(Exception):
    pass


@dataclass
class _OpenTag:
    name: str
    attrs: dict[str, str]
    offset: int  # UTF-16 offset in the plain text where the tag's content starts


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.out: list[str] = []
        self.out_len = 0  # UTF-16 length of the plain text produced so far
        self.stack: list[_OpenTag] = []
        self.entities: list[dict[str, Any]] = []

    def byte_offset(self, index: int) -> int:
        return len(self.text[:index].encode("utf-8"))

    def fail(self, message: str) -> _HtmlError:
        return _HtmlError(_PREFIX + message)

    def emit(self, chunk: str) -> None:
        self.out.append(chunk)
        self.out_len += utf16_len(chunk)

    def run(self) -> ParsedText:
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            if char == "<":
                self.tag()
            elif char == "&":
                self.emit(self.entity(in_attribute=False))
            else:
                self.emit(char)
                self.pos += 1
        if self.stack:
            raise self.fail(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"'
            )
        # Telegram lists entities by offset, an enclosing entity before the ones inside it.
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return ParsedText("".join(self.out), self.entities)

    def entity(self, *, in_attribute: bool) -> str:
        """Decode the entity at ``pos``; a stray '&' is an error outside attribute values."""
        start = self.pos
        end = self.text.find(";", start + 1, start + 2 + _MAX_ENTITY_NAME)
        name = self.text[start + 1 : end] if end != -1 else ""
        decoded = _decode_entity(name) if name else None
        if decoded is None:
            if in_attribute:
                self.pos += 1
                return "&"
            if end == -1:
                raise self.fail(
                    f'Character "&" must be escaped as "&amp;" at byte offset '
                    f"{self.byte_offset(start)}"
                )
            raise self.fail(
                f'Unsupported HTML entity "&{name};" at byte offset {self.byte_offset(start)}'
            )
        self.pos = end + 1
        return decoded

    def read_name(self) -> str:
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] in _NAME_CHARS:
            self.pos += 1
        return self.text[start : self.pos].lower()

    def skip_spaces(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def tag(self) -> None:
        start = self.pos
        self.pos += 1
        if self.text.startswith("/", self.pos):
            self.pos += 1
            self.end_tag(start)
            return
        name = self.read_name()
        if name not in _ENTITY_TYPES:
            raise self.fail(
                f'Unsupported start tag "{name}" at byte offset {self.byte_offset(start)}'
            )
        attrs = self.attributes(name, start)
        self.open_tag(name, attrs, start)

    def attributes(self, tag: str, start: int) -> dict[str, str]:
        attrs: dict[str, str] = {}
        text = self.text
        while True:
            self.skip_spaces()
            if self.pos >= len(text):
                raise self.fail(f"Unclosed start tag at byte offset {self.byte_offset(start)}")
            if text[self.pos] == ">":
                self.pos += 1
                return attrs
            attr_start = self.pos
            attr = self.read_name()
            if not attr:
                raise self.fail(
                    f'Empty attribute name in the tag "{tag}" at byte offset '
                    f"{self.byte_offset(attr_start)}"
                )
            self.skip_spaces()
            value = ""
            if self.pos < len(text) and text[self.pos] == "=":
                self.pos += 1
                self.skip_spaces()
                value = self.attribute_value(start)
            attrs[attr] = value

    def attribute_value(self, start: int) -> str:
        text = self.text
        if self.pos >= len(text):
            raise self.fail(f"Unclosed start tag at byte offset {self.byte_offset(start)}")
        quote = text[self.pos] if text[self.pos] in "'\"" else ""
        if quote:
            self.pos += 1
        parts: list[str] = []
        while self.pos < len(text) and not _ends_value(text[self.pos], quote):
            if text[self.pos] == "&":
                parts.append(self.entity(in_attribute=True))
            else:
                parts.append(text[self.pos])
                self.pos += 1
        if quote:
            if self.pos >= len(text):
                raise self.fail(f"Unclosed start tag at byte offset {self.byte_offset(start)}")
            self.pos += 1
        return "".join(parts)

    def open_tag(self, name: str, attrs: dict[str, str], start: int) -> None:
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise self.fail(
                f'Tag "span" must have class "tg-spoiler" at byte offset {self.byte_offset(start)}'
            )
        if name == "tg-emoji" and not attrs.get("emoji-id"):
            raise self.fail(
                f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset '
                f"{self.byte_offset(start)}"
            )
        self.stack.append(_OpenTag(name, attrs, self.out_len))

    def end_tag(self, start: int) -> None:
        name = self.read_name()
        self.skip_spaces()
        if self.pos >= len(self.text) or self.text[self.pos] != ">":
            raise self.fail(f"Unclosed end tag at byte offset {self.byte_offset(start)}")
        self.pos += 1
        if not self.stack:
            raise self.fail(f"Unexpected end tag at byte offset {self.byte_offset(start)}")
        top = self.stack.pop()
        if top.name != name:
            raise self.fail(
                f"Unmatched end tag at byte offset {self.byte_offset(start)}, "
                f'expected "</{top.name}>", found "</{name}>"'
            )
        self.close_entity(top)

    def close_entity(self, tag: _OpenTag) -> None:
        length = self.out_len - tag.offset
        if length == 0:
            return  # Telegram drops empty entities.
        kind = _ENTITY_TYPES[tag.name]
        entity: dict[str, Any] = {"type": kind, "offset": tag.offset, "length": length}
        if tag.name == "a":
            href = tag.attrs.get("href", "")
            if not href:
                return  # An <a> without href is plain text for Telegram.
            entity["url"] = href
        elif tag.name == "tg-emoji":
            entity["custom_emoji_id"] = tag.attrs["emoji-id"]
        elif tag.name == "blockquote" and "expandable" in tag.attrs:
            entity["type"] = "expandable_blockquote"
        elif tag.name == "code":
            language = tag.attrs.get("class", "")
            parent = self.stack[-1] if self.stack else None
            if parent is not None and parent.name == "pre":
                # <pre><code class="language-x"> is one pre entity with a language.
                if language.startswith("language-"):
                    parent.attrs["language"] = language.removeprefix("language-")
                return
        elif tag.name == "pre" and tag.attrs.get("language"):
            entity["language"] = tag.attrs["language"]
        self.entities.append(entity)


def _ends_value(char: str, quote: str) -> bool:
    """Whether ``char`` ends an attribute value (quoted, or unquoted when ``quote`` is empty)."""
    if quote:
        return char == quote
    return char.isspace() or char == ">"


def _decode_entity(name: str) -> str | None:
    if name in _NAMED_ENTITIES:
        return _NAMED_ENTITIES[name]
    if not name.startswith("#"):
        return None
    digits, base = (name[2:], 16) if name[1:2] in ("x", "X") else (name[1:], 10)
    try:
        code = int(digits, base) if digits else -1
    except ValueError:
        return None
    if code <= 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code)


def parse_html(text: str) -> ParsedText:
    """Parse Telegram HTML into plain text and entities; ``error`` is set when it is invalid."""
    try:
        return _Parser(text).run()
    except _HtmlError as exc:
        return ParsedText(plain=text, error=str(exc))


def check_html(text: str) -> tuple[str, str | None]:
    """Validate Telegram HTML: ``(plain_text, None)`` or ``(text, "Bad Request: ...")``."""
    parsed = parse_html(text)
    return parsed.plain, parsed.error


def parse_message_text(
    text: str | None, parse_mode: str | None, *, caption: bool = False
) -> ParsedText:
    """Parse a message text or caption and apply Telegram's emptiness and length limits.

    Only HTML is parsed; Markdown modes are passed through as plain text (the simulator does
    not implement them). Text may not be empty (whitespace only counts as empty); captions may.
    """
    raw = text or ""
    mode = (parse_mode or "").lower()
    if mode == "html":
        parsed = parse_html(raw)
        if parsed.error is not None:
            return parsed
    elif mode in ("", "markdown", "markdownv2"):
        parsed = ParsedText(raw)
    else:
        return ParsedText(raw, error="Bad Request: unsupported parse_mode")
    if not caption and not parsed.plain.strip():
        parsed.error = "Bad Request: message text is empty"
    elif caption and utf16_len(parsed.plain) > CAPTION_LIMIT:
        parsed.error = "Bad Request: message caption is too long"
    elif not caption and utf16_len(parsed.plain) > TEXT_LIMIT:
        parsed.error = "Bad Request: message is too long"
    return parsed
