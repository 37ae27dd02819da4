"""``rrmm trials`` commands, run through typer's CliRunner (no network)."""

from __future__ import annotations

import json

import httpx
import typer
from typer.testing import CliRunner

import rrmm.cli.trials as cli
from rrmm.trials.ctgov_client import CtGovClient
from tests.conftest import EXAMPLES
from tests.trials.conftest import CSV, FIXTURES, LABELLED_TRIALS

app = typer.Typer()
app.add_typer(cli.trials_app, name="trials")
runner = CliRunner()


def test_match_json_against_the_v2_folder() -> None:
    result = runner.invoke(
        app,
        [
            "trials",
            "match",
            str(EXAMPLES / "04-triple-class-refractory.yaml"),
            "--trials",
            str(LABELLED_TRIALS),
            "--as-of",
            "record",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["as_of"] == "2026-01-09"
    assert len(data["trials"]) == 8


def test_match_table_against_the_legacy_csv_with_curation() -> None:
    result = runner.invoke(
        app,
        [
            "trials",
            "match",
            str(EXAMPLES / "01-first-relapse-on-len-maintenance.yaml"),
            "--trials",
            str(CSV),
            "--as-of",
            "record",
            "--limit",
            "5",
            "--details",
            "1",
        ],
        env={"COLUMNS": "160"},
    )
    assert result.exit_code == 0, result.output
    assert "105 trials" in result.output
    assert "Trials ranked for this patient" in result.output


def test_match_fhir() -> None:
    result = runner.invoke(
        app,
        [
            "trials",
            "match",
            str(EXAMPLES / "12-newly-diagnosed-untreated.yaml"),
            "--trials",
            str(LABELLED_TRIALS / "NCT99000004.json"),
            "--as-of",
            "2026-11-09",
            "--fhir",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["type"] == "searchset"


def test_a_bad_source_is_a_usage_error(tmp_path) -> None:
    result = runner.invoke(
        app,
        [
            "trials",
            "match",
            str(EXAMPLES / "04-triple-class-refractory.yaml"),
            "--trials",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 2


def test_fetch_writes_one_file_per_study(tmp_path, monkeypatch) -> None:
    pages = [
        json.loads((FIXTURES / "ctgov_v2" / f"studies_page{i}.json").read_text()) for i in (1, 2)
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=pages[1 if request.url.params.get("pageToken") else 0])

    monkeypatch.setattr(
        cli, "client_factory", lambda **kw: CtGovClient(httpx.MockTransport(handler), **kw)
    )
    out = tmp_path / "studies"
    result = runner.invoke(
        app,
        [
            "trials",
            "fetch",
            "--condition",
            "multiple myeloma",
            "--status",
            "RECRUITING",
            "--out",
            str(out),
            "--cache",
            str(tmp_path / "cache"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.glob("*.json")) == [
        "NCT99000001.json",
        "NCT99000002.json",
        "NCT99000003.json",
    ]
    assert "wrote 3 studies" in result.output
    again = runner.invoke(
        app,
        [
            "trials",
            "fetch",
            "--condition",
            "multiple myeloma",
            "--status",
            "RECRUITING",
            "--out",
            str(out),
            "--cache",
            str(tmp_path / "cache"),
        ],
    )
    assert "(0 requests, 2 from cache)" in again.output


def test_parse_reports_coverage() -> None:
    result = runner.invoke(app, ["trials", "parse", str(CSV), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)["summary"]
    assert summary["trials"] == 105
    assert summary["parsed_share"] > 0.2


def test_evaluate_meets_the_accuracy_target() -> None:
    result = runner.invoke(app, ["trials", "evaluate", "--patients", str(EXAMPLES), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["labels"] > 2000
    assert report["criterion_accuracy"] >= 0.95
    assert report["unparsed_counted_as_met"] == 0
    assert report["missing"] == 0
    assert report["unlabelled"] == 0
