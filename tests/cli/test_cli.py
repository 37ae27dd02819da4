"""End-to-end tests of the command line, in process and as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from rrmm import __version__
from rrmm.cli.app import app
from tests.conftest import SHARED_EXAMPLE

runner = CliRunner()


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"rrmm {__version__}"


def test_help_lists_commands_and_the_disclaimer():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for word in ("validate", "schema", "show", "decision support"):
        assert word in result.output


def test_validate_valid_file_exits_0():
    result = runner.invoke(app, ["validate", str(SHARED_EXAMPLE)])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output


def test_validate_invalid_file_exits_2_and_prints_every_problem(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "format: rrmm.patient/1\nid: x\nlabs:\n  - date: 2020-01-01\n"
        "    hemoglobin: 98 g/dL\n    calcium: 10 mg/dk\n"
    )
    result = runner.invoke(app, ["validate", str(bad)], terminal_width=200)
    assert result.exit_code == 2
    assert f"{bad}:5 /labs/0/hemoglobin: error: haemoglobin of 98 g/dL" in result.output
    assert f"{bad}:6 /labs/0/calcium: error: unknown unit 'mg/dk'" in result.output
    assert "invalid" in result.output


def test_validate_json_output(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "rrmm.patient/1", "id": "x", "sex": "F"}')
    result = runner.invoke(app, ["validate", "--json", str(bad), str(SHARED_EXAMPLE)])
    assert result.exit_code == 2
    report = json.loads(result.output)
    assert [entry["valid"] for entry in report] == [False, True]
    assert report[0]["problems"][0]["pointer"] == "/sex"


def test_validate_as_of_makes_dates_in_the_future_an_error():
    result = runner.invoke(app, ["validate", "--as-of", "2020-01-01", str(SHARED_EXAMPLE)])
    assert result.exit_code == 2
    assert "in the future" in result.output


def test_bad_as_of_is_a_usage_error():
    result = runner.invoke(app, ["validate", "--as-of", "yesterday", str(SHARED_EXAMPLE)])
    assert result.exit_code == 2
    assert "not a date" in result.output


def test_schema_command_prints_json_schema():
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.output)["title"] == "rrmm.patient/1"


def test_show_draws_the_timeline_and_labs():
    result = runner.invoke(
        app, ["show", "--as-of", "2026-11-21", str(SHARED_EXAMPLE)], terminal_width=120
    )
    assert result.exit_code == 0, result.output
    assert "VRd (induction)" in result.output
    assert "█" in result.output
    assert "autologous transplant" in result.output
    assert "SPEP\u00a03.1\u00a0g/dL" in result.output.replace(" ", "\u00a0")


def test_show_invalid_file_exits_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: rrmm.patient/1\n")
    result = runner.invoke(app, ["show", str(bad)])
    assert result.exit_code == 2
    assert "required field 'id' is missing" in result.output


def test_python_dash_m_runs_the_cli():
    completed = subprocess.run(
        [sys.executable, "-m", "rrmm", "validate", str(SHARED_EXAMPLE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr


def test_assess_text_view():
    result = runner.invoke(
        app, ["assess", "--as-of", "2026-11-21", str(SHARED_EXAMPLE)], env={"COLUMNS": "160"}
    )
    assert result.exit_code == 0, result.output
    for text in (
        "relapsed and refractory",
        "lenalidomide_refractory",
        "VRd → ASCT → lenalidomide",
        "Timeline",
        "M-protein",
        "not a prescription",
    ):
        assert text in result.output


def test_assess_json():
    result = runner.invoke(app, ["assess", "--json", "--as-of", "2026-11-21", str(SHARED_EXAMPLE)])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["lines_of_therapy"] == 1
    assert out["status"] == "relapsed_and_refractory"
    assert out["progressions"][0]["date"] == "2022-04-05"


def test_assess_explain_shows_rules_and_sources():
    result = runner.invoke(
        app,
        ["assess", "--explain", "--as-of", "2026-11-21", str(SHARED_EXAMPLE)],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "Explanation trail" in result.output
    assert "pd.serum" in result.output
    assert "Kumar S et al" in result.output


def test_assess_parameters_are_recorded_in_the_output():
    result = runner.invoke(
        app,
        [
            "assess",
            "--json",
            "--measurable-serum",
            "0.5",
            "--urine-rule",
            "relaxed",
            "--as-of",
            "2026-11-21",
            str(SHARED_EXAMPLE),
        ],
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["criteria_version"] == ("IMWG2016[serum_measurable_g_dl=0.5,urine_rule=relaxed]")
    assert out["parameters"]["serum_measurable_g_dl"] == 0.5


def test_assess_unknown_criteria_set_is_a_usage_error():
    result = runner.invoke(app, ["assess", "--criteria", "IMWG1999", str(SHARED_EXAMPLE)])
    assert result.exit_code == 2
    assert "unknown criteria set" in result.output


def test_assess_invalid_file_exits_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: rrmm.patient/1\nid: x\nsex: f\n")
    result = runner.invoke(app, ["assess", str(bad)])
    assert result.exit_code == 2


def test_options_text_view():
    result = runner.invoke(
        app,
        ["options", "--as-of", "2026-11-21", str(SHARED_EXAMPLE)],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "Treatment options (FDA labels)" in result.output
    assert "KRd" in result.output
    assert "not a prescription" in result.output


def test_options_json_contract():
    result = runner.invoke(app, ["options", "--json", "--as-of", "2026-11-21", str(SHARED_EXAMPLE)])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert {"as_of", "kb_version", "options"} <= set(out)
    first = out["options"][0]
    for key in (
        "regimen",
        "kind",
        "label_eligible",
        "criteria",
        "refractory_components",
        "cautions",
        "evidence",
        "rank",
        "supportive_care",
    ):
        assert key in first
    assert [o["rank"] for o in out["options"]] == list(range(1, len(out["options"]) + 1))
    krd = next(o for o in out["options"] if o["regimen"] == "KRd")
    assert krd["refractory_components"][0].startswith("lenalidomide")
    for caution in krd["cautions"]:
        assert caution["source"]


def test_options_ema():
    result = runner.invoke(
        app,
        ["options", "--json", "--regulator", "EMA", "--as-of", "2026-11-21", str(SHARED_EXAMPLE)],
    )
    assert result.exit_code == 0
    assert json.loads(result.output)["regulator"] == "EMA"


def test_kb_validate_list_show():
    result = runner.invoke(app, ["kb", "validate"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "every fact has a source" in result.output
    assert "marked unverified" in result.output
    listed = runner.invoke(app, ["kb", "list", "--json"])
    assert listed.exit_code == 0
    ids = [r["id"] for r in json.loads(listed.output)["regimens"]]
    assert "Tec-Dara" in ids
    shown = runner.invoke(app, ["kb", "show", "KRd"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0
    assert "ASPIRE" in shown.output
    unknown = runner.invoke(app, ["kb", "show", "XYZ"])
    assert unknown.exit_code == 2
