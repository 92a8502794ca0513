"""Renderers: a Result in, text out. Each reads the plain Result and nothing else."""
