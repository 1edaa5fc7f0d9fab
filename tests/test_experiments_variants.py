"""Overrides and experiment files: what they change, and one-line errors for mistakes."""

from __future__ import annotations

from pathlib import Path

import pytest

from jtai_sim import load_scenario
from jtai_sim.errors import ExperimentError
from jtai_sim.experiments import Variant, load_variant, parse_set, read_experiment
from jtai_sim.experiments.sweep import read_experiment_text
from jtai_sim.experiments.variants import as_variant, scenario_hash

ROOT = Path(__file__).resolve().parent.parent
MINIMAL = load_scenario(ROOT / "scenarios" / "minimal.toml")


def apply(*sets: str) -> object:
    return Variant.from_sets("v", sets).apply(MINIMAL)


def test_set_add_and_scale() -> None:
    s = apply(
        "agencies.camhs.staff=14",
        "agencies.front_door.staff+=2",
        "demand.*.rate_per_10k_per_year*=1.15",
    )
    assert s.agencies["camhs"].staff == 14  # type: ignore[attr-defined]
    assert s.agencies["front_door"].staff == 6  # type: ignore[attr-defined]
    rates = {k: d.rate_per_10k_per_year for k, d in s.demand.items()}  # type: ignore[attr-defined]
    assert rates == {
        "school_concerns": pytest.approx(345.0),
        "police_incidents": pytest.approx(287.5),
    }


def test_pathways_by_position_and_by_name() -> None:
    s = apply(
        "pathways[police ~> school].information.delay_mean_days=1.0", "pathways[0].probability=0.5"
    )
    notify = [p for p in s.pathways if p.mode == "notify" and p.source == "police"]  # type: ignore[attr-defined]
    assert notify[0].information.delay_mean_days == 1.0
    assert s.pathways[0].probability == 0.5  # type: ignore[attr-defined]
    # a name matching several pathways changes them all
    s = apply("pathways[front_door->assessment].probability=0.3")
    hits = [p for p in s.pathways if (p.source, p.to) == ("front_door", "assessment")]  # type: ignore[attr-defined]
    assert len(hits) == 2 and {p.probability for p in hits} == {0.3}


def test_a_whole_table_is_merged() -> None:
    s = apply('agencies.camhs.service={kind="gamma", mean_days=40.0, sd_days=10.0}')
    service = s.agencies["camhs"].service  # type: ignore[attr-defined]
    assert (service.kind, service.mean_days, service.sd_days) == ("gamma", 40.0, 10.0)


def test_the_base_is_left_as_it_was_and_hashes_differ() -> None:
    before = scenario_hash(MINIMAL)
    changed = apply("agencies.camhs.staff=14")
    assert scenario_hash(MINIMAL) == before != scenario_hash(changed)  # type: ignore[arg-type]
    assert scenario_hash(apply("agencies.camhs.staff=8")) == before  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "agencies.camhs.stuff=3",
            "--set agencies.camhs.stuff=3: agencies.camhs has no key 'stuff' "
            "(did you mean 'staff'?)",
        ),
        ("agencies.camhs.staff=3.5", "--set agencies.camhs.staff=3.5: must be a whole number"),
        (
            "agencies.camhs.staff*=1.15",
            "--set agencies.camhs.staff*=1.15: agencies.camhs.staff is a whole number, and 8 * "
            "1.15 is 9.2",
        ),
        (
            "agencies.police.staff+=1",
            "--set agencies.police.staff+=1: agencies.police.staff has no value to add",
        ),
        ("pathways[40].probability=0.5", "pathways has 11 entries, there is no [40]"),
        (
            "pathways[2].probability=1.5",
            "--set pathways[2].probability=1.5: must be a probability between 0 and 1, got 1.5",
        ),
        ("agencies.camhs.service.kind=weibull", "must be one of"),
        ("seed=3", "--set seed=3: the root seed is set for the whole experiment"),
        ("pathways[0].to=nowhere", "nowhere"),
        ("agencies.camhs.staff.x=1", "agencies.camhs.staff is a single value"),
    ],
)
def test_bad_overrides_are_one_line_naming_the_override(text: str, message: str) -> None:
    with pytest.raises(ExperimentError) as info:
        apply(text)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_set_values_are_read_as_toml() -> None:
    assert parse_set("a.b=14").value == 14
    assert parse_set("a.b=14.0").value == 14.0
    assert parse_set("a.b=true").value is True
    assert parse_set('a.b="x y"').value == "x y"
    assert parse_set("a.b=[1, 2]").value == [1, 2]
    assert parse_set("a.b = gamma").value == "gamma"


