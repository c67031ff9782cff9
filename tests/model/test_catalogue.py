"""The 2022 catalogue: complete against Division Nära's report per August 2022, strict, and typos fail with a Swedish message."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kpi.model.catalogue import PERSPECTIVES, SUBJECT_MAX_LENGTH, check_subject, load_catalogue, subject_is_neuter
from kpi.model.errors import CatalogueError

CATALOGUE = Path(__file__).resolve().parents[2] / "data" / "catalogue" / "2022.yaml"


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(CATALOGUE)


def test_every_printed_row_of_the_five_tables_is_there(catalogue) -> None:
    rows_per_perspective = {p.name: len({m.row_id for f in p.success_factors for m in f.measures}) for p in catalogue.perspectives}
    # Counted by hand in the report: Samhälle 3, Medborgare 13, Verksamhet 14, Medarbetare 11, Ekonomi 5.
    assert rows_per_perspective == {"Samhälle": 3, "Medborgare": 13, "Verksamhet": 14, "Medarbetare": 11, "Ekonomi": 5}


def test_perspectives_and_strategic_goals(catalogue) -> None:
    assert [(p.name, p.strategic_goal) for p in catalogue.perspectives] == [
        ("Samhälle", "Ett livskraftigt län"),
        ("Medborgare", "Trygg norrbottning med god livskvalitet"),
        ("Verksamhet", "God nära och samordnad vård"),
        ("Medarbetare", "Hållbar kompetensförsörjning"),
        ("Ekonomi", "Långsiktigt hållbar ekonomi"),
    ]
    assert tuple(p.name for p in catalogue.perspectives) == PERSPECTIVES


def test_every_target_kind_of_the_domain_occurs(catalogue) -> None:
    kinds = {m.target.kind for m in catalogue.measures()}
    assert kinds == {"level", "annual_volume", "direction", "relative_change", "band", "none"}
    readmissions = catalogue.measure("ver_aterinskrivningar_65")
    assert (readmissions.target.women, readmissions.target.men) == (16, 17.2)
    assert catalogue.measure("eko_budgetavvikelse").target.text == "+/-0 mnkr"


def test_actions_table_of_the_same_report(catalogue) -> None:
    per_perspective = {}
    for action in catalogue.actions:
        per_perspective[action.perspective] = per_perspective.get(action.perspective, 0) + 1
        assert action.goal or action.action
        assert action.followup and action.followup[0].period == "2022-DÅ08"
    assert per_perspective == {"Medborgare": 5, "Verksamhet": 16, "Medarbetare": 7, "Ekonomi": 2}


def _broken(tmp_path: Path, edit) -> Path:
    raw = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    edit(raw)
    path = tmp_path / "2022.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def _first_measure(raw):
    return raw["perspectives"][1]["success_factors"][0]["measures"][5]  # med_telefon_samma_dag


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda r: _first_measure(r).update(unit="procent"), ["styrmått 'med_telefon_samma_dag'", "fält 'unit'", "otillåtet värde", "'procent'"]),
        (lambda r: _first_measure(r).update(direktion="higher"), ["styrmått 'med_telefon_samma_dag'", "fält 'direktion'", "inte ett känt fält"]),
        (lambda r: _first_measure(r).pop("split_by_sex"), ["styrmått 'med_telefon_samma_dag'", "fält 'split_by_sex'", "saknas"]),
        (lambda r: _first_measure(r)["target"].update(kind="nivå"), ["styrmått 'med_telefon_samma_dag'", "fält 'target'", "okänd målsort"]),
        (lambda r: _first_measure(r)["target"].update(value="95 procent"), ["styrmått 'med_telefon_samma_dag'", "target.level.value", "måste vara ett tal"]),
        (lambda r: _first_measure(r).update(id="med_triage_digitalen"), ["förekommer flera gånger", "med_triage_digitalen"]),
    ],
)
def test_a_typo_fails_at_start_up_naming_measure_and_field(tmp_path: Path, edit, expected: list[str]) -> None:
    with pytest.raises(CatalogueError) as error:
        load_catalogue(_broken(tmp_path, edit))
    for fragment in expected:
        assert fragment in str(error.value)


def test_broken_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "2022.yaml"
    path.write_text("year: 2022\nperspectives: [\n  - oops: {\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="rad"):
        load_catalogue(path)


def test_models_are_frozen(catalogue) -> None:
    with pytest.raises(Exception):
        catalogue.measure("med_telefon_samma_dag").unit = "antal"  # type: ignore[misc]


# --- the subject: what the analysis text calls the measure ------------------------------------------


def test_every_measure_names_its_subject(catalogue) -> None:
    """Every measure of the bundled catalogue has a subject that the validator accepts, short
    enough for "X har ökat med 2,0 procentenheter"."""
    for measure in catalogue.measures():
        assert measure.subject is not None, measure.id
        assert check_subject(measure.subject) == measure.subject
        assert len(measure.subject) <= SUBJECT_MAX_LENGTH


@pytest.mark.parametrize(
    ("subject", "neuter"),
    [
        ("andelen", False),
        ("sjukfrånvaron", False),
        ("budgetavvikelsen", False),
        ("andelen patienter med fast vårdkontakt", False),
        ("kostnaden per DRG-poäng", False),
        ("antalet", True),
        ("antalet besök på filialer och servicepunkter", True),
        ("kontinuitetsindexet", True),
        ("resultatet", True),
        ("den totala kostnaden", False),
        ("det ekonomiska resultatet", True),
    ],
)
def test_agreement_follows_the_head_noun(subject: str, neuter: bool) -> None:
    assert subject_is_neuter(check_subject(subject)) is neuter


@pytest.mark.parametrize(
    ("subject", "message"),
    [
        ("", "får inte vara tomt"),
        ("Sjukfrånvaron", "liten bokstav"),
        ("kontinuitetsindex", "bestämd form"),
        ("andel digitala vårdbesök", "bestämd form"),
        ("kostnaderna för ytterfall", "bestämd form"),
        ("sjukfrånvaron.", "skiljetecken"),
        (" sjukfrånvaron", "mellanslag"),
        ("andelen " + "mycket " * 10 + "långa", "högst 60 tecken"),
    ],
)
def test_a_subject_that_does_not_read_fails_naming_the_measure(tmp_path: Path, subject: str, message: str) -> None:
    with pytest.raises(CatalogueError) as error:
        load_catalogue(_broken(tmp_path, lambda r: _first_measure(r).update(subject=subject)))
    assert "styrmått 'med_telefon_samma_dag'" in str(error.value) and "fält 'subject'" in str(error.value)
    assert message in str(error.value)
