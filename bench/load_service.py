"""Bounded load test of the CDS Hooks patient-view service on loopback (not part of CI).

`python -m bench.load_service [--seconds 20] [--connections 16] [--workers 2] [--unique N]`

Starts `rrmm serve` with the given number of workers on a free loopback port, then drives
`rrmm-patient-view` with a fixed prefetch (an example patient as FHIR) using wrk (Debian's
`wrk`) when installed, else a small asyncio httpx client; prints throughput and p50/p99
latency, then stops the server. Target from issue 5: >= 300 requests/s with p99 <= 50 ms on
the 2-core machine.

The service caches analyses by content (an EHR re-sends the same chart), so a fixed request
measures the warm path. ``--unique N`` cycles through N different patients (the example with
N different ids) so that no request is answered from the cache: the cold path, dominated by
FHIR validation with fhir.resources (about 100 resources per request).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from rrmm.adapters.fhir import record_to_bundle
from rrmm.adapters.native.read import read_patient_file
from rrmm.kb import load_drug_catalog

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "05-penta-refractory-after-car-t.yaml"
AS_OF = "2026-11-21"


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _request_body() -> bytes:
    from datetime import date

    record = read_patient_file(EXAMPLE, catalog=load_drug_catalog(), as_of=date(2026, 11, 21))
    assert record.record is not None
    bundle = record_to_bundle(record.record)
    patient = next(
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"
    )
    others = [e for e in bundle["entry"] if e["resource"]["resourceType"] != "Patient"]
    body = {
        "hook": "patient-view",
        "hookInstance": str(uuid.uuid4()),
        "context": {"userId": "Practitioner/1", "patientId": patient["id"]},
        "prefetch": {
            "patient": patient,
            "everything": {"resourceType": "Bundle", "type": "searchset", "entry": others},
        },
    }
    return json.dumps(body).encode()


def _wrk(url: str, body: Path, seconds: int, connections: int, unique: int) -> dict[str, float]:
    script = body.with_suffix(".lua")
    if unique:
        script.write_text(
            "local bodies = {}\n"
            f"for i = 1, {unique} do\n"
            f'  local f = io.open("{body.parent}/body-" .. i .. ".json", "rb")\n'
            '  bodies[i] = f:read("*all")\n  f:close()\nend\n'
            "local n = 0\n"
            "request = function()\n  n = n % #bodies + 1\n"
            '  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, bodies[n])\n'
            "end\n"
        )
    else:
        script.write_text(
            'wrk.method = "POST"\n'
            'wrk.headers["Content-Type"] = "application/json"\n'
            f'local f = io.open("{body}", "rb")\nwrk.body = f:read("*all")\nf:close()\n'
        )
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    print(out)

    def latency(label: str) -> float:
        match = re.search(rf"\s{label}\s+([\d.]+)(us|ms|s)", out)
        assert match, label
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "requests_per_s": float(rate.group(1)) if rate else 0.0,
        "p50_ms": latency("50%"),
        "p99_ms": latency("99%"),
        "non_2xx": float(errors.group(1)) if errors else 0.0,
    }


async def _python_load(url: str, body: bytes, seconds: int, connections: int) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + seconds

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while time.monotonic() < deadline:
            start = time.perf_counter()
            response = await client.post(
                url, content=body, headers={"content-type": "application/json"}
            )
            latencies.append((time.perf_counter() - start) * 1000)
            errors += response.status_code != 200

    async with httpx.AsyncClient(timeout=10) as client:
        await asyncio.gather(*(worker(client) for _ in range(connections)))
    quantiles = statistics.quantiles(latencies, n=100)
    return {
        "requests_per_s": len(latencies) / seconds,
        "p50_ms": quantiles[49],
        "p99_ms": quantiles[98],
        "non_2xx": float(errors),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--unique", type=int, default=0, help="cycle through N patients")
    args = parser.parse_args()
    port = _port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        body_path = Path(tmp) / "patient-view.json"
        body_path.write_bytes(_request_body())
        template = body_path.read_bytes()
        patient_id = json.loads(template)["context"]["patientId"].encode()
        for index in range(1, args.unique + 1):
            (Path(tmp) / f"body-{index}.json").write_bytes(
                template.replace(patient_id, patient_id + f"-{index:05d}".encode())
            )
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "rrmm",
                "serve",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
                "--feedback-db",
                str(Path(tmp) / "feedback.sqlite3"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            start_new_session=True,
        )
        try:
            for _ in range(200):
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            url = f"{base}/cds-services/rrmm-patient-view?as_of={AS_OF}"
            warm = httpx.post(
                url,
                content=body_path.read_bytes(),
                headers={"content-type": "application/json"},
                timeout=30,
            )
            assert warm.status_code == 200, warm.text
            if shutil.which("wrk"):
                result = _wrk(url, body_path, args.seconds, args.connections, args.unique)
                tool = "wrk"
            else:
                result = asyncio.run(
                    _python_load(url, body_path.read_bytes(), args.seconds, args.connections)
                )
                tool = "python httpx"
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=20)
    ok = result["requests_per_s"] >= 300 and result["p99_ms"] <= 50 and result["non_2xx"] == 0
    mode = f"{args.unique} distinct patients, cold" if args.unique else "one patient, warm"
    print(
        f"patient-view ({mode}; {tool}, {args.connections} connections, {args.workers} workers,"
        f" {args.seconds} s): {result['requests_per_s']:.0f} requests/s, p50"
        f" {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms, non-2xx"
        f" {result['non_2xx']:.0f} — target >= 300/s and p99 <= 50 ms {'met' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
