// Small display formats shared by pages and components (client-safe).

/** "67%", or "—" when there is nothing to divide by. */
export const percent = (met: number, total: number) =>
  total === 0 ? "—" : `${Math.round((met / total) * 100)}%`;

/** An average such as 2.7 (one decimal by default), or "—" when there is none. */
export const decimal = (value: number | null | undefined, digits = 1) =>
  value === null || value === undefined ? "—" : value.toFixed(digits);

/** "1 topic", "3 topics": a count with its noun, plural with an "s" (or the given form). */
export const plural = (count: number, noun: string, many = `${noun}s`) =>
  `${count.toLocaleString("en")} ${count === 1 ? noun : many}`;
