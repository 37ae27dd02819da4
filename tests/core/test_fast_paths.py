"""The cohort-speed fast paths give exactly what the plain definitions they replace give.

Each reference below is the earlier, direct implementation (a scan, a brute-force
enumeration, a per-call lookup); the property is equality (and equal ``repr``, so that
-0.0, 1 and 1.0 stay what they were) on generated and example records.
"""

from __future__ import annotations

import itertools
from bisect import bisect_right
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rrmm.adapters.native.read import read_patient_file
from rrmm.adapters.omop.read import LabRows, _panels
from rrmm.core import analytes as analytes_module
from rrmm.core import progression, risk
from rrmm.core.analytes import ANALYTES, Analyte, to_canonical
from rrmm.core.assess import assess
from rrmm.core.drugs import DrugCatalog, DrugClass, normalise_drug_name
from rrmm.core.eligibility import CriteriaCheck, EqualCriteria, check_criteria
from rrmm.core.model import (
    Immunofixation,
    ImmunofixationResult,
    LabPanel,
    LabValue,
    Measurement,
    MrdResult,
    MrdStatus,
    PatientRecord,
)
from rrmm.core.options import treatment_options
from rrmm.core.refractory import (
    ClassState,
    DrugState,
    DrugVerdict,
    class_states,
    labels,
    labels_before_line,
)
from rrmm.core.response import Assessment, DiseaseData, collect_assessments, disease_data
from rrmm.core.series import (
    Point,
    immunofixation_series,
    lab_values,
    latest_on_or_before,
    latest_within,
    mrd_series,
    quantity_series,
)
from rrmm.core.thresholds import above, at_least, at_most, below, lower_cut, upper_cut
from rrmm.core.units import Dimension, Quantity, UnitError
from rrmm.kb import load_criteria, load_drug_catalog, load_knowledge_base
from tests.conftest import AS_OF, EXAMPLES, SHARED_EXAMPLE
from tests.strategies import records

CATALOG = load_drug_catalog()
KB = load_knowledge_base()
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
EXAMPLE_RECORDS = [
    record
    for path in [SHARED_EXAMPLE, *sorted(EXAMPLES.glob("*.yaml"))]
    if (record := read_patient_file(path, catalog=CATALOG, as_of=AS_OF).record) is not None
]
DAY = date(2021, 1, 1)


# --- references: the plain definitions --------------------------------------------------


def _old_to_canonical(analyte: Analyte, quantity: Quantity) -> float:
    conversion = analytes_module._conversion(analyte, quantity.unit)
    if isinstance(conversion, str):
        raise UnitError(conversion)
    source, target = conversion
    base = quantity.value * source.factor
    if source.dimension is not target.dimension:
        molar_mass = ANALYTES[analyte].molar_mass
        assert molar_mass is not None
        if source.dimension is Dimension.SUBSTANCE_CONCENTRATION:
            base = base * molar_mass
        else:
            base = base / molar_mass
    return base / target.factor


def _old_quantity_series(record: PatientRecord, analyte: Analyte) -> tuple[Point, ...]:
    by_date: dict[date, Point] = {}
    for panel in record.labs:
        value = panel.get(analyte)
        if isinstance(value, Measurement):
            by_date[panel.date] = Point(
                panel.date, _old_to_canonical(analyte, value.quantity), value.quantity.comparator
            )
    return tuple(by_date[day] for day in sorted(by_date))


def _old_immunofixation_series(record, analyte):
    by_date = {}
    for panel in record.labs:
        value = panel.get(analyte)
        if isinstance(value, Immunofixation):
            by_date[panel.date] = value.result is ImmunofixationResult.POSITIVE
    return tuple((day, by_date[day]) for day in sorted(by_date))


def _old_mrd_series(record):
    found = [
        (panel.date, value)
        for panel in record.labs
        for value in panel.values
        if isinstance(value, MrdResult)
    ]
    return tuple(sorted(found, key=lambda pair: pair[0]))


def _old_last(points, day, since):
    index = bisect_right(points, day, key=lambda point: point.date)
    if index == 0:
        return None
    found = points[index - 1]
    return found if found.date >= since else None


