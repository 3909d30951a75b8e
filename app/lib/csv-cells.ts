// Cells of CSV files people open in spreadsheets: our exports never carry a live formula.

/** A spreadsheet would run a cell starting with one of these as a formula. */
const FORMULA_START = /^[=+\-@\t\r]/;
const GUARDED_CELL = /^'[=+\-@\t\r]/;

/** Export side: a leading quote makes spreadsheets show the cell as text, never run it. */
export function guardCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/** Import side: undoes guardCell, so an export imports back unchanged. */
export function readCell(value: string | undefined): string {
  const cell = value ?? "";
  return (GUARDED_CELL.test(cell) ? cell.slice(1) : cell).trim();
}
