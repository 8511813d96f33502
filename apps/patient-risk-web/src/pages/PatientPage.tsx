import { useEffect } from "react";
import { Link, useParams } from "react-router";
import {
  describeRisk,
  formatDuration,
  formatPercent,
  formatRelativeTime,
  formatSlope,
  formatTimestamp,
  riskLabel,
  type Assessment,
  type PatientSummary,
} from "patient-monitor-ui-core";
import { patientName, RiskBadge, Spo2TrendChart, useNow } from "patient-monitor-react-components";
import { PageHeading } from "../components/PageHeading";
import { StateMessage } from "../components/StateMessage";
import { useApp } from "../live";
import { useDocumentTitle } from "../useDocumentTitle";
import { usePatientDetail } from "../usePatientDetail";

export function PatientPage() {
  const { patientId = "" } = useParams();
  return <PatientView key={patientId} patientId={patientId} />;
}

function PatientView({ patientId }: { readonly patientId: string }) {
  const { client, live } = useApp();
  const change = live.changes.get(patientId);
  // Reload on a live change of this patient and after every stream reconnect
  // (a change may have been missed meanwhile).
  const version = `${change?.event.packet_id ?? ""}#${live.reconnects}`;
  const [detail, retry] = usePatientDetail(client, patientId, version);
  const now = useNow(15_000);
  // A failed load is retried once the event stream (re)opens: the API is back.
  const retryNow = detail.status === "error" && live.connection === "open";
  useEffect(() => {
    if (retryNow) retry();
  }, [retryNow, retry]);
  useDocumentTitle(detail.status === "ready" ? patientName(detail.patient) : "Patient");

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/">← All patients</Link>
      </nav>
      {detail.status === "loading" && (
        <section className="card">
          <PageHeading>Patient {patientId}</PageHeading>
          <StateMessage kind="loading" title="Loading patient…" />
        </section>
      )}
      {detail.status === "not-found" && (
        <section className="card">
          <PageHeading>Patient not found</PageHeading>
          <StateMessage kind="empty" title={`No patient with id ${patientId}.`}>
            <p className="state__detail">
              They may not have sent a signal packet yet. <Link to="/">Back to all patients</Link>
            </p>
          </StateMessage>
        </section>
      )}
      {detail.status === "error" && (
        <section className="card">
          <PageHeading>Patient {patientId}</PageHeading>
          <StateMessage kind="error" title="Could not load this patient" onRetry={retry}>
            <p className="state__detail">{detail.error.message}</p>
          </StateMessage>
        </section>
      )}
      {detail.status === "ready" && (
        <PatientDetails
          patient={detail.patient}
          assessments={detail.assessments}
          staleError={detail.staleError}
          changedAt={change?.receivedAt ?? null}
          previousLevel={change?.event.previous_level ?? null}
          now={now}
        />
      )}
    </>
  );
}

interface PatientDetailsProps {
  readonly patient: PatientSummary;
  readonly assessments: readonly Assessment[];
  readonly staleError: Error | null;
  readonly changedAt: number | null;
  readonly previousLevel: Assessment["level"] | null;
  readonly now: number;
}

