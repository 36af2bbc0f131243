"""Deterministic identifiers: hashing, unique numbers, and how people type them."""

from __future__ import annotations

import numpy as np

_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def splitmix64(x: np.ndarray) -> np.ndarray:
    """A fast, well-mixed 64-bit hash (SplitMix64), vectorised."""
    with np.errstate(over="ignore"):
        z = np.asarray(x, dtype=np.uint64) + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def hash_keys(seed: int, *keys: np.ndarray) -> np.ndarray:
    """Hash several integer key columns (and the seed) into one uint64 per row."""
    h = splitmix64(np.full(np.broadcast(*keys).shape, seed, dtype=np.uint64))
    with np.errstate(over="ignore"):
        for key in keys:
            h = splitmix64(h ^ np.asarray(key).astype(np.int64).astype(np.uint64))
    return h


def unique_numbers(rng: np.random.Generator, n: int, low: int, high: int) -> np.ndarray:
    """n distinct integers in [low, high), in random order."""
    picked = np.zeros(0, dtype=np.int64)
    while len(picked) < n:
        draw = rng.integers(low, high, size=int(n * 1.3) + 16)
        both = np.concatenate([picked, draw])
        _, first = np.unique(both, return_index=True)
        picked = both[np.sort(first)]
    return picked[:n]


def zero_pad(values: np.ndarray, width: int) -> np.ndarray:
    return np.char.zfill(np.asarray(values).astype(np.int64).astype(str), width)


def ean13(twelve_digits: np.ndarray) -> np.ndarray:
    """Append the EAN-13 check digit to 12-digit numbers (as strings)."""
    text = zero_pad(twelve_digits, 12)
    digits = np.frombuffer("".join(text.tolist()).encode(), dtype=np.uint8).reshape(-1, 12) - 48
    weights = np.tile([1, 3], 6)
    check = (10 - (digits * weights).sum(axis=1) % 10) % 10
    return np.char.add(text, check.astype(str))


def messy_email(email: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """How people type e-mails: where mask is set, capitals and/or padding."""
    out = email.astype(object)
    idx = np.flatnonzero(mask & (email != ""))
    style = rng.integers(0, 3, size=len(idx))
    for kind in range(3):
        sel = idx[style == kind]
        if not len(sel):
            continue
        values = email[sel]
        if kind == 0:  # Capitalised first letter and domain
            values = np.char.add(np.char.capitalize(values), "")
        elif kind == 1:  # padded with spaces
            values = np.char.add(np.char.add(" ", values), " ")
        else:  # shouting
            values = np.char.upper(values)
        out[sel] = values
    return out.astype(str)


PHONE_STYLES = 5


def phone_as_typed(subscriber: np.ndarray, style: int) -> np.ndarray:
    """Dutch mobile numbers (+316 + 8 digits) in the formats people and systems use."""
    rest = np.char.zfill(np.asarray(subscriber).astype(str), 8)
    a = np.char.zfill((np.asarray(subscriber) // 10_000).astype(str), 4)
    b = np.char.zfill((np.asarray(subscriber) % 10_000).astype(str), 4)
    if style == 0:
        return np.char.add(np.char.add("+31 6 ", a), np.char.add(" ", b))  # +31 6 1234 5678
    prefix = ("", "00316", "06-", "06", "+316")[style]  # 0031612345678, 06-12345678, ...
    return np.char.add(prefix, rest)


def card_as_typed(card: np.ndarray, spaced: np.ndarray) -> np.ndarray:
    """Loyalty cards, printed as `2900 1234 5678 9` or scanned as digits."""
    card = np.asarray(card).astype(str)
    if not len(card):
        return card
    spaced_form = np.array([f"{c[:4]} {c[4:8]} {c[8:12]} {c[12:]}" for c in card.tolist()])
    return np.where(spaced, spaced_form, card)
