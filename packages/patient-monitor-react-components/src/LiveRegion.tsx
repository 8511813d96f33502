/**
 * A polite live region: screen readers read `message` whenever it changes,
 * without moving focus. Render it once, outside content that re-mounts.
 */
export function LiveRegion({ message }: { readonly message: string }) {
  return (
    <div className="pm-visually-hidden" role="status" aria-live="polite" aria-atomic="true">
      {message}
    </div>
  );
}
