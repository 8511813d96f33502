import { useEffect, useRef, type ReactNode } from "react";
import { useLocation } from "react-router";

/**
 * The page's h1. After a client-side navigation it takes focus, so keyboard
 * and screen reader users land on the new page; on the first page load the
 * browser's own focus handling is left alone.
 */
export function PageHeading({ children }: { readonly children: ReactNode }) {
  const ref = useRef<HTMLHeadingElement>(null);
  const { key } = useLocation();
  useEffect(() => {
    if (key !== "default") ref.current?.focus({ preventScroll: true });
  }, [key]);
  return (
    <h1 ref={ref} tabIndex={-1} className="page-title">
      {children}
    </h1>
  );
}
