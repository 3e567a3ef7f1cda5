"""Babel extractor for the content in data/*.yaml.

A string is a catalog message when its key is one of TRANSLATABLE_KEYS (or it is an item of a list under
such a key). The sibling keys `translator_note` and `ko` become translator comments, and labels are
marked with their length limit.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

import yaml

TRANSLATABLE_KEYS = frozenset({"name", "title", "body", "label", "text", "summary", "question", "answer", "steps",
                               "intro", "hours", "languages", "nationality", "actions"})
#: Never extracted: citations, search words, Korean text, and hospital names (shown as written).
SKIPPED_KEYS = frozenset({"sources", "keywords", "ko", "romanization", "translator_note", "hospitals", "emergency",
                          "url", "id", "address"})
LABEL_LIMIT_NOTE = "Button label: at most 14 characters (KakaoTalk's limit)."
#: Keys that hold a reference, not text, under a given list (support_centers: name: main_center).
REFERENCE_KEYS = {"support_centers": frozenset({"name"})}


def _scalar(node: yaml.Node) -> str | None:
    return node.value if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":str") else None


def _comments(mapping: yaml.MappingNode, key: str) -> list[str]:
    comments = []
    for key_node, value_node in mapping.value:
        value = _scalar(value_node)
        if value is None:
            continue
        if key_node.value == "translator_note":
            comments.append(value)
        elif key_node.value == "ko":
            comments.append(f"Korean: {value}")
    if key == "label":
        comments.append(LABEL_LIMIT_NOTE)
    return comments


def _walk(node: yaml.Node, parent: str | None = None) -> Iterator[tuple[int, str, list[str]]]:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key in SKIPPED_KEYS or key in REFERENCE_KEYS.get(parent, ()):
                continue
            if key in TRANSLATABLE_KEYS:
                comments = _comments(node, key)
                text = _scalar(value_node)
                if text is not None and text.strip():
                    yield value_node.start_mark.line + 1, text, comments
                    continue
                if isinstance(value_node, yaml.SequenceNode):
                    for item in value_node.value:
                        text = _scalar(item)
                        if text is not None and text.strip():
                            yield item.start_mark.line + 1, text, comments
                        elif not isinstance(item, yaml.ScalarNode):  # a list of mappings (card actions): look inside
                            yield from _walk(item, key)
                    continue
            yield from _walk(value_node, key)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _walk(item, parent)


def extract_yaml(fileobj: IO[bytes], keywords, comment_tags, options) -> Iterator[tuple]:
    """Babel extractor entry point: yields (lineno, funcname, message, comments)."""
    root = yaml.compose(fileobj.read().decode(options.get("encoding", "utf-8")))
    if root is None:
        return
    for lineno, text, comments in _walk(root):
        yield lineno, None, text, comments
