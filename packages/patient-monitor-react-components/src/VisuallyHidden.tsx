import type { ReactNode } from "react";

/** Text for assistive technology only (kept in the layout at 1 px, clipped). */
export function VisuallyHidden({ children }: { readonly children: ReactNode }) {
  return <span className="pm-visually-hidden">{children}</span>;
}
