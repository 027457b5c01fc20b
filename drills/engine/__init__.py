"""The drill engine: plan, clock, runner, lifecycle, run records, live progress.

    plan        the fault schedule as timed steps (pure)
    clock       monotonic and UTC time as an injected dependency
    runner      one run's moving parts: phases, probes, faults, heal-all
    lifecycle   ``run_drill``: bring-up to bundle, heal and teardown on every path
    stack       the seams of a run (Stack protocol, Wiring: clock, stack, probes, faults)
    compose_stack  the real Stack: one Compose project, its engine client and its WAN
    runs        run records on disk, so killed runs can be swept
    progress    live progress on a terminal, or line by line in logs
    environment versions, images and host facts recorded with a run
"""
