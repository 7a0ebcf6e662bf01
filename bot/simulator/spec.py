"""The Telegram Bot API method list (``data/api.json``) and request validation against it.

The simulator uses this module to answer like Telegram does before any method logic runs:
unknown methods get 404, missing required fields get 400, and the string values of a
form-encoded request are decoded into the types the API documents for each field.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

__all__ = ["ApiError", "ApiSpec", "FieldSpec", "MethodSpec", "is_file"]


class ApiError(Exception):
    """An error answer of the Bot API: ``{"ok": false, "error_code": N, "description": ...}``."""

    def __init__(
        self,
        error_code: int,
        description: str,
        *,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
    ):
        super().__init__(error_code, description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after
        self.migrate_to_chat_id = migrate_to_chat_id

    def to_json(self) -> dict[str, Any]:
        """The JSON body Telegram sends for this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        if self.migrate_to_chat_id is not None:
            body["parameters"] = {"migrate_to_chat_id": self.migrate_to_chat_id}
        return body

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ApiError):
            return NotImplemented
        return (self.error_code, self.description, self.retry_after) == (
            other.error_code,
            other.description,
            other.retry_after,
        )

    def __hash__(self) -> int:
        return hash((self.error_code, self.description, self.retry_after))

    def __repr__(self) -> str:
        return f"ApiError({self.error_code}, {self.description!r})"

    def __str__(self) -> str:
        return f"{self.error_code} {self.description}"


@dataclass(frozen=True)
class FieldSpec:
    """One parameter of a Bot API method (or one field of a type)."""

    name: str
    types: tuple[str, ...]
    required: bool
    description: str

    @property
    def string_only(self) -> bool:
        """True when the field is a plain string, so form values must not be JSON-decoded."""
        return self.types == ("String",)

    def accepts(self, value: object) -> bool:
        """Whether ``value`` (already decoded) has one of the documented types."""
        return any(_matches_type(value, type_name) for type_name in self.types)


@dataclass(frozen=True)
class MethodSpec:
    """One Bot API method: its canonical name, parameters and documented return types."""

    name: str
    fields: tuple[FieldSpec, ...]
    returns: tuple[str, ...]

    def field(self, name: str) -> FieldSpec | None:
        """The parameter called ``name``, or None when the method has no such parameter."""
        for spec in self.fields:
            if spec.name == name:
                return spec
        return None

    @property
    def returns_true(self) -> bool:
        """True for methods that answer a bare ``true`` on success."""
        return self.returns in (("Boolean",), ("True",))


def is_file(value: object) -> bool:
    """Whether ``value`` is an uploaded file part: ``{"filename": ..., "content": bytes}``."""
    return isinstance(value, dict) and isinstance(value.get("content"), bytes)


def _matches_type(value: object, type_name: str) -> bool:
    if type_name.startswith("Array of "):
        if not isinstance(value, list):
            return False
        inner = type_name.removeprefix("Array of ")
        return all(_matches_type(item, inner) for item in value)
    if type_name == "Integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if type_name == "Float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if type_name == "String":
        return isinstance(value, str)
    if type_name in ("Boolean", "True"):
        return isinstance(value, bool)
    if type_name == "InputFile":
        return is_file(value)
    # Every other name is an API object type (InlineKeyboardMarkup, ReplyParameters, ...).
    return isinstance(value, dict) and not is_file(value)


# Telegram's own wording for the most common missing fields; other fields get a generic text.
_MISSING_FIELD_TEXT = {
    "chat_id": "Bad Request: chat_id is empty",
    "text": "Bad Request: message text is empty",
}


class ApiSpec:
    """The parsed Bot API description; use :meth:`load` for the shared, cached instance."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.version: str = str(data.get("version", ""))
        self.methods: dict[str, MethodSpec] = {
            name: _method_from_json(name, raw) for name, raw in data["methods"].items()
        }
        self.types: dict[str, tuple[FieldSpec, ...]] = {
            name: tuple(_field_from_json(f) for f in raw.get("fields", []))
            for name, raw in data["types"].items()
        }
        # Telegram matches method names case-insensitively (sendmessage == sendMessage).
        self._by_lower = {name.lower(): spec for name, spec in self.methods.items()}

    @classmethod
    def load(cls) -> ApiSpec:
        """The spec read from the packaged ``data/api.json`` (read once, then cached)."""
        return _load_default()

    def method(self, name: str) -> MethodSpec | None:
        """The method called ``name`` (case-insensitive), or None for an unknown method."""
        return self._by_lower.get(name.lower())

    def validate(self, method: str, params: Mapping[str, Any]) -> ApiError | None:
        """Check decoded ``params`` like Telegram does; None when the call may proceed.

        Unknown methods give 404, missing or empty required fields 400 and values of the wrong
        type 400. Fields the spec does not know are tolerated: python-telegram-bot may speak an
        older API version than the file describes.
        """
        spec = self.method(method)
        if spec is None:
            return ApiError(404, "Not Found")
        for field in spec.fields:
            value = params.get(field.name)
            if field.required and (value is None or value == ""):
                text = _MISSING_FIELD_TEXT.get(field.name, f"Bad Request: {field.name} is required")
                return ApiError(400, text)
            if value is not None and not field.accepts(value):
                if any(t[0].isupper() and t not in _SCALARS for t in field.types):
                    return ApiError(400, f"Bad Request: can't parse {field.name} JSON object")
                wanted = " or ".join(field.types)
                return ApiError(400, f'Bad Request: field "{field.name}" must be of type {wanted}')
        return None

    def coerce(self, method: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """Decode form values (all strings, non-strings JSON-encoded) into API types.

        A field documented as only ``String`` stays a string. For other fields the string is
        JSON-decoded when the result has one of the field's types; otherwise (a file_id that
        looks like a number, a ``@channel`` chat_id, broken JSON) the raw string is kept so
        :meth:`validate` can judge it. Values that are not strings (JSON bodies, file parts)
        pass through unchanged.
        """
        spec = self.method(method)
        decoded: dict[str, Any] = {}
        for name, value in params.items():
            field = spec.field(name) if spec is not None else None
            if not isinstance(value, str) or (field is not None and field.string_only):
                decoded[name] = value
                continue
            try:
                candidate = json.loads(value)
            except ValueError:
                decoded[name] = value
                continue
            if field is None or field.accepts(candidate):
                decoded[name] = candidate
            else:
                decoded[name] = value
        return decoded

    def required_fields(self, type_name: str) -> list[str]:
        """Names of the required fields of an API object type (e.g. ``ChatFullInfo``)."""
        return [f.name for f in self.types.get(type_name, ()) if f.required]


_SCALARS = frozenset({"Integer", "Float", "String", "Boolean", "True", "InputFile"})


def _field_from_json(raw: Mapping[str, Any]) -> FieldSpec:
    return FieldSpec(
        name=str(raw["name"]),
        types=tuple(str(t) for t in raw.get("types", [])),
        required=bool(raw.get("required", False)),
        description=str(raw.get("description", "")),
    )


def _method_from_json(name: str, raw: Mapping[str, Any]) -> MethodSpec:
    return MethodSpec(
        name=name,
        fields=tuple(_field_from_json(f) for f in raw.get("fields", [])),
        returns=tuple(str(t) for t in raw.get("returns", [])),
    )


@functools.cache
def _load_default() -> ApiSpec:
    text = resources.files("bot.simulator").joinpath("data/api.json").read_text(encoding="utf-8")
    return ApiSpec(json.loads(text))
