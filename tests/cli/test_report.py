"""`rrmm report`: patient and clinician reports as HTML or PDF, through the real CLI."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from rrmm.cli.app import app
from tests.conftest import EXAMPLES

runner = CliRunner()
EXAMPLE = EXAMPLES / "04-triple-class-refractory.yaml"


@pytest.mark.parametrize("audience", ["patient", "clinician"])
@pytest.mark.parametrize("suffix", [".html", ".pdf"])
def test_report_writes_the_file(tmp_path, audience, suffix):
    target = tmp_path / f"report{suffix}"
    result = runner.invoke(
        app,
        [
            "report",
            str(EXAMPLE),
            "--audience",
            audience,
            "-o",
            str(target),
            "--as-of",
            "2026-11-21",
        ],
    )
    assert result.exit_code == 0, result.output
    data = target.read_bytes()
    if suffix == ".pdf":
        assert data.startswith(b"%PDF-")
    else:
        text = data.decode()
        assert "<svg" in text
        assert ("Your myeloma report" in text) == (audience == "patient")


def test_report_from_a_fhir_bundle(tmp_path):
    target = tmp_path / "r.html"
    bundle = EXAMPLES / "fhir" / "04-triple-class-refractory.json"
    result = runner.invoke(
        app, ["report", str(bundle), "--audience", "clinician", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert "triple class refractory" in target.read_text().replace("_", " ")


def test_report_refuses_an_unknown_output_type(tmp_path):
    result = runner.invoke(app, ["report", str(EXAMPLE), "-o", str(tmp_path / "r.docx")])
    assert result.exit_code == 2
    assert ".html or .pdf" in result.output


def test_report_on_a_bad_file_says_where_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: rrmm.patient/1\nid: x\nlabs: 3\n")
    target = tmp_path / "r.html"
    process = subprocess.run(
        [sys.executable, "-m", "rrmm", "report", str(bad), "-o", str(target)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert process.returncode == 2
    assert "bad.yaml" in process.stderr
    assert "/labs" in process.stderr
    assert "Traceback" not in process.stderr
    assert not target.exists()