def _old_collect_assessments(data: DiseaseData, after, until, window_days):
    days: set[date] = set()
    for series in (data.serum, data.urine, data.kappa, data.lambda_, data.marrow):
        days.update(point.date for point in series)
    days.update(day for day, _ in data.serum_ife)
    days.update(day for day, _ in data.urine_ife)
    days.update(data.new_lesions)
    chosen = sorted(day for day in days if day > after and (until is None or day < until))
    groups: list[list[date]] = []
    for day in chosen:
        if groups and (day - groups[-1][0]).days < window_days:
            groups[-1].append(day)
        else:
            groups.append([day])
    result = []
    for group in groups:
        first, last = group[0], group[-1]

        def pick(points, first=first, last=last):
            return _old_last(points, last, first)

        def flag(pairs, first=first, last=last):
            found = latest_on_or_before(pairs, last, first)
            return found[1] if found else None

        kappa, lambda_ = pick(data.kappa), pick(data.lambda_)
        if kappa is None or lambda_ is None:
            kappa = lambda_ = None
        result.append(
            Assessment(
                date=first,
                serum=pick(data.serum),
                urine=pick(data.urine),
                kappa=kappa,
                lambda_=lambda_,
                marrow=pick(data.marrow),
                serum_ife=flag(data.serum_ife),
                urine_ife=flag(data.urine_ife),
                new_lesion=any(first <= day <= last for day in data.new_lesions),
            )
        )
    return tuple(result)


def _old_window(points, start, until):
    return [pt for pt in points if pt.date > start and (until is None or pt.date < until)]


def _old_at_start(points, start, lookback_days=60):
    found = None
    for point in points:
        if point.date > start:
            break
        if (start - point.date).days <= lookback_days:
            found = point
    return found


def _old_solve(name, rule, inputs, decide, labels):
    unknown = [key for key, value in inputs.items() if value is None]
    outcomes = set()
    for combo in itertools.product((False, True), repeat=len(unknown)):
        filled = {k: bool(v) for k, v in inputs.items() if v is not None}
        filled.update(dict(zip(unknown, combo, strict=True)))
        outcomes.add(decide(filled))
    known = ", ".join(
        f"{labels[k]} {'yes' if v else 'no'}" for k, v in inputs.items() if v is not None
    )
    if len(outcomes) == 1:
        return risk.Stage(name, outcomes.pop(), rule, known or "from the rule alone")
    missing = tuple(labels[k] for k in unknown)
    return risk.Stage(
        name,
        None,
        rule,
        f"not evaluable: could be {', '.join(sorted(outcomes))} depending on {', '.join(missing)}",
        missing,
    )


def _old_get(catalog: DrugCatalog, generic: str):
    drug = catalog._index.get(normalise_drug_name(generic))
    if drug is None or drug.name != generic:
        raise KeyError(generic)
    return drug


def _old_labels_before_line(verdicts, line_number, catalog):
    earlier = []
    for verdict in verdicts:
        lines = tuple(n for n in verdict.lines if n < line_number)
        if not lines:
            continue
        refractory = tuple(n for n in verdict.refractory_lines if n < line_number)
        state = DrugState.REFRACTORY if refractory else DrugState.EXPOSED_ONLY
        earlier.append(
            DrugVerdict(verdict.drug, state, lines, verdict.first_exposure, (), refractory)
        )
    found, _ = labels(earlier, class_states(earlier, catalog))
    return found


def _old_panels(labs: LabRows) -> tuple[LabPanel, ...]:
    panels: list[LabPanel] = []
    values: list[LabValue] = []
    current = None
    for day, analyte, value in zip(labs.day, labs.analyte, labs.value, strict=True):
        if day != current and values and current is not None:
            panels.append(LabPanel(current, tuple(values)))
            values = []
        current = day
        values.append(Measurement(analyte, Quantity(value, ANALYTES[analyte].canonical_unit)))
    if values and current is not None:
        panels.append(LabPanel(current, tuple(values)))
    return tuple(panels)


