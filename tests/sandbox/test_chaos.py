"""Chaos faults: every kind really happens on the wire, and a seed replays them exactly."""

from __future__ import annotations

import httpx
import pytest

from extract.sandbox import FAULTS, ChaosConfig
from extract.sandbox.chaos import Chaos
from tests.support.x_api import TOKEN, demo_account


def outcome(client: httpx.Client, path: str) -> str:
    try:
        response = client.get(path)
    except httpx.TimeoutException:
        return "timeout"
    except (httpx.RemoteProtocolError, httpx.ReadError, httpx.ConnectError):
        return "broken"
    try:
        response.json()
    except ValueError:
        return f"{response.status_code}:not-json"
    return str(response.status_code)


def run_requests(server, count: int) -> list[str]:
    user_id = demo_account(server)["id"]
    with httpx.Client(
        base_url=server.base_url, timeout=0.5, headers={"Authorization": f"Bearer {TOKEN}"}
    ) as client:
        fields = ("id", "name", "created_at", "description", "location", "url", "protected")
        return [
            outcome(client, f"/2/users/{user_id}?user.fields={fields[n % 7]}") for n in range(count)
        ]


def test_same_seed_same_faults_in_the_same_places():
    draws = []
    for seed in (11, 11, 12):
        chaos = Chaos(ChaosConfig(probability=0.3, seed=seed))
        draws.append([chaos.decide(f"GET /x?page={n % 5}") for n in range(200)])
    assert draws[0] == draws[1]
    assert draws[0] != draws[2]
    assert 30 <= sum(fault is not None for fault in draws[0]) <= 90
    assert set(draws[0]) - {None} == set(FAULTS)


def test_every_fault_reaches_the_client(start_x_sandbox):
    chaos = ChaosConfig(probability=0.5, seed=3, slow_seconds=1.5, burst_seconds=0.2)
    server = start_x_sandbox(chaos=chaos, rate_limits=False)
    seen = run_requests(server, 120)
    assert {"200", "429", "500", "503", "200:not-json", "timeout", "broken"} <= set(seen)
    stats = httpx.get(f"{server.base_url}/_sandbox/stats").json()
    assert set(stats["faults"]) == set(FAULTS)


def test_a_replayed_session_meets_the_same_faults(start_x_sandbox):
    chaos = ChaosConfig(
        probability=0.4,
        seed=9,
        slow_seconds=1.0,
        burst_seconds=0.0,
        faults=("500", "503", "nonjson", "drop", "truncate", "slow"),
    )
    first = run_requests(start_x_sandbox(chaos=chaos, rate_limits=False), 40)
    second = run_requests(start_x_sandbox(chaos=chaos, rate_limits=False), 40)
    assert first == second
    assert len(set(first)) >= 4


def test_chaos_can_be_changed_at_runtime(start_x_sandbox):
    server = start_x_sandbox()
    assert set(run_requests(server, 10)) == {"200"}
    reply = httpx.post(
        f"{server.base_url}/_sandbox/chaos", params={"probability": 1.0, "faults": "503"}
    )
    assert reply.json() == {"probability": 1.0, "faults": ["503"]}
    assert set(run_requests(server, 5)) == {"503"}
    bad = httpx.post(f"{server.base_url}/_sandbox/chaos", params={"faults": "meteor"})
    assert bad.status_code == 400


@pytest.mark.parametrize("probability", [-0.1, 1.5])
def test_probability_outside_0_1_is_refused(probability):
    with pytest.raises(ValueError, match="between 0 and 1"):
        ChaosConfig(probability=probability)
