import { useEffect, useRef, type ReactNode } from "react";

/**
 * The page's h1. It takes focus when the page mounts so keyboard and screen
 * reader users land on the new page after client-side navigation.
 */
export function PageHeading({ children }: { readonly children: ReactNode }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus({ preventScroll: true });
  }, []);
  return (
    <h1 ref={ref} tabIndex={-1} className="page-title">
      {children}
    </h1>
  );
}
