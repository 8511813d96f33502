"""patient-risk-api: FastAPI service turning bedside signal packets into risk assessments."""

__version__ = "0.1.0"
