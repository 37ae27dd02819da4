"""A terminal timeline of a patient record: therapy courses as bars, labs as rows."""

from __future__ import annotations

from datetime import date

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from rrmm.core.analytes import Analyte
from rrmm.core.model import (
    Immunofixation,
    LabValue,
    Measurement,
    PatientRecord,
    Procedure,
    ProcedureKind,
    Therapy,
)
from rrmm.core.units import format_number

__all__ = ["TimeAxis", "lab_table", "record_summary", "record_timeline"]


class TimeAxis:
    """Maps dates to character columns of a fixed-width time axis."""

    def __init__(self, first: date, last: date, width: int) -> None:
        self.first, self.last, self.width = first, last, width
        self._span = max((last - first).days, 1)

    def column(self, day: date) -> int:
        """The column of ``day``, clamped to the axis."""
        position = round((day - self.first).days / self._span * (self.width - 1))
        return min(self.width - 1, max(0, position))

    def bar(self, start: date, end: date, mark: str = "█") -> str:
        """A bar from ``start`` to ``end``."""
        cells = [" "] * self.width
        for position in range(self.column(start), self.column(end) + 1):
            cells[position] = mark
        return "".join(cells)

    def marks(self, points: list[tuple[date, str]]) -> str:
        """Single characters placed at their dates (later ones overwrite earlier ones)."""
        cells = [" "] * self.width
        for day, mark in points:
            cells[self.column(day)] = mark
        return "".join(cells)


_MARKS = {
    ProcedureKind.AUTOLOGOUS_TRANSPLANT: "A",
    ProcedureKind.ALLOGENEIC_TRANSPLANT: "G",
    ProcedureKind.CAR_T_INFUSION: "C",
    ProcedureKind.APHERESIS: "a",
    ProcedureKind.RADIOTHERAPY: "R",
}


def _dates(record: PatientRecord) -> list[date]:
    found = [t.start for t in record.therapies] + [t.end for t in record.therapies if t.end]
    found += [p.date for p in record.procedures] + [panel.date for panel in record.labs]
    found += [study.date for study in record.imaging]
    if record.diagnosis:
        found.append(record.diagnosis.date)
    return found


def _label(therapy: Therapy) -> str:
    name = therapy.regimen or "+".join(therapy.drug_names)
    return f"{name} ({therapy.intent})" if therapy.intent else name


def record_summary(record: PatientRecord) -> Text:
    """One line: id, sex, birth date, diagnosis and isotype."""
    parts = [f"Patient {record.id}"]
    if record.sex:
        parts.append(str(record.sex))
    if record.birth_date:
        parts.append(f"born {record.birth_date}")
    diagnosis = record.diagnosis
    if diagnosis:
        isotype = " ".join(
            str(chain) for chain in (diagnosis.heavy_chain, diagnosis.light_chain) if chain
        )
        stage = f", ISS {diagnosis.iss_stage}" if diagnosis.iss_stage else ""
        parts.append(f"diagnosed {diagnosis.date} {isotype}{stage}".rstrip())
    return Text(" · ".join(parts), style="bold")


def record_timeline(record: PatientRecord, today: date, width: int = 60) -> RenderableType:
    """Therapy courses as bars and procedures as marks on one time axis."""
    dates = _dates(record)
    if not record.therapies and not record.procedures:
        return Text("No therapy recorded.", style="italic")
    first, last = min(dates), max([*dates, *(today for t in record.therapies if t.end is None)])
    axis = TimeAxis(first, last, width)

    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("course", max_width=30, overflow="fold")
    table.add_column(f"{first} → {last}", no_wrap=True, width=width)
    rows: list[tuple[date, Text, Text]] = []
    for therapy in record.therapies:
        bar = axis.bar(therapy.start, therapy.end or today)
        ends = f"{therapy.end}" if therapy.end else "ongoing"
        reason = f" ({therapy.stop_reason})" if therapy.stop_reason and therapy.end else ""
        label = Text(_label(therapy))
        label.append(f"\n{therapy.start} – {ends}{reason}", style="dim")
        rows.append((therapy.start, label, Text(bar, style="cyan")))
    for procedure in record.procedures:
        label = Text(_procedure_label(procedure))
        label.append(f"\n{procedure.date}", style="dim")
        mark = axis.marks([(procedure.date, _MARKS[procedure.kind])])
        rows.append((procedure.date, label, Text(mark, style="magenta bold")))
    for _, label, bar_text in sorted(rows, key=lambda row: row[0]):
        table.add_row(label, bar_text)
    legend = Text(
        "█ therapy course · A autologous transplant · G allogeneic · C CAR-T · a apheresis"
        " · R radiotherapy",
        style="dim",
    )
    return Group(table, legend)


def _procedure_label(procedure: Procedure) -> str:
    label = str(procedure.kind).replace("_", " ")
    return f"{label} ({procedure.product})" if procedure.product else label


def _cell(value: LabValue) -> str:
    if isinstance(value, Measurement):
        return str(value.quantity)
    if isinstance(value, Immunofixation):
        return str(value.result)
    method = f" {value.method}" if value.method else ""
    limit = f" {format_number(value.sensitivity)}" if value.sensitivity else ""
    return f"{value.status}{method}{limit}"


_SHORT = {
    Analyte.URINE_M_PROTEIN: "UPEP",
    Analyte.SERUM_IMMUNOFIXATION: "sIFE",
    Analyte.URINE_IMMUNOFIXATION: "uIFE",
    Analyte.SERUM_M_PROTEIN: "SPEP",
    Analyte.KAPPA_FLC: "κ FLC",
    Analyte.LAMBDA_FLC: "λ FLC",
    Analyte.FLC_RATIO: "κ/λ",
    Analyte.CREATININE_CLEARANCE: "CrCl",
    Analyte.EGFR: "eGFR",
    Analyte.HEMOGLOBIN: "Hb",
    Analyte.BETA2_MICROGLOBULIN: "β2M",
    Analyte.LDH: "LDH",
    Analyte.MRD: "MRD",
    Analyte.ANC: "ANC",
    Analyte.AST: "AST",
    Analyte.ALT: "ALT",
    Analyte.IGG: "IgG",
    Analyte.IGA: "IgA",
    Analyte.IGM: "IgM",
    Analyte.CALCIUM: "Ca",
    Analyte.CREATININE: "creat",
    Analyte.ALBUMIN: "alb",
    Analyte.BONE_MARROW_PLASMA_CELLS: "marrow PC",
}


def lab_table(record: PatientRecord) -> RenderableType:
    """Laboratory results as recorded, one row per date."""
    if not record.labs:
        return Text("No laboratory results recorded.", style="italic")
    table = Table(title="Laboratory results (as recorded)", header_style="bold", show_lines=False)
    table.add_column("date", no_wrap=True)
    table.add_column("results", overflow="fold")
    for panel in sorted(record.labs, key=lambda p: p.date):
        cells = Text()
        for index, value in enumerate(panel.values):
            if index:
                cells.append(" · ", style="dim")
            cells.append(f"{_SHORT.get(value.analyte, value.analyte.value)} ", style="bold")
            cells.append(_cell(value).replace(" ", "\u00a0"))
        table.add_row(str(panel.date), cells)
    return table
