"""The patient report's words: plain language, for one person, about their own record.

Short sentences and common words (the report is tested at a Flesch-Kincaid grade of 7 or
lower); every medical word is explained the first time it appears. The report covers what
the record shows, what "relapsed" and "refractory" mean for this person, the kinds of
treatment their team may discuss (not ranked, not advice), questions to ask, care that helps,
and when to call. It never recommends a treatment.
"""

from __future__ import annotations

from dataclasses import dataclass

from rrmm.core.assess import Evaluation
from rrmm.core.drugs import DrugCatalog, DrugClass
from rrmm.core.model import PatientRecord, ProcedureKind
from rrmm.core.options import OptionKind, OptionsResult
from rrmm.core.refractory import ClassState, DrugState
from rrmm.core.status import DiseaseStatus

__all__ = ["TOPICS", "Section", "patient_sections"]


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

_CLASS_WORDS = {
    DrugClass.PROTEASOME_INHIBITOR: "proteasome inhibitors (like bortezomib or carfilzomib)",
    DrugClass.IMMUNOMODULATORY_DRUG: "IMiDs (like lenalidomide or pomalidomide)",
    DrugClass.ANTI_CD38: "anti-CD38 antibodies (like daratumumab or isatuximab)",
}

_KIND_WORDS = [
    (
        "car_t",
        "CAR-T cell therapy",
        (DrugClass.BCMA_CAR_T,),
        "Your own T cells (a kind of white blood cell) are taken out, changed in a lab to find"
        " myeloma cells, and given back in one drip.",
    ),
    (
        "bispecific",
        "A bispecific antibody",
        (DrugClass.BCMA_BISPECIFIC, DrugClass.GPRC5D_BISPECIFIC),
        "This medicine holds a myeloma cell and one of your T cells (a kind of white blood cell)"
        " together, so the T cell can"
        " kill the myeloma cell. The first doses are given slowly, often in the hospital.",
    ),
    (
        "adc",
        "An antibody-drug conjugate",
        (DrugClass.BCMA_ADC,),
        "This is an antibody that carries a strong drug right to the myeloma cell. It can hurt"
        " the eyes, so you would have eye checks.",
    ),
    (
        "xpo1",
        "Selinexor",
        (DrugClass.XPO1_INHIBITOR,),
        "This is a pill that works in a new way. It traps proteins inside the myeloma cell so"
        " the cell dies.",
    ),
    (
        "antibody",
        "A mix of medicines with an antibody",
        (DrugClass.ANTI_CD38, DrugClass.ANTI_SLAMF7),
        "An antibody is a protein that finds myeloma cells and marks them so your body attacks"
        " them. It is often mixed with other myeloma medicines.",
    ),
    (
        "combination",
        "A mix of other myeloma medicines",
        (DrugClass.PROTEASOME_INHIBITOR, DrugClass.IMMUNOMODULATORY_DRUG),
        "Using two or three medicines that work in different ways can get around cells that no"
        " longer respond to one of them.",
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
        (
            "Myeloma is a cancer of plasma cells. Plasma cells are white blood cells that live"
            " in the bone marrow, the soft inside of your bones. They make antibodies that"
            " fight germs.",
            "In myeloma, one kind of plasma cell grows too much. It makes one protein over and"
            " over. This is the M-protein. We can measure it in the blood or urine, and it shows"
            " how much myeloma there is.",
        ),
    )


def _record(record: PatientRecord, ev: Evaluation) -> Section:
    paragraphs = []
    diagnosis = record.diagnosis
    kind = _isotype(record)
    if diagnosis is not None:
        paragraphs.append(f"You were found to have {kind} on {diagnosis.date:%B %-d, %Y}.")
        if kind != "myeloma":
            paragraphs.append(
                "The words before myeloma name the type of M-protein your myeloma cells make."
            )
    count = len(ev.lines)
    if count == 0:
        paragraphs.append("Your record shows no myeloma treatment yet.")
    else:
        word = "one line" if count == 1 else f"{count} lines"
        paragraphs.append(
            f"You have had {word} of treatment. A line of treatment is one plan of medicines."
            " Your first plan may have had a first part (induction), a stem cell transplant,"
            " and low-dose medicine after (maintenance). That whole plan counts as one line."
        )
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
        DiseaseStatus.RESPONDING: (
            "Right now the myeloma is responding. This means your treatment is working and the"
            " M-protein has gone down."
        ),
        DiseaseStatus.RELAPSED: (
            "The myeloma has come back after a time of working treatment. Doctors call this"
            " relapsed. It came back a while after the last treatment ended."
        ),
        DiseaseStatus.RELAPSED_AND_REFRACTORY: (
            "The myeloma came back. It grew while you were taking a medicine, or within about"
            " two months after. Doctors call this relapsed and refractory."
        ),
        DiseaseStatus.PRIMARY_REFRACTORY: (
            "The myeloma did not shrink much with treatment so far. Doctors call this primary"
            " refractory. It means other kinds of medicine are needed."
        ),
        DiseaseStatus.NOT_EVALUABLE: (
            "The records do not have enough test results to say how the myeloma is doing now."
        ),
    }[status]


