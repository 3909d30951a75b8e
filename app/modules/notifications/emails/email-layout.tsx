/** @jsxRuntime automatic */
/** @jsxImportSource react */
// The worker loads these through tsx, outside Vite: the pragmas keep its JSX on React 17+'s
// automatic runtime whatever tsconfig tsx finds.
// Each component from its own package: the @react-email/components barrel also loads
// Tailwind, Prism and a Markdown parser, ~1 s of CPU and ~30 MB at every process's start.
import { Body } from "@react-email/body";
import { Button } from "@react-email/button";
import { Container } from "@react-email/container";
import { Head } from "@react-email/head";
import { Hr } from "@react-email/hr";
import { Html } from "@react-email/html";
import { Preview } from "@react-email/preview";
import { Section } from "@react-email/section";
import { Text } from "@react-email/text";
import type { ReactNode } from "react";

// The frame every Gapmap email shares: a preview line, the body, one action and a footer.
// Styles are inline (email clients drop <style> blocks).

const text = { fontSize: "15px", lineHeight: "1.5", color: "#1f2937" } as const;

export function EmailLayout({
  preview,
  children,
  action,
  footer,
}: {
  preview: string;
  children: ReactNode;
  action: { label: string; url: string };
  footer: ReactNode;
}) {
  return (
    <Html lang="en">
      <Head />
      <Preview>{preview}</Preview>
      <Body
        style={{
          backgroundColor: "#f9fafb",
          fontFamily: "system-ui, -apple-system, Segoe UI, sans-serif",
        }}
      >
        <Container style={{ backgroundColor: "#ffffff", padding: "24px", maxWidth: "560px" }}>
          {children}
          <Section style={{ margin: "16px 0" }}>
            <Button
              href={action.url}
              className="action"
              style={{
                backgroundColor: "#1d4ed8",
                color: "#ffffff",
                borderRadius: "6px",
                padding: "10px 16px",
                textDecoration: "none",
              }}
            >
              {action.label}
            </Button>
          </Section>
          <Hr style={{ borderColor: "#e5e7eb" }} />
          <Text style={{ color: "#6b7280", fontSize: "13px", lineHeight: "1.5" }}>{footer}</Text>
        </Container>
      </Body>
    </Html>
  );
}

export function Paragraph({ children }: { children: ReactNode }) {
  return <Text style={text}>{children}</Text>;
}

/** Lines as a list (a digest's counts read better as one). */
export function Lines({ lines }: { lines: string[] }) {
  return (
    <ul style={{ ...text, paddingLeft: "20px" }}>
      {lines.map((line) => (
        <li key={line}>{line}</li>
      ))}
    </ul>
  );
}
