import { Link } from "react-router";
import { RISK_LEVELS, riskLabel, riskPalette, type RiskLevelOrNone } from "patient-monitor-ui-core";
import { PatientTable, useNow } from "patient-monitor-react-components";
import { PageHeading } from "../components/PageHeading";
import { StateMessage } from "../components/StateMessage";
import { useApp } from "../live";
import { useDocumentTitle } from "../useDocumentTitle";

const TILE_LEVELS: readonly RiskLevelOrNone[] = [...[...RISK_LEVELS].reverse(), null];

export function PatientListPage() {
  const { live } = useApp();
  const now = useNow(15_000);
  useDocumentTitle("Patients");

  const counts = new Map<RiskLevelOrNone, number>();
  for (const p of live.patients) {
    const level = p.latest?.level ?? null;
    counts.set(level, (counts.get(level) ?? 0) + 1);
  }

  return (
    <>
      <div className="page-head">
        <PageHeading>Patients</PageHeading>
        <p className="page-sub">Highest risk first. Updates arrive live from the bedside monitors.</p>
      </div>

      {live.status === "ready" && live.patients.length > 0 && (
        <ul className="tiles" aria-label="Patients by risk level">
          {TILE_LEVELS.map((level) => {
            const palette = riskPalette(level);
            return (
              <li
                key={level ?? "none"}
                className="tile"
                data-level={level ?? "none"}
                style={{ borderTopColor: palette.border }}
              >
                <span className="tile__count">{counts.get(level) ?? 0}</span>
                <span className="tile__label">{level === null ? "Not assessed" : `${riskLabel(level)} risk`}</span>
              </li>
            );
          })}
        </ul>
      )}

      <section className="card" aria-label="Patient list">
        {live.status === "loading" && <StateMessage kind="loading" title="Loading patients…" />}
        {live.status === "error" && (
          <StateMessage kind="error" title="Could not load patients" onRetry={live.refresh}>
            <p className="state__detail">{live.error?.message}</p>
          </StateMessage>
        )}
        {live.status === "ready" && live.error && (
          <div className="banner banner--inline" role="status">
            Could not refresh the list ({live.error.message}); showing the last data received.
          </div>
        )}
        {live.status === "ready" && live.patients.length === 0 && (
          <StateMessage kind="empty" title="No patients yet">
            <p className="state__detail">
              Patients appear here as soon as a monitor sends their first signal packet.
            </p>
          </StateMessage>
        )}
        {live.status === "ready" && live.patients.length > 0 && (
          <PatientTable
            patients={live.patients}
            caption={`${live.patients.length} ${live.patients.length === 1 ? "patient" : "patients"}`}
            changes={live.changes}
            now={now}
            renderName={(p, name) => (
              <Link to={`/patients/${encodeURIComponent(p.patient_id)}`} className="patient-link">
                {name}
              </Link>
            )}
          />
        )}
      </section>
    </>
  );
}
