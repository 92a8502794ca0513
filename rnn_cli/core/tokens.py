"""Words to tokens to a vocabulary: pure Python, no torch.

A token is a grapheme cluster of the NFC form of a word, so a token is what a reader sees:
``e`` + combining accent is one token, an emoji family joined by zero-width joiners is one
token, and two canonically equivalent spellings give the same tokens.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, get_args

from .config import Tokenizer
from .errors import BadInput, SettingNames, quoted

#: Longest word, in tokens, that a run accepts unless told otherwise.
DEFAULT_MAX_STEPS = 10_000


@functools.cache
def _grapheme_pattern() -> Any:
    import regex  # only words beyond ASCII need it

    return regex.compile(r"\X")


def tokenize(word: str, tokenizer: Tokenizer = "graphemes") -> list[str]:
    """Split one word into grapheme clusters of its NFC form, or into raw code points."""
    if tokenizer == "codepoints" or (word.isascii() and "\r" not in word):
        return list(word)  # every ASCII character but CR LF is its own cluster
    clusters: list[str] = _grapheme_pattern().findall(unicodedata.normalize("NFC", word))
    return clusters


def check_word(word: object, where: str) -> str:
    """Refuse what cannot be a word; ``where`` names it in the message ("word 2": words count
    from 0, as the batch's rows, --steps and the explorer count them)."""
    if not isinstance(word, str):
        raise BadInput(f"{where} must be text, not {type(word).__name__}")
    if not word:
        raise BadInput(f"{where} is empty")
    if "\x00" in word:
        raise BadInput(f"{where} contains a NUL byte")
    try:
        word.encode("utf-8")
    except UnicodeEncodeError as error:
        raise BadInput(
            f"{where} is not valid UTF-8 (undecodable byte or lone surrogate at character {error.start + 1})"
        ) from None
    return word


@dataclass(frozen=True)
class Tokenized:
    """Words, their tokens and the vocabulary, everything before torch.

    ``flat`` is every token's vocabulary index, word after word: bytes when each index fits
    in one (the common, all-ASCII case, built without a Python loop per token), else a list.
    ``vocabulary_given``: the vocabulary is in the caller's order, not first-appearance order.
    """

    words: list[str]
    tokens: list[list[str]]
    vocabulary: list[str]
    lengths: list[int]
    flat: bytes | list[int]
    vocabulary_given: bool = False


def tokenize_words(
    words: Sequence[str],
    vocab: str | Sequence[str] | None = None,
    *,
    max_steps: int = DEFAULT_MAX_STEPS,
    tokenizer: Tokenizer = "graphemes",
    names: Mapping[str, str] | None = None,
) -> Tokenized:
    """Tokenize ``words`` and index them against ``vocab`` or first-appearance order.

    ``names`` maps ``tokenizer``, ``vocab`` and ``max_steps`` to what the caller calls them.
    """
    name = SettingNames(names or {})
    if tokenizer not in get_args(Tokenizer):
        raise BadInput(f"{name['tokenizer']} must be one of {', '.join(get_args(Tokenizer))} (got {quoted(tokenizer)})")
    if isinstance(words, str) or not isinstance(words, Sequence):
        raise BadInput("words must be a list of strings")
    if not words:
        raise BadInput("no words given: pass words as arguments, on stdin, or with --file")
    checked = list(words)
    joined = "".join(checked) if all(type(w) is str for w in checked) else None
    if joined is not None and joined.isascii() and "\r" not in joined and "\x00" not in joined and all(checked):
        tokens = [list(w) for w in checked]  # every ASCII character but CR LF is its own cluster
    else:
        checked = [check_word(w, f"word {i}") for i, w in enumerate(checked)]  # from 0, as the batch's rows
        tokens = [tokenize(w, tokenizer) for w in checked]
        joined = None
    lengths = [len(t) for t in tokens]
    if max(lengths) > max_steps:
        i = next(i for i, n in enumerate(lengths) if n > max_steps)
        raise BadInput(
            f"word {i} {quoted(checked[i])} has {lengths[i]} tokens; the limit is {max_steps} ({name['max_steps']})"
        )
    if vocab is not None:
        vocabulary = _explicit_vocabulary(vocab, tokens, tokenizer, name["vocab"])
    else:
        vocabulary = list(dict.fromkeys(joined)) if joined is not None else _first_seen(tokens)
    flat: bytes | list[int]
    if joined is not None and all(len(t) == 1 and t.isascii() for t in vocabulary):
        table = bytearray(256)
        for i, tok in enumerate(vocabulary):
            table[ord(tok)] = i
        flat = joined.encode("ascii").translate(table)
    else:
        index = {tok: i for i, tok in enumerate(vocabulary)}
        flat = [index[t] for toks in tokens for t in toks]
    return Tokenized(checked, tokens, vocabulary, lengths, flat, vocabulary_given=vocab is not None)


def _first_seen(tokens: Iterable[list[str]]) -> list[str]:
    seen: dict[str, None] = {}
    for toks in tokens:
        seen.update(dict.fromkeys(toks))
    return list(seen)


def _explicit_vocabulary(
    vocab: str | Sequence[str], tokens: list[list[str]], tokenizer: Tokenizer, name: str
) -> list[str]:
    if isinstance(vocab, str):
        order = tokenize(check_word(vocab, name), tokenizer)
    else:
        order = [check_word(v, f"{name} entry") for v in vocab]
        if tokenizer == "graphemes":
            order = [unicodedata.normalize("NFC", v) for v in order]
    seen: set[str] = set()
    for tok in order:
        if tok in seen:
            raise BadInput(f"{name} lists token {quoted(tok)} twice")
        seen.add(tok)
    for i, toks in enumerate(tokens):
        for tok in toks:
            if tok not in seen:
                raise BadInput(f"token {quoted(tok)} of word {i} is not in {name}")
    return order
