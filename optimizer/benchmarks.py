"""Benchmark instances (KU Leuven OPTW/TOPTW and Solomon VRPTW formats) and their BKS tables.

Coordinates and times are kept as exact integers at a per-instance decimal scale
(``coordinate_decimals``), so that the truncation conventions of the benchmark
README can be applied without floating-point error.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path


@dataclass(frozen=True)
class BenchmarkNode:
    """One vertex of a benchmark instance; node 0 is the depot.

    Times are in the file's own unit (Decimal, exact); ``prize`` is the OPTW score,
    ``demand`` the Solomon demand (for the Solomon-based OPTW files both are equal).
    """

    node_id: int
    x: Decimal
    y: Decimal
    service: Decimal
    prize: int
    demand: int
    ready: Decimal
    due: Decimal


@dataclass(frozen=True)
class BenchmarkInstance:
    """A parsed benchmark instance: depot at index 0, customers 1..n in file order."""

    name: str
    kind: str  # "optw" (KU Leuven TOPTW format) or "vrptw" (Solomon format)
    nodes: tuple[BenchmarkNode, ...]
    vehicles: int  # OPTW: paths that visit everything (informative); VRPTW: fleet size
    capacity: int  # VRPTW only; 0 for OPTW
    coordinate_decimals: int  # decimals used to write coordinates in the file

    @property
    def n_customers(self) -> int:
        """Return the number of customers (the depot excluded)."""
        return len(self.nodes) - 1

    @property
    def horizon(self) -> Decimal:
        """Return the depot closing time (Tmax for OPTW, l0 for VRPTW)."""
        return self.nodes[0].due


def _decimals(token: str) -> int:
    return len(token.split(".")[1]) if "." in token else 0


def parse_toptw(path: Path) -> BenchmarkInstance:
    """Parse a KU Leuven OPTW/TOPTW file (``i x y d S f a list O C``, O and C last)."""
    lines = [line.split() for line in path.read_text().splitlines() if line.strip()]
    header = lines[0]
    nodes: list[BenchmarkNode] = []
    decimals = 0
    for fields in lines[2:]:
        decimals = max(decimals, _decimals(fields[1]), _decimals(fields[2]))
        prize = int(Decimal(fields[4]))
        nodes.append(
            BenchmarkNode(
                node_id=int(fields[0]),
                x=Decimal(fields[1]),
                y=Decimal(fields[2]),
                service=Decimal(fields[3]),
                prize=prize,
                demand=prize,
                ready=Decimal(fields[-2]),
                due=Decimal(fields[-1]),
            )
        )
    expected = int(header[2]) + 1
    if len(nodes) != expected:
        raise ValueError(f"{path.name}: expected {expected} vertices, found {len(nodes)}")
    return BenchmarkInstance(
        name=path.stem.lower(),
        kind="optw",
        nodes=tuple(nodes),
        vehicles=int(header[1]),
        capacity=0,
        coordinate_decimals=decimals,
    )


def parse_solomon(path: Path) -> BenchmarkInstance:
    """Parse a Solomon/Homberger VRPTW file (depot row 0, then the customers)."""
    lines = [line.split() for line in path.read_text().splitlines() if line.strip()]
    vehicles, capacity = (int(v) for v in lines[3])
    nodes: list[BenchmarkNode] = []
    decimals = 0
    for fields in lines[6:]:
        decimals = max(decimals, _decimals(fields[1]), _decimals(fields[2]))
        demand = int(Decimal(fields[3]))
        nodes.append(
            BenchmarkNode(
                node_id=int(fields[0]),
                x=Decimal(fields[1]),
                y=Decimal(fields[2]),
                service=Decimal(fields[6]),
                prize=demand,
                demand=demand,
                ready=Decimal(fields[4]),
                due=Decimal(fields[5]),
            )
        )
    if [node.node_id for node in nodes] != list(range(len(nodes))):
        raise ValueError(f"{path.name}: vertex ids are not 0..n in order")
    return BenchmarkInstance(
        name=lines[0][0].lower(),
        kind="vrptw",
        nodes=tuple(nodes),
        vehicles=vehicles,
        capacity=capacity,
        coordinate_decimals=decimals,
    )


def optw_distance_decimals(instance: BenchmarkInstance) -> int:
    """Return the truncation decimals of the OPTW convention: 2 for pr files, else 1."""
    return 2 if instance.name.startswith("pr") else 1


@dataclass(frozen=True)
class BksRow:
    """One best-known-solution entry: objective to compare against and how it is known."""

    instance: str
    routes: int
    value: float
    status: str


def load_optw_bks(directory: Path) -> dict[tuple[str, int], BksRow]:
    """Read ``optw/BKS.csv`` keyed by (instance, m); rows without a BKS are skipped."""
    table: dict[tuple[str, int], BksRow] = {}
    with (directory / "BKS.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            if not row["bks_score"]:
                continue
            key = (row["instance"].lower(), int(row["m"]))
            table[key] = BksRow(key[0], key[1], float(row["bks_score"]), row["bks_status"])
    return table


def load_vrptw_bks(directory: Path) -> dict[str, BksRow]:
    """Read a VRPTW ``BKS.csv``: the distance-only BKS where given, else the hierarchical one."""
    table: dict[str, BksRow] = {}
    with (directory / "BKS.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            name = row["instance"].lower()
            if row.get("bks_dist_distance"):
                vehicles, value, status = row["bks_dist_vehicles"], row["bks_dist_distance"], "dist"
            else:
                vehicles, value, status = row["bks_hier_vehicles"], row["bks_hier_distance"], "hier"
            table[name] = BksRow(name, int(vehicles), float(value), status)
    return table