function PatientDetails({ patient, assessments, staleError, changedAt, previousLevel, now }: PatientDetailsProps) {
  const name = patientName(patient);
  const latest = assessments[0] ?? null;
  const level = latest?.level ?? patient.latest?.level ?? null;
  const score = latest?.score ?? patient.latest?.score ?? null;
  const assessedAt = latest?.assessed_at ?? patient.latest?.assessed_at ?? null;
  const recentlyChanged =
    changedAt !== null && now - changedAt < 60_000 && previousLevel !== null && previousLevel !== level;

  return (
    <>
      <section className="card patient-head" data-level={level ?? "none"} aria-labelledby="patient-name">
        <div className="patient-head__who">
          <PageHeading>
            <span id="patient-name">{name}</span>
          </PageHeading>
          <p className="patient-head__meta">{[patient.ward, `ID ${patient.patient_id}`].filter(Boolean).join(" · ")}</p>
        </div>
        <div className="patient-head__risk">
          <RiskBadge level={level} score={score} size="large" />
          <p className="patient-head__when">
            {assessedAt ? (
              <>
                Assessed{" "}
                <time dateTime={assessedAt} title={formatTimestamp(assessedAt)}>
                  {formatRelativeTime(assessedAt, now)}
                </time>
              </>
            ) : (
              "Not assessed yet"
            )}
          </p>
        </div>
        {recentlyChanged && level !== null && (
          <p className="patient-head__change" role="status">
            Risk changed from {riskLabel(previousLevel)} to {riskLabel(level)}.
          </p>
        )}
      </section>

      {staleError && (
        <div className="banner banner--inline" role="status">
          Could not refresh ({staleError.message}); showing the last data received.
        </div>
      )}

      {latest === null ? (
        <section className="card">
          <StateMessage kind="empty" title="No assessments yet">
            <p className="state__detail">The SpO2 trend and the reasons appear after the first signal packet.</p>
          </StateMessage>
        </section>
      ) : (
        <div className="patient-grid">
          <section className="card patient-trend" aria-labelledby="trend-heading">
            <h2 id="trend-heading">SpO2 trend</h2>
            <p className="card__sub">
              Latest packet <code>{latest.packet_id}</code>, {formatTimestamp(latest.assessed_at)}
            </p>
            <Spo2TrendChart points={latest.spo2_series} title={`SpO2 trend for ${name}`} />
            <Features assessment={latest} />
          </section>

          <section className="card patient-reasons" aria-labelledby="reasons-heading">
            <h2 id="reasons-heading">Why this score</h2>
            <p className="card__sub">{describeRisk(latest)}: the findings that added points.</p>
            <Reasons assessment={latest} />
          </section>

          <section className="card patient-history" aria-labelledby="history-heading">
            <h2 id="history-heading">Recent assessments</h2>
            <History assessments={assessments} now={now} />
          </section>
        </div>
      )}
    </>
  );
}

function Features({ assessment }: { readonly assessment: Assessment }) {
  const f = assessment.features;
  const items: [string, string][] = [
    ["Mean SpO2", formatPercent(f.spo2_mean, 1)],
    ["Lowest SpO2", formatPercent(f.spo2_min)],
    ["SpO2 trend", f.spo2_slope_per_min === null ? "–" : formatSlope(f.spo2_slope_per_min)],
    ["Time below 90 %", formatDuration(f.seconds_below_90)],
    ["Desaturation events", String(f.desaturation_events)],
    ["Mean heart rate", f.heart_rate_mean === null ? "–" : `${Math.round(f.heart_rate_mean)} bpm`],
    ["Samples used", `${f.sample_count}${f.rejected_samples ? ` (${f.rejected_samples} rejected)` : ""}`],
    ["Gaps", String(f.gaps)],
  ];
  return (
    <dl className="features">
      {items.map(([label, value]) => (
        <div key={label} className="features__item">
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function Reasons({ assessment }: { readonly assessment: Assessment }) {
  const reasons = [...assessment.reasons].sort((a, b) => b.points - a.points);
  if (reasons.length === 0) {
    return <p className="pm-muted">No finding added to the score: every measure was in its normal range.</p>;
  }
  return (
    <>
      <ol className="reasons">
        {reasons.map((r) => (
          <li key={r.code} className="reasons__item">
            <span className="reasons__points" aria-label={`${r.points} ${r.points === 1 ? "point" : "points"}`}>
              +{r.points}
            </span>
            <span className="reasons__message">{r.message}</span>
          </li>
        ))}
      </ol>
      <p className="reasons__total">
        Total score <strong>{assessment.score}</strong>
      </p>
    </>
  );
}

function History({ assessments, now }: { readonly assessments: readonly Assessment[]; readonly now: number }) {
  return (
    <div className="pm-table-wrap">
      <table className="pm-table pm-table--compact history">
        <caption className="pm-visually-hidden">Recent assessments, newest first</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Risk</th>
            <th scope="col">Lowest SpO2</th>
          </tr>
        </thead>
        <tbody>
          {assessments.map((a) => (
            <tr key={a.assessment_id}>
              <th scope="row">
                <time dateTime={a.assessed_at} title={formatTimestamp(a.assessed_at)}>
                  {formatRelativeTime(a.assessed_at, now)}
                </time>
              </th>
              <td>
                <RiskBadge level={a.level} score={a.score} />
              </td>
              <td>{formatPercent(a.features.spo2_min)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
