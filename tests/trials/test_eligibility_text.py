"""Splitting registry eligibility text into inclusion/exclusion statements."""

from __future__ import annotations

from rrmm.trials.eligibility_text import split_eligibility, split_sentences
from rrmm.trials.model import CriterionKind

V2 = """Inclusion Criteria:

* Measurable disease, defined as any of the following:
  * Serum M-protein ≥ 0.5 g/dL
  * Urine M-protein ≥ 200 mg/24 hours
* ECOG performance status of 0 or 1
* Adequate organ function:
  * Absolute neutrophil count ≥ 1.0 × 10^9/L
  * Platelet count ≥ 75 × 10^9/L

Exclusion Criteria:

1. Prior BCMA-directed therapy
2. Known CNS involvement
"""

LEGACY = """
        Inclusion Criteria:

          -  Must have received at least 1 prior line of therapy and achieved
             a response to at least one prior regimen

          -  ECOG 0-1. ECOG 2 allowed if due to bone disease

        Exclusion Criteria:

          -  History of malignancy within 5 years. The exceptions are:

               -  Basal cell carcinoma

               -  Carcinoma in situ of the cervix
"""

PDQ = """
        DISEASE CHARACTERISTICS: Histologically confirmed multiple myeloma

        PATIENT CHARACTERISTICS: Age: 18 and over Performance status: ECOG 0-2 Renal:
        Creatinine no greater than 2.0 mg/dL No history of grade 2 peripheral neuropathy
"""


def test_v2_markdown_keeps_or_groups_together_and_splits_and_lists() -> None:
    statements = split_eligibility(V2)
    texts = [s.text for s in statements]
    kinds = [s.kind for s in statements]
    assert texts[0].startswith("Measurable disease, defined as any of the following:")
    assert "Urine M-protein ≥ 200 mg/24 hours" in texts[0]
    assert "Absolute neutrophil count ≥ 1.0 × 10^9/L" in texts
    assert "Platelet count ≥ 75 × 10^9/L" in texts
    assert statements[texts.index("Platelet count ≥ 75 × 10^9/L")].section.endswith(
        "Adequate organ function"
    )
    assert kinds[-2:] == [CriterionKind.EXCLUSION, CriterionKind.EXCLUSION]
    assert texts[-2:] == ["Prior BCMA-directed therapy", "Known CNS involvement"]


def test_legacy_wrapped_lines_join_and_qualifiers_stay_with_their_sentence() -> None:
    statements = split_eligibility(LEGACY)
    texts = [s.text for s in statements]
    assert texts[0] == (
        "Must have received at least 1 prior line of therapy and achieved a response to at"
        " least one prior regimen"
    )
    assert texts[1] == "ECOG 0-1. ECOG 2 allowed if due to bone disease"
    exceptions = [s for s in statements if s.kind is CriterionKind.EXCLUSION]
    assert len(exceptions) == 1
    assert "Basal cell carcinoma" in exceptions[0].text


def test_pdq_run_on_paragraphs_split_at_their_labels() -> None:
    texts = [s.text for s in split_eligibility(PDQ)]
    assert "Age: 18 and over" in texts
    assert "Performance status: ECOG 0-2" in texts
    assert "Renal: Creatinine no greater than 2.0 mg/dL" in texts
    assert "No history of grade 2 peripheral neuropathy" in texts
    assert all(s.kind is CriterionKind.INCLUSION for s in split_eligibility(PDQ))


def test_sentences_do_not_split_at_abbreviations_or_decimals() -> None:
    assert split_sentences("Bilirubin ≤ 1.5 x ULN, e.g. Gilbert. Platelets ≥ 75") == [
        "Bilirubin ≤ 1.5 x ULN, e.g. Gilbert.",
        "Platelets ≥ 75",
    ]
    assert split_sentences("At least 2 prior lines. Refractory myeloma is defined as PD.") == [
        "At least 2 prior lines. Refractory myeloma is defined as PD."
    ]


def test_every_csv_record_splits_into_statements(csv_trials) -> None:
    assert len(csv_trials) == 105
    assert all(any(c.origin.value == "parser" for c in t.criteria) for t in csv_trials)
