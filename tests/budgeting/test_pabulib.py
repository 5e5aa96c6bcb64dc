"""pabulib `.pb` reading, validation with line numbers, and round-trip writing."""

import pytest

from participation.budgeting import pabulib
from participation.budgeting.pabulib import PabulibError

SAMPLES = (
    "Netherlands_Assen_2024.pb",
    "Poland_Czestochowa_2020_Bleszno.pb",
    "Poland_Swiecie_2023.pb",
    "Poland_Warszawa_2017_Anin.pb",
    "Poland_Warszawa_2017_Mlynow.pb",
    "Poland_Warszawa_2019_Piaski.pb",
    "Poland_Warszawa_2020_Praga-Poludnie.pb",
)

VALID = """\
META
key;value
description;Test "quoted" election
num_projects;3
budget;100
vote_type;approval
rule;greedy
PROJECTS
project_id;cost;votes;name;selected
p1;60;2;"Park; with benches";1
p2;50;1;Library;0
p3;40;1;Bus stop;1
VOTES
voter_id;vote;age
v1;p1,p2;30
v2;p1,p3;41
"""
"""A valid file; the line numbers in the malformed cases below refer to it."""


def lines_replaced(replacements: dict[int, str]) -> str:
    """VALID with some 1-based lines replaced ("" deletes the line)."""
    lines = VALID.splitlines()
    for number, text in replacements.items():
        lines[number - 1] = text
    return "\n".join(line for line in lines if line) + "\n"


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_round_trips(sample_path, name):
    election = pabulib.read_file(sample_path(name))
    assert pabulib.parse(pabulib.write(election)) == election


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_counts_match_meta(sample_path, name):
    election = pabulib.read_file(sample_path(name))
    assert len(election.projects) == int(election.meta["num_projects"])
    assert len(election.votes) == int(election.meta["num_votes"])
    assert election.budget == int(election.meta["budget"])


def test_parse_types_and_keeps_every_column():
    election = pabulib.parse(VALID.encode())
    assert election.meta["description"] == 'Test "quoted" election'
    assert election.budget == 100
    assert election.projects[0] == {
        "project_id": "p1",
        "cost": 60,
        "votes": "2",
        "name": "Park; with benches",
        "selected": True,
    }
    assert election.votes[1] == {"voter_id": "v2", "vote": ["p1", "p3"], "age": "41"}
    assert pabulib.parse(pabulib.write(election)) == election


def test_quote_inside_unquoted_field_is_kept(sample_path):
    election = pabulib.read_file(sample_path("Poland_Czestochowa_2020_Bleszno.pb"))
    names = [p["name"] for p in election.projects]
    assert any('Konkurs " NA' in name for name in names)


def test_cumulative_points_are_integers(sample_path):
    election = pabulib.read_file(sample_path("Poland_Czestochowa_2020_Bleszno.pb"))
    first = election.votes[0]
    assert (first["voter_id"], first["vote"], first["points"]) == ("135", ["500", "567"], [5, 5])
    tally = pabulib.tally_input(election)
    assert tally.ballots[0] == {"500": 5, "567": 5}


def test_tally_input_rules():
    election = pabulib.parse(VALID)
    tally = pabulib.tally_input(election)
    assert (tally.rule, tally.completion, tally.budget) == ("greedy", None, 100)
    assert tally.ballots == [{"p1": 1, "p2": 1}, {"p1": 1, "p3": 1}]
    assert tally.run().selected == ["p1", "p3"]
    election.meta["rule"] = "equalshares/add1"
    assert (pabulib.tally_input(election).rule, pabulib.tally_input(election).completion) == (
        "mes",
        "add1",
    )
    election.meta["rule"] = "equalshares"
    assert pabulib.tally_input(election).completion is None
    election.meta["rule"] = "unknown-rule"
    with pytest.raises(ValueError, match="unsupported rule"):
        pabulib.tally_input(election)


