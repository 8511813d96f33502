import type { ReactNode } from "react";

export interface StateMessageProps {
  readonly kind: "loading" | "empty" | "error";
  readonly title: string;
  readonly children?: ReactNode;
  readonly onRetry?: () => void;
}

/** Loading, empty and error states, each with a heading and, for errors, a retry. */
export function StateMessage({ kind, title, children, onRetry }: StateMessageProps) {
  return (
    <div
      className={`state state--${kind}`}
      role={kind === "error" ? "alert" : "status"}
      aria-busy={kind === "loading" ? true : undefined}
    >
      {kind === "loading" && <span className="spinner" aria-hidden="true" />}
      <p className="state__title">{title}</p>
      {children}
      {onRetry && (
        <button type="button" className="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}