# --- series -------------------------------------------------------------------------------


def _outcome(function, *args):
    """The result, or the UnitError message as a string tagged 'UnitError'."""
    try:
        return function(*args)
    except UnitError as error:
        return ("UnitError", str(error))


def _same(found, expected):
    assert found == expected
    assert repr(found) == repr(expected)


def _check_series(record: PatientRecord) -> None:
    for analyte in Analyte:
        _same(
            _outcome(quantity_series, record, analyte),
            _outcome(_old_quantity_series, record, analyte),
        )
        _same(immunofixation_series(record, analyte), _old_immunofixation_series(record, analyte))
        expected_values = [
            (panel.date, panel.get(analyte))
            for panel in record.labs
            if panel.get(analyte) is not None
        ]
        assert list(lab_values(record, analyte)) == expected_values
    _same(mrd_series(record), _old_mrd_series(record))


@SETTINGS
@given(first=records(), second=records())
def test_series_equal_the_panel_scan(first, second):
    # Interleaved, so the series kept for the last record are checked against a switch.
    for record in (first, second, first):
        _check_series(record)


@pytest.mark.parametrize("index", range(len(EXAMPLE_RECORDS)))
def test_series_of_the_examples(index):
    _check_series(EXAMPLE_RECORDS[index])


def _panel(day, *values):
    return LabPanel(day, tuple(values))


def _m(analyte, value, unit, comparator=None):
    return Measurement(analyte, Quantity(value, unit, comparator))


def test_series_with_repeats_unsorted_dates_mixed_units_and_other_kinds():
    serum, kappa = Analyte.SERUM_M_PROTEIN, Analyte.KAPPA_FLC
    later, earlier = DAY + timedelta(days=30), DAY - timedelta(days=30)
    record = PatientRecord(
        id="x",
        labs=(
            _panel(DAY, _m(serum, 12.0, "g/L"), _m(serum, 3.0, "g/dL"), _m(kappa, 5, "mg/dL")),
            _panel(later, Immunofixation(serum, ImmunofixationResult.POSITIVE)),
            _panel(earlier, _m(serum, 900.0, "mg/dL", "<"), _m(Analyte.CALCIUM, 2.4, "mmol/L")),
            _panel(DAY, _m(serum, 1.5, "g/dL"), MrdResult(Analyte.MRD, MrdStatus.NEGATIVE)),
            _panel(later, MrdResult(Analyte.MRD, MrdStatus.POSITIVE), _m(kappa, 0.0, "mg/L")),
            _panel(earlier, _m(Analyte.CREATININE, 90.0, "umol/L")),
        ),
    )
    _check_series(record)
    # The same panel object twice, and an LDH the risk staging reads.
    ldh = _panel(DAY, Measurement(Analyte.LDH, Quantity(300.0, "U/L"), None, 250.0))
    _check_series(PatientRecord(id="z", labs=(ldh, record.labs[0], ldh, record.labs[0])))
    bad = PatientRecord(id="y", labs=(_panel(DAY, _m(serum, 1.0, "mmol/L")),))
    _check_series(bad)
    with pytest.raises(UnitError):
        quantity_series(bad, serum)


@given(
    st.lists(st.tuples(st.integers(0, 40), st.integers(0, 5)), max_size=30),
    st.integers(-5, 45),
    st.integers(-5, 45),
)
def test_latest_within_equals_the_scan(items, day, not_before):
    ordered = tuple(sorted(((DAY + timedelta(days=d), v) for d, v in items), key=lambda i: i[0]))
    dates = tuple(d for d, _ in ordered)
    when, since = DAY + timedelta(days=day), DAY + timedelta(days=not_before)
    assert latest_within(ordered, dates, when, since) == latest_on_or_before(ordered, when, since)


@st.composite
def _points(draw):
    days = sorted(draw(st.sets(st.integers(0, 400), max_size=25)))
    return tuple(Point(DAY + timedelta(days=d), float(d % 7)) for d in days)


