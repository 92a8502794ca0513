"""The explorer: a Textual app of small widgets over one reactive Run.

A key that turns a knob makes new Options (``state.turned``) and plans them at once, as the
command line would: a refusal shows the command line's own message and changes nothing. A
plan that passes runs in a worker thread (``run_plan``, the command line's own run), and the
finished Run replaces the shown one; every widget is bound to it and redraws itself.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import shlex
import signal
import threading
from typing import TYPE_CHECKING, ClassVar

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, VerticalScroll
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Static, TabbedContent, TabPane
from textual.widgets._footer import FooterKey
from textual.worker import get_current_worker

from ...core.errors import BadInput, RunFailure
from ...core.explore import run_plan
from ...render.blocks import DEFAULT_WIDTH
from ...render.console import MIN_WIDTH
from ...render.sections import Section
from . import views
from .state import Run, change_text, command_line, planned, turned, with_words

if TYPE_CHECKING:
    from ...core.explore import Plan
    from ...core.result import Result
    from ..options import Options

#: From this many columns the shapes stand beside the panes, not above them.
WIDE = 150
#: The panes below the shapes, in tab order: name and title.
PANES = {"diagram": "diagram", "values": "values (heatmap)", "mistakes": "mistakes", "step": "step"}
#: What the message line says when there is nothing to say.
HINT = Text("what the last key changed is marked in yellow; ? lists every key", style="dim")
#: Where ``e`` writes when the command line named no --svg or --html file.
EXPORTS = ("rnn-shapes.svg", "rnn-shapes.html")


class View(Static):
    """A pane drawn from the shown run (and the chosen word and step); it redraws itself when
    any of them changes, or its width does."""

    shown: reactive[Run | None] = reactive(None)
    word = reactive(0)
    step = reactive(0)

    #: Whether the chosen word and step change what it draws.
    SELECTED: ClassVar[bool] = False

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id)
        self.drawn: RenderableType = ""
        self._width = 0

    def draw(self, run: Run, word: int, step: int, width: int) -> RenderableType:
        raise NotImplementedError

    def redraw(self) -> None:
        run = self.shown
        if run is None:
            return
        word, step = min(self.word, run.rows - 1), min(self.step, run.steps - 1)
        self._width = self.size.width
        self.drawn = self.draw(run, word, step, self._width or self.app.size.width or DEFAULT_WIDTH)
        self.update(self.drawn)

    def watch_shown(self) -> None:
        self.redraw()

    def watch_word(self) -> None:
        self.redraw()

    def watch_step(self) -> None:
        self.redraw()

    def on_resize(self) -> None:
        if self.size.width != self._width:  # a new height alone is what the last drawing made
            self.redraw()

    def plain(self) -> str:
        """What the pane shows, as text (for tests and for a reader of a log)."""
        console = Console(file=io.StringIO(), width=self.size.width or 120, color_system=None, highlight=False)
        with console.capture() as capture:
            console.print(self.drawn)
        return "\n".join(line.rstrip() for line in capture.get().splitlines())


class SettingsView(View):
    def draw(self, run: Run, word: int, step: int, width: int) -> RenderableType:
        return views.settings(run)


class ShapesView(View):
    def draw(self, run: Run, word: int, step: int, width: int) -> RenderableType:
        return views.shapes(run)


class DiagramView(View):
    def draw(self, run: Run, word: int, step: int, width: int) -> RenderableType:
        return _section(run, "diagram", width)


class MistakesView(View):
    def draw(self, run: Run, word: int, step: int, width: int) -> RenderableType:
        return _section(run, "idioms", width)


class ValuesView(View):
    SELECTED = True

    def draw(self, run: Run, word: int, step: int, width: int) -> RenderableType:
        return views.heatmaps(run, word, step, width)


class StepView(View):
    SELECTED = True

    def draw(self, run: Run, word: int, step: int, width: int) -> RenderableType:
        return views.step_view(run, word, step)


def _section(run: Run, name: Section, width: int) -> RenderableType:
    """One section of the command line's own report."""
    from ...render.report import report_sections

    parts = report_sections(run.result, max_rows=run.options.max_rows, width=max(width, MIN_WIDTH), only={name})
    return Group(*parts.values())


class MessageBar(Static):
    """The last refusal, export or command line, in one place."""

    message: reactive[Text] = reactive(Text)

    def watch_message(self, message: Text) -> None:
        self.update(message if message.plain else HINT)


