"""drills: a disaster-recovery drill runner.

A *drill* brings up a two-site replica of a messenger stack, cuts one site's
power and proves, with measurements, that chat, login and developer tooling
stayed available (RTO) and that no acknowledged message was lost (RPO).
"""

__version__ = "0.1.0"
