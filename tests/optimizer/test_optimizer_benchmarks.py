"""Parsers against known instance totals, and the integer truncation convention."""

import json
from decimal import Decimal
from pathlib import Path

import pytest

from optimizer.bench import main as bench_main
from optimizer.benchmark_model import optw_spec, truncated_matrix, vrptw_spec
from optimizer.benchmarks import load_optw_bks, load_vrptw_bks, parse_solomon, parse_toptw
from optimizer.feasibility import check_optw

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "benchmarks"
pytestmark = pytest.mark.skipif(not DATA.exists(), reason="benchmark data not present")


def test_toptw_parser_matches_known_totals_for_c101() -> None:
    instance = parse_toptw(DATA / "optw" / "c101.txt")
    assert instance.n_customers == 100
    assert sum(n.prize for n in instance.nodes) == 1810
    assert sum(n.service for n in instance.nodes) == Decimal(9000)
    assert instance.horizon == Decimal(1236)
    assert (instance.nodes[1].ready, instance.nodes[1].due) == (Decimal(912), Decimal(967))


def test_toptw_parser_reads_pr01_with_variable_length_lists() -> None:
    instance = parse_toptw(DATA / "optw" / "pr01.txt")
    assert instance.n_customers == 48
    assert sum(n.prize for n in instance.nodes) == 657
    assert sum(n.service for n in instance.nodes) == Decimal(553)
    assert instance.coordinate_decimals == 3
    assert (instance.nodes[48].ready, instance.nodes[48].due) == (Decimal(98), Decimal(233))


def test_solomon_parser_matches_known_totals_for_r101() -> None:
    instance = parse_solomon(DATA / "solomon" / "R101.txt")
    assert instance.name == "r101"
    assert (instance.n_customers, instance.vehicles, instance.capacity) == (100, 25, 200)
    assert sum(n.demand for n in instance.nodes) == 1458
    assert sum(n.service for n in instance.nodes) == Decimal(1000)
    assert instance.horizon == Decimal(230)


def test_truncated_matrix_floors_to_one_decimal() -> None:
    instance = parse_toptw(DATA / "optw" / "c101.txt")
    matrix = truncated_matrix(instance, 1)
    # depot (40,50) to customer 1 (45,68): sqrt(349) = 18.681... -> 18.6 -> 186 tenths
    assert matrix[0, 1] == 186
    assert matrix[0, 0] == 0


def test_truncated_matrix_floors_pr_files_to_two_decimals() -> None:
    instance = parse_toptw(DATA / "optw" / "pr01.txt")
    matrix = truncated_matrix(instance, 2)
    # depot (-10.442, 19.999) to 1 (-29.730, 64.136): 48.16727... -> 4816 hundredths
    assert matrix[0, 1] == 4816


def test_specs_scale_times_into_ticks() -> None:
    spec, scale = optw_spec(parse_toptw(DATA / "optw" / "r101.txt"), routes=2)
    assert scale == 10
    assert spec.shifts == [(0, 2300), (0, 2300)]
    assert spec.prize_weight() == 4601
    vrptw = vrptw_spec(parse_solomon(DATA / "solomon" / "C101.txt"))
    assert vrptw.service[1] == 90_000
    assert vrptw.capacities is not None and vrptw.capacities[0] == 200


def test_bks_tables_load() -> None:
    optw = load_optw_bks(DATA / "optw")
    assert optw[("r104", 1)].value == 303
    assert optw[("pr01", 2)].value == 502
    solomon = load_vrptw_bks(DATA / "solomon")
    assert solomon["c101"].value == pytest.approx(828.94)


def test_bench_runner_writes_checked_results(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "results.json"
    bench_main(
        [
            "--suite",
            "optw",
            "--data",
            str(DATA / "optw"),
            "--instances",
            "pr01",
            "--routes",
            "2",
            "--time-limit",
            "1",
            "--workers",
            "1",
            "--out",
            str(out),
        ]
    )
    results = json.loads(out.read_text())
    assert [sorted(r) for r in results] == [
        ["instance", "objective", "routes", "routes_available", "time_s"]
    ]
    row = results[0]
    assert (row["instance"], row["routes_available"]) == ("pr01", 2)
    instance = parse_toptw(DATA / "optw" / "pr01.txt")
    report = check_optw(instance, row["routes"], 2, 2)
    assert report.feasible
    assert row["objective"] == report.prize
    assert "pr01" in capsys.readouterr().out
