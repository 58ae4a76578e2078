"""The command line's terminal: prompts, progress, QR codes, exit codes.

Everything the person types goes through a ``Console``. The real one,
``TerminalConsole``, talks to the controlling terminal (``/dev/tty``) rather
than to stdout, so ``--json`` output stays clean, and reads secrets with
``getpass`` (no echo, nothing in any history). Without a terminal it falls
back to stderr for prompts and stdin for answers, as ``getpass`` does; what
must never reach a file (a QR code, an authenticator secret) then is refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import io
import itertools
import os
import sys
import time
import warnings
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from typing import Protocol, Self, TextIO

import attrs

__all__ = [
    "EXIT_INTERRUPTED",
    "EXIT_INVALID_TOKEN",
    "EXIT_OK",
    "EXIT_REFUSED",
    "EXIT_TRANSPORT",
    "EXIT_UNSUPPORTED",
    "EXIT_USAGE",
    "CliError",
    "Console",
    "NoQrCodeError",
    "TerminalConsole",
    "choose",
    "qr_lines",
]

#: The exit codes, documented in ``--help`` and the README.
EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_TRANSPORT = 3
EXIT_UNSUPPORTED = 4
EXIT_INVALID_TOKEN = 5
EXIT_INTERRUPTED = 130


class CliError(Exception):
    """A failure the command line reports in one line, with its exit code."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


class NoQrCodeError(CliError):
    """segno (the ``web`` extra) is not installed: no QR code can be drawn."""


class Console(Protocol):
    """Where prompts, answers and progress go (a terminal, or a test's script)."""

    def say(self, text: str) -> None:
        """A line for the person (stderr): never data, never a secret."""

    def ask(self, prompt: str) -> str:
        """An answer that may be shown as it is typed (a user name, a menu choice)."""

    def ask_secret(self, prompt: str) -> str:
        """An answer that is not echoed: a password, a code, a token."""

    def show_private(self, text: str) -> None:
        """Show text that holds a secret on the terminal only, never in a file."""

    def show_qr_code(self, uri: str) -> None:
        """Draw ``uri`` as a QR code on the terminal only (it holds a secret)."""

    def progress(self, label: str) -> contextlib.AbstractAsyncContextManager[None]:
        """Show that something is being waited for, while the block runs."""


def choose(
    console: Console, title: str, options: Sequence[str], notes: Mapping[str, str] | None = None
) -> str:
    """A numbered menu: the person types a number or the option itself."""
    console.say(title)
    for number, option in enumerate(options, 1):
        note = (notes or {}).get(option)
        console.say(f"  {number}. {option}" + (f" ({note})" if note else ""))
    for _ in range(3):
        answer = console.ask(f"Choose 1-{len(options)}: ").strip()
        if answer.isdigit() and 1 <= int(answer) <= len(options):
            return options[int(answer) - 1]
        if answer in options:
            return answer
        console.say(f"Type a number from 1 to {len(options)}.")
    raise CliError("no valid choice was made")


# -- the terminal ---------------------------------------------------------------


def open_tty(path: str = "/dev/tty") -> TextIO | None:
    """The controlling terminal, as getpass opens it; None when there is none."""
    if os.name != "posix":  # pragma: no cover - getpass uses the console there
        return None
    try:
        fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
    except OSError:
        return None
    try:
        raw = io.FileIO(fd, "r+")
    except OSError:  # pragma: no cover - an fd that open() just returned
        os.close(fd)
        return None
    return io.TextIOWrapper(raw, encoding=None, errors="replace", line_buffering=True)


#: Frames of the progress indicator: plain ASCII, drawn on any terminal.
_FRAMES = "|/-\\"
#: Waits shorter than this show nothing; the indicator would only flicker.
_QUIET = 0.25


@attrs.define
class _Spinner:
    """The progress line on stderr: a label, a turning bar and the seconds waited."""

    stream: TextIO
    label: str
    started: float = attrs.field(factory=time.monotonic)
    quiet_until: float = attrs.field(factory=lambda: time.monotonic() + _QUIET)
    width: int = 0

    def draw(self, frame: int) -> None:
        now = time.monotonic()
        if now < self.quiet_until:
            return
        text = f"{self.label} {_FRAMES[frame % len(_FRAMES)]} {now - self.started:.0f}s"
        self.stream.write("\r" + text.ljust(self.width))
        self.stream.flush()
        self.width = len(text)

    def clear(self) -> None:
        if self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
            self.width = 0
        # After a prompt or a message, a short wait shows nothing again.
        self.quiet_until = time.monotonic() + _QUIET


