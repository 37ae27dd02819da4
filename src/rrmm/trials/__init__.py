"""Clinical-trial matching: ClinicalTrials.gov records, a criteria parser, per-criterion verdicts.

Core (pure, no I/O): ``model``, ``rules``, ``eligibility_text``, ``quantities``,
``vocabulary``, ``hits``, ``measure_extractors``, ``history_extractors``,
``statement_forms``, ``parser``, ``structured``, ``patient_context``, ``rule_evaluation``,
``matcher``, ``screen``, ``match_json``, ``labelled``, ``ctgov_records``.
Adapters (files, network): ``ctgov_client``, ``sources``, ``curated_files``,
``labelled_files``, ``research_study``. See ``docs/trials.md``.
"""
