"""pytest plugin for drills (registered through the ``pytest11`` entry point).

Filled in by the drill engine: scenario files collected as test items and the
``drill_stack`` / ``chaos`` fixtures.
"""
