"""Every limit Slack documents for the Block Kit fields, views and messages the bot uses, with the page it comes from.

One row per (object kind, field). ``check_object`` applies the rows for one JSON object; the fake Slack
(tests/fakes/slack_api.py) calls it on every object of every ``blocks``/``view`` it receives, and the view sweep
(tests/unit/test_view_limits.py) on every surface the bot builds. Messages follow Slack's wording
("must be less than 76 characters"), with the JSON pointer added by the caller.

Field paths: ``a.b`` reads a nested key, ``a.*`` every item of a list, ``#a`` counts the items of a list,
``@a`` measures the UTF-8 JSON size of a value in bytes. ``hard=False`` rows are Slack's recommendations: the fake
accepts them, the sweep requires them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ["LIMITS", "Limit", "check_object", "limits_for"]

_BLOCKS = "https://docs.slack.dev/reference/block-kit/blocks"
_ELEMENTS = "https://docs.slack.dev/reference/block-kit/block-elements"
_OBJECTS = "https://docs.slack.dev/reference/block-kit/composition-objects"
_BUTTON = f"{_ELEMENTS}/button-element"
_CHECKBOXES = f"{_ELEMENTS}/checkboxes-element"
_RADIO = f"{_ELEMENTS}/radio-button-group-element"
_OVERFLOW = f"{_ELEMENTS}/overflow-menu-element"
_SELECT = f"{_ELEMENTS}/select-menu-element"
_MULTI_SELECT = f"{_ELEMENTS}/multi-select-menu-element"
_TEXT_INPUT = f"{_ELEMENTS}/plain-text-input-element"
_URL_INPUT = f"{_ELEMENTS}/url-input-element"
_NUMBER_INPUT = f"{_ELEMENTS}/number-input-element"
_IMAGE_ELEMENT = f"{_ELEMENTS}/image-element"
_OPTION = f"{_OBJECTS}/option-object"
_OPTION_GROUP = f"{_OBJECTS}/option-group-object"
_CONFIRM = f"{_OBJECTS}/confirmation-dialog-object"
_SECTION = f"{_BLOCKS}/section-block"
_HEADER = f"{_BLOCKS}/header-block"
_CONTEXT = f"{_BLOCKS}/context-block"
_ACTIONS = f"{_BLOCKS}/actions-block"
_INPUT = f"{_BLOCKS}/input-block"
_IMAGE_BLOCK = f"{_BLOCKS}/image-block"
_MODAL = "https://docs.slack.dev/reference/views/modal-views"
_HOME = "https://docs.slack.dev/reference/views/home-tab-views"
_SURFACES = "https://docs.slack.dev/surfaces"
_POST = "https://docs.slack.dev/reference/methods/chat.postMessage"
_TRUNCATION = "https://api.slack.com/changelog/2018-04-truncating-really-long-messages"
_METADATA = "https://docs.slack.dev/messaging/message-metadata"


@dataclass(frozen=True)
class Limit:
    kind: str  # a block/element `type`, or "option", "option_group", "confirm", "modal", "home", "message", "*"
    field: str  # see the module docstring
    max: int
    source: str
    min: int = 0
    hard: bool = True  # False: Slack recommends it but does not reject

    def values(self, node: dict[str, Any]) -> Iterator[tuple[str, Any]]:
        """(pointer suffix, value) for each value this row constrains in `node`; nothing when the field is absent."""
        path = self.field.lstrip("#@").split(".")
        yield from _walk(node, path, "")


def _walk(value: Any, path: list[str], pointer: str) -> Iterator[tuple[str, Any]]:
    if not path:
        yield pointer, value
        return
    head, rest = path[0], path[1:]
    if head == "*":
        if isinstance(value, list):
            for index, item in enumerate(value):
                yield from _walk(item, rest, f"{pointer}/{index}")
        return
    if isinstance(value, dict) and value.get(head) is not None:
        yield from _walk(value[head], rest, f"{pointer}/{head}")


_INPUT_ELEMENTS = (
    "plain_text_input",
    "url_text_input",
    "email_text_input",
    "number_input",
    "static_select",
    "multi_static_select",
    "external_select",
    "multi_external_select",
    "users_select",
    "multi_users_select",
    "conversations_select",
    "multi_conversations_select",
    "channels_select",
    "multi_channels_select",
    "datepicker",
    "timepicker",
)
_PLACEHOLDER_SOURCES = {
    "plain_text_input": _TEXT_INPUT,
    "url_text_input": _URL_INPUT,
    "number_input": _NUMBER_INPUT,
    "multi_users_select": _MULTI_SELECT,
    "multi_static_select": _MULTI_SELECT,
    "multi_conversations_select": _MULTI_SELECT,
}

LIMITS: tuple[Limit, ...] = (
    # Ids, on every block and element that carries them
    Limit("*", "action_id", 255, _ELEMENTS),
    Limit("*", "block_id", 255, _BLOCKS),
    # Composition objects
    Limit("option", "text.text", 75, _OPTION),
    Limit("option", "value", 150, _OPTION),
    Limit("option", "description.text", 75, _OPTION),
    Limit("option", "url", 3000, _OPTION),
    Limit("option_group", "label.text", 75, _OPTION_GROUP),
    Limit("option_group", "#options", 100, _OPTION_GROUP),
    Limit("confirm", "title.text", 100, _CONFIRM),
    Limit("confirm", "text.text", 300, _CONFIRM),
    Limit("confirm", "confirm.text", 30, _CONFIRM),
    Limit("confirm", "deny.text", 30, _CONFIRM),
    # Elements
    Limit("button", "text.text", 75, _BUTTON),
    Limit("button", "value", 2000, _BUTTON),
    Limit("button", "url", 3000, _BUTTON),
    Limit("button", "accessibility_label", 75, _BUTTON),
    Limit("overflow", "#options", 5, _OVERFLOW, min=2),
    Limit("checkboxes", "#options", 10, _CHECKBOXES, min=1),
    Limit("radio_buttons", "#options", 10, _RADIO, min=1),
    Limit("static_select", "#options", 100, _SELECT),
    Limit("static_select", "#option_groups", 100, _SELECT),
    Limit("multi_static_select", "#options", 100, _MULTI_SELECT),
    Limit("multi_static_select", "#option_groups", 100, _MULTI_SELECT),
    Limit("plain_text_input", "initial_value", 3000, _TEXT_INPUT),
    Limit("plain_text_input", "max_length", 3000, _TEXT_INPUT),
    Limit("image", "alt_text", 2000, _IMAGE_ELEMENT),
    Limit("image", "image_url", 3000, _IMAGE_BLOCK),
    Limit("image", "title.text", 2000, _IMAGE_BLOCK),
    *(Limit(kind, "placeholder.text", 150, _PLACEHOLDER_SOURCES.get(kind, _SELECT)) for kind in _INPUT_ELEMENTS),
    # Blocks
    Limit("header", "text.text", 150, _HEADER, min=1),
    Limit("section", "text.text", 3000, _SECTION, min=1),
    Limit("section", "#fields", 10, _SECTION),
    Limit("section", "fields.*.text", 2000, _SECTION),
    Limit("context", "#elements", 10, _CONTEXT, min=1),
    Limit("actions", "#elements", 25, _ACTIONS, min=1),
    Limit("input", "label.text", 2000, _INPUT, min=1),
    Limit("input", "hint.text", 2000, _INPUT),
    # Views
    Limit("modal", "title.text", 24, _MODAL, min=1),
    Limit("modal", "submit.text", 24, _MODAL),
    Limit("modal", "close.text", 24, _MODAL),
    Limit("modal", "private_metadata", 3000, _MODAL),
    Limit("modal", "callback_id", 255, _MODAL),
    Limit("modal", "external_id", 255, _MODAL),
    Limit("modal", "#blocks", 100, _SURFACES),
    Limit("home", "private_metadata", 3000, _HOME),
    Limit("home", "callback_id", 255, _HOME),
    Limit("home", "external_id", 255, _HOME),
    Limit("home", "#blocks", 100, _SURFACES),
    # Messages (chat.postMessage / chat.update / chat.postEphemeral / response_url)
    Limit("message", "#blocks", 50, _SURFACES),
    Limit("message", "text", 40_000, _TRUNCATION),
    Limit("message", "text", 4000, _POST, hard=False),  # "we recommend ... no more than 4,000 characters"
    Limit("message", "metadata.event_type", 255, _METADATA, hard=False),  # not published; a conservative cap
    Limit("message", "@metadata.event_payload", 8000, _METADATA, hard=False),  # not published; conservative
)

_BY_KIND: dict[str, tuple[Limit, ...]] = {}
for _limit in LIMITS:
    _BY_KIND[_limit.kind] = (*_BY_KIND.get(_limit.kind, ()), _limit)


def limits_for(kind: str) -> tuple[Limit, ...]:
    return _BY_KIND.get(kind, ())


def _measure(limit: Limit, value: Any) -> tuple[int, str] | None:
    if limit.field.startswith("#"):
        return (len(value), "items") if isinstance(value, list) else None
    if limit.field.startswith("@"):
        return len(json.dumps(value, ensure_ascii=False).encode("utf-8")), "bytes"
    if isinstance(value, str):
        return len(value), "characters"
    if isinstance(value, int) and not isinstance(value, bool):
        return value, "value"
    return None


def _problem(limit: Limit, size: int, unit: str) -> str | None:
    if unit == "value":
        return f"must be between {limit.min} and {limit.max}" if not limit.min <= size <= limit.max else None
    if size > limit.max:
        if unit == "items":
            return f"no more than {limit.max} items allowed (got {size})"
        return f"must be less than {limit.max + 1} {unit} (got {size})"
    if size < limit.min:
        if unit == "items":
            return f"must provide at least {limit.min} items (got {size})"
        return f"must be more than {limit.min - 1} {unit}"
    return None


def check_object(
    node: dict[str, Any], kind: str, pointer: str, *, include_advisory: bool = False
) -> list[tuple[str, str, Limit]]:
    """(pointer, message, limit) for each row of `kind` (and the "*" rows) that `node` breaks."""
    problems: list[tuple[str, str, Limit]] = []
    rows = limits_for(kind) + (limits_for("*") if kind not in ("modal", "home", "message") else ())
    for limit in rows:
        if not limit.hard and not include_advisory:
            continue
        for suffix, value in limit.values(node):
            measured = _measure(limit, value)
            if measured is None:
                continue
            message = _problem(limit, *measured)
            if message is not None:
                problems.append((f"{pointer}{suffix}", message, limit))
    return problems


def walk_objects(node: Any, pointer: str) -> Iterator[tuple[dict[str, Any], str, str]]:
    """(object, kind, pointer) for every block, element, option, option group and confirm dialog under `node`."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from walk_objects(item, f"{pointer}/{index}")
        return
    if not isinstance(node, dict):
        return
    kind = node.get("type")
    if isinstance(kind, str) and kind not in ("plain_text", "mrkdwn"):
        yield node, kind, pointer
    for key in ("options", "initial_options"):
        options = node.get(key)
        if isinstance(options, list):
            for index, option in enumerate(options):
                if isinstance(option, dict):
                    yield option, "option", f"{pointer}/{key}/{index}"
    groups = node.get("option_groups")
    if isinstance(groups, list):
        for g_index, group in enumerate(groups):
            if isinstance(group, dict):
                yield group, "option_group", f"{pointer}/option_groups/{g_index}"
                for index, option in enumerate(group.get("options") or []):
                    if isinstance(option, dict):
                        yield option, "option", f"{pointer}/option_groups/{g_index}/options/{index}"
    initial = node.get("initial_option")
    if isinstance(initial, dict):
        yield initial, "option", f"{pointer}/initial_option"
    confirm = node.get("confirm")
    if isinstance(confirm, dict) and confirm.get("type") not in ("plain_text", "mrkdwn"):
        yield confirm, "confirm", f"{pointer}/confirm"
    for key, value in node.items():
        if key in ("options", "initial_options", "option_groups", "initial_option", "confirm"):
            continue
        if isinstance(value, dict | list):
            yield from walk_objects(value, f"{pointer}/{key}")


