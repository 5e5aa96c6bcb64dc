"""Read and write the pabulib ``.pb`` format (pabulib.org/format).

A file has three sections in this order, each introduced by a line holding only its name:
``META`` (``key;value`` rows), ``PROJECTS`` and ``VOTES``; each section starts with a header
line naming its columns. Rows are CSV with ``;`` as delimiter and ``"`` as quote character.

Guarantees
----------
* :func:`parse` either returns a fully validated :class:`PabulibElection` or raises
  :class:`PabulibError` naming the (1-based) line and the reason. Checked: UTF-8 encoding,
  the three sections present once and in order, required columns (``project_id``, ``cost``;
  ``voter_id``, ``vote``), a row's field count matching its header, META ``budget`` present
  and a non-negative integer, costs positive integers, unique project and voter ids, ballots
  naming only known projects and no project twice, ``points`` non-negative integers with one
  per voted project.
* :func:`write` produces text that :func:`parse` reads back to an equal election:
  ``parse(write(e)) == e`` for every election returned by :func:`parse`.
* :func:`tally_input` converts an election into the arguments of
  :func:`participation.budgeting.rules.greedy` / :func:`~participation.budgeting.rules.mes`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from participation.budgeting import rules

SECTIONS = ("META", "PROJECTS", "VOTES")

RULES: dict[str, tuple[str, str | None]] = {
    "greedy": ("greedy", None),
    "equalshares": ("mes", None),
    "equalshares/add1": ("mes", "add1"),
}
"""pabulib META ``rule`` -> (rule function name in :mod:`rules`, MES completion)."""


class PabulibError(ValueError):
    """Invalid pabulib input. ``line`` is 1-based; ``str()`` says the line and the reason."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


@dataclass
class PabulibElection:
    """A parsed pabulib file.

    ``meta``: every META key -> value (strings, in file order).
    ``projects``: one dict per PROJECTS row with every column (strings, in header order),
    except ``cost`` (``int``) and ``selected`` (``bool``, when the column exists).
    ``votes``: one dict per VOTES row with every column (strings, in header order), except
    ``vote`` (``list[str]`` of project ids, in file order) and ``points`` (``list[int]``, when
    the column exists).
    """

    meta: dict[str, str]
    projects: list[dict[str, Any]] = field(default_factory=list)
    votes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def budget(self) -> int:
        """The META budget (validated by :func:`parse`)."""
        return int(self.meta["budget"])


@dataclass(frozen=True)
class TallyInput:
    """Arguments for a tally: ``rule`` is ``"greedy"`` or ``"mes"``."""

    projects: list[rules.Project]
    budget: int
    ballots: list[dict[str, int]]
    rule: str
    completion: str | None = None

    def run(self) -> rules.Outcome:
        """Tally with the election's own rule."""
        if self.rule == "greedy":
            return rules.greedy(self.projects, self.budget, self.ballots)
        return rules.mes(self.projects, self.budget, self.ballots, completion=self.completion)


def _whole(text: str) -> int | None:
    """``int`` for a plain decimal integer (optional sign), else ``None``."""
    stripped = text.strip()
    digits = stripped[1:] if stripped[:1] in "+-" else stripped
    if not digits.isascii() or not digits.isdigit():
        return None
    return int(stripped)


def _decode(data: bytes) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise PabulibError(line, f"not valid UTF-8 (byte 0x{data[exc.start]:02x})") from None
    return text.removeprefix("\ufeff")