@given(_points(), st.integers(-10, 420), st.none() | st.integers(-10, 420), st.integers(0, 90))
def test_clinical_windows_equal_the_scans(points, start, until, lookback):
    dates = tuple(p.date for p in points)
    begin = DAY + timedelta(days=start)
    end = None if until is None else DAY + timedelta(days=until)
    assert list(progression._window(points, dates, begin, end)) == _old_window(points, begin, end)
    assert progression._at_start(points, dates, begin, lookback) == _old_at_start(
        points, begin, lookback
    )


def _check_assessments(record: PatientRecord, after: date, until: date | None, window: int):
    try:
        data = disease_data(record)
    except UnitError:
        return
    found = collect_assessments(data, after, until, window)
    assert found == _old_collect_assessments(data, after, until, window)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records(), st.integers(-3, 60), st.data())
def test_assessments_equal_the_grouping_definition(record, window, data):
    # Bounds on measurement dates as well as between them.
    days = sorted({panel.date for panel in record.labs} | {s.date for s in record.imaging})
    anywhere = st.dates(min_value=date(1989, 1, 1), max_value=AS_OF)
    bound = st.sampled_from(days) | anywhere if days else anywhere
    after = data.draw(bound)
    until = data.draw(st.none() | bound)
    _check_assessments(record, after, until, window)


@pytest.mark.parametrize("index", range(len(EXAMPLE_RECORDS)))
def test_assessments_of_the_examples(index):
    record = EXAMPLE_RECORDS[index]
    for after in sorted({panel.date for panel in record.labs})[:6]:
        for window in (1, 14, 28):
            _check_assessments(record, after - timedelta(days=1), None, window)
            _check_assessments(record, after, after + timedelta(days=200), window)


# --- thresholds, conversions --------------------------------------------------------------

_floats = st.floats(allow_nan=True, allow_infinity=True, width=64)


@given(_floats, _floats)
def test_thresholds_equal_the_slack_formula(value, threshold):
    slack = 1e-9 * max(1.0, abs(threshold))
    assert at_least(value, threshold) is (value >= threshold - slack)
    assert above(value, threshold) is (value > threshold + slack)
    assert below(value, threshold) is (value < threshold - slack)
    assert at_most(value, threshold) is (value <= threshold + slack)
    assert at_least(value, threshold) is (value >= lower_cut(threshold))
    assert above(value, threshold) is (value > upper_cut(threshold))


@given(st.sampled_from(list(Analyte)), st.floats(0, 1e6, allow_nan=False), st.data())
def test_to_canonical_equals_the_unit_arithmetic(analyte, value, data):
    units = ANALYTES[analyte].common_units or ("1",)
    quantity = Quantity(value, data.draw(st.sampled_from([*units, "mmol/L", "U/L", "xyz"])))
    found = _outcome(to_canonical, analyte, quantity)
    assert repr(found) == repr(_outcome(_old_to_canonical, analyte, quantity))


# --- risk -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "decide", "labels_", "keys"),
    [
        ("R-ISS", risk._r_iss, risk._BASE_LABELS, ("iss1", "iss3", "del17p", "t4_14", "t14_16")),
        ("R2-ISS", risk._r2_iss, risk._BASE_LABELS, ("iss1", "iss3", "del17p", "t4_14", "gain")),
        ("IMS", risk._ims_high, risk._IMS_LABELS, tuple(risk._IMS_LABELS)),
    ],
)
def test_solve_equals_the_enumeration_for_every_input_pattern(name, decide, labels_, keys):
    keys = (*keys, "ldh") if name != "IMS" else keys
    for pattern in itertools.product((None, False, True), repeat=len(keys)):
        inputs = dict(zip(keys, pattern, strict=True))
        expected = _old_solve(name, "rule", inputs, decide, labels_)
        assert risk._solve(name, "rule", inputs, decide, labels_) == expected
        assert risk._solve(name, "rule", dict(inputs), decide, dict(labels_)) == expected


# --- drugs, labels, criteria, options ---------------------------------------------------------


