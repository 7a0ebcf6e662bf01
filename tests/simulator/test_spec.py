"""The Bot API spec: loading, form decoding and Telegram-like validation."""

from __future__ import annotations

from bot.simulator.spec import ApiError, ApiSpec


def test_load_is_cached_and_complete() -> None:
    spec = ApiSpec.load()
    assert spec is ApiSpec.load()
    assert len(spec.methods) == 180
    send = spec.method("sendMessage")
    assert send is not None
    assert send.field("text") is not None
    assert send.returns == ("Message",)
    assert "accent_color_id" in spec.required_fields("ChatFullInfo")


def test_method_names_are_case_insensitive_like_telegram() -> None:
    spec = ApiSpec.load()
    method = spec.method("SENDmessage")
    assert method is not None
    assert method.name == "sendMessage"


def test_unknown_method_is_404() -> None:
    assert ApiSpec.load().validate("sendMessages", {}) == ApiError(404, "Not Found")


def test_missing_required_fields_are_400() -> None:
    spec = ApiSpec.load()
    assert spec.validate("sendMessage", {"text": "hi"}) == ApiError(
        400, "Bad Request: chat_id is empty"
    )
    assert spec.validate("sendMessage", {"chat_id": 1}) == ApiError(
        400, "Bad Request: message text is empty"
    )
    assert spec.validate("sendMessage", {"chat_id": 1, "text": ""}) == ApiError(
        400, "Bad Request: message text is empty"
    )
    assert spec.validate("getChatMember", {"chat_id": 1}) == ApiError(
        400, "Bad Request: user_id is required"
    )


def test_valid_call_and_unknown_extra_fields_pass() -> None:
    spec = ApiSpec.load()
    assert spec.validate("sendMessage", {"chat_id": 1, "text": "hi"}) is None
    assert spec.validate("sendMessage", {"chat_id": "@group", "text": "hi", "future": 1}) is None
    assert spec.validate("getMe", {}) is None


def test_wrong_types_are_400() -> None:
    spec = ApiSpec.load()
    error = spec.validate("sendMessage", {"chat_id": 1, "text": "hi", "reply_markup": "[oops"})
    assert error == ApiError(400, "Bad Request: can't parse reply_markup JSON object")
    error = spec.validate("sendMessage", {"chat_id": 1, "text": "hi", "disable_notification": 3})
    assert error is not None
    assert error.error_code == 400


def test_coerce_decodes_form_values_by_field_type() -> None:
    spec = ApiSpec.load()
    params = spec.coerce(
        "sendMessage",
        {
            "chat_id": "-1001",
            "text": "123",
            "reply_markup": '{"inline_keyboard": [[{"text": "Ja", "callback_data": "y"}]]}',
            "disable_notification": "true",
            "reply_parameters": '{"message_id": 4}',
        },
    )
    assert params == {
        "chat_id": -1001,
        "text": "123",
        "reply_markup": {"inline_keyboard": [[{"text": "Ja", "callback_data": "y"}]]},
        "disable_notification": True,
        "reply_parameters": {"message_id": 4},
    }


def test_coerce_keeps_strings_that_do_not_fit_the_field() -> None:
    spec = ApiSpec.load()
    params = spec.coerce("sendDocument", {"chat_id": "@ouders", "document": "12345"})
    assert params == {"chat_id": "@ouders", "document": "12345"}
    upload = {"filename": "a.txt", "content": b"x"}
    assert spec.coerce("sendDocument", {"document": upload}) == {"document": upload}


def test_coerce_decodes_arrays_and_unknown_fields() -> None:
    spec = ApiSpec.load()
    params = spec.coerce("getUpdates", {"allowed_updates": '["message"]', "offset": "7"})
    assert params == {"allowed_updates": ["message"], "offset": 7}
    assert spec.coerce("getMe", {"future_field": "[1]"}) == {"future_field": [1]}


def test_api_error_json_includes_retry_after() -> None:
    error = ApiError(429, "Too Many Requests: retry after 3", retry_after=3)
    assert error.to_json() == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 3",
        "parameters": {"retry_after": 3},
    }
