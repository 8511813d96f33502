import type { ReactNode } from "react";
import {
  compareByRisk,
  formatRelativeTime,
  formatTimestamp,
  riskLabel,
  type PatientSummary,
} from "patient-monitor-ui-core";
import { RiskBadge } from "./RiskBadge";
import type { RecentChange } from "./useLivePatients";
import { VisuallyHidden } from "./VisuallyHidden";

export interface PatientTableProps {
  readonly patients: readonly PatientSummary[];
  /** Visible caption naming the table. */
  readonly caption: string;
  /** Recent live changes by patient id; rows changed within `highlightMs` are marked. */
  readonly changes?: ReadonlyMap<string, RecentChange>;
  /** "Now" for relative times and highlighting (ms since epoch), e.g. from `useNow()`. */
  readonly now: number;
  readonly highlightMs?: number;
  /** Renders the patient's name, e.g. as a router link. Default: plain text. */
  readonly renderName?: (patient: PatientSummary, name: string) => ReactNode;
}

export function patientName(p: Pick<PatientSummary, "display_name" | "patient_id">): string {
  return p.display_name?.trim() || p.patient_id;
}

/**
 * Patients worst-first. Each row is headed by the patient's name; a row whose
 * risk changed recently is highlighted and says what it was before.
 */
export function PatientTable({
  patients,
  caption,
  changes,
  now,
  highlightMs = 15_000,
  renderName,
}: PatientTableProps) {
  const rows = [...patients].sort(compareByRisk);
  return (
    <div className="pm-table-wrap">
      <table className="pm-table pm-patients">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Patient</th>
            <th scope="col">Risk</th>
            <th scope="col" className="pm-patients__when">
              Last assessed
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((p) => {
            const name = patientName(p);
            const change = changes?.get(p.patient_id);
            const fresh = change !== undefined && now - change.receivedAt < highlightMs;
            const previous = change?.event.previous_level ?? null;
            const level = p.latest?.level ?? null;
            return (
              <tr
                key={p.patient_id}
                data-patient-id={p.patient_id}
                data-level={level ?? "none"}
                className={`pm-patients__row${fresh ? " pm-patients__row--changed" : ""}`}
              >
                <th scope="row" className="pm-patients__who">
                  <span className="pm-patients__name">{renderName ? renderName(p, name) : name}</span>
                  <span className="pm-patients__meta">
                    {[p.ward, p.patient_id].filter(Boolean).join(" · ")}
                  </span>
                </th>
                <td>
                  <RiskBadge level={level} score={p.latest?.score ?? null} />
                  {fresh && previous !== null && previous !== level && (
                    <span className="pm-patients__was">
                      was {riskLabel(previous)}
                      <VisuallyHidden> risk</VisuallyHidden>
                    </span>
                  )}
                </td>
                <td className="pm-patients__when">
                  {p.latest ? (
                    <time dateTime={p.latest.assessed_at} title={formatTimestamp(p.latest.assessed_at)}>
                      {formatRelativeTime(p.latest.assessed_at, now)}
                    </time>
                  ) : (
                    <span className="pm-muted">Not yet</span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