class WordsScreen(ModalScreen[None]):
    """``w``: the words, edited as a shell line (quote a word with spaces); Enter runs them."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss", "cancel")]
    AUTO_FOCUS = "#words-input"

    def __init__(self, words: list[str]) -> None:
        super().__init__()
        self.words = words
        #: Why the last words typed were refused (shown under them), or None.
        self.refusal: str | None = None

    def compose(self) -> ComposeResult:
        with Container(id="words-box"):
            yield Static("The words, as on a command line (Enter runs them, Escape cancels):")
            yield Input(shlex.join(self.words), id="words-input")
            yield Static(id="words-error")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        explorer = self.app
        assert isinstance(explorer, Explorer)
        refusal: str | None
        try:
            words = shlex.split(event.value)
        except ValueError as error:
            refusal = f"the words are not a shell line: {error}"
        else:
            refusal = explorer.request(with_words(explorer.pending[0], words), words)
        self.refusal = refusal
        if refusal is None:
            self.dismiss()
        else:
            self.query_one("#words-error", Static).update(Text.assemble(("refused: ", "bold red"), refusal))


class HelpScreen(ModalScreen[None]):
    """``?``: every key, from the app's own bindings."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,question_mark,q", "dismiss", "close")]
    AUTO_FOCUS = "#help-box"  # the arrow and page keys scroll it

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=False, padding=(0, 2, 0, 0))
        table.add_column("key", style="bold", no_wrap=True)
        table.add_column("what it does")
        for keys, what in help_rows(self.app):
            table.add_row(keys, what)
        intro = Text("Each key re-runs the command line's run; a refusal changes nothing.\n", style="dim")
        with VerticalScroll(id="help-box"):
            yield Static(Group(Text("Keys", style="bold"), intro, table))


def help_rows(app: App[str | None]) -> list[tuple[str, str]]:
    """Every key of the explorer, one row for a pair that does one thing both ways (+ and -, the
    arrows), so the help fits a terminal of 24 rows."""
    rows: dict[str, tuple[list[str], str]] = {}
    for binding in Explorer.BINDINGS:
        assert isinstance(binding, Binding)
        key = app.get_key_display(dataclasses.replace(binding, key_display=None))
        keys, _ = rows.setdefault(binding.description, ([], binding.tooltip or binding.description))
        keys.append(key)  # the first of a pair says what both do
    return [("/".join(keys), what) for keys, what in rows.values()]


class KeyBar(Footer):
    """The keys at the foot, as many as fit the terminal's width in the order they are declared;
    the message line says that ? lists them all."""

    def compose(self) -> ComposeResult:
        room = self.app.size.width
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                room -= len(widget.key_display) + len(widget.description) + 2
                if room < 0:
                    return
            yield widget

    def on_resize(self) -> None:
        self.refresh(recompose=True)