@attrs.define
class TerminalConsole:
    """The real console: the terminal for prompts, stderr for messages and progress.

    Use it as a context manager: it opens ``/dev/tty`` and closes it again.
    """

    stderr: TextIO = attrs.field(factory=lambda: sys.stderr)
    stdin: TextIO = attrs.field(factory=lambda: sys.stdin)
    _tty: TextIO | None = attrs.field(default=None, init=False)
    _spinner: _Spinner | None = attrs.field(default=None, init=False)

    def __enter__(self) -> Self:
        self._tty = open_tty()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._tty is not None:
            with contextlib.suppress(OSError):
                self._tty.close()
            self._tty = None

    def _pause(self) -> None:
        if self._spinner is not None:
            self._spinner.clear()

    def say(self, text: str) -> None:
        """A line on stderr."""
        self._pause()
        self.stderr.write(text + "\n")
        self.stderr.flush()

    def ask(self, prompt: str) -> str:
        """A line typed on the terminal (stdin without one), shown as typed."""
        self._pause()
        if self._tty is None:
            return self._piped(prompt)
        self._tty.write(prompt)
        self._tty.flush()
        line = self._tty.readline()
        if not line:
            raise EOFError("the input ended")
        return line.rstrip("\r\n")

    def _piped(self, prompt: str) -> str:
        """No terminal: the prompt on stderr, the answer from stdin, where nothing echoes it."""
        self.stderr.write(prompt)
        self.stderr.flush()
        line = self.stdin.readline()
        if not line:
            raise EOFError("the input ended")
        self.stderr.write("\n")  # the Enter no terminal echoed
        return line.rstrip("\r\n")

    def ask_secret(self, prompt: str) -> str:
        """A line typed without echo (getpass); from stdin when there is no terminal."""
        self._pause()
        if self._tty is None and not _isatty(self.stdin):
            # Piped in, nothing echoes it; getpass would warn that it "may be
            # echoed", which is not so.
            return self._piped(prompt)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", getpass.GetPassWarning)
            return getpass.getpass(prompt, stream=self.stderr)

    def show_private(self, text: str) -> None:
        """Write to the terminal device itself; refuse when there is none."""
        tty = self._private_tty()
        self._pause()
        tty.write(text if text.endswith("\n") else text + "\n")
        tty.flush()

    def show_qr_code(self, uri: str) -> None:
        """Draw the QR code on the terminal device; refuse when there is none."""
        lines = qr_lines(uri, unicode=can_draw_half_blocks(self._private_tty()))
        self.show_private("\n".join(lines))

    def _private_tty(self) -> TextIO:
        if self._tty is None:
            raise CliError(
                "this step shows a secret (a QR code) and needs a terminal: "
                "run the command in an interactive terminal"
            )
        return self._tty

    @contextlib.asynccontextmanager
    async def progress(self, label: str) -> AsyncIterator[None]:
        """A spinner on stderr while the block awaits, when stderr is a terminal."""
        if not _isatty(self.stderr) or self._spinner is not None:
            yield
            return
        spinner = self._spinner = _Spinner(self.stderr, label)
        loop = asyncio.get_running_loop()
        frames = itertools.count()
        timer: asyncio.Handle

        # Timer callbacks, not a task: a Ctrl-C that lands in a frame's
        # drawing then leaves run_forever at once, and no task is left
        # holding a KeyboardInterrupt that nobody retrieves.
        def turn() -> None:
            nonlocal timer
            spinner.draw(next(frames))
            timer = loop.call_later(0.1, turn)

        timer = loop.call_soon(turn)
        try:
            yield
        finally:
            timer.cancel()
            spinner.clear()
            self._spinner = None


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


# -- QR codes in the terminal -----------------------------------------------------

#: Black modules on a white ground whatever the terminal's colours: scanners
#: read dark-on-light codes, and a dark theme would invert plain characters.
_ON = "\x1b[30;107m"
_OFF = "\x1b[0m"
#: Two rows of modules per line of text: (top dark, bottom dark) -> character.
_HALF_BLOCKS = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}
#: The quiet zone the QR standard asks for, in modules.
_BORDER = 4


def qr_lines(uri: str, *, unicode: bool = True) -> list[str]:
    """The QR code of ``uri`` as terminal lines, with its quiet zone.

    With ``unicode``, half blocks draw two rows of modules per line (a
    version-5 code is 45 columns by 23 lines); without, each module is two
    coloured spaces on one line. Needs segno (the ``web`` extra).
    """
    try:
        import segno
    except ImportError:
        raise NoQrCodeError(
            'drawing the QR code needs the "web" extra: pip install "cognito-flow[web]" '
            "(or pass --show-secret to type the key into the app by hand)"
        ) from None
    code = segno.make(uri, error="m", micro=False)
    rows = [[bool(module) for module in row] for row in code.matrix_iter(border=_BORDER)]
    if not unicode:
        return [
            "".join(("\x1b[40m  " if dark else "\x1b[107m  ") for dark in row) + _OFF
            for row in rows
        ]
    if len(rows) % 2:
        rows.append([False] * len(rows[0]))
    return [
        _ON + "".join(_HALF_BLOCKS[pair] for pair in zip(top, bottom, strict=True)) + _OFF
        for top, bottom in _pairs(rows)
    ]


def _pairs(rows: Sequence[list[bool]]) -> Iterable[tuple[list[bool], list[bool]]]:
    return zip(rows[::2], rows[1::2], strict=True)


def can_draw_half_blocks(stream: TextIO) -> bool:
    """Whether the stream's encoding has the half-block characters."""
    encoding = getattr(stream, "encoding", None) or "ascii"
    try:
        "▀▄█".encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True
