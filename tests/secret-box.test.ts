import { describe, expect, it } from "vitest";
import { openSecret, sealSecret } from "~/lib/secret-box.server";

describe("sealed secrets", () => {
  it("opens what it sealed, and the stored form never contains the secret", () => {
    const sealed = sealSecret("client-secret-value", "sso");
    expect(sealed).not.toContain("client-secret-value");
    expect(sealed).not.toBe(sealSecret("client-secret-value", "sso"));
    expect(openSecret(sealed, "sso")).toBe("client-secret-value");
  });

  it("refuses a value altered in storage, or opened for another purpose", () => {
    const sealed = sealSecret("client-secret-value", "sso");
    const parts = sealed.split(".");
    const data = Buffer.from(parts[3]!, "base64url");
    data[0] = data[0]! ^ 1;
    const altered = [...parts.slice(0, 3), data.toString("base64url")].join(".");
    expect(() => openSecret(altered, "sso")).toThrow();
    expect(() => openSecret(sealed, "webhook")).toThrow();
    expect(() => openSecret("plain text", "sso")).toThrow(/not a sealed secret/);
  });
});