class Explorer(App[str | None]):
    """``rnn-shapes --tui``: one run at a time, every shape and value live."""

    CSS_PATH = "explorer.tcss"
    TITLE = "rnn-shapes"
    ENABLE_COMMAND_PALETTE = False
    AUTO_FOCUS = None
    HORIZONTAL_BREAKPOINTS: list[tuple[int, str]] | None = [(0, "-narrow"), (WIDE, "-wide")]  # noqa: RUF012
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "help", tooltip="this help"),
        Binding("q", "leave", "quit", tooltip="quit (exit 0)"),
        Binding("c", "knob('cell')", "cell", tooltip="cycle the cell: rnn → lstm → gru → rnn (--cell)"),
        Binding("C", "knob('cell_back')", "cell back", show=False, tooltip="the cell the other way round"),
        Binding(
            "+", "knob('hidden_up')", "hidden", key_display="+/-", tooltip="hidden size one up, one down (--hidden)"
        ),
        Binding("-", "knob('hidden_down')", "hidden", show=False, tooltip="hidden size one down"),
        Binding("]", "knob('layers_up')", "layers", key_display="]/[", tooltip="one layer more, one fewer (--layers)"),
        Binding("[", "knob('layers_down')", "layers", show=False, tooltip="one layer fewer"),
        Binding("b", "knob('bidirectional')", "bidir", tooltip="one direction or two (--bidirectional)"),
        Binding("f", "knob('batch_first')", "batch_first", tooltip="batch_first on or off (--seq-first)"),
        Binding("p", "knob('padding')", "padding", tooltip="padding: auto → packed → zeros (--padding)"),
        Binding(
            "j", "knob('proj_up')", "proj", key_display="j/k", tooltip="LSTM proj_size one up, one down (--proj-size)"
        ),
        Binding("k", "knob('proj_down')", "proj", show=False, tooltip="LSTM proj_size one down"),
        Binding("w", "edit_words", "words", tooltip="edit the words"),
        Binding("left", "move_step(-1)", "step", key_display="←/→", priority=True, tooltip="step t back, on"),
        Binding("right", "move_step(1)", "step", show=False, priority=True, tooltip="step t on"),
        Binding("up", "move_word(-1)", "word", key_display="↑/↓", priority=True, tooltip="the previous word, the next"),
        Binding("down", "move_word(1)", "word", show=False, priority=True, tooltip="the next word"),
        Binding("e", "export", "export", tooltip="write the report as --svg and --html would"),
        Binding("y", "command_line", "command", tooltip="print the command line for what is shown, on exit"),
        Binding("tab", "pane(1)", "pane", show=False, priority=True, tooltip="the next pane, the previous"),
        Binding("shift+tab", "pane(-1)", "pane", show=False, priority=True, tooltip="the previous pane"),
        Binding("pagedown", "scroll(1)", "scroll", show=False, tooltip="scroll the pane down, up"),
        Binding("pageup", "scroll(-1)", "scroll", show=False, tooltip="scroll the pane up"),
        Binding("ctrl+c", "leave", "quit", show=False, priority=True, tooltip="quit too"),
    ]

    shown: reactive[Run | None] = reactive(None)
    word = reactive(0)
    step = reactive(0)
    message: reactive[Text] = reactive(Text)

    def __init__(self, run: Run, *, signals: bool = False) -> None:
        super().__init__()
        self.set_reactive(Explorer.shown, run)
        #: Where the next knob starts: the last options that planned, run or still running.
        self.pending: tuple[Options, list[str]] = (run.options, run.words)
        #: Print the command line on exit (``y``).
        self.print_on_exit = False
        #: A bug of ours met in a worker: the app ends, and the command line reports it.
        self.failure: Exception | None = None
        self._signals = signals
        self._run_lock = threading.Lock()

    def compose(self) -> ComposeResult:
        yield SettingsView(id="settings").data_bind(Explorer.shown)
        with Container(id="middle"):
            with VerticalScroll(id="shapes-box"):
                yield ShapesView(id="shapes").data_bind(Explorer.shown)
            with TabbedContent(id="panes", initial="diagram"):
                kinds = {"diagram": DiagramView, "values": ValuesView, "mistakes": MistakesView, "step": StepView}
                for name, title in PANES.items():
                    with TabPane(title, id=name), VerticalScroll(id=f"{name}-scroll"):
                        made = kinds[name](id=f"{name}-view")
                        selected = (Explorer.word, Explorer.step) if made.SELECTED else ()
                        yield made.data_bind(Explorer.shown, *selected)
        yield MessageBar(id="message").data_bind(Explorer.message)
        yield KeyBar(compact=True)

    def on_mount(self) -> None:
        if self._signals:  # a real terminal: end as q does, so the terminal is restored
            loop = asyncio.get_running_loop()
            for number in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
                loop.add_signal_handler(number, self._signalled, number)

    def _signalled(self, number: int) -> None:
        self.exit(None, return_code=128 + number)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Over a dialog (the words, the help) the arrow and tab keys are the dialog's."""
        return action not in ("move_step", "move_word", "pane") or len(self.screen_stack) == 1

    # -- knobs: new options, planned at once, run in a worker -------------------------------

    def action_knob(self, knob: str) -> None:
        options, words = self.pending
        try:
            turned_to = turned(options, knob)
        except BadInput as error:
            self._refuse(str(error))
            return
        self.request(turned_to, words)

    def request(self, options: Options, words: list[str], *, word: int | None = None) -> str | None:
        """Plan ``options`` as the command line would and start its run; the refusal, if any
        (shown, and nothing changes)."""
        try:
            plan = planned(options, words, self.word if word is None else word)
        except BadInput as error:
            self._refuse(str(error))
            return str(error)
        self.pending = (options, words)
        self._run(plan, options, words)
        return None

    @work(thread=True, exclusive=True, group="run")
    def _run(self, plan: Plan, options: Options, words: list[str]) -> None:
        worker = get_current_worker()
        with self._run_lock:
            if worker.is_cancelled:
                return  # a later knob's run replaces this one
            try:
                result = run_plan(plan)
            except (BadInput, RunFailure) as error:
                self.call_from_thread(self._failed, str(error))
                return
            except Exception as error:  # a bug of ours: end, and let the command line say so
                self.call_from_thread(self._crashed, error)
                return
        if not worker.is_cancelled:
            self.call_from_thread(self._arrived, options, words, result)

    def _arrived(self, options: Options, words: list[str], result: Result) -> None:
        old = self.shown
        change = change_text(old.options, options) if old is not None else ""
        run = Run(options, words, result, before=old.result if old is not None else None, change=change)
        self.word, self.step = min(self.word, run.rows - 1), min(self.step, run.steps - 1)
        self.shown = run
        self.message = Text()

    def _failed(self, message: str) -> None:
        if self.shown is not None:
            self.pending = (self.shown.options, self.shown.words)
        self._refuse(message)

    def _crashed(self, error: Exception) -> None:
        self.failure = error
        self.exit(None, return_code=1)

    def _refuse(self, message: str) -> None:
        self.message = Text.assemble(("refused: ", "bold red"), message, ("  (nothing changed)", "dim"))

    # -- the step view's word and step ------------------------------------------------------

    def action_move_step(self, by: int) -> None:
        run = self.shown
        if run is not None:
            self.step = max(0, min(self.step + by, run.steps - 1))
            self._show_step()

    def action_move_word(self, by: int) -> None:
        run = self.shown
        if run is None:
            return
        self.word = max(0, min(self.word + by, run.rows - 1))
        self._show_step()
        traced = {s.word for s in run.result.trace}
        if self.word not in traced and self.word < (
            run.result.verification.words_checked if run.result.verification else 0
        ):
            self.request(*self.pending, word=self.word)  # trace up to this word: the same run, further traced

    def _show_step(self) -> None:
        panes = self.query_one("#panes", TabbedContent)
        if panes.active in ("diagram", "mistakes"):
            panes.active = "step"

    def action_pane(self, by: int) -> None:
        panes = self.query_one("#panes", TabbedContent)
        names = list(PANES)
        panes.active = names[(names.index(panes.active) + by) % len(names)]

    def action_scroll(self, by: int) -> None:
        active = self.query_one("#panes", TabbedContent).active
        scroll = self.query_one(f"#{active}-scroll", VerticalScroll)
        scroll.scroll_page_down() if by > 0 else scroll.scroll_page_up()

    # -- words, export, command line, help, quit --------------------------------------------

    def action_edit_words(self) -> None:
        self.push_screen(WordsScreen(self.pending[1]))

    def action_export(self) -> None:
        run = self.shown
        if run is None:
            return
        from ...render.export import html_page, svg_picture
        from ...render.report import report
        from ..files import write_atomically

        options = run.options
        width = self.size.width if self.size.width >= MIN_WIDTH else DEFAULT_WIDTH
        whole = report(
            run.result,
            max_rows=options.max_rows,
            values=options.shows_values(),
            traced_words=options.traced_words(),
            width=width,
            sections=options.sections() if options.show is not None else None,
        )
        wanted = [(options.svg, "--svg", svg_picture), (options.html, "--html", html_page)]
        if not options.svg and not options.html:
            wanted = [(path, option, make) for path, (_, option, make) in zip(EXPORTS, wanted, strict=True)]
        written = []
        try:
            for path, option, make in wanted:
                if path:
                    write_atomically(path, make(whole, width), option)
                    written.append(path)
        except (BadInput, RunFailure, OSError) as error:
            self.message = Text.assemble(("export failed: ", "bold red"), str(error))
            return
        self.message = Text.assemble(("exported ", "bold green"), " and ".join(written))

    def action_command_line(self) -> None:
        self.print_on_exit = True
        if self.shown is not None:
            line = command_line(self.shown.options)
            self.message = Text.assemble(("printed on exit: ", "bold green"), line)

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_leave(self) -> None:
        run = self.shown
        self.exit(command_line(run.options) if self.print_on_exit and run is not None else None)
