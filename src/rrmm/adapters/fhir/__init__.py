"""FHIR R4 / mCODE adapter: read a Bundle into a PatientRecord; write records and assessments.

Specifications: HL7 FHIR R4 (4.0.1), validated with fhir.resources' R4B models (the package has
no plain R4 models; R4B changes nothing in the resources used here), and mCODE STU4 (4.0.0, the
current release, on FHIR 4.0.1): CancerDiseaseStatus (LOINC 97509-4 with
ConditionStatusTrendVS), ECOGPerformanceStatus (LOINC 89247-1), MyelomaISSStage (NCIt C139007),
the procedure-intent extension (STU1's ``mcode-treatment-intent`` is read too) and
TreatmentTerminationReasonVS. Every code used is data in ``kb/fhir-codes.yaml`` with its
source and whether it was verified; fhir.resources does not enforce bindings, so the reader
checks every code it uses against that file.

Public API
----------
- :func:`is_fhir_bundle` -- a mapping with ``resourceType`` "Bundle".
- :func:`read_bundle` -- Bundle -> :class:`~rrmm.adapters.native.read.ReadResult`.
- :func:`record_to_bundle` -- PatientRecord -> collection Bundle.
- :func:`evaluation_to_bundle` -- the record plus its assessment as FHIR.

Reading
-------
Problems are :class:`~rrmm.adapters.problems.Problem` with a FHIR-path-like ``pointer``
(``Bundle.entry[3](Observation/obs-7).valueQuantity.unit``). Invalid FHIR, a unit of the
wrong kind, an impossible value, a partial or future date, two different values of one
analyte on one date and an inconsistent record are ERRORs (the record is then None);
whatever carries data and is not read is a WARNING "not mapped: ..." (repeats are reported
once with a count); NOTEs say how something was read. Fields that identify or administer a
resource (``id``, ``meta``, ``text``, ``identifier``, ``subject``, ``encounter``,
``performer``, ``requester``, ``recorder``, ``asserter``, ``issued``, ``recordedDate``,
``basedOn``, ``partOf``, ``category``, ``reasonCode``/``reasonReference``, ``derivedFrom``)
are not reported; Patient names, addresses and contacts are summarised in one NOTE.

- Patient: ``gender`` -> sex, ``birthDate``, ``deceasedDateTime``; the id is rrmm's
  identifier (system ``https://rrmm.dev/fhir/identifier``) or else ``Patient.id``. Exactly
  one Patient per bundle; resources about another Patient are not read.
- Condition: multiple myeloma by SNOMED CT (109989006, 94704006) or ICD-10-CM (C90.00-02),
  ``onsetDateTime``/``onsetPeriod.start`` -> diagnosis date (the earliest if several);
  other conditions by the SNOMED CT/ICD-10-CM codes of the file or rrmm's condition code,
  never by text; ``abatement`` -> until; refuted or entered-in-error conditions are skipped.
- Medications: MedicationStatement, MedicationRequest and MedicationAdministration. The drug
  comes from an RxNorm code (``drugs.yaml`` ingredient codes and the clinical-drug/brand
  codes of the file), else ``medicationCodeableConcept.text``, else a coding's display, each
  resolved through the drug catalogue; ``medicationReference`` may point to a Medication
  entry or a contained one. Dates: ``effectivePeriod``/``effectiveDateTime``; for requests
  ``dispenseRequest.validityPeriod``, a dosage ``timing.repeat.boundsPeriod`` or
  ``authoredOn`` (start only). ``statusReason`` or the mCODE termination-reason extension
  -> stop reason (182992009 planned, 266721009 no response -> progression, 407563006
  toxicity, 105480006 patient choice, other mCODE reasons -> other); status active with no
  end -> ongoing. The mCODE intent extension maps to an rrmm intent only when it carries
  rrmm's intent code: curative/palliative... have no rrmm equivalent and are reported.
- Grouping into courses: records that name their course (rrmm's therapy-course extension,
  or a shared MedicationRequest ``groupIdentifier``) form that course. Single-day
  administrations of one drug merge into one exposure while doses are at most 42 days
  apart. The remaining anti-myeloma exposures, by start date, form one course while they
  overlap in time (an exposure starting on or before the latest end so far, or while any
  member is open-ended, joins it); non-anti-myeloma drugs (bone-modifying agents) form
  their own courses. A drug starting after its course's start or ending before its end
  keeps its own dates (the line rules then judge the addition).
- Procedure: autologous (53088000) and allogeneic (50223000) transplantation, radiotherapy
  (108290001, 1217123003, 33195004, 419815003) by SNOMED CT, and any kind by rrmm's code
  (no SNOMED CT code for CAR-T infusion or apheresis could be sourced);
  ``performedDateTime``/``performedPeriod.start``; ``usedCode`` -> the CAR-T product, or the
  conditioning drugs of a transplant; ``bodySite.text`` -> site.
- Observation: labs by LOINC (the file lists mass and molar codes where both exist, e.g.
  creatinine 2160-0 and 14682-9); ``valueQuantity`` is UCUM (``code``; the printed ``unit``
  is kept when it is the same unit) and is checked with ``analytes.check_unit`` and
  ``plausibility_problem``; a molar unit under a mass code is read as given with a warning.
  Immunofixation from ``valueCodeableConcept`` (SNOMED CT 10828004/260385009, LOINC
  LA6576-8/LA6577-6); ECOG ``valueInteger``; ISS stage; mCODE CancerDiseaseStatus is only
  reported as a NOTE (rrmm derives status itself). DiagnosticReport: rrmm's identifier and
  ``conclusion`` become the id and notes of that date's lab panel.
- Finally the record is checked by the native format's validation (e.g. drug dates inside
  their course), so a bundle yields the same record a hand-written file would.

Writing (:func:`record_to_bundle`)
----------------------------------
A ``collection`` Bundle with ``urn:uuid`` full URLs (UUID 5 of the record id and resource):
Patient; the diagnosis Condition and an ISS Observation; Conditions; ECOG Observations;
one MedicationStatement per drug per course (``effectivePeriod``, mCODE procedure-intent
extension carrying rrmm's intent code, ``statusReason`` with SNOMED CT and rrmm codes, and
rrmm's therapy-course extension: key, regimen, line, id, course period and stop reason);
Procedures; one Observation per lab value (LOINC for the analyte and the unit's kind,
UCUM quantity) and a DiagnosticReport for panels with an id or notes; cytogenetics,
imaging, plasmacytomas and events as Observations in rrmm's code systems.

Round-trip limits: reading a bundle rrmm wrote gives the same record for every example.
In general a drug's own start, end or stop reason that equals its course's is read back as
not set (it means the same); two lab panels on one date become one panel; notes of several
drugs of one course are joined; a date-time loses its time. Bundles from other systems
carry no regimen names, course ids, user line numbers, rrmm intents or cytogenetics.

Assessment (:func:`evaluation_to_bundle`)
-----------------------------------------
The record's resources plus mCODE CancerDiseaseStatus Observations at each assessed
response and progression date, one line-of-therapy Observation per line (rrmm's
representation: mCODE has none) and a disease-status summary; see
:mod:`rrmm.adapters.fhir.evaluation` for the exact layout.
"""

from rrmm.adapters.fhir.evaluation import evaluation_to_bundle
from rrmm.adapters.fhir.read import is_fhir_bundle, read_bundle
from rrmm.adapters.fhir.write import record_to_bundle

__all__ = ["evaluation_to_bundle", "is_fhir_bundle", "read_bundle", "record_to_bundle"]
