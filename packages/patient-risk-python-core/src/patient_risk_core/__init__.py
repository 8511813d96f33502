"""Early-warning risk scoring for patient signal packets.

:func:`assess` turns the signal features computed by ``patient_signal`` (the Rust core) plus
the spot observations of a packet (:class:`Vitals`) into a :class:`RiskAssessment`: the
NEWS2-style aggregate score, SpO2 trend escalation points, the level (low / medium / high) and
the reasons, most important first.
"""

from .assess import Level, Reason, RiskAssessment, SignalFeatures, Vitals, assess, assess_samples, level_for
from .news2 import Consciousness

__all__ = [
    "Consciousness",
    "Level",
    "Reason",
    "RiskAssessment",
    "SignalFeatures",
    "Vitals",
    "assess",
    "assess_samples",
    "level_for",
]
