import pino from "pino";

// Structured JSON logs; LOG_LEVEL=silent in tests.
export const logger = pino({
  level: process.env.LOG_LEVEL ?? "info",
  base: { service: "gapmap" },
  redact: ["password", "*.password", "token", "*.token", "headers.cookie"],
});
