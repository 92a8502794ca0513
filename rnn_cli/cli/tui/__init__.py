"""--tui: a full-screen explorer, built with Textual (the optional extra rnn-shapes[tui]).

``launch`` checks the request and the terminal, with no Textual import; ``state`` says what
each knob does to the options and the command line that says the same; ``views`` draws a
run with rich; ``app`` is the Textual application itself, and ``explorer.tcss`` its styles.
Every knob re-plans and re-runs through the command line's own Options, ``plan`` and
``run_plan``: the explorer has no implementation of a run of its own.
"""
