// Liveness: the process is up and serving. Dependencies are /readyz's business.
export const loader = () =>
  Response.json({ status: "ok" }, { headers: { "Cache-Control": "no-store" } });
