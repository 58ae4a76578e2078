"""Speed machinery for srp.py: big-integer backends and sliced modular powers.

Theory of operation
-------------------
A sign-in needs three modular exponentiations. Two have the fixed base ``G``
(``A = G^a`` and ``G^x``): they use a Lim-Lee comb table (8 tables of 255
entries, about 0.8 MB, built once per backend on first use under a lock), so
each costs 35 modular multiplications instead of about 256 squarings. The
secret ``a`` is 256 bits (RFC 5054 section 2.6 asks for at least 256), so the
one variable-base exponentiation, ``S``, has a ~512-bit exponent; it uses a
left-to-right sliding window (width 5).

Everything runs on one of two backends: ``gmpy2`` when it imports (GMP is ~8x
faster on 3072-bit numbers) or plain Python ints; ``srp.set_backend`` picks.

CPython's builtin ``pow()`` holds the GIL for its whole run (about 11 ms for
a 512-bit exponent in pure Python), which would stall the event-loop thread
for that long. So the exponentiations here are done in slices of bounded
work (about 0.4 ms), and a ``Meter`` calls a hook between slices: passing
``release_gil`` (``time.sleep(0)``) hands the GIL to a waiting event-loop
thread. Measured setup that keeps the event loop's longest stall under about
2 ms with 50 concurrent sign-ins: one dedicated worker thread for all SRP work
(``_worker.py``), and ``release_gil`` as the hook.
"""

from __future__ import annotations

import importlib
import os
import threading
import time
from collections.abc import Callable
from typing import Final, Literal

import attrs

__all__ = [
    "SECRET_BITS",
    "Backend",
    "Meter",
    "comb_table",
    "gmpy2_backend",
    "pow_g",
    "pow_var",
    "python_backend",
    "release_gil",
    "square_times",
]

#: Bits of the client's secret exponent, and so of the comb table's exponents.
SECRET_BITS: Final[int] = 256


@attrs.frozen
class Backend:
    """One arithmetic backend: how to turn ints into its numbers, and constants."""

    name: Literal["python", "gmpy2"]
    # gmpy2.mpz implements *, %, ==, bool and three-argument pow() exactly like
    # int for non-negative operands, so the algorithms below are written once,
    # typed as int, and fed mpz values by this converter on the gmpy2 backend.
    residue: Callable[[int], int]
    # Modular multiplications per slice between two yield_hook calls, sized so
    # that a slice takes about 0.4 ms here (17 us per 3072-bit op in CPython,
    # 2.3 us with GMP).
    slice_ops: int
    n: int
    k: int
    g: int


def python_backend(n: int, k: int, g: int) -> Backend:
    """Plain Python ints."""
    return Backend(name="python", residue=int, slice_ops=24, n=n, k=k, g=g)


def gmpy2_backend(n: int, k: int, g: int) -> Backend | None:
    """GMP through gmpy2, when it imports (the ``fast`` extra)."""
    try:
        # import_module keeps mypy from needing stubs gmpy2 does not ship.
        gmpy2 = importlib.import_module("gmpy2")
    except ImportError:
        return None
    mpz: Callable[[int], int] = gmpy2.mpz
    return Backend(name="gmpy2", residue=mpz, slice_ops=160, n=mpz(n), k=mpz(k), g=mpz(g))


# --------------------------------------------------------------------------
# Sliced modular exponentiation
# --------------------------------------------------------------------------


class Meter:
    """Counts modular multiplications and calls the hook once per slice."""

    __slots__ = ("_budget", "_hook", "_used")

    def __init__(self, hook: Callable[[], object] | None, budget: int) -> None:
        self._hook = hook
        # Without a hook there is nothing to interleave, so no slicing at all.
        self._budget = budget if hook is not None else 1 << 62
        self._used = 0

    def room(self) -> int:
        return max(1, self._budget - self._used)

    def spend(self, ops: int) -> None:
        self._used += ops
        if self._used >= self._budget:
            self._used = 0
            assert self._hook is not None
            self._hook()


def square_times(be: Backend, value: int, times: int, meter: Meter) -> int:
    """value ** (2 ** times) mod N, in slices."""
    while times > 0:
        step = min(times, meter.room())
        # pow() with a power-of-two exponent is exactly `step` squarings in C.
        value = pow(value, 1 << step, be.n)
        meter.spend(step)
        times -= step
    return value


_WINDOW: Final[int] = 5


