"""The pipeline, with no command line and no display: words -> tokens -> vocabulary ->
one-hot batch -> recurrent run and its hand-written check -> a plain Result.

Nothing here imports typer or rich; torch is imported inside the functions that need it.
"""
