"""Telegram HTML parse mode: validation, plain text, entities and length limits."""

from __future__ import annotations

import html

from hypothesis import given
from hypothesis import strategies as st

from bot.simulator.html_check import (
    check_html,
    parse_html,
    parse_message_text,
    utf16_len,
)

PREFIX = "Bad Request: can't parse entities: "


def test_valid_nested_html_is_accepted() -> None:
    text = '<b>Hoi <i>allemaal</i></b>, zie <a href="https://example.org/?a=1&amp;b=2">dit</a>'
    plain, error = check_html(text)
    assert error is None
    assert plain == "Hoi allemaal, zie dit"


def test_all_supported_tags() -> None:
    text = (
        "<strong>a</strong><em>b</em><u>c</u><ins>d</ins><s>e</s><strike>f</strike><del>g</del>"
        '<span class="tg-spoiler">h</span><tg-spoiler>i</tg-spoiler><code>j</code>'
        '<pre><code class="language-python">k</code></pre><blockquote>l</blockquote>'
        '<blockquote expandable>m</blockquote><tg-emoji emoji-id="5368324170671202286">n'
        "</tg-emoji>"
    )
    parsed = parse_html(text)
    assert parsed.error is None
    assert parsed.plain == "abcdefghijklmn"
    kinds = [e["type"] for e in parsed.entities]
    assert kinds.count("bold") == 1
    assert "expandable_blockquote" in kinds
    pre = next(e for e in parsed.entities if e["type"] == "pre")
    assert pre["language"] == "python"


def test_entities_use_utf16_offsets() -> None:
    parsed = parse_html("😀 <b>vet</b>")
    assert parsed.plain == "😀 vet"
    assert parsed.entities == [{"type": "bold", "offset": 3, "length": 3}]


def test_html_entities_are_decoded() -> None:
    plain, error = check_html("&lt;b&gt; &amp; &quot;x&quot; &#65;&#x42;")
    assert error is None
    assert plain == '<b> & "x" AB'


def test_unsupported_tag_reports_byte_offset() -> None:
    _, error = check_html("é <br> x")
    assert error == PREFIX + 'Unsupported start tag "br" at byte offset 3'


def test_unbalanced_tags_are_rejected() -> None:
    assert check_html("<b>x</i>")[1] == (
        PREFIX + 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'
    )
    assert check_html("<b>x")[1] == PREFIX + 'Can\'t find end tag corresponding to start tag "b"'
    assert check_html("x</b>")[1] == PREFIX + "Unexpected end tag at byte offset 1"
    assert check_html("<b>x</b")[1] == PREFIX + "Unclosed end tag at byte offset 4"
    assert check_html("<b x")[1] == PREFIX + "Unclosed start tag at byte offset 0"


def test_bare_lt_and_amp_are_rejected() -> None:
    assert check_html("a < b")[1] == PREFIX + 'Unsupported start tag "" at byte offset 2'
    error = check_html("Tom & Jerry")[1]
    assert error is not None
    assert error.startswith(PREFIX)
    assert check_html("&nbsp;")[1] == PREFIX + 'Unsupported HTML entity "&nbsp;" at byte offset 0'


def test_span_needs_spoiler_class_and_emoji_needs_id() -> None:
    assert check_html("<span>x</span>")[1] is not None
    assert check_html('<span class="red">x</span>')[1] is not None
    assert check_html("<tg-emoji>x</tg-emoji>")[1] is not None


def test_utf16_len_counts_surrogate_pairs() -> None:
    assert utf16_len("abc") == 3
    assert utf16_len("😀") == 2
    assert utf16_len("é") == 1


def test_text_limit_is_4096_utf16_units_after_parsing() -> None:
    assert parse_message_text("a" * 4096, None).error is None
    assert parse_message_text("a" * 4097, None).error == "Bad Request: message is too long"
    # Tags do not count, decoded entities count once.
    assert parse_message_text("<b>" + "a" * 4096 + "</b>", "HTML").error is None
    assert parse_message_text("&amp;" * 4096, "html").error is None
    assert parse_message_text("😀" * 2049, None).error == "Bad Request: message is too long"


def test_caption_limit_is_1024() -> None:
    assert parse_message_text("a" * 1024, None, caption=True).error is None
    too_long = parse_message_text("a" * 1025, None, caption=True).error
    assert too_long == "Bad Request: message caption is too long"
    assert parse_message_text("", None, caption=True).error is None


def test_empty_after_parsing_is_rejected() -> None:
    assert parse_message_text("<b></b>", "HTML").error == "Bad Request: message text is empty"
    assert parse_message_text("  \n", None).error == "Bad Request: message text is empty"


def test_html_only_checked_in_html_mode() -> None:
    assert parse_message_text("a < b & c", None).plain == "a < b & c"
    assert parse_message_text("a < b", "HTML").error is not None
    assert parse_message_text("x", "Bogus").error == "Bad Request: unsupported parse_mode"


@given(st.text(min_size=1))
def test_escaped_text_round_trips(text: str) -> None:
    plain, error = check_html(html.escape(text))
    assert error is None
    assert plain == text
