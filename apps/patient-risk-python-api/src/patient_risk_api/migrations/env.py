"""Alembic environment: runs on the connection handed over by patient_risk_api.migrations."""

from alembic import context

from patient_risk_api.storage.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `patient-risk-api migrate`, which supplies the connection")

context.configure(connection=connection, target_metadata=metadata, transaction_per_migration=True)
with context.begin_transaction():
    context.run_migrations()