def test_catalog_get_equals_the_normalised_lookup():
    written = [
        text
        for drug in CATALOG.drugs
        for name in (drug.name, *drug.brands, *drug.synonyms)
        for text in (name, name.upper(), f" {name} ", name.replace(" ", "_"), f"{name}®")
    ]
    for text in [*written, "", "unknown drug", "Lenalidomide"]:
        try:
            expected = _old_get(CATALOG, text)
        except KeyError:
            with pytest.raises(KeyError):
                CATALOG.get(text)
        else:
            assert CATALOG.get(text) is expected


_LABEL_DRUGS = [
    CATALOG.get(name)
    for name in (
        "bortezomib",
        "carfilzomib",
        "lenalidomide",
        "pomalidomide",
        "daratumumab",
        "teclistamab",
        "talquetamab",
    )
]


@st.composite
def _verdicts(draw):
    drugs = draw(
        st.lists(
            st.sampled_from(_LABEL_DRUGS) | st.sampled_from(CATALOG.drugs), max_size=10, unique=True
        )
    )
    found = []
    for drug in drugs:
        lines = tuple(sorted(draw(st.sets(st.integers(1, 5), min_size=1))))
        refractory = tuple(n for n in lines if draw(st.booleans()))
        state = DrugState.REFRACTORY if refractory else draw(st.sampled_from(DrugState))
        found.append(DrugVerdict(drug.name, state, lines, DAY, ("e",), refractory))
    return found


@settings(max_examples=300, deadline=None)
@given(_verdicts())
def test_labels_before_line_equal_the_verdict_definition(verdicts):
    for line_number in range(1, 7):
        assert labels_before_line(verdicts, line_number, CATALOG) == _old_labels_before_line(
            verdicts, line_number, CATALOG
        )


def test_class_states_order_is_unchanged():
    states = class_states([], CATALOG)
    assert list(states) == list(DrugClass)
    assert set(states.values()) == {ClassState.NAIVE}


@pytest.mark.parametrize("index", range(len(EXAMPLE_RECORDS)))
def test_shared_criteria_check_equals_check_criteria(index):
    record = EXAMPLE_RECORDS[index]
    ev = assess(record, CATALOG, load_criteria(), AS_OF)
    shared = EqualCriteria()
    check = CriteriaCheck(ev, record, KB.catalog, shared)
    for regimen in KB.regimens:
        for indication in regimen.indications:
            expected = check_criteria(indication.criteria, ev, record, KB.catalog)
            assert check.check(indication.criteria) == expected
            assert check.check(list(indication.criteria)) == expected


@pytest.mark.parametrize("regulator", ["FDA", "EMA", "PMDA"])
@pytest.mark.parametrize("index", range(len(EXAMPLE_RECORDS)))
def test_options_do_not_depend_on_what_was_listed_before(index, regulator):
    record = EXAMPLE_RECORDS[index]
    ev = assess(record, CATALOG, load_criteria(), AS_OF)
    first = treatment_options(ev, record, KB, regulator, AS_OF)
    for other in EXAMPLE_RECORDS[:3]:
        other_ev = assess(other, CATALOG, load_criteria(), AS_OF)
        treatment_options(other_ev, other, KB, regulator, AS_OF)
    again = treatment_options(ev, record, KB, regulator, AS_OF)
    assert again == first
    assert repr(again) == repr(first)


# --- OMOP panels ------------------------------------------------------------------------------


@given(
    st.lists(
        st.tuples(
            st.integers(0, 3),
            st.sampled_from([Analyte.SERUM_M_PROTEIN, Analyte.KAPPA_FLC, Analyte.CALCIUM]),
            st.sampled_from([0.0, -0.0, 1.0, 1, 2.5, float("nan"), 0.1 + 0.2, 1e-300]),
        ),
        max_size=20,
    )
)
def test_omop_panels_equal_a_plain_build(rows):
    rows.sort(key=lambda row: row[0])
    labs = LabRows(
        day=[DAY + timedelta(days=d) for d, _, _ in rows],
        analyte=[a for _, a, _ in rows],
        value=[v for _, _, v in rows],
    )
    for _ in range(2):  # the second build reuses shared measurements
        found, expected = _panels(labs), _old_panels(labs)
        assert repr(found) == repr(expected)
