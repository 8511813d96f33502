import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router";
import { ApiClient } from "patient-monitor-ui-core";
import "patient-monitor-react-components/styles.css";
import "./app.css";
import { App } from "./App";

const container = document.getElementById("root");
if (!container) {
  throw new Error("index.html has no #root element to render into");
}

const client = new ApiClient({ baseUrl: import.meta.env.VITE_API_BASE });

createRoot(container).render(
  <StrictMode>
    <BrowserRouter>
      <App client={client} />
    </BrowserRouter>
  </StrictMode>,
);