def check_blocks(blocks: Any, pointer: str, *, include_advisory: bool = False) -> list[tuple[str, str, Limit]]:
    problems: list[tuple[str, str, Limit]] = []
    for node, kind, where in walk_objects(blocks, pointer):
        problems += check_object(node, kind, where, include_advisory=include_advisory)
    return problems


def check_view(
    view: dict[str, Any], pointer: str = "/view", *, include_advisory: bool = False
) -> list[tuple[str, str, Limit]]:
    kind = view.get("type")
    problems = check_object(view, kind, pointer, include_advisory=include_advisory) if isinstance(kind, str) else []
    return problems + check_blocks(view.get("blocks"), f"{pointer}/blocks", include_advisory=include_advisory)


def check_message(params: dict[str, Any], *, include_advisory: bool = False) -> list[tuple[str, str, Limit]]:
    problems = check_object(params, "message", "", include_advisory=include_advisory)
    problems += check_blocks(params.get("blocks"), "/blocks", include_advisory=include_advisory)
    attachments = params.get("attachments")
    if isinstance(attachments, list):
        for index, attachment in enumerate(attachments):
            if isinstance(attachment, dict):
                problems += check_object(attachment, "message", f"/attachments/{index}")
                problems += check_blocks(attachment.get("blocks"), f"/attachments/{index}/blocks")
    return problems
