"""The words eligibility text uses for drugs, drug classes and refractoriness labels.

Drug names come from the knowledge base's catalogue (generic names, brands and
synonyms; synonyms of three letters or fewer are left out, except a few that only
ever mean the drug, because "tal" or "cy" are too easily something else). Class
phrases ("proteasome inhibitor", "anti-CD38 monoclonal antibody", "BCMA-directed
therapy", "CAR-T") map to :class:`rrmm.core.drugs.DrugClass` sets. "Chemotherapy"
is ambiguous: literally the cytotoxic classes, in older protocols any anti-myeloma
drug, so it carries both and the matcher decides only what both readings agree on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rrmm.core.drugs import DrugCatalog, DrugClass
from rrmm.trials.rules import AllOf, DrugHistory, Relation, Rule, Target

__all__ = [
    "ANY_ANTIMYELOMA",
    "CD38",
    "CHEMOTHERAPY",
    "CLASS_PHRASES",
    "IMID",
    "PI",
    "Vocabulary",
    "build_vocabulary",
    "label_rule",
]

_SAFE_SHORT = {"btz", "cfz", "pld"}
_C = DrugClass

ANY_ANTIMYELOMA = Target("anti-myeloma therapy", any_antimyeloma=True)
CYTOTOXIC = frozenset(
    {
        _C.ALKYLATOR,
        _C.ANTHRACYCLINE,
        _C.PLATINUM,
        _C.TOPOISOMERASE_INHIBITOR,
        _C.VINCA_ALKALOID,
    }
)
CHEMOTHERAPY = Target("chemotherapy (cytotoxic)", classes=CYTOTOXIC)
_BCMA = frozenset({_C.BCMA_CAR_T, _C.BCMA_BISPECIFIC, _C.BCMA_ADC})
_BISPECIFIC = frozenset({_C.BCMA_BISPECIFIC, _C.GPRC5D_BISPECIFIC, _C.FCRH5_BISPECIFIC})
PI = Target("proteasome inhibitor", classes=frozenset({_C.PROTEASOME_INHIBITOR}))
IMID = Target("immunomodulatory drug", classes=frozenset({_C.IMMUNOMODULATORY_DRUG}))
CD38 = Target("anti-CD38 antibody", classes=frozenset({_C.ANTI_CD38}))
_PENTA = frozenset({"bortezomib", "carfilzomib", "lenalidomide", "pomalidomide"})

_ANTIBODY = r"(?: monoclonal)?(?: antibod(?:y|ies)| mabs?| moabs?)"
_THERAPY = (
    r"(?:(?: monoclonal)?(?: antibod(?:y|ies)| mabs?)|(?:-| )?(?:based|containing)"
    r"|(?: (?:therapy|therapies|treatment|treatments|agents?|drugs?|regimens?|products?"
    r"|infusions?)))*"
)

# (pattern, target); searched in order, longest phrases first within each entry.
CLASS_PHRASES: tuple[tuple[str, Target], ...] = (
    (
        rf"proteasome[- ]inhibitors?(?: \(pis?\))?{_THERAPY}"
        r"|\bpis?\b(?: \(proteasome inhibitors?\))?",
        PI,
    ),
    (
        rf"immunomodulatory (?:imide )?(?:drugs?|agents?|derivatives?|compounds?|therapy)"
        rf"(?: \(imids?\))?{_THERAPY}|\bimids?\b{_THERAPY}|immunomodulators?",
        IMID,
    ),
    (
        rf"(?:anti-? ?cd38|cd38[- ](?:directed|targeted|targeting))(?:{_ANTIBODY})?{_THERAPY}"
        rf"(?: \(mabs?\))?|cd38{_ANTIBODY}{_THERAPY}",
        CD38,
    ),
    (
        rf"(?:anti-? ?bcma|bcma[- ](?:directed|targeted|targeting))"
        rf"(?: (?:car-?t|bispecifics?|adcs?))?{_THERAPY}",
        Target("BCMA-directed therapy", classes=_BCMA),
    ),
    (
        rf"bcma (?:car-?t(?:[- ]cells?)?|chimeric antigen receptor t[- ]cells?){_THERAPY}",
        Target("BCMA CAR-T", classes=frozenset({_C.BCMA_CAR_T})),
    ),
    (
        rf"bcma (?:bispecific|t[- ]cell engager)s?{_THERAPY}",
        Target("BCMA bispecific", classes=frozenset({_C.BCMA_BISPECIFIC})),
    ),
    (
        rf"(?:anti-? ?gprc5d|gprc5d[- ](?:directed|targeted|targeting)){_THERAPY}",
        Target("GPRC5D-directed therapy", classes=frozenset({_C.GPRC5D_BISPECIFIC})),
    ),
    (
        rf"(?:car[- ]?t(?:[- ]cells?)?|chimeric antigen receptor(?: \(car\))?(?: t[- ]cells?)?)"
        rf"(?: cell)?{_THERAPY}",
        Target("CAR-T therapy", classes=frozenset({_C.BCMA_CAR_T}), cell_therapy=True),
    ),
    (
        rf"(?:bispecific(?: t[- ]cell engagers?)?|t[- ]cell (?:engagers?|redirecting))"
        rf"{_THERAPY}",
        Target("bispecific antibody", classes=_BISPECIFIC),
    ),
    (rf"anti-? ?slamf7{_THERAPY}", Target("anti-SLAMF7", classes=frozenset({_C.ANTI_SLAMF7}))),
    (
        rf"(?:xpo1|exportin[- ]1) inhibitors?{_THERAPY}|selective inhibitors? of nuclear export",
        Target("XPO1 inhibitor", classes=frozenset({_C.XPO1_INHIBITOR})),
    ),
    (
        rf"bcl-? ?2 inhibitors?{_THERAPY}",
        Target("BCL-2 inhibitor", classes=frozenset({_C.BCL2_INHIBITOR})),
    ),
    (
        rf"(?:hdac|histone deacetylase) inhibitors?{_THERAPY}",
        Target("HDAC inhibitor", classes=frozenset({_C.HDAC_INHIBITOR})),
    ),
    (
        rf"alkylating agents?{_THERAPY}|alkylators?",
        Target("alkylating agent", classes=frozenset({_C.ALKYLATOR})),
    ),
    (rf"anthracyclines?{_THERAPY}", Target("anthracycline", classes=frozenset({_C.ANTHRACYCLINE}))),
    (
        r"(?:systemic )?(?:cortico)?steroids?(?: therapy)?|glucocorticoids?",
        Target("corticosteroids", classes=frozenset({_C.STEROID})),
    ),
    (
        r"(?:any )?(?:other )?(?:approved |standard |systemic |prior )*(?:anti-? ?myeloma"
        r"|anti-? ?cancer|anti-? ?neoplastic"
        r"|antitumou?r|myeloma-directed|myeloma)(?: drug)? (?:therapy|therapies|treatment|"
        r"treatments|agents?|medications?|regimens?|therapeutics?)|systemic (?:therapy|treatment)",
        ANY_ANTIMYELOMA,
    ),
    (
        r"(?:intravenous |iv |oral )?(?:bisphosphonates?"
        r"|bone[- ]modifying (?:agents?|therapy|drugs?)"
        r"|bone[- ]targeted (?:agents?|therapy))",
        Target("bone-modifying agent", classes=frozenset({_C.BONE_MODIFYING_AGENT})),
    ),
)

# Words shaped like a drug's international non-proprietary name that the catalogue does not
# know (tipifarnib, perifosine...). No patient record can hold them (records only hold
# catalogue drugs), so exposure to one is false and never guessed true.
_INN = (
    r"[a-z]{3,}(?:mab|nib|zomib|lisib|parib|ciclib|rafenib|tinib|stat|domide|lidomide|dronate"
    r"|platin|rubicin|taxel|citabine|abine|mustine|fosfamide|tecan|leucel|cept|kinra|farnib|fosine"
    r"|clax|toclax|linostat|inostat|sertib|varsen|tide|mycin|tecin|mide)"
)

_LABELS: dict[str, Rule] = {
    "triple_class_exposed": AllOf(
        (
            DrugHistory(PI, Relation.EXPOSED),
            DrugHistory(IMID, Relation.EXPOSED),
            DrugHistory(CD38, Relation.EXPOSED),
        )
    ),
    "triple_class_refractory": AllOf(
        (
            DrugHistory(PI, Relation.REFRACTORY),
            DrugHistory(IMID, Relation.REFRACTORY),
            DrugHistory(CD38, Relation.REFRACTORY),
        )
    ),
    "double_refractory": AllOf(
        (DrugHistory(PI, Relation.REFRACTORY), DrugHistory(IMID, Relation.REFRACTORY))
    ),
    "quad_refractory": AllOf(
        (
            DrugHistory(CD38, Relation.REFRACTORY),
            DrugHistory(
                Target("bortezomib, carfilzomib, lenalidomide, pomalidomide", _PENTA),
                Relation.REFRACTORY,
                3,
            ),
        )
    ),
    "penta_refractory": AllOf(
        (
            DrugHistory(CD38, Relation.REFRACTORY),
            DrugHistory(
                Target("bortezomib, carfilzomib, lenalidomide, pomalidomide", _PENTA),
                Relation.REFRACTORY,
                4,
            ),
        )
    ),
    "penta_exposed": AllOf(
        (
            DrugHistory(CD38, Relation.EXPOSED),
            DrugHistory(
                Target("bortezomib, carfilzomib, lenalidomide, pomalidomide", _PENTA),
                Relation.EXPOSED,
                4,
            ),
        )
    ),
}


def label_rule(label: str) -> Rule:
    """The rule for a refractoriness label (MAMMOTH / LocoMMotion definitions)."""
    return _LABELS[label]


@dataclass(frozen=True)
class Vocabulary:
    """Compiled drug and class patterns; built once from the catalogue.

    ``interned`` holds one object per distinct rule and statement reading seen by the
    parser with this vocabulary, so that equal rules of different trials are the same
    object (cheap to compare and to memoise per patient).
    """

    drug_pattern: re.Pattern[str]
    drug_names: dict[str, str]
    class_patterns: tuple[tuple[re.Pattern[str], Target], ...]
    target_pattern: re.Pattern[str]
    interned: dict[object, object] = field(default_factory=dict, compare=False, repr=False)

    def target(self, written: str) -> Target | None:
        """The target a phrase (a drug name or a class phrase) stands for."""
        phrase = written.strip()
        if phrase not in self.drug_names and re.fullmatch(_INN, phrase):
            return Target(phrase, drugs=frozenset({phrase}), uncatalogued=True)
        generic = self.drug_names.get(phrase)
        if generic is None:
            stem = re.sub(
                r"(?:-| )?(?:based|containing)(?: regimens?| therapy| therapies)?$", "", phrase
            )
            stem = re.sub(r" (?:therapy|therapies|treatment|treatments|regimens?)$", "", stem)
            generic = self.drug_names.get(stem.strip())
        if generic is not None:
            return Target(generic, drugs=frozenset({generic}))
        for pattern, target in self.class_patterns:
            if pattern.fullmatch(phrase):
                return target
        return None


def build_vocabulary(catalog: DrugCatalog) -> Vocabulary:
    """Compile the vocabulary for a drug catalogue."""
    names: dict[str, str] = {}
    for drug in catalog.drugs:
        for written in (drug.name, *drug.brands, *drug.synonyms):
            key = written.casefold()
            if len(key) <= 3 and key not in _SAFE_SHORT:
                continue
            names[key] = drug.name
    spelled = sorted(names, key=len, reverse=True)
    drug_alternatives = "|".join(re.escape(name) for name in spelled)
    suffix = r"(?:(?:-| )?(?:based|containing)(?: regimens?| therapy| therapies)?)?"
    drug_pattern = re.compile(rf"\b(?:{drug_alternatives}){suffix}(?!\w)")
    class_patterns = tuple((re.compile(pattern), target) for pattern, target in CLASS_PHRASES)
    classes = "|".join(f"(?:{pattern})" for pattern, _ in CLASS_PHRASES)
    target_pattern = re.compile(
        rf"(?:\b(?:{drug_alternatives}){suffix}(?!\w)|{classes}|\b{_INN}\b(?!\w))"
    )
    return Vocabulary(drug_pattern, names, class_patterns, target_pattern)