def _meaning(ev: Evaluation) -> Section:
    paragraphs = [
        _status_words(ev),
        "Relapsed means the myeloma came back after it got better. Almost everyone with"
        " myeloma has a relapse at some time. It is a normal part of this illness, and there"
        " are many treatments for it.",
        "Refractory means the myeloma did not respond to a medicine, or stopped responding."
        " Myeloma cells can change over time, so a medicine that once worked may stop working."
        " Doctors then switch to medicines that work in a different way.",
    ]
    refractory_classes = [
        words for cls, words in _CLASS_WORDS.items() if ev.classes.get(cls) is ClassState.REFRACTORY
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
            + ". When myeloma stops responding to all three groups, doctors call it triple-class"
            " refractory. Your record shows this for you. Newer kinds of treatment were made"
            " for this."
        )
    elif len(refractory_classes) == 2:
        paragraphs.append(
            "These medicines come from two main groups: "
            + "; ".join(refractory_classes)
            + ". Your record shows the myeloma stopped responding to both groups. Doctors call"
            " this double refractory."
        )
    return Section("meaning", "What relapsed and refractory mean for you", tuple(paragraphs))


def _tests() -> Section:
    return Section(
        "tests",
        "How your team checks the myeloma",
        (
            "Your team follows the M-protein in your blood and urine. A rise that is big enough"
            " and seen twice in a row tells them the myeloma is growing again. They may also"
            " test free light chains, which are small pieces of the M-protein.",
            "Other tests check your blood counts, kidneys and calcium. A bone marrow test looks"
            " at the plasma cells. Scans like a PET-CT or MRI look at your bones. Some tests look"
            " at the genes of the myeloma cells. These help your team pick the next treatment.",
        ),
    )


