"""Fault types: every module of this package registers one or more (see base.py).

    FAULT_TYPES   name -> FaultType (params, schema fields, builder, injector)
    make_fault    FaultSpec -> the Fault that injects and heals it
    site_cut      FaultSpec -> the site it takes down whole ("" for a partial fault)
"""

from __future__ import annotations

import importlib
import pkgutil

from drills.faults.base import FAULT_TYPES, Fault, FaultContext, FaultType, make_fault, register, site_cut

__all__ = ["FAULT_TYPES", "Fault", "FaultContext", "FaultType", "make_fault", "register", "site_cut"]

for _module in pkgutil.iter_modules(__path__):
    if _module.name != "base":
        importlib.import_module(f"{__name__}.{_module.name}")
