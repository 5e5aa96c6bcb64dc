"""Real elections through the database: import -> tally reproduces the city's outcome,
export -> re-import gives the same election, and bad files are refused with their line."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from sqlalchemy import func, select

from participation.accounts.models import Organisation
from participation.budgeting import interchange, pabulib, services
from participation.budgeting.models import Ballot, BallotChoice, BudgetProcess
from tests.budgeting.conftest import pabulib_dir

BIG = "Poland_Warszawa_2020_Praga-Poludnie.pb"


def _files():
    try:
        directory = pabulib_dir()
    except pytest.fail.Exception:  # reported by the tests below, which then fail
        return ["<missing pabulib directory>"]
    files = sorted(p.name for p in directory.glob("*.pb")) if directory.is_dir() else []
    return files or ["<missing pabulib directory>"]


def _path(name):
    path = pabulib_dir() / name
    assert path.is_file(), f"pabulib sample {path} is missing (set PARTICIPATION_PABULIB_DIR)"
    return path


def _params():
    return [pytest.param(name, marks=pytest.mark.slow) if name == BIG else name for name in _files()]


def test_sample_directory_has_the_documented_elections():
    names = _files()
    assert len(names) >= 7 and BIG in names, pabulib_dir()


def _organisation(db, factory):
    return db.scalar(select(Organisation).where(Organisation.slug == "pabulib")) or factory.organisation(
        slug="pabulib"
    )


def _ballot_multiset(election) -> Counter:
    out = Counter()
    for vote in election.votes:
        points = vote.get("points") or [1] * len(vote["vote"])
        out[tuple(sorted((pid, p) for pid, p in zip(vote["vote"], points, strict=True) if p))] += 1
    return out


@pytest.mark.parametrize("name", _params())
def test_import_tally_reproduces_and_export_round_trips(name, db, factory, runner):
    path = _path(name)
    election = pabulib.read_file(path)
    slug = interchange.slug_for(path.stem)
    result = runner.invoke(
        args=["budgeting", "import", str(path), "--organisation", "pabulib", "--no-publish"]
    )
    assert result.exit_code == 0, result.output
    process = services.get_process(slug)
    assert process is not None

    # Every ballot is in the database, none linked to an account.
    assert db.scalar(select(func.count(Ballot.id)).where(Ballot.process_id == process.id)) == len(
        election.votes
    )
    assert db.scalar(
        select(func.count(BallotChoice.id)).join(Ballot).where(Ballot.process_id == process.id)
    ) == sum(len([p for p in (v.get("points") or [1] * len(v["vote"])) if p]) for v in election.votes)

    # The tally from the DATABASE under the file's rule reproduces the city's outcome.
    rule = "mes" if election.meta["rule"].startswith("equalshares") else "greedy"
    tally = runner.invoke(args=["budgeting", "tally", slug, "--rule", rule, "--json"])
    assert tally.exit_code == 0, tally.output
    selected = json.loads(tally.output.strip().splitlines()[-1])
    pure = pabulib.tally_input(election).run().selected
    assert selected == pure
    if "selected" in election.projects[0]:
        expected = {p["project_id"] for p in election.projects if p["selected"]}
        assert set(selected) == expected
    else:
        assert selected, "an election without a selected column still selects projects"

    # Export and re-import: the same election (projects, costs, budget, rule, ballots).
    exported = runner.invoke(args=["budgeting", "export", slug])
    assert exported.exit_code == 0, exported.output[:500]
    again = pabulib.parse(exported.output)
    assert again.budget == election.budget
    assert again.meta["vote_type"] == election.meta.get("vote_type", "approval")
    assert again.meta["rule"] == election.meta["rule"]
    assert [(p["project_id"], p["cost"]) for p in again.projects] == [
        (p["project_id"], p["cost"]) for p in election.projects
    ]
    assert _ballot_multiset(again) == _ballot_multiset(election)
    copy = interchange.import_election(again, organisation=process.organisation, slug=slug + "-again")
    db.commit()
    assert services.tally(copy, rule).selected == selected


def test_import_publishes_results_and_export_has_no_voter_information(db, factory, runner, client):
    path = _path("Poland_Warszawa_2019_Piaski.pb")
    election = pabulib.read_file(path)
    assert runner.invoke(args=["budgeting", "import", str(path)]).exit_code == 0
    process = services.get_process("poland-warszawa-2019-piaski")
    snapshot = services.result_snapshot(process)
    expected = {p["project_id"] for p in election.projects if p["selected"]}
    assert set(snapshot.data["districts"]["-"]["outcomes"]["greedy"]["selected"]) == expected
    page = client.get(f"/budgets/{process.slug}/results", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert "Under equal shares" in page and election.projects[0]["name"] in page
    text = runner.invoke(args=["budgeting", "export", "poland-warszawa-2019-piaski"]).output
    exported = pabulib.parse(text)
    assert {p["project_id"] for p in exported.projects if p["selected"]} == expected
    again = pabulib.parse(text)
    assert [v["voter_id"] for v in again.votes] == [str(i) for i in range(1, len(election.votes) + 1)]
    assert set(again.votes[0]) == {"voter_id", "vote"}  # no age, sex, voting method, key
    keys = db.scalars(select(Ballot.voter_key)).all()
    assert not any(key in text for key in keys[:50])


def test_reimport_is_deterministic_and_refuses_a_taken_slug(db, factory, runner):
    path = _path("Netherlands_Assen_2024.pb")
    first = runner.invoke(args=["budgeting", "import", str(path), "--slug", "assen", "--no-publish"])
    assert first.exit_code == 0
    keys = sorted(db.scalars(select(Ballot.voter_key)).all())
    second = runner.invoke(args=["budgeting", "import", str(path), "--slug", "assen", "--no-publish"])
    assert second.exit_code != 0 and "slug_taken" in second.output
    election = pabulib.read_file(path)
    process = db.scalar(select(BudgetProcess).where(BudgetProcess.slug == "assen"))
    db.execute(Ballot.__table__.delete().where(Ballot.process_id == process.id))
    db.delete(process)
    db.commit()
    interchange.import_election(election, organisation=_organisation(db, factory), slug="assen")
    db.commit()
    assert sorted(db.scalars(select(Ballot.voter_key)).all()) == keys


GOOD = """META
key;value
budget;100
vote_type;approval
rule;greedy
PROJECTS
project_id;cost
a;60
b;50
VOTES
voter_id;vote
1;a
2;a,b
"""


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (GOOD.replace("PROJECTS\n", "").replace("project_id;cost\na;60\nb;50\n", ""), 6, "PROJECTS"),
        (GOOD.replace("VOTES\nvoter_id;vote\n1;a\n2;a,b\n", ""), 9, "VOTES"),
        (GOOD.replace("2;a,b", "2;a,z"), 13, "unknown project id 'z'"),
        (GOOD.replace("a;60", "a;-60"), 8, "cost"),
    ],
)
def test_malformed_files_are_refused_with_line_and_reason(text, line, words, runner, db, tmp_path):
    path = tmp_path / "bad.pb"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(args=["budgeting", "import", str(path)])
    assert result.exit_code != 0
    assert f"line {line}:" in result.output and words in result.output
    assert db.scalar(select(func.count(BudgetProcess.id))) == 0


def test_tally_and_export_of_unknown_process_fail(runner, db):
    assert runner.invoke(args=["budgeting", "tally", "nope", "--json"]).exit_code != 0
    assert runner.invoke(args=["budgeting", "export", "nope"]).exit_code != 0


def test_tally_by_process_id_and_default_rule(db, runner, tmp_path):
    path = tmp_path / "good.pb"
    path.write_text(GOOD, encoding="utf-8")
    assert (
        runner.invoke(args=["budgeting", "import", str(path), "--slug", "tiny", "--no-publish"]).exit_code
        == 0
    )
    process = services.get_process("tiny")
    result = runner.invoke(args=["budgeting", "tally", str(process.id), "--json"])
    assert json.loads(result.output) == ["a"]
    # MES on the same ballots: both voters share 100; a costs 60 and is bought, b cannot be.
    assert json.loads(
        runner.invoke(args=["budgeting", "tally", "tiny", "--rule", "mes", "--json"]).output
    ) == ["a"]
