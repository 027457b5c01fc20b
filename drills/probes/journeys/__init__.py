"""Built-in journeys: one module each, registering a JourneyType (see drills/probes/base.py).

The reference messenger's HTTP API is documented in fixtures/README.md. Tokens are cached and
renewed only when a service rejects them, as a real client would.
"""