def test_variant_files(tmp_path: Path) -> None:
    path = tmp_path / "more.toml"
    path.write_text(
        'label = "More"\n[add]\nagencies.camhs.staff = 3\n'
        '[scale]\n"demand.*.rate_per_10k_per_year" = 1.1\n'
    )
    variant = load_variant(path)
    assert (variant.name, variant.label) == ("more", "More")
    assert [o.text for o in variant.overrides] == [
        "agencies.camhs.staff+=3",
        "demand.*.rate_per_10k_per_year*=1.1",
    ]
    assert variant.apply(MINIMAL).agencies["camhs"].staff == 11
    path.write_text('label = "More"\n\n[add]\nagencies.camhs.staff = 0.5\n')
    with pytest.raises(ExperimentError) as info:
        load_variant(path).apply(MINIMAL)
    assert str(info.value).startswith(f"{path}:4: add.agencies.camhs.staff: ")
    path.write_text('lable = "More"\n')
    with pytest.raises(
        ExperimentError,
        match=r"more.toml:1: lable: unknown key \(did you mean "
        r"'label'\?\)",
    ):
        load_variant(path)


def test_python_mappings_are_variants() -> None:
    nested = as_variant("n", {"agencies": {"camhs": {"staff": 9}}})
    dotted = as_variant("d", {"agencies.camhs.staff": 9})
    ops = as_variant("o", {"add": {"agencies.camhs.staff": 1}})
    assert {v.apply(MINIMAL).agencies["camhs"].staff for v in (nested, dotted, ops)} == {9}


def test_experiment_grid_and_named_variants() -> None:
    exp = read_experiment_text(
        f'scenario = "{ROOT / "scenarios" / "minimal.toml"}"\nreplications = 3\n'
        '[variants.faster]\nset = { "agencies.camhs_spa.service.mean_days" = 1.0 }\n'
        '[factors]\n"agencies.camhs.staff" = [8, 10]\n'
        '[factors."demand.*.rate_per_10k_per_year"]\nscale = [1.0, 1.15]\n',
        file="x.toml",
    )
    assert [v.name for v in exp.variants] == [
        "faster",
        "staff=8,rate_per_10k_per_year×1",
        "staff=8,rate_per_10k_per_year×1.15",
        "staff=10,rate_per_10k_per_year×1",
        "staff=10,rate_per_10k_per_year×1.15",
    ]
    infos = exp.resolve()
    assert infos[0].name == "base" and infos[2].scenario_hash == infos[0].scenario_hash


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('scenario = "minimal"\nreplications = 1\n', "x.toml:2: replications: must be >= 2"),
        (
            'scenario = "minimal"\nreplications = 3\nmetrics = ["wait.camhz.mean_days"]\n',
            "x.toml:3: metrics: wait.camhz.mean_days: no agency 'camhz' (did you mean 'camhs'?)",
        ),
        ('scenario = "nowhere.toml"\n', "x.toml:1: scenario: no such scenario file"),
        ("replications = 3\n", "x.toml: scenario: is required"),
        (
            'scenario = "minimal"\n[factors]\n"agencies.camhs.staff" = 3\n',
            'x.toml:3: factors."agencies.camhs.staff": must be a list of levels',
        ),
        (
            'scenario = "minimal"\n[factors."agencies.camhs.staff"]\nadd = [1, "x"]\n',
            "add levels must be numbers",
        ),
        ('scenario = "minimal"\nprecision = 0.05\n', "precision: needs at least one metric"),
        ('scenario = "minimal"\ndays = 30\n', "days: 30 days is not longer than the scenario's"),
        ('scenario = "minimal"\n[variants.base]\nset = {}\n', "'base' is the unchanged"),
        ('scenario = "minimal"\nname = 3\n', "x.toml:2: name: must be text, got 3"),
        (
            'scenario = "minimal"\nreplications = 3\n[variants.v]\nset = "x"\n',
            "x.toml:4: variants.v.set: must be a table",
        ),
        ('scenario = "minimal"\nreplications = 3 3\n', "x.toml:2: TOML syntax"),
    ],
)
def test_bad_experiment_files(text: str, message: str) -> None:
    with pytest.raises(ExperimentError) as info:
        read_experiment_text(text, file="x.toml", folder=ROOT / "scenarios")
    assert message in str(info.value), str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios" / "experiments").glob("*.toml")))
def test_example_experiments_are_valid(path: Path) -> None:
    experiment = read_experiment(path)
    assert experiment.variants
    experiment.resolve()


@pytest.mark.parametrize(
    "path", sorted((ROOT / "scenarios" / "experiments" / "variants").glob("*.toml"))
)
def test_example_variant_files_apply_to_midshire(path: Path) -> None:
    midshire = ROOT / "scenarios" / "midshire.toml"
    variant = load_variant(path)
    assert variant.label
    variant.apply(load_scenario(midshire))


def test_a_negative_position_is_refused_not_counted_from_the_end() -> None:
    with pytest.raises(ExperimentError, match=r"positions count from 0, so there is no \[-1\]"):
        Variant("v", (parse_set("pathways[-1].probability=0.5"),)).apply(load_scenario("minimal"))