MALFORMED = [
    pytest.param(lines_replaced({1: ""}), 1, "data before the META section", id="no-meta"),
    pytest.param(
        lines_replaced(dict.fromkeys(range(8, 13), "")),
        8,
        "VOTES found where PROJECTS",
        id="no-projects",
    ),
    pytest.param(VALID.split("VOTES")[0], 12, "missing VOTES section", id="no-votes"),
    pytest.param(lines_replaced({9: "project_id;votes;name;selected"}), 9, "'cost'", id="no-cost-column"),
    pytest.param(
        lines_replaced({9: "id;cost;votes;name;selected"}),
        9,
        "'project_id'",
        id="no-project-id-column",
    ),
    pytest.param(lines_replaced({14: "voter_id;ballot;age"}), 14, "'vote'", id="no-vote-column"),
    pytest.param(lines_replaced({14: "vote;age"}), 14, "'voter_id'", id="no-voter-id-column"),
    pytest.param(lines_replaced({11: "p2;-50;1;Library;0"}), 11, "cost", id="negative-cost"),
    pytest.param(lines_replaced({11: "p2;50.5;1;Library;0"}), 11, "cost", id="fractional-cost"),
    pytest.param(lines_replaced({11: "p2;fifty;1;Library;0"}), 11, "cost", id="text-cost"),
    pytest.param(
        lines_replaced({12: "p1;40;1;Bus stop;1"}),
        12,
        "duplicate project id",
        id="duplicate-project",
    ),
    pytest.param(lines_replaced({16: "v2;p1,p9;41"}), 16, "unknown project id 'p9'", id="unknown-project"),
    pytest.param(lines_replaced({16: "v2;p1,p1;41"}), 16, "named twice", id="repeated-project"),
    pytest.param(lines_replaced({16: "v1;p3;41"}), 16, "duplicate voter", id="duplicate-voter"),
    pytest.param(lines_replaced({5: ""}), 1, "no budget", id="budget-missing"),
    pytest.param(lines_replaced({5: "budget;-1"}), 5, "budget", id="budget-negative"),
    pytest.param(lines_replaced({5: "budget;lots"}), 5, "budget", id="budget-not-a-number"),
    pytest.param(lines_replaced({11: "p2;50;1;Library"}), 11, "4 fields", id="too-few-fields"),
    pytest.param(lines_replaced({15: "v1;p1,p2;30;extra"}), 15, "malformed", id="too-many"),
    pytest.param(lines_replaced({11: 'p2;50;1;"Library;0'}), 11, "malformed", id="unterminated-quote"),
    pytest.param(lines_replaced({11: 'p2;50;1;"Lib"rary;0'}), 11, "malformed", id="garbage-after-quote"),
    pytest.param(lines_replaced({10: "p1;60;2;Park;yes"}), 10, "selected", id="bad-selected"),
    pytest.param(VALID + "PROJECTS\n", 17, "appears twice", id="repeated-section"),
]


@pytest.mark.parametrize(("text", "line", "reason"), MALFORMED)
def test_malformed_input_names_line_and_reason(text, line, reason):
    with pytest.raises(PabulibError) as caught:
        pabulib.parse(text)
    assert caught.value.line == line
    assert reason in caught.value.message
    assert str(caught.value).startswith(f"line {line}: ")


POINTS = VALID.replace("vote_type;approval", "vote_type;cumulative").replace(
    "voter_id;vote;age\nv1;p1,p2;30\nv2;p1,p3;41",
    "voter_id;vote;points\nv1;p1,p2;3,7\nv2;p1,p3;5",
)


def test_points_count_must_match_vote_count():
    with pytest.raises(PabulibError) as caught:
        pabulib.parse(POINTS)
    assert caught.value.line == 16
    assert "1 points for 2 voted projects" in caught.value.message


def test_points_must_be_whole_numbers():
    with pytest.raises(PabulibError) as caught:
        pabulib.parse(POINTS.replace("v2;p1,p3;5", "v2;p1,p3;5,x"))
    assert caught.value.line == 16


def test_valid_points_file_tallies_by_points():
    election = pabulib.parse(POINTS.replace("v2;p1,p3;5", "v2;p1,p3;5,5"))
    tally = pabulib.tally_input(election)
    assert tally.ballots == [{"p1": 3, "p2": 7}, {"p1": 5, "p3": 5}]
    assert tally.run().selected == ["p1", "p3"]


def test_non_utf8_bytes_name_their_line():
    data = VALID.encode().replace(b"Library", b"Libr\xe4ry")
    with pytest.raises(PabulibError) as caught:
        pabulib.parse(data)
    assert caught.value.line == 11
    assert "UTF-8" in caught.value.message


def test_utf8_byte_order_mark_is_accepted():
    assert pabulib.parse(b"\xef\xbb\xbf" + VALID.encode()) == pabulib.parse(VALID)


def test_sample_directory_holds_every_sample(sample_path):
    for name in SAMPLES:
        assert sample_path(name).stat().st_size > 0
