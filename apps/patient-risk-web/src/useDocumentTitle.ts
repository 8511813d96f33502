import { useEffect } from "react";

export const APP_NAME = "Patient Risk Monitor";

export function useDocumentTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} · ${APP_NAME}` : APP_NAME;
  }, [title]);
}
