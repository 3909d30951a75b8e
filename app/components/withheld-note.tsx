import { withheldNote } from "~/modules/gaps/privacy-floor";

/** Where a figure over people is held back under the privacy floor: says so, and why. */
export function WithheldNote({ floor, what }: { floor: number; what?: string }) {
  return (
    <p className="alert" data-withheld="">
      {what ? `${what}: ` : null}
      {withheldNote(floor)}
    </p>
  );
}