def _medicines(ev: Evaluation, catalog: DrugCatalog) -> Section:
    received = sorted({v.drug for v in ev.drugs if catalog.get(v.drug).antimyeloma})
    paragraphs = [
        "Myeloma medicines come in groups. Each group attacks myeloma cells in its own way.",
    ]
    bullets = [
        "Proteasome inhibitors (bortezomib, carfilzomib, ixazomib) block the part of the cell"
        " that clears old proteins, so the cell fills up and dies.",
        "IMiDs (lenalidomide, pomalidomide) help your immune system and slow the myeloma.",
        "Antibodies (daratumumab, isatuximab, elotuzumab) stick to myeloma cells so your body"
        " can find and kill them.",
        "Steroids like dexamethasone are added to most plans. They help the other medicines work.",
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
        "At a relapse, your team looks at which medicines you had, how long they worked, your"
        " tests and how you feel. Then they talk with you about the next plan. A plan that"
        " worked well before may be used again if the myeloma stayed away a long time.",
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
        for _, title, wanted, words in _KIND_WORDS:
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
                bullets.append(f"{title}, for example {examples}. {words}")
        if any(o.kind is OptionKind.RETREATMENT for o in fitting):
            bullets.append(
                "Using an earlier plan again. This can work when the myeloma stayed"
                " away for a long time after it."
            )
        transplants = [o for o in options.options if o.kind is OptionKind.TRANSPLANT]
        if any(o.label_eligible is not False for o in transplants):
            had_one = any(p.kind is ProcedureKind.AUTOLOGOUS_TRANSPLANT for p in record.procedures)
            bullets.append(
                "A stem cell transplant. High doses of a strong medicine clear the marrow, then"
                " your own saved stem cells are given back."
                + (
                    " A second one may help if the first kept the myeloma away for a long time."
                    if had_one
                    else ""
                )
            )
    bullets.append(
        "Chemotherapy or radiation. Older strong medicines, or radiation to one painful spot,"
        " can help in some cases."
    )
    bullets.append(
        "A clinical trial. This is a study of a new medicine or a new plan. It can give you a"
        " new treatment early."
    )
    return Section(
        "options", "Kinds of treatment your team may talk about", tuple(paragraphs), tuple(bullets)
    )


def _trials() -> Section:
    return Section(
        "trials",
        "Clinical trials",
        (
            "Clinical trials test new medicines. Many people with relapsed myeloma take part in"
            " one. Ask your team if a trial fits you. You can also search the United States"
            " trial list (ClinicalTrials.gov) or ask a patient group for help.",
            "Some groups of people, such as Black and Hispanic patients, are too often left out"
            " of trials. You have a right to ask about trials at any time.",
        ),
    )


def _care(options: OptionsResult | None) -> Section:
    bullets = [
        "Germs: myeloma and its medicines make infections more likely. Your team may give you"
        " medicine to prevent shingles or other infections, and vaccines.",
        "Bones: a drip or shot can make your bones stronger and lower the chance of breaks."
        " See a dentist before you start it.",
        "Blood clots: some myeloma pills raise the chance of clots. You may take aspirin or"
        " another blood thinner.",
        "Nerves: some medicines cause tingling or pain in hands and feet. Tell your team early,"
        " so they can change the dose.",
        "Pain: you do not have to live with pain. Ask for help to control it.",
        "Food and tiredness: eat well, drink water and stay as active as you can.",
    ]
    if options is not None:
        kinds = {s.category for o in options.options[:5] for s in o.supportive_care}
        if "ocular" in kinds:
            bullets.append("Eyes: one of the treatments that may fit you needs eye checks.")
        if "crs_icans" in kinds:
            bullets.append(
                "Immune reactions: some new treatments can cause fever, low blood pressure or"
                " confusion in the first days. You would be watched closely then."
            )
    return Section(
        "care",
        "Care that helps you feel well",
        (
            "Supportive care treats the side effects of myeloma and its treatment. It helps you"
            " feel better and stay safe.",
        ),
        tuple(bullets),
    )


def _watch() -> Section:
    return Section(
        "watch",
        "When to call your care team",
        ("Call your team right away if you have:",),
        (
            "A fever, chills or feel very unwell.",
            "New or worse bone pain, or sudden back pain.",
            "Confusion, very bad sleepiness or trouble speaking.",
            "Trouble breathing, chest pain or a fast heartbeat.",
            "Bleeding or bruising that is not normal.",
            "New tingling, numbness or weakness.",
            "Feeling sick to your stomach, throwing up or loose stools that do not stop.",
            "Blurry eyes or eye pain, if you get a medicine that can harm the eyes.",
        ),
    )


def _questions() -> Section:
    return Section(
        "questions",
        "Questions to ask your care team",
        ("It is fine to ask questions. Write them down before your visit.",),
        (
            "What do my latest test results show?",
            "Is the myeloma growing fast or slowly? Do I need to start treatment now?",
            "Which medicines is the myeloma still likely to respond to?",
            "What are my choices, and what are the goals of each?",
            "Could a plan that worked before be used again?",
            "Am I a good fit for a stem cell transplant, CAR-T or a bispecific antibody?",
            "Is there a clinical trial for me?",
            "What side effects should I watch for, and who do I call?",
            "How will this treatment change my daily life?",
        ),
    )


def _feelings() -> Section:
    return Section(
        "feelings",
        "Your feelings matter",
        (
            "It is normal to feel sad, angry or afraid when myeloma comes back. Talk to your"
            " team. A counselor, a social worker or a support group can help. Many patient"
            " groups have people you can talk to who know what it is like.",
        ),
    )


def _outlook() -> Section:
    return Section(
        "outlook",
        "Looking ahead",
        (
            "Myeloma that keeps coming back is hard. But there are many more treatments now than"
            " a few years ago, and new ones keep coming. Many people live for years with"
            " myeloma. Your team will work with you to find the next step.",
        ),
    )


def patient_sections(
    record: PatientRecord,
    ev: Evaluation,
    options: OptionsResult | None,
    catalog: DrugCatalog,
) -> tuple[Section, ...]:
    """The report's sections for this patient, in reading order."""
    return (
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
