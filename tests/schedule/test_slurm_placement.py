"""Before submitting, fdpd checks that the job's node can reach the registry its working config
names: a registry on a loopback address serves only jobs SLURM starts on this machine (what
`sbatch --test-only` says). In process: the words are SLURM 22.05's own."""

from __future__ import annotations

from fdpd.features.run.executors.slurm import registry_unreachable

LOCAL = "http://127.0.0.1:8000/api/"
ON_VM = (
    "sbatch: Job 87 to start at 2026-12-07T12:58:44 using 1 processors on nodes vm in partition "
    "debug"
)
ELSEWHERE = (
    "sbatch: Job 88 to start at 2026-12-07T12:58:44 using 2 processors on nodes node17,node18 "
    "in partition short"
)


def test_a_job_on_this_machine_reaches_a_loopback_registry() -> None:
    assert registry_unreachable(LOCAL, ON_VM, "vm") == ""
    assert registry_unreachable(LOCAL, ON_VM, "vm.cluster.example.org") == ""


def test_a_job_on_another_node_cannot_reach_a_loopback_registry() -> None:
    said = registry_unreachable(LOCAL, ELSEWHERE, "login1")
    assert said == (
        "SLURM would start the job on node17,node18, but the local registry listens on 127.0.0.1 "
        "(this machine only): the job could not record its run"
    )
    assert registry_unreachable("http://localhost:8000/api/", ELSEWHERE, "login1")


def test_a_registry_on_the_network_or_an_unknown_placement_is_not_refused() -> None:
    assert registry_unreachable("http://10.1.0.5:8000/api/", ELSEWHERE, "login1") == ""
    assert registry_unreachable(LOCAL, "sbatch: Job 9 to start at 2026-12-07T12:58:44", "x") == ""