def _rows(text: str) -> list[tuple[int, list[str]]]:
    """CSV records with the line each starts on; blank lines dropped."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";", quotechar='"', strict=True)
    rows: list[tuple[int, list[str]]] = []
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise PabulibError(start, f"malformed line ({exc})") from None
        if row and any(cell.strip() for cell in row):
            rows.append((start, row))
        start = reader.line_num + 1
    return rows


def parse(data: bytes | str) -> PabulibElection:
    """Parse and validate pabulib text (``bytes`` are decoded as UTF-8)."""
    text = _decode(data) if isinstance(data, bytes) else data.removeprefix("\ufeff")
    rows = _rows(text)
    last_line = text.count("\n") + (0 if text.endswith("\n") else 1)
    sections: dict[str, tuple[int, list[tuple[int, list[str]]]]] = {}
    current: list[tuple[int, list[str]]] | None = None
    for line, row in rows:
        name = row[0].strip() if len(row) == 1 else None
        if name in SECTIONS:
            expected = SECTIONS[len(sections)] if len(sections) < len(SECTIONS) else None
            if name in sections:
                raise PabulibError(line, f"section {name} appears twice")
            if name != expected:
                raise PabulibError(line, f"section {name} found where {expected} was expected")
            current = []
            sections[name] = (line, current)
        elif current is None:
            raise PabulibError(line, "malformed line: data before the META section")
        else:
            current.append((line, row))
    for name in SECTIONS:
        if name not in sections:
            raise PabulibError(last_line, f"missing {name} section")
    meta = _parse_meta(*sections["META"])
    projects = _parse_projects(*sections["PROJECTS"])
    votes = _parse_votes(*sections["VOTES"], known={p["project_id"] for p in projects})
    return PabulibElection(meta=meta, projects=projects, votes=votes)


def read_file(path: str | Path) -> PabulibElection:
    """Parse the pabulib file at ``path``."""
    return parse(Path(path).read_bytes())


def _table(
    section: str,
    line: int,
    rows: list[tuple[int, list[str]]],
    required: Sequence[str],
) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    if not rows:
        raise PabulibError(line, f"section {section} has no header line")
    header_line, header = rows[0]
    header = [column.strip() for column in header]
    if len(set(header)) != len(header):
        raise PabulibError(header_line, f"{section} header repeats a column")
    for column in required:
        if column not in header:
            raise PabulibError(header_line, f"{section} header lacks required column {column!r}")
    records = []
    for row_line, row in rows[1:]:
        if len(row) != len(header):
            raise PabulibError(
                row_line,
                f"malformed line: {len(row)} fields where the {section} header has {len(header)}",
            )
        records.append((row_line, dict(zip(header, row, strict=True))))
    return header, records


def _parse_meta(line: int, rows: list[tuple[int, list[str]]]) -> dict[str, str]:
    _, records = _table("META", line, rows, ("key", "value"))
    meta: dict[str, str] = {}
    budget_line = None
    for row_line, record in records:
        key = record["key"].strip()
        if key in meta:
            raise PabulibError(row_line, f"META key {key!r} appears twice")
        meta[key] = record["value"]
        if key == "budget":
            budget_line = row_line
    if budget_line is None:
        raise PabulibError(line, "META has no budget")
    budget = _whole(meta["budget"])
    if budget is None or budget < 0:
        raise PabulibError(budget_line, f"budget must be a non-negative whole number, got {meta['budget']!r}")
    return meta


def _parse_projects(line: int, rows: list[tuple[int, list[str]]]) -> list[dict[str, Any]]:
    _, records = _table("PROJECTS", line, rows, ("project_id", "cost"))
    projects: list[dict[str, Any]] = []
    seen: set[str] = set()
    for row_line, record in records:
        project: dict[str, Any] = dict(record)
        pid = record["project_id"].strip()
        if not pid:
            raise PabulibError(row_line, "empty project_id")
        if pid in seen:
            raise PabulibError(row_line, f"duplicate project id {pid!r}")
        seen.add(pid)
        project["project_id"] = pid
        cost = _whole(record["cost"])
        if cost is None or cost <= 0:
            raise PabulibError(
                row_line,
                f"project {pid}: cost must be a positive whole number, got {record['cost']!r}",
            )
        project["cost"] = cost
        if "selected" in record:
            flag = record["selected"].strip()
            if flag not in ("0", "1"):
                raise PabulibError(row_line, f"project {pid}: selected must be 0 or 1, got {flag!r}")
            project["selected"] = flag == "1"
        projects.append(project)
    return projects


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",")] if text.strip() else []


def _parse_votes(line: int, rows: list[tuple[int, list[str]]], known: set[str]) -> list[dict[str, Any]]:
    header, records = _table("VOTES", line, rows, ("voter_id", "vote"))
    has_points = "points" in header
    votes: list[dict[str, Any]] = []
    seen: set[str] = set()
    for row_line, record in records:
        vote: dict[str, Any] = dict(record)
        voter = record["voter_id"].strip()
        if not voter:
            raise PabulibError(row_line, "empty voter_id")
        if voter in seen:
            raise PabulibError(row_line, f"duplicate voter id {voter!r}")
        seen.add(voter)
        vote["voter_id"] = voter
        chosen = _split(record["vote"])
        for pid in chosen:
            if pid not in known:
                raise PabulibError(row_line, f"voter {voter}: unknown project id {pid!r}")
        if len(set(chosen)) != len(chosen):
            raise PabulibError(row_line, f"voter {voter}: a project is named twice")
        vote["vote"] = chosen
        if has_points:
            points = [_whole(p) for p in _split(record["points"])]
            if len(points) != len(chosen):
                raise PabulibError(
                    row_line,
                    f"voter {voter}: {len(points)} points for {len(chosen)} voted projects",
                )
            for value in points:
                if value is None or value < 0:
                    raise PabulibError(row_line, f"voter {voter}: points must be non-negative whole numbers")
            vote["points"] = points
        votes.append(vote)
    return votes


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    return str(value)


def write(election: PabulibElection) -> str:
    """Serialise to pabulib text (``\\n`` line ends, quoting only where needed)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", quotechar='"', lineterminator="\n")
    out.write("META\n")
    writer.writerow(["key", "value"])
    writer.writerows(election.meta.items())
    for section, records in (("PROJECTS", election.projects), ("VOTES", election.votes)):
        out.write(f"{section}\n")
        default = ("project_id", "cost") if section == "PROJECTS" else ("voter_id", "vote")
        header = list(records[0]) if records else list(default)
        writer.writerow(header)
        for record in records:
            writer.writerow([_cell(record[column]) for column in header])
    return out.getvalue()


