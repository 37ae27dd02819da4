"""The patient report's words: plain language, for one person, about their own record.

Short sentences and common words (the report is tested at a Flesch-Kincaid grade of 7 or
lower); every medical word is explained the first time it appears. The report covers what
the record shows, what "relapsed" and "refractory" mean for this person, the kinds of
treatment their team may discuss (not ranked, not advice), questions to ask, care that helps,
and when to call. It never recommends a treatment.

The fixed teaching sentences (what myeloma is, how the medicines work, care, when to call) are
data, not code: they live in ``rrmm/kb/patient-education.yaml`` with their sources and are read
here by id through :func:`_text`. An id missing from that file raises an error; a sentence marked
unverified there is shown with :data:`UNCHECKED` after it, and the "About this report" section
then says what that means. Sentences built from the patient's own record stay in this module.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from rrmm.core.assess import Evaluation
from rrmm.core.drugs import DrugCatalog, DrugClass
from rrmm.core.model import PatientRecord, ProcedureKind
from rrmm.core.options import OptionKind, OptionsResult
from rrmm.core.refractory import ClassState, DrugState
from rrmm.core.status import DiseaseStatus
from rrmm.kb import KnowledgeBaseError, load_patient_education

__all__ = ["TOPICS", "UNCHECKED", "Section", "patient_sections"]

UNCHECKED = " (Not yet checked.)"
"""Put after a sentence whose entry in patient-education.yaml is marked ``verified: false``."""

_UNCHECKED_NOTE = (
    'Some sentences end with "Not yet checked." The makers of this report could not yet find'
    " those facts in a trusted source. Ask your care team about them."
)


def _text(text_id: str) -> str:
    """The sentence ``text_id`` of patient-education.yaml, marked when it is unverified."""
    entry = load_patient_education().get(text_id)
    if entry is None:
        raise KnowledgeBaseError(f"patient-education.yaml has no text '{text_id}'")
    return entry.text if entry.verified else entry.text + UNCHECKED


@dataclass(frozen=True, slots=True)
class Section:
    """One part of the report: a heading, paragraphs and bullet points."""

    id: str
    heading: str
    paragraphs: tuple[str, ...] = ()
    bullets: tuple[str, ...] = ()


TOPICS = {
    "relapsed_vs_refractory_definition": "meaning",
    "primary_vs_secondary_refractory": "meaning",
    "double_triple_class_refractory": "meaning",
    "how_common_relapse_is": "meaning",
    "why_resistance_develops": "meaning",
    "first_line_induction_and_maintenance": "record",
    "tests_for_relapse_and_monitoring": "tests",
    "choosing_next_treatment": "options",
    "drug_classes": "medicines",
    "combination_regimens_and_sequencing": "options",
    "car_t_cell_therapy": "options",
    "bispecific_antibodies": "options",
    "antibody_drug_conjugates": "options",
    "selinexor": "options",
    "chemotherapy_and_radiation": "options",
    "stem_cell_transplant": "options",
    "clinical_trials": "trials",
    "supportive_care_quality_of_life": "care",
    "treatment_side_effects": "watch",
    "care_team_communication": "questions",
    "emotional_support_community": "feelings",
    "prognosis_outlook_hope": "outlook",
}

# The three main groups of the refractory paragraph, each with the id of its words.
_CLASS_WORDS = {
    DrugClass.PROTEASOME_INHIBITOR: "class.proteasome_inhibitor",
    DrugClass.IMMUNOMODULATORY_DRUG: "class.immunomodulatory_drug",
    DrugClass.ANTI_CD38: "class.anti_cd38",
}

# Kinds of treatment: key, title, the classes that place an option in it, and the id of its words.
_KIND_WORDS = [
    ("car_t", "CAR-T cell therapy", (DrugClass.BCMA_CAR_T,), "kind.car_t"),
    (
        "bispecific",
        "A bispecific antibody",
        (DrugClass.BCMA_BISPECIFIC, DrugClass.GPRC5D_BISPECIFIC),
        "kind.bispecific",
    ),
    ("adc", "An antibody-drug conjugate", (DrugClass.BCMA_ADC,), "kind.adc"),
    ("xpo1", "Selinexor", (DrugClass.XPO1_INHIBITOR,), "kind.xpo1"),
    (
        "antibody",
        "A mix of medicines with an antibody",
        (DrugClass.ANTI_CD38, DrugClass.ANTI_SLAMF7),
        "kind.antibody",
    ),
    (
        "combination",
        "A mix of other myeloma medicines",
        (DrugClass.PROTEASOME_INHIBITOR, DrugClass.IMMUNOMODULATORY_DRUG),
        "kind.combination",
    ),
]


def _isotype(record: PatientRecord) -> str:
    diagnosis = record.diagnosis
    if diagnosis is None:
        return "myeloma"
    heavy, light = diagnosis.heavy_chain, diagnosis.light_chain
    if heavy is not None and str(heavy) == "none" and light is not None and str(light) != "none":
        return f"light chain myeloma ({light} type)"
    if heavy is not None and str(heavy) != "none" and light is not None:
        return f"{heavy} {light} myeloma"
    return "myeloma"


def _about() -> Section:
    return Section(
        "about",
        "About this report",
        (
            "This report explains your myeloma records in plain words. It was made by a"
            " computer program called rrmm from the data your care team gave it.",
            "It is not medical advice. It does not tell you what to do. Your care team knows you"
            " best. Please bring this report to your next visit and talk it over with them.",
        ),
    )


def _basics() -> Section:
    return Section(
        "myeloma",
        "What is myeloma?",
        (_text("basics.plasma_cells"), _text("basics.m_protein")),
    )


def _record(record: PatientRecord, ev: Evaluation) -> Section:
    paragraphs = []
    diagnosis = record.diagnosis
    kind = _isotype(record)
    if diagnosis is not None:
        paragraphs.append(f"You were found to have {kind} on {diagnosis.date:%B %-d, %Y}.")
        if kind != "myeloma":
            paragraphs.append(_text("record.isotype"))
    count = len(ev.lines)
    if count == 0:
        paragraphs.append("Your record shows no myeloma treatment yet.")
    else:
        word = "one line" if count == 1 else f"{count} lines"
        paragraphs.append(f"You have had {word} of treatment. " + _text("record.line_of_treatment"))
    bullets = []
    for course in ev.courses:
        line = course.line
        end = "and it is still going" if line.end is None else f"to {line.end:%B %Y}"
        spelled = _spelled(line.drugs) if line.drugs else ""
        drugs = f" ({spelled})" if spelled and spelled.lower() != line.regimen.lower() else ""
        bullets.append(f"Line {line.number}: {line.regimen}{drugs}, from {line.start:%B %Y} {end}.")
    return Section("record", "What your record shows", tuple(paragraphs), tuple(bullets))


def _status_words(ev: Evaluation) -> str:
    status = ev.status.status
    return {
        DiseaseStatus.UNTREATED: "Your record shows no treatment yet.",
        DiseaseStatus.RESPONDING: _text("status.responding"),
        DiseaseStatus.RELAPSED: _text("status.relapsed"),
        DiseaseStatus.RELAPSED_AND_REFRACTORY: _text("status.relapsed_and_refractory"),
        DiseaseStatus.PRIMARY_REFRACTORY: _text("status.primary_refractory"),
        DiseaseStatus.NOT_EVALUABLE: (
            "The records do not have enough test results to say how the myeloma is doing now."
        ),
    }[status]


def _meaning(ev: Evaluation) -> Section:
    paragraphs = [
        _status_words(ev),
        _text("meaning.relapsed"),
        _text("meaning.refractory"),
    ]
    refractory_classes = [
        _text(text_id)
        for cls, text_id in _CLASS_WORDS.items()
        if ev.classes.get(cls) is ClassState.REFRACTORY
    ]
    refractory = [v.drug for v in ev.drugs if v.state is DrugState.REFRACTORY]
    if refractory:
        paragraphs.append(
            "Your records show the myeloma stopped responding to: " + ", ".join(refractory) + "."
        )
    if len(refractory_classes) >= 3:
        paragraphs.append(
            "These medicines come from three main groups: "
            + "; ".join(refractory_classes)
            + ". "
            + _text("meaning.triple_class")
            + " Your record shows this for you. "
            + _text("meaning.triple_class_new")
        )
    elif len(refractory_classes) == 2:
        # "Double refractory" names one pair only: a proteasome inhibitor and an IMiD.
        named = " " + _text("meaning.double_class") if "double_refractory" in ev.labels else ""
        paragraphs.append(
            "These medicines come from two main groups: "
            + "; ".join(refractory_classes)
            + ". Your record shows the myeloma stopped responding to both groups."
            + named
        )
    return Section("meaning", "What relapsed and refractory mean for you", tuple(paragraphs))


def _tests() -> Section:
    return Section(
        "tests",
        "How your team checks the myeloma",
        (_text("tests.m_protein"), _text("tests.other")),
    )


def _medicines(ev: Evaluation, catalog: DrugCatalog) -> Section:
    received = sorted({v.drug for v in ev.drugs if catalog.get(v.drug).antimyeloma})
    paragraphs = [_text("medicines.intro")]
    bullets = [
        _text("medicines.proteasome_inhibitors"),
        _text("medicines.imids"),
        _text("medicines.antibodies"),
        _text("medicines.steroids"),
    ]
    if received:
        paragraphs.append("You have had these myeloma medicines: " + ", ".join(received) + ".")
    return Section(
        "medicines", "The main kinds of myeloma medicine", tuple(paragraphs), tuple(bullets)
    )


def _spelled(components: tuple[str, ...]) -> str:
    names = [n.replace("_", " ") for n in components]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _options(options: OptionsResult | None, catalog: DrugCatalog, record: PatientRecord) -> Section:
    paragraphs = [
        _text("options.choosing"),
        "The list below shows kinds of treatment that your record may fit. It is in no order."
        " It is not a choice made for you. Only your team can say what fits you.",
    ]
    bullets: list[str] = []
    if options is not None:
        fitting = [
            o
            for o in options.options
            if o.label_eligible or o.kind in (OptionKind.RETREATMENT, OptionKind.TRANSPLANT)
        ]
        placed: set[str] = set()
        for _, title, wanted, text_id in _KIND_WORDS:
            group = [
                o
                for o in fitting
                if o.regimen not in placed
                and o.components
                and {c for n in o.components for c in catalog.get(n).classes} & set(wanted)
            ]
            placed.update(o.regimen for o in group)
            group.sort(key=lambda o: (bool(o.refractory_components), o.rank))
            if group:
                examples = "; or ".join(_spelled(o.components) for o in group[:2])
                bullets.append(f"{title}, for example {examples}. {_text(text_id)}")
        if any(o.kind is OptionKind.RETREATMENT for o in fitting):
            bullets.append(_text("options.retreatment"))
        transplants = [o for o in options.options if o.kind is OptionKind.TRANSPLANT]
        if any(o.label_eligible is not False for o in transplants):
            had_one = any(p.kind is ProcedureKind.AUTOLOGOUS_TRANSPLANT for p in record.procedures)
            bullets.append(
                _text("options.transplant")
                + (" " + _text("options.second_transplant") if had_one else "")
            )
    bullets.append(_text("options.chemo_radiation"))
    bullets.append(_text("options.trial"))
    return Section(
        "options", "Kinds of treatment your team may talk about", tuple(paragraphs), tuple(bullets)
    )


def _trials() -> Section:
    return Section(
        "trials",
        "Clinical trials",
        (_text("trials.intro"), _text("trials.disparities")),
    )


def _care(options: OptionsResult | None) -> Section:
    bullets = [
        _text("care.infections"),
        _text("care.bones"),
        _text("care.clots"),
        _text("care.nerves"),
        _text("care.pain"),
        _text("care.food"),
    ]
    if options is not None:
        kinds = {s.category for o in options.options[:5] for s in o.supportive_care}
        if "ocular" in kinds:
            bullets.append(_text("care.eyes"))
        if "crs_icans" in kinds:
            bullets.append(_text("care.immune_reactions"))
    return Section(
        "care",
        "Care that helps you feel well",
        (_text("care.intro"),),
        tuple(bullets),
    )


def _watch() -> Section:
    return Section(
        "watch",
        "When to call your care team",
        (_text("watch.intro"),),
        tuple(
            _text(f"watch.{key}")
            for key in (
                "fever",
                "bone_pain",
                "confusion",
                "breathing",
                "bleeding",
                "nerves",
                "stomach",
                "eyes",
            )
        ),
    )


def _questions() -> Section:
    return Section(
        "questions",
        "Questions to ask your care team",
        (_text("questions.intro"),),
        tuple(
            _text(f"questions.{key}")
            for key in (
                "results",
                "pace",
                "still_respond",
                "choices",
                "retreat",
                "fit",
                "trial",
                "side_effects",
                "daily_life",
            )
        ),
    )


def _feelings() -> Section:
    return Section(
        "feelings",
        "Your feelings matter",
        (_text("feelings.main"),),
    )


def _outlook() -> Section:
    return Section(
        "outlook",
        "Looking ahead",
        (_text("outlook.main"),),
    )


def patient_sections(
    record: PatientRecord,
    ev: Evaluation,
    options: OptionsResult | None,
    catalog: DrugCatalog,
) -> tuple[Section, ...]:
    """The report's sections for this patient, in reading order.

    When a shown sentence is marked unverified in patient-education.yaml, the first section
    ("About this report") also says what the "Not yet checked." mark means.
    """
    sections = (
        _about(),
        _basics(),
        _record(record, ev),
        _meaning(ev),
        _tests(),
        _medicines(ev, catalog),
        _options(options, catalog, record),
        _trials(),
        _care(options),
        _watch(),
        _questions(),
        _feelings(),
        _outlook(),
    )
    shown = (text for s in sections for text in (*s.paragraphs, *s.bullets))
    if any(UNCHECKED in text for text in shown):
        about = sections[0]
        sections = (replace(about, paragraphs=(*about.paragraphs, _UNCHECKED_NOTE)), *sections[1:])
    return sections
