/**
 * patient-monitor-react-components: accessible building blocks for patient-risk screens.
 *
 * - `RiskBadge`: level + score, glyph and word (not colour alone), AA contrast
 * - `Spo2TrendChart`: SVG SpO2 trend with threshold band, text description and data table
 * - `PatientTable`: patients worst-first with live-change highlighting
 * - `useLivePatients` / `useRiskEvents`: the list kept current over the SSE stream
 * - `LiveRegion`, `VisuallyHidden`, `useNow`: small accessibility and timing helpers
 *
 * Styles: import "patient-monitor-react-components/styles.css" once in the app.
 */
export { LiveRegion } from "./LiveRegion";
export { PatientTable, patientName, type PatientTableProps } from "./PatientTable";
export { RiskBadge, type RiskBadgeProps } from "./RiskBadge";
export { Spo2TrendChart, type Spo2TrendChartProps } from "./Spo2TrendChart";
export {
  useLivePatients,
  type LivePatients,
  type LoadStatus,
  type RecentChange,
  type UseLivePatientsOptions,
} from "./useLivePatients";
export { useNow } from "./useNow";
export { useRiskEvents, type UseRiskEventsOptions } from "./useRiskEvents";
export { VisuallyHidden } from "./VisuallyHidden";