def pow_var(be: Backend, base: int, exponent: int, meter: Meter) -> int:
    """base ** exponent mod N for a variable base: sliding window, sliced."""
    if exponent == 0:
        return be.residue(1)
    b = base % be.n
    b2 = b * b % be.n
    odd = [b]  # odd[i] = b ** (2 * i + 1)
    for _ in range((1 << (_WINDOW - 1)) - 1):
        odd.append(odd[-1] * b2 % be.n)
    meter.spend(len(odd))
    bits = format(exponent, "b")
    result: int | None = None
    pending = 0  # squarings owed to `result` before the next multiplication
    i = 0
    while i < len(bits):
        if bits[i] == "0":
            pending += 1
            i += 1
            continue
        # The longest window of at most _WINDOW bits that starts and ends in 1.
        window = bits[i : i + _WINDOW].rstrip("0")
        factor = odd[int(window, 2) >> 1]
        if result is None:
            result = factor
        else:
            result = square_times(be, result, pending + len(window), meter)
            result = result * factor % be.n
            meter.spend(1)
        pending = 0
        i += len(window)
    assert result is not None  # exponent > 0 has a leading 1
    return square_times(be, result, pending, meter)


# Lim-Lee comb for the fixed base G: the 256-bit exponent is read as 8 rows
# of 32 bits; table j holds, for every 8-bit mask m, the product of
# G ** (2 ** (32 * r + 4 * j)) over the rows r set in m. An exponentiation is
# then 3 squarings and at most 32 multiplications by table entries.
_COMB_ROWS: Final[int] = 8
_COMB_TABLES: Final[int] = 8
_COMB_ROW_BITS: Final[int] = SECRET_BITS // _COMB_ROWS  # 32
_COMB_STEP: Final[int] = _COMB_ROW_BITS // _COMB_TABLES  # 4

_comb_cache: dict[str, tuple[tuple[int, ...], ...]] = {}
_comb_lock = threading.Lock()


def _new_lock_in_child() -> None:
    # A fork while another thread builds the table would leave the child a
    # lock that nobody will ever release; the unfinished table was never
    # cached, so the child simply builds its own.
    global _comb_lock  # noqa: PLW0603 - the lock is module state, like the table it guards
    _comb_lock = threading.Lock()


if hasattr(os, "register_at_fork"):  # pragma: no branch - POSIX
    os.register_at_fork(after_in_child=_new_lock_in_child)


def comb_table(be: Backend, meter: Meter) -> tuple[tuple[int, ...], ...]:
    table = _comb_cache.get(be.name)
    if table is not None:
        return table
    # A lock, not functools.cache: concurrent first calls must not all spend
    # ~40 ms building the same table.
    with _comb_lock:
        table = _comb_cache.get(be.name)
        if table is None:
            table = _build_comb(be, meter)
            _comb_cache[be.name] = table
    return table


def _build_comb(be: Backend, meter: Meter) -> tuple[tuple[int, ...], ...]:
    # powers[i] = G ** (2 ** (4 * i)): every base a table entry is made of.
    powers = [be.g]
    for _ in range(SECRET_BITS // _COMB_STEP - 1):
        powers.append(square_times(be, powers[-1], _COMB_STEP, meter))
    tables = []
    for j in range(_COMB_TABLES):
        row_bases = [powers[(_COMB_ROW_BITS * r + _COMB_STEP * j) // _COMB_STEP]
                     for r in range(_COMB_ROWS)]  # fmt: skip
        entries = [be.residue(1)]
        for mask in range(1, 1 << _COMB_ROWS):
            low = (mask & -mask).bit_length() - 1
            entries.append(entries[mask & (mask - 1)] * row_bases[low] % be.n)
            meter.spend(1)
        tables.append(tuple(entries))
    return tuple(tables)


def pow_g(be: Backend, exponent: int, meter: Meter) -> int:
    """G ** exponent mod N: comb table for up to 256 bits, else sliding window."""
    if exponent.bit_length() > SECRET_BITS:
        # Only callers that bring their own oversized secret get here (the
        # JS client draws 1024-bit values); correct, just without the table.
        return pow_var(be, be.g, exponent, meter)
    tables = comb_table(be, meter)
    row_mask = (1 << _COMB_ROW_BITS) - 1
    rows = [(exponent >> (_COMB_ROW_BITS * r)) & row_mask for r in range(_COMB_ROWS)]
    result: int | None = None
    for bit in range(_COMB_STEP - 1, -1, -1):
        if result is not None:
            result = result * result % be.n
            meter.spend(1)
        for j, table in enumerate(tables):
            shift = _COMB_STEP * j + bit
            mask = 0
            for r, row in enumerate(rows):
                mask |= ((row >> shift) & 1) << r
            if mask:
                if result is None:
                    result = table[mask]
                else:
                    result = result * table[mask] % be.n
                    meter.spend(1)
    return result if result is not None else be.residue(1)


def release_gil() -> None:
    """A ``yield_hook`` for worker threads: let a waiting thread take the GIL.

    ``time.sleep(0)`` drops the GIL for a moment, and a thread blocked on it
    (the event loop, woken by its selector) takes it then, instead of waiting
    for CPython's 5 ms switch interval. With one dedicated worker thread this
    kept the longest event-loop stall under 2 ms in benchmarks/srp.py.
    """
    time.sleep(0)
