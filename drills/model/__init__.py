"""The data every layer passes around: typed, frozen, free of I/O beyond JSON.

    durations   the one duration grammar (``100ms``, ``5s``, ``2m``)
    topology    domains, services and WAN links of a stack, and the link-name parser
    proxies     the Toxiproxy proxies file (the WAN's links): the one reader of its format
    scenario    a validated scenario: probes, steady state, faults, checks, abort rules
    timeline    the append-only record of a run (samples, fault events, writes, read-backs)
    result      verdicts and the drill result, the only input of every report

Nothing here imports another layer of drills.
"""