_VOTE_TYPES: dict[str, Callable[[dict[str, Any]], dict[str, int]]] = {
    "approval": lambda vote: dict.fromkeys(vote["vote"], 1),
    "cumulative": lambda vote: dict(zip(vote["vote"], vote["points"], strict=True)),
}


def tally_input(election: PabulibElection) -> TallyInput:
    """Projects, budget, ballots and rule of a parsed election, ready for :mod:`rules`.

    Approval ballots become ``{project_id: 1}``; cumulative ballots ``{project_id: points}``.
    Raises ``ValueError`` for another ``vote_type``, a cumulative file without ``points``, or
    a ``rule`` other than those in :data:`RULES`.
    """
    vote_type = election.meta.get("vote_type", "approval")
    if vote_type not in _VOTE_TYPES:
        raise ValueError(f"unsupported vote_type {vote_type!r}")
    if vote_type == "cumulative" and any("points" not in v for v in election.votes):
        raise ValueError("cumulative ballots need a points column")
    rule_name = election.meta.get("rule", "")
    if rule_name not in RULES:
        raise ValueError(f"unsupported rule {rule_name!r}; supported: {sorted(RULES)}")
    rule, completion = RULES[rule_name]
    to_ballot = _VOTE_TYPES[vote_type]
    return TallyInput(
        projects=[rules.Project(p["project_id"], p["cost"]) for p in election.projects],
        budget=election.budget,
        ballots=[to_ballot(v) for v in election.votes],
        rule=rule,
        completion=completion,
    )
