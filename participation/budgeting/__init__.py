"""Participatory-budgeting tally engine (no Flask, no database).

`rules` computes outcomes (greedy, Method of Equal Shares) with exact arithmetic and
explains every project's result (MES screens candidates with numpy floats first, but every
decision is exact); `pabulib` reads and writes the pabulib `.pb` format.
"""
