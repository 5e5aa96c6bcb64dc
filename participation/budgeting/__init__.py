"""Participatory-budgeting tally engine (pure Python, no Flask, no database).

`rules` computes outcomes (greedy, Method of Equal Shares) with exact arithmetic and
explains every project's result; `pabulib` reads and writes the pabulib `.pb` format.
"""
