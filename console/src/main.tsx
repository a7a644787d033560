import { createRoot } from "react-dom/client";
import { App } from "./App";
import "./styles.css";

createRoot(document.getElementById("root") as HTMLElement).render(
  // No StrictMode: its doubled effects would exchange the one-time token twice.
  <App />,
);
